// The scan station's service worker: the page and its script load with no
// network, so a phone opened in a cold store without signal still scans,
// signs and queues. Network first (a new version is taken when online),
// the cache when offline. The API is never cached.
const CACHE = "coldtrace-station-v1";
const SHELL = ["/scan", "/scan/static/station.js", "/scan/static/station.css"];

self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (e) => {
  e.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== self.location.origin) return;
  const shell = url.pathname === "/scan" || url.pathname === "/scan/" || url.pathname.startsWith("/scan/static/");
  if (!shell) return;
  const key = url.pathname === "/scan/" ? "/scan" : url.pathname;
  e.respondWith(
    fetch(e.request)
      .then((res) => {
        if (res.ok) {
          const copy = res.clone();
          caches.open(CACHE).then((c) => c.put(key, copy));
        }
        return res;
      })
      .catch(() => caches.match(key).then((hit) => hit || Response.error()))
  );
});
