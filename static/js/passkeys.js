// Passkeys where the browser has WebAuthn (every page that offers one loads this; the pages
// that run a ceremony load passkey-ceremony.js after it). Without WebAuthn nothing runs: the
// passkey buttons stay inert <template>s and every other way works.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) return;
  document.querySelectorAll("template[data-passkey-way]").forEach(function (t) {
    t.replaceWith(t.content.cloneNode(true));
  });
  var capable = document.getElementById("webauthn");
  if (capable) capable.value = "1";  // offered a passkey after a password sign-in

  // WebAuthn's JSON forms carry bytes as base64url; the browser's API takes ArrayBuffers.
  function bytes(s) {
    return Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")),
      function (c) { return c.charCodeAt(0); }).buffer;
  }
  function text(b) {
    return btoa(String.fromCharCode.apply(null, new Uint8Array(b)))
      .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function ids(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: bytes(c.id) }); });
  }
  var P = window.GatehousePasskeys = {
    request: function (o) {
      return Object.assign({}, o, { challenge: bytes(o.challenge), allowCredentials: ids(o.allowCredentials) });
    },
    creation: function (o) {
      return Object.assign({}, o, { challenge: bytes(o.challenge), excludeCredentials: ids(o.excludeCredentials),
        user: Object.assign({}, o.user, { id: bytes(o.user.id) }) });
    },
    // The answer as RegistrationResponseJSON / AuthenticationResponseJSON.
    json: function (c) {
      if (typeof c.toJSON === "function") return c.toJSON();
      var r = c.response, out = {};
      ["clientDataJSON", "attestationObject", "authenticatorData", "signature", "userHandle"]
        .forEach(function (k) { if (r[k]) out[k] = text(r[k]); });
      if (r.getTransports) out.transports = r.getTransports();
      return { id: c.id, rawId: text(c.rawId), type: c.type, response: out,
        authenticatorAttachment: c.authenticatorAttachment || undefined,
        clientExtensionResults: c.getClientExtensionResults() };
    },
    // POST to a JSON endpoint of the page's with the CSRF token of ``form``.
    post: function (url, form, body) {
      return fetch(url, { method: "POST", credentials: "same-origin", body: body,
        headers: { "X-CSRFToken": form.elements.csrf_token.value, "Accept": "application/json" } })
        .then(function (r) { return r.json().then(function (b) { b.ok = r.ok; return b; }); });
    }
  };

  // Passkey autofill on the sign-in page: once an address is typed, ask for its options and
  // leave a conditional request open, so the fields' autofill offers the passkey.
  var answer = document.querySelector("form[data-passkey-options]"), email = document.getElementById("email");
  if (!answer || !email || !PublicKeyCredential.isConditionalMediationAvailable) return;
  PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
    var asked = "", pending = null;
    function prime() {
      var typed = email.value.trim();
      if (!available || !typed || typed === asked || !email.checkValidity()) return;
      asked = typed;
      if (pending) pending.abort();
      var signal = (pending = new AbortController()).signal;
      P.post(answer.dataset.passkeyOptions, answer, new URLSearchParams({ email: typed }))
        .then(function (b) {
          if (!b.ok) throw new Error("");
          answer.elements.waiting.value = b.waiting;  // the request this answer is for
          return navigator.credentials.get({ publicKey: P.request(b.options), mediation: "conditional", signal: signal });
        }).then(function (c) {
          answer.elements.credential.value = JSON.stringify(P.json(c));
          answer.submit();
        }, function () { /* aborted, declined or unavailable: the form still works */ });
    }
    email.addEventListener("change", prime);
    prime();
  });
})();
