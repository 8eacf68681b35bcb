// The service worker of Web Push notifications: shows what the server
// pushed (JSON: title, body, url, tag; decrypted by the browser) and opens
// its link when the notification is clicked. It handles nothing else.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  event.waitUntil(self.registration.showNotification(data.title || "Passerelles", {
    body: data.body || "",
    tag: data.tag || undefined,
    icon: "/static/icon-192.png",
    data: { url: data.url || "/notifications" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/notifications";
  // Only links of this site.
  if (url.charAt(0) !== "/" || url.charAt(1) === "/") url = "/notifications";
  event.waitUntil(self.clients.openWindow(url));
});
