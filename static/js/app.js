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
