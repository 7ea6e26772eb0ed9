// The service worker: keeps the dashboard's shell (page, bundle, styles, base map) so the
// page opens with no connection, and sends queued field reports when the browser regains a
// connection (Background Sync), sharing the queue and its lock with the page (queue.js).
// API requests are never cached: what a user may see depends on their token.
import * as queue from "./queue.js";

const CACHE = `ceasefire-shell-${__BUILD_ID__}`;
const SHELL = ["/", "/static/build/app.js", "/static/build/app.css", "/basemap.geojson"];

self.addEventListener("install", (event) => {
  // cache: "reload" skips the HTTP cache, so a new build never keeps an old file
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("ceasefire-shell-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  const path = event.request.mode === "navigate" && url.pathname === "/" ? "/" : url.pathname;
  if (!SHELL.includes(path)) return;
  // the page: network first (a new build shows at once when online), the kept copy offline;
  // the bundle and the base map belong to this build (the cache is named by it): kept copy first
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    if (path !== "/") {
      const kept = await cache.match(path);
      if (kept) return kept;
    }
    try {
      const response = await fetch(event.request);
      if (response.ok) await cache.put(path, response.clone());
      return response;
    } catch (err) {
      const kept = await cache.match(path);
      if (kept) return kept;
      throw err;
    }
  })());
});

self.addEventListener("sync", (event) => {
  if (event.tag === "ceasefire-reports") event.waitUntil(queue.sync());
});

self.addEventListener("message", (event) => {
  if (event.data === "sync") event.waitUntil(queue.sync());
});
