// Passkeys, where the browser has WebAuthn: the sign-in page's passkey button, the passkey
// sign-in page (templates/signin/passkey.html), and making a passkey in the account pages
// (templates/account/passkey_new.html, passkey_offer.html). Without WebAuthn or JavaScript
// nothing here runs: the passkey buttons stay inert <template>s and every other way works.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  // The passkey buttons take their places; the sign-in form tells the server this browser can
  // make passkeys (it is then offered one after a password sign-in).
  document.querySelectorAll("template[data-passkey-way]").forEach(function (t) {
    t.replaceWith(t.content.cloneNode(true));
  });
  var capable = document.getElementById("webauthn");
  if (capable) capable.value = "1";

  // WebAuthn's JSON forms carry bytes as base64url; the browser's API takes ArrayBuffers.
  function bytes(text) {
    var plain = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(plain, function (c) { return c.charCodeAt(0); }).buffer;
  }
  function text(buffer) {
    var plain = String.fromCharCode.apply(null, new Uint8Array(buffer));
    return btoa(plain).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function withIds(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: bytes(c.id) }); });
  }
  function requestOptions(o) {
    return Object.assign({}, o, {
      challenge: bytes(o.challenge), allowCredentials: withIds(o.allowCredentials)
    });
  }
  function creationOptions(o) {
    return Object.assign({}, o, {
      challenge: bytes(o.challenge),
      user: Object.assign({}, o.user, { id: bytes(o.user.id) }),
      excludeCredentials: withIds(o.excludeCredentials)
    });
  }
  // The answer as WebAuthn's JSON (RegistrationResponseJSON / AuthenticationResponseJSON).
  function asJSON(c) {
    if (typeof c.toJSON === "function") return c.toJSON();
    var r = c.response, out = {};
    ["clientDataJSON", "attestationObject", "authenticatorData", "signature", "userHandle"]
      .forEach(function (k) { if (r[k]) out[k] = text(r[k]); });
    if (r.getTransports) out.transports = r.getTransports();
    return {
      id: c.id, rawId: text(c.rawId), type: c.type, response: out,
      authenticatorAttachment: c.authenticatorAttachment || undefined,
      clientExtensionResults: c.getClientExtensionResults()
    };
  }
  // Show a page's failure message: the server's sentence when given, else the page's own.
  function show(id, message) {
    var p = document.getElementById(id);
    if (!p.dataset.own) p.dataset.own = p.textContent;
    p.textContent = message || p.dataset.own;
    p.hidden = false;
  }

  // Signing in: ask for the passkey at once (the person has just chosen it), and again from
  // the button after a cancel.
  var request = document.getElementById("passkey-request");
  if (request) {
    var options = JSON.parse(request.textContent);
    var answer = document.getElementById("passkey-answer");
    var get = function () {
      document.getElementById("passkey-failed").hidden = true;
      navigator.credentials.get({ publicKey: requestOptions(options) }).then(function (c) {
        document.getElementById("passkey-credential").value = JSON.stringify(asJSON(c));
        answer.submit();
      }, function () { show("passkey-failed"); });
    };
    document.querySelector("[data-passkey-get]").addEventListener("click", get);
    get();
  }

  // Passkey autofill on the sign-in page: once an address is typed, ask for its options and
  // leave a conditional request open, so the fields' autofill offers the passkey.
  var primer = document.querySelector("form[data-passkey-options]");
  if (primer && PublicKeyCredential.isConditionalMediationAvailable) {
    PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
      var email = document.getElementById("email"), asked = "", pending = null;
      if (!available || !email) return;
      var prime = function () {
        var typed = email.value.trim();
        if (!typed || typed === asked || !email.checkValidity()) return;
        asked = typed;
        if (pending) pending.abort();
        pending = new AbortController();
        var signal = pending.signal;
        fetch(primer.dataset.passkeyOptions, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRFToken": primer.elements.csrf_token.value, "Accept": "application/json" },
          body: new URLSearchParams({ email: typed })
        }).then(function (r) {
          if (!r.ok) throw new Error("");
          return r.json();
        }).then(function (body) {
          return navigator.credentials.get({
            publicKey: requestOptions(body.options), mediation: "conditional", signal: signal
          });
        }).then(function (c) {
          document.getElementById("passkey-credential").value = JSON.stringify(asJSON(c));
          primer.submit();
        }, function () { /* aborted, declined or unavailable: the form still works */ });
      };
      email.addEventListener("change", prime);
      prime();
    });
  }

  // Making a passkey: the pool's options (a POST with the form's CSRF token), the browser
  // makes the passkey, the form sends it with its name.
  var create = document.querySelector("[data-passkey-create]");
  if (create) {
    create.addEventListener("click", function () {
      var form = create.form;
      document.getElementById("passkey-failed").hidden = true;
      create.disabled = true;
      fetch(create.dataset.passkeyCreate, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": form.elements.csrf_token.value, "Accept": "application/json" }
      }).then(function (r) {
        return r.json().then(function (body) {
          if (body.next) location.assign(body.next);  // a page to see first ("confirm it's you")
          if (!r.ok) throw new Error(body.error || "");
          return navigator.credentials.create({ publicKey: creationOptions(body.options) });
        });
      }).then(function (c) {
        document.getElementById("passkey-credential").value = JSON.stringify(asJSON(c));
        form.submit();
      }).catch(function (why) {
        create.disabled = false;
        // The server's own sentence when it gave one; else the page's (a cancel, say).
        show("passkey-failed", why && why.message && why.name === "Error" ? why.message : "");
      });
    });
  }
})();
