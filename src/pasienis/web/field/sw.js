// Service worker: keeps the app shell available offline. API calls always go to the network;
// the outbox (IndexedDB) holds what could not be sent.
const SHELL = "pasienis-field-v4";
const FILES = [
  "/web/field/", "/web/field/index.html", "/web/field/app.js", "/web/field/outbox.js", "/web/field/pairing.js",
  "/web/field/field.css", "/web/field/icon.svg", "/web/field/manifest.webmanifest",
  "/web/common/style.css", "/web/common/api.js", "/web/common/i18n.js", "/web/common/ws.js",
  "/web/common/login.js", "/web/common/map.js", "/web/common/language.js", "/web/common/plural.js", "/web/i18n/en.json", "/web/i18n/lt.json",
  "/web/vendor/leaflet/leaflet.js", "/web/vendor/leaflet/leaflet.css",
  // The base map: offline it still draws the borders (roads and places come from the server).
  "/web/common/basemap.js", "/web/common/basemap.css", "/web/geo/lithuania.geojson",
  "/web/geo/lithuania-outline.geojson",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(
    keys.filter((k) => k !== SHELL).map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.pathname.startsWith("/api/")) return;
  // Network first so a deployment is picked up; the cache when there is no network.
  event.respondWith(fetch(event.request).then((response) => {
    const copy = response.clone();
    caches.open(SHELL).then((cache) => cache.put(event.request, copy));
    return response;
  }).catch(() => caches.match(event.request)));
});
