// Event list: filter (by the selects and a text search) and sort (by the column buttons).
// The page is complete without this script; it only hides rows and reorders them.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var table = document.getElementById("event-list");
  if (!form || !table) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var shown = document.getElementById("shown");
  var texts = rows.map(function (r) { return (r.id + " " + r.textContent).toLowerCase(); });
  // A filter compares the text of its column (th[data-facet]).
  var facetColumn = {};
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
    var name = th.getAttribute("data-facet");
    if (name) facetColumn[name] = i;
  });
  // The year filter reads the date column: its text starts with the start year (or says "unknown").
  var dateColumn = Array.prototype.map.call(table.tHead.rows[0].cells, function (th) { return th.getAttribute("data-sort"); }).indexOf("date");
  function value(r, name) {
    if (name in facetColumn) return r.cells[facetColumn[name]].textContent.trim();
    if (name === "year") { var m = /^\d{4}/.exec(r.cells[dateColumn].textContent); return m ? m[0] : "unknown"; }
    return r.getAttribute("data-" + name);
  }
  form.hidden = false;

  function apply() {
    var wanted = {};
    Array.prototype.forEach.call(form.querySelectorAll("select[data-filter]"), function (s) {
      if (s.value !== "") wanted[s.name] = s.value;
    });
    var words = form.elements.q.value.toLowerCase().split(/\s+/).filter(Boolean);
    var n = 0;
    rows.forEach(function (r, i) {
      var ok = Object.keys(wanted).every(function (k) { return value(r, k) === wanted[k]; }) &&
        words.every(function (w) { return texts[i].indexOf(w) !== -1; });
      r.hidden = !ok;
      if (ok) n += 1;
    });
    shown.textContent = n === rows.length ? rows.length + " events." : n + " of " + rows.length + " events shown.";
  }
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  form.addEventListener("submit", function (ev) { ev.preventDefault(); });

  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  heads.forEach(function (th, col) {
    var kind = th.getAttribute("data-sort");
    if (!kind) return;
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = th.textContent;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", function () {
      var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir);
      var key = function (r) {
        var cell = r.cells[col];
        var v = cell.getAttribute("data-value") || cell.textContent.trim();
        if (kind === "number") { var x = parseFloat(v.replace(/,/g, "")); return isNaN(x) ? -Infinity : x; }
        return v.toLowerCase();
      };
      var sign = dir === "ascending" ? 1 : -1;
      rows.slice().sort(function (a, b) {
        var ka = key(a), kb = key(b);
        return ka < kb ? -sign : ka > kb ? sign : 0;
      }).forEach(function (r) { body.appendChild(r); });
    });
  });
  apply();
})();
