// Polestar's service worker. It keeps only the app's static files and the offline page —
// never a page or an API answer, which carry personal data and are sent `no-store`.
// Pages always come from the network; when it is unreachable the offline page says so, and
// the shell's own files come from the copies kept at install.
"use strict";

const CACHE = "polestar-static-v1";
const SHELL = [
  "/offline",
  "/manifest.webmanifest",
  "/static/polestar.css",
  "/static/polestar.js",
  "/static/vendor/htmx.min.js",
  "/static/icons/polestar.svg",
  "/static/icons/polestar-192.png",
  "/static/icons/polestar-512.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match("/offline")));
  } else if (SHELL.includes(url.pathname)) {
    // Network first, so a new release is picked up at once; the copy kept is for offline.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(request, copy));
          }
          return response;
        })
        .catch(() => caches.match(request)),
    );
  }
});
