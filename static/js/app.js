// Behaviour declared in the markup with data- attributes: templates carry no inline scripts or
// on*= handlers, which the Content-Security-Policy refuses (SEC-08).
//   <form data-confirm="…"> / <button data-confirm="…">  ask before submitting
//   <select data-autosubmit>                              submit its form on change
//   <input type=checkbox data-check-all="selector">       tick / untick every match
//   <button data-check-all="selector">                    tick every match
//   <select data-enables="#field" data-enables-when="v">  #field is enabled only while the value is v
//   <input type=file data-max-bytes="n" aria-describedby="id">  refuse a larger file before upload
//   data-indent="n" (rem of left padding), data-progress="n" (percent width of a progress bar)
// Asked first, so a cancelled confirmation leaves the form untouched by the handler below.
document.addEventListener("submit", function (event) {
  const form = event.target;
  const button = event.submitter;
  const question = (button && button.dataset.confirm) || form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

// Double-submit protection in the browser (BEY-06); the server checks the one-time token too.
document.addEventListener("submit", function (event) {
  const form = event.target;
  if (form.dataset.submitted === "1") { event.preventDefault(); return; }
  form.dataset.submitted = "1";
  // Disable after the browser has collected the form data, so the clicked button's value is sent.
  setTimeout(function () {
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) {
      b.disabled = true;
      b.classList.add("disabled");
    });
  }, 0);
}, true);
// Back/forward cache would show disabled buttons: re-enable them.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-submitted='1']").forEach(function (f) {
    f.dataset.submitted = "";
    f.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) { b.disabled = false; b.classList.remove("disabled"); });
  });
});

document.addEventListener("change", function (event) {
  const el = event.target;
  if (el.matches("select[data-autosubmit]") && el.form) el.form.requestSubmit();
  if (el.matches("input[type=checkbox][data-check-all]")) {
    document.querySelectorAll(el.dataset.checkAll).forEach(function (c) { c.checked = el.checked; });
  }
  if (el.matches("[data-enables]")) syncEnabled(el);
  if (el.matches("input[type=file][data-max-bytes]")) checkFileSize(el);
});
document.addEventListener("click", function (event) {
  const button = event.target.closest("button[data-check-all]");
  if (button) document.querySelectorAll(button.dataset.checkAll).forEach(function (c) { c.checked = true; });
});
function syncEnabled(select) {
  const target = document.querySelector(select.dataset.enables);
  if (!target) return;
  target.disabled = select.value !== select.dataset.enablesWhen;
  if (target.disabled) target.value = "";
}
function checkFileSize(input) {
  const tooBig = input.files.length > 0 && input.files[0].size > Number(input.dataset.maxBytes);
  const message = document.getElementById(input.getAttribute("aria-describedby") || "");
  input.classList.toggle("is-invalid", tooBig);
  input.setCustomValidity(tooBig && message ? message.textContent : "");
}
// Computed sizes: set through element.style (allowed by the policy), also in htmx-swapped content.
function applyComputedStyles(root) {
  root.querySelectorAll("[data-indent]").forEach(function (el) { el.style.paddingLeft = Number(el.dataset.indent) + "rem"; });
  root.querySelectorAll("[data-progress]").forEach(function (el) { el.style.width = Number(el.dataset.progress) + "%"; });
  root.querySelectorAll("[data-enables]").forEach(syncEnabled);
}
if (window.htmx) {
  htmx.onLoad(applyComputedStyles);
} else {
  document.addEventListener("DOMContentLoaded", function () { applyComputedStyles(document); });
}
