// Show-password button for the field around this script (templates/_macros.html render_field).
// An enhancement: without JavaScript the field is a plain password field. The button's texts come
// from the field's data-show and data-hide attributes, translated on the server.
(function () {
  "use strict";
  var field = document.currentScript && document.currentScript.parentElement;
  var input = field && field.querySelector("input[type=password]");
  if (!input || !field.dataset.show) return;
  var button = document.createElement("button");
  button.type = "button";
  button.className = "reveal";
  button.setAttribute("aria-controls", input.id);
  function show(visible) {
    input.type = visible ? "text" : "password";
    button.setAttribute("aria-pressed", String(visible));
    button.textContent = visible ? field.dataset.hide : field.dataset.show;
  }
  button.addEventListener("click", function () { show(input.type === "password"); });
  // A revealed password goes back to dots before the form is sent, so the browser never offers to
  // remember it as plain text or leaves it on screen.
  if (input.form) input.form.addEventListener("submit", function () { show(false); });
  show(false);
  input.insertAdjacentElement("afterend", button);
})();
