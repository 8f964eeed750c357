// The pipeline board's drag and drop. Dropping a card on another column submits the card's own
// "Move to" form, so a drag does exactly what the keyboard does (htmx posts it and swaps the board).
(function () {
  "use strict";
  var dragged = null;

  function columnAt(event) {
    var target = event.target;
    return dragged && target instanceof Element ? target.closest(".board-col") : null;
  }

  function clearTargets() {
    document.querySelectorAll(".board-col.drop-target").forEach(function (col) {
      col.classList.remove("drop-target");
    });
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target instanceof Element ? event.target.closest(".deal-card") : null;
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.id);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    clearTargets();
  });

  document.addEventListener("dragover", function (event) {
    var column = columnAt(event);
    if (!column) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!column.classList.contains("drop-target")) {
      clearTargets();
      column.classList.add("drop-target");
    }
  });

  document.addEventListener("drop", function (event) {
    var column = columnAt(event);
    if (!column) return;
    event.preventDefault();
    clearTargets();
    var form = dragged.querySelector("form.move");
    var select = form && form.querySelector("select[name=stage]");
    if (!select || select.value === column.dataset.stage) return;
    select.value = column.dataset.stage;
    dragged.classList.add("moving");
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  });

  // After a move the board is replaced: put the focus back on the card that moved, or on the
  // message when the card left the board (won or lost) or was not moved.
  document.addEventListener("htmx:afterSettle", function () {
    var target = document.querySelector(".deal-card[data-moved]") || document.querySelector("[data-move-message]");
    if (target) target.focus();
  });
})();
