// Behaviour declared in the markup with data- attributes: templates carry no inline scripts or
// on*= handlers, which the Content-Security-Policy refuses (SEC-08).
//   <form data-confirm="…"> / <button data-confirm="…">  ask before submitting
//   <select data-autosubmit>                              submit its form on change
//   <input type=checkbox data-check-all="selector">       tick / untick every match
//   <button data-check-all="selector">                    tick every match
//   <select data-enables="#field" data-enables-when="v">  #field is enabled only while the value is v
//   <input type=file data-max-bytes="n" aria-describedby="id">  refuse a larger file before upload
//   data-indent="n" (rem of left padding), data-progress="n" (percent width of a progress bar)
//   every <input type=file> gets the Chinese picker below (the browser's own says "Choose File")
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
// A Chinese file picker around every file input: 选择文件 and the chosen file's name, instead of
// the browser's "Choose File / No file chosen" in the browser's language. The native input stays
// (transparent, over the whole picker): it takes the clicks, the keyboard focus, its <label> and
// the form's validation; the drawn parts are hidden from screen readers, which read the input.
function addFilePickers(root) {
  root.querySelectorAll("input[type=file]:not([data-picker])").forEach(function (input) {
    input.dataset.picker = "1";
    const picker = document.createElement("div");
    picker.className = "file-picker input-group";
    if (input.classList.contains("form-control-sm")) picker.classList.add("input-group-sm");
    Array.from(input.classList).filter(function (c) { return /^(m[tbsexy]?|w)-/.test(c); }).forEach(function (c) {
      picker.classList.add(c);
      input.classList.remove(c);
    });
    const button = document.createElement("span");
    button.className = "btn btn-outline-secondary file-picker-button";
    button.textContent = input.multiple ? "选择文件（可多选）" : "选择文件";
    const name = document.createElement("span");
    name.className = "form-control file-picker-name text-truncate";
    button.setAttribute("aria-hidden", "true");
    name.setAttribute("aria-hidden", "true");
    input.parentNode.insertBefore(picker, input);
    picker.append(input, button, name);
    input.classList.add("file-picker-input");
    const show = function () {
      const files = input.files ? input.files.length : 0;
      name.textContent = files === 0 ? "未选择文件" : files === 1 ? input.files[0].name : "已选择" + files + "个文件";
      name.classList.toggle("text-muted", files === 0);
    };
    input.addEventListener("change", show);
    input.form && input.form.addEventListener("reset", function () { setTimeout(show, 0); });
    show();
  });
}
function applyComputedStyles(root) {
  addFilePickers(root);
  // BEY-09: a table that scrolls sideways (a phone) is reached and scrolled with the keyboard too.
  root.querySelectorAll(".table-responsive:not([tabindex])").forEach(function (el) { el.tabIndex = 0; });
  root.querySelectorAll("[data-indent]").forEach(function (el) { el.style.paddingLeft = Number(el.dataset.indent) + "rem"; });
  root.querySelectorAll("[data-progress]").forEach(function (el) { el.style.width = Number(el.dataset.progress) + "%"; });
  root.querySelectorAll("[data-enables]").forEach(syncEnabled);
}
if (window.htmx) {
  htmx.onLoad(applyComputedStyles);
} else {
  document.addEventListener("DOMContentLoaded", function () { applyComputedStyles(document); });
}
