// Keyboard shortcuts for a fast pass through the review queue. No other script on the site.
// a = approve, r = reject (both need the reason first: the key focuses it and picks the
// action; Enter then submits), j / k = next / previous, Enter on a list = open the selected row.
(function () {
  "use strict";
  function typing(e) {
    var t = e.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable);
  }
  function go(id) { var a = document.getElementById(id); if (a) { window.location = a.href; } }
  var form = document.getElementById("decide");
  if (form) {
    form.querySelectorAll("button[data-action]").forEach(function (b) {
      b.addEventListener("click", function () {
        document.getElementById("action").value = b.dataset.action;
      });
    });
    form.addEventListener("submit", function (e) {
      var action = document.getElementById("action");
      if (!action.value) { e.preventDefault(); document.getElementById("reason").focus(); }
    });
  }
  var rows = Array.prototype.slice.call(document.querySelectorAll("table.list tbody tr[data-href]"));
  var sel = -1;
  function select(i) {
    if (!rows.length) { return; }
    sel = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, k) { r.classList.toggle("selected", k === sel); });
    rows[sel].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (typing(e)) {
      if (e.key === "Escape") { e.target.blur(); }
      return;
    }
    if (form && (e.key === "a" || e.key === "r")) {
      e.preventDefault();
      document.getElementById("action").value = e.key === "a" ? "approve" : "reject";
      document.querySelectorAll("button[data-action]").forEach(function (b) {
        b.classList.toggle("chosen", b.dataset.action === document.getElementById("action").value);
      });
      document.getElementById("reason").focus();
    } else if (e.key === "j") {
      if (rows.length) { select(sel + 1); } else { go("next"); }
    } else if (e.key === "k") {
      if (rows.length) { select(sel - 1); } else { go("prev"); }
    } else if (e.key === "Enter" && sel >= 0) {
      window.location = rows[sel].dataset.href;
    }
  });
})();
