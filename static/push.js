// Web Push on the notification settings page. The panel (#push-panel) is
// hidden and its no-JavaScript explanation shown until this script finds
// service workers and the Push API in the browser. "Activer" registers the
// service worker (/static/push-sw.js), asks the browser's push service for
// a subscription with the instance's VAPID key (data-key), and sends it to
// the server (form-encoded, with the page's CSRF token); "Désactiver"
// forgets it on both sides. No inline script: served from /static.
(function () {
  "use strict";

  function fromB64u(s) {
    var b64 = s.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function toB64u(buf) {
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function post(url, csrf, fields) {
    var body = new URLSearchParams();
    body.set("csrf", csrf);
    Object.keys(fields).forEach(function (k) { body.set(k, fields[k]); });
    return fetch(url, { method: "POST", body: body, credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r;
    });
  }

  var panel = document.getElementById("push-panel");
  if (!panel) return;
  var fallback = document.getElementById("push-fallback");
  var status = document.getElementById("push-status");
  var on = document.getElementById("push-on");
  var off = document.getElementById("push-off");
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !window.isSecureContext) {
    if (fallback) fallback.textContent = panel.getAttribute("data-unsupported");
    return;
  }
  if (fallback) fallback.hidden = true;
  panel.hidden = false;
  var csrf = panel.getAttribute("data-csrf");

  function say(key) {
    status.textContent = panel.getAttribute(key);
  }

  function registration() {
    return navigator.serviceWorker.register(panel.getAttribute("data-worker"), { scope: "/static/" })
      .then(function () { return navigator.serviceWorker.ready; });
  }

  function show(sub) {
    on.hidden = !!sub;
    off.hidden = !sub;
    say(sub ? "data-state-on" : "data-state-off");
  }

  registration().then(function (reg) {
    return reg.pushManager.getSubscription();
  }).then(show).catch(function () { show(null); });

  on.addEventListener("click", function () {
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { say("data-state-denied"); return null; }
      return registration().then(function (reg) {
        return reg.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: fromB64u(panel.getAttribute("data-key"))
        });
      }).then(function (sub) {
        return post(panel.getAttribute("data-subscribe"), csrf, {
          endpoint: sub.endpoint,
          p256dh: toB64u(sub.getKey("p256dh")),
          auth: toB64u(sub.getKey("auth"))
        }).then(function () { show(sub); });
      });
    }).catch(function () { say("data-state-error"); });
  });

  off.addEventListener("click", function () {
    registration().then(function (reg) {
      return reg.pushManager.getSubscription();
    }).then(function (sub) {
      if (!sub) { show(null); return null; }
      var endpoint = sub.endpoint;
      return sub.unsubscribe().then(function () {
        return post(panel.getAttribute("data-unsubscribe"), csrf, { endpoint: endpoint });
      }).then(function () { show(null); });
    }).catch(function () { say("data-state-error"); });
  });
})();
