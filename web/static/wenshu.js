// wenshu: the little behaviour pages need beyond htmx. No inline script anywhere (CSP).
(function () {
  "use strict";
  // Drag and drop onto a .drop zone fills its file input.
  function wireDrop(zone) {
    var input = zone.querySelector('input[type="file"]');
    var label = zone.querySelector(".drop-name");
    if (!input) { return; }
    zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      zone.classList.remove("over");
      if (e.dataTransfer && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    input.addEventListener("change", function () {
      if (label) { label.textContent = input.files.length ? input.files[0].name : ""; }
    });
  }
  // Forms with data-confirm ask before they are sent (disposal, resets).
  function wireConfirm(form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  }
  // A form's submit button is disabled while it is sent, so one click is one request.
  function wireOnce(form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) { setTimeout(function () { button.disabled = true; }, 0); }
    });
  }
  // A .unit-group's "全选" box ticks or clears every unit below the group's head, and
  // shows whether all of them are ticked.
  function wireGroup(group) {
    var all = group.querySelector("input.select-group");
    var boxes = group.querySelectorAll('.columns input[name="units"]');
    if (!all) { return; }
    function sync() {
      all.checked = Array.prototype.every.call(boxes, function (b) { return b.checked; });
    }
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
    });
    boxes.forEach(function (b) { b.addEventListener("change", sync); });
    sync();
  }
  // A link with data-unit-from follows the unit picked in that select (?unit=<code>).
  function wireUnitLink(link) {
    var select = document.getElementById(link.getAttribute("data-unit-from"));
    if (!select) { return; }
    select.addEventListener("change", function () {
      var url = new URL(link.href, window.location.href);
      url.searchParams.set("unit", select.value);
      link.href = url.toString();
    });
  }
  // Parts of a form that only some kinds need (data-for-kinds="a b") show while the
  // form's 文种 (#f-kind) is one of them; without script every part stays shown.
  function wireKindParts(select) {
    var parts = document.querySelectorAll("[data-for-kinds]");
    function sync() {
      parts.forEach(function (part) {
        part.hidden = part.getAttribute("data-for-kinds").split(" ").indexOf(select.value) < 0;
      });
    }
    select.addEventListener("change", sync);
    sync();
  }
  document.addEventListener("DOMContentLoaded", function () {
    var kind = document.getElementById("f-kind");
    if (kind) { wireKindParts(kind); }
    document.querySelectorAll("a[data-unit-from]").forEach(wireUnitLink);
    document.querySelectorAll(".unit-group").forEach(wireGroup);
    document.querySelectorAll(".drop").forEach(wireDrop);
    document.querySelectorAll("form[data-confirm]").forEach(wireConfirm);
    document.querySelectorAll("form.once").forEach(wireOnce);
  });
})();
