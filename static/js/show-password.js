// The show-password button of the field holding this script (render_field, templates/_macros.html).
(function () {
  var f = document.currentScript.parentElement, i = f.querySelector("input[type=password]"),
    b = document.createElement("button");
  function show(on) {
    i.type = on ? "text" : "password";
    b.setAttribute("aria-pressed", on);
    b.textContent = on ? f.dataset.hide : f.dataset.show;
  }
  b.type = "button";
  b.className = "reveal";
  b.setAttribute("aria-controls", i.id);
  b.onclick = function () { show(i.type == "password"); };
  // Hidden again before sending: the browser then never keeps it as text.
  if (i.form) i.form.addEventListener("submit", function () { show(false); });
  show(false);
  i.after(b);
})();
