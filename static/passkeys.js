// Passkeys (WebAuthn). Forms marked data-passkey="create" or "get" are
// hidden until this script finds WebAuthn in the browser. On submit it
// asks the server for the ceremony's options (JSON, data-options URL, with
// the form's CSRF token, and its password field when it has one; a 403 shows
// data-error-refused), calls navigator.credentials, puts the answer in
// the form's hidden "credential" field as JSON, and submits the form as
// usual: the server verifies it and answers with a page or a redirect.
// Binary fields travel as base64url. No inline script: served from /static.
(function () {
  "use strict";

  function fromB64u(s) {
    var b64 = s.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function toB64u(buf) {
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      var out = { type: d.type, id: fromB64u(d.id) };
      if (d.transports) out.transports = d.transports;
      return out;
    });
  }

  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = fromB64u(pk.challenge);
    pk.user.id = fromB64u(pk.user.id);
    pk.excludeCredentials = descriptors(pk.excludeCredentials);
    return { publicKey: pk };
  }

  function requestOptions(o) {
    var pk = o.publicKey;
    pk.challenge = fromB64u(pk.challenge);
    pk.allowCredentials = descriptors(pk.allowCredentials);
    return { publicKey: pk };
  }

  function registrationJson(c) {
    var r = c.response;
    return {
      id: c.id,
      type: c.type,
      response: {
        clientDataJSON: toB64u(r.clientDataJSON),
        attestationObject: toB64u(r.attestationObject),
        transports: typeof r.getTransports === "function" ? r.getTransports() : []
      }
    };
  }

  function assertionJson(c) {
    var r = c.response;
    return {
      id: c.id,
      type: c.type,
      response: {
        clientDataJSON: toB64u(r.clientDataJSON),
        authenticatorData: toB64u(r.authenticatorData),
        signature: toB64u(r.signature),
        userHandle: r.userHandle ? toB64u(r.userHandle) : null
      }
    };
  }

  function showError(form, text) {
    var el = form.querySelector("[data-passkey-error]");
    if (!el) return;
    el.textContent = text;
    el.hidden = false;
  }

  function setup(form) {
    var mode = form.getAttribute("data-passkey");
    var busy = false;
    form.hidden = false;
    form.addEventListener("submit", function (ev) {
      if (form.elements.credential.value) return; // the answer is in: really submit
      ev.preventDefault();
      if (busy) return;
      busy = true;
      var body = new URLSearchParams();
      body.set("csrf", form.elements.csrf.value);
      if (form.elements.password) body.set("password", form.elements.password.value);
      var refused = false;
      fetch(form.getAttribute("data-options"), {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        body: body
      })
        .then(function (res) {
          refused = res.status === 403;
          if (!res.ok) throw new Error("options " + res.status);
          return res.json();
        })
        .then(function (o) {
          return mode === "create"
            ? navigator.credentials.create(creationOptions(o)).then(registrationJson)
            : navigator.credentials.get(requestOptions(o)).then(assertionJson);
        })
        .then(function (json) {
          form.elements.credential.value = JSON.stringify(json);
          form.submit();
        })
        .catch(function () {
          busy = false;
          var text = refused && form.getAttribute("data-error-refused");
          showError(form, text || form.getAttribute("data-error") || "");
        });
    });
  }

  function start() {
    if (!window.PublicKeyCredential || !navigator.credentials || !window.fetch) return;
    var forms = document.querySelectorAll("form[data-passkey]");
    for (var i = 0; i < forms.length; i++) setup(forms[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
