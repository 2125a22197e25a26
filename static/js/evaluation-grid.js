// The evaluation grid without a mouse and without ticking 2,400 boxes. Only convenience: the
// server honours every box as sent (the header boxes apply to everyone), so the form works
// without this script. Here the boxes a header box or "all criteria met" stands for are ticked
// visibly, a box that contradicts them unticks them, and the arrow keys (and Enter in a text
// field) move down and up a column.
(function () {
  "use strict";
  var table = document.querySelector("[data-evaluation-grid]");
  if (!table) return;
  var hint = document.querySelector("[data-with-script]");
  if (hint) hint.hidden = false;

  // A row's boxes by what they say, from their names: include-<id>, allmet-<id>, met-<id>-<c>.
  function rowBoxes(row, role) {
    return row.querySelectorAll('input[name^="' + role + '-"]');
  }
  function roleOf(box) {
    return box.name.split("-")[0];
  }
  function everyone(role) {
    return table.querySelector('thead input[name="' + role + '-all"]');
  }
  function bodyRows() {
    return table.tBodies[0].rows;
  }
  function setAll(boxes, value) {
    for (var i = 0; i < boxes.length; i++) boxes[i].checked = value;
  }

  // The header's "all criteria met" stands for every observed row, as on the server.
  function applyEveryoneMet(row) {
    if (!everyone("allmet").checked || !rowBoxes(row, "include")[0].checked) return;
    rowBoxes(row, "allmet")[0].checked = true;
    setAll(rowBoxes(row, "met"), true);
  }

  function rowChanged(row, box) {
    var role = roleOf(box);
    var allMet = rowBoxes(row, "allmet")[0];
    var include = rowBoxes(row, "include")[0];
    var criteria = rowBoxes(row, "met");
    if (role === "allmet") {
      setAll(criteria, box.checked);
      if (box.checked) include.checked = true;
    } else if (role === "met") {
      allMet.checked = Array.prototype.every.call(criteria, function (c) { return c.checked; });
      if (box.checked) include.checked = true;
    } else if (role === "include") {
      if (box.checked) applyEveryoneMet(row);
      else allMet.checked = false; // "all criteria met" counts as observed on the server
    }
    // A header box stands for every row: once one row differs, it no longer does.
    if (!include.checked) everyone("include").checked = false;
    if (include.checked && !allMet.checked) everyone("allmet").checked = false;
  }

  function everyoneChanged(box) {
    var rows = bodyRows();
    for (var i = 0; i < rows.length; i++) {
      var include = rowBoxes(rows[i], "include")[0];
      if (roleOf(box) === "include") {
        include.checked = box.checked;
        if (box.checked) applyEveryoneMet(rows[i]);
        else rowBoxes(rows[i], "allmet")[0].checked = false;
      } else if (include.checked) {
        rowBoxes(rows[i], "allmet")[0].checked = box.checked;
        setAll(rowBoxes(rows[i], "met"), box.checked);
      }
    }
  }

  table.addEventListener("change", function (event) {
    var box = event.target;
    if (box.type !== "checkbox") return;
    if (box.hasAttribute("data-everyone")) everyoneChanged(box);
    else rowChanged(box.closest("tr"), box);
  });

  function moveInColumn(field, step) {
    var cell = field.closest("td");
    var row = cell.parentElement;
    var rows = bodyRows();
    var index = row.sectionRowIndex + step;
    if (index < 0 || index >= rows.length) return false;
    var target = rows[index].cells[cell.cellIndex].querySelector("input");
    if (!target) return false;
    target.focus();
    if (target.type === "text") target.select();
    return true;
  }

  table.addEventListener("keydown", function (event) {
    var field = event.target;
    if (field.tagName !== "INPUT" || !field.closest("tbody")) return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var step = 0;
    if (event.key === "ArrowDown") step = 1;
    else if (event.key === "ArrowUp") step = -1;
    else if (event.key === "Enter" && field.type === "text") step = event.shiftKey ? -1 : 1;
    if (step && (moveInColumn(field, step) || event.key === "Enter")) event.preventDefault();
  });
})();
