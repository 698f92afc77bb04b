// Show-password button for the field holding this script (render_field in templates/_macros.html);
// its texts are the field's data-show and data-hide, translated on the server.
(function () {
  var f = document.currentScript.parentElement, i = f.querySelector("input[type=password]");
  if (!i) return;
  var b = document.createElement("button");
  function show(on) {
    i.type = on ? "text" : "password";
    b.setAttribute("aria-pressed", on);
    b.textContent = on ? f.dataset.hide : f.dataset.show;
  }
  b.type = "button";
  b.className = "reveal";
  b.setAttribute("aria-controls", i.id);
  b.onclick = function () { show(i.type == "password"); };
  // Dots again before sending, so the browser never keeps the password on screen or as text.
  if (i.form) i.form.addEventListener("submit", function () { show(false); });
  show(false);
  i.after(b);
})();
