// Small behaviours without inline scripts (the content security policy forbids them).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var back = event.target.closest("[data-jz-back]");
    if (back && window.history.length > 1) { event.preventDefault(); window.history.back(); return; }
    var confirmEl = event.target.closest("[data-confirm]");
    if (confirmEl && !window.confirm(confirmEl.getAttribute("data-confirm"))) { event.preventDefault(); event.stopPropagation(); }
    var all = event.target.closest("[data-select-all]");
    if (all) {
      var name = all.getAttribute("data-select-all");
      document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) { box.checked = all.checked; });
    }
    // Formsets: <button data-formset-add="m"> clones <template id="m-empty"> into #m-forms.
    var add = event.target.closest("[data-formset-add]");
    if (add) {
      event.preventDefault();
      var prefix = add.getAttribute("data-formset-add");
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var tpl = document.getElementById(prefix + "-empty");
      var holder = document.getElementById(prefix + "-forms");
      if (total && tpl && holder) {
        var index = parseInt(total.value, 10);
        var html = tpl.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
        holder.insertAdjacentHTML("beforeend", html);
        total.value = String(index + 1);
      }
    }
    if (event.target.closest("[data-print]")) { window.print(); }
    var copy = event.target.closest("[data-copy]");
    if (copy && navigator.clipboard) { navigator.clipboard.writeText(copy.getAttribute("data-copy")); copy.textContent = "已复制"; }
  });
  // Auto-submit filter forms when a select changes.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches("form[data-autosubmit] select")) { el.form.requestSubmit(); }
  });
  // Charts: <div class="jz-chart" data-chart='{"...echarts option..."}'>
  function drawCharts(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      el.dataset.drawn = "1";
      var chart = window.echarts.init(el);
      chart.setOption(JSON.parse(el.getAttribute("data-chart")));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  // A form that came back with errors (data-jz-invalid): open it, bring its first wrong field into view and
  // put the cursor there, so the user sees the problem where they were typing, not in a banner off screen.
  function showFirstError() {
    var form = document.querySelector("form[data-jz-invalid]:not([data-jz-shown])");
    if (!form) { return; }
    form.setAttribute("data-jz-shown", "1");
    var details = form.closest("details");
    if (details) { details.open = true; }
    var field = form.querySelector(".is-invalid") || form.querySelector("[role=alert]");
    if (field) {
      field.scrollIntoView({ block: "center", behavior: "instant" });
      if (field.focus) { field.focus({ preventScroll: true }); }
    }
  }
  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); showFirstError(); });
  document.body && document.body.addEventListener("htmx:afterSwap", function (e) { drawCharts(e.target); });
  document.body && document.body.addEventListener("htmx:afterSettle", showFirstError);
})();
