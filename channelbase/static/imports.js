// Import pages: the progress bar polls its run until the dry run or the import ends, then reloads the page;
// a saved mapping's link fills the column pickers.
(function () {
  "use strict";
  var bar = document.getElementById("import-progress");
  if (bar) {
    var text = document.getElementById("import-progress-text");
    var poll = function () {
      fetch(bar.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (state) {
          bar.max = Math.max(state.total, 1);
          bar.value = state.done;
          text.textContent = state.done.toLocaleString() + " of " + state.total.toLocaleString() + " rows" +
            (state.phase === "writing" ? " (writing)" : "");
          if (state.finished) { window.location.reload(); } else { setTimeout(poll, 500); }
        })
        .catch(function () { setTimeout(poll, 2000); });
    };
    setTimeout(poll, 300);
  }
  document.querySelectorAll("a.use-mapping").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var columns = JSON.parse(link.dataset.columns);
      document.querySelectorAll("select[name^='map_']").forEach(function (picker) {
        picker.value = columns[picker.name.slice(4)] || "";
      });
    });
  });
})();
