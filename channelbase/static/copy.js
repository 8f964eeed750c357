// Copy buttons: <button data-copy="ELEMENT_ID" hidden> copies that element's value or text.
// Hidden until this script runs, so pages without JavaScript or clipboard access show no dead button.
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var target = document.getElementById(button.dataset.copy);
      if (!target) return;
      navigator.clipboard.writeText(target.value || target.textContent).then(function () {
        var label = button.textContent;
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
})();
