// The passkey pages' ceremonies, on top of passkeys.js: signing in (templates/signin/passkey.html)
// and making a passkey (templates/account/passkey_new.html).
(function () {
  "use strict";
  var P = window.GatehousePasskeys;
  if (!P) return;  // no WebAuthn: the pages say passkeys need it
  // Show the page's failure message: the server's sentence when given, else the page's own.
  function failed(message) {
    var p = document.getElementById("passkey-failed");
    if (!p.dataset.own) p.dataset.own = p.textContent;
    p.textContent = message || p.dataset.own;
    p.hidden = false;
  }
  function send(form, credential) {
    form.elements.credential.value = JSON.stringify(P.json(credential));
    form.submit();
  }

  // Signing in: ask for the passkey at once (the person has just chosen it), and again from
  // the button after a cancel.
  var request = document.getElementById("passkey-request");
  if (request) {
    var options = JSON.parse(request.textContent), answer = document.getElementById("passkey-answer");
    var get = function () {
      document.getElementById("passkey-failed").hidden = true;
      navigator.credentials.get({ publicKey: P.request(options) })
        .then(function (c) { send(answer, c); }, function () { failed(); });
    };
    document.querySelector("[data-passkey-get]").addEventListener("click", get);
    get();
  }

  // Making a passkey: the pool's options, the browser makes it, the form sends it with its name.
  var create = document.querySelector("[data-passkey-create]");
  if (create) {
    create.addEventListener("click", function () {
      var form = create.form;
      document.getElementById("passkey-failed").hidden = true;
      create.disabled = true;
      P.post(create.dataset.passkeyCreate, form).then(function (b) {
        if (b.next) location.assign(b.next);  // a page to see first ("confirm it's you")
        if (!b.ok) throw new Error(b.error || "");
        return navigator.credentials.create({ publicKey: P.creation(b.options) });
      }).then(function (c) { send(form, c); }).catch(function (why) {
        create.disabled = false;
        failed(why && why.name === "Error" ? why.message : "");
      });
    });
  }
})();
