// Polestar's own script: registers the service worker, and on signing out empties every cache
// and store this origin holds before the form leaves (the server also sends Clear-Site-Data).
"use strict";

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
}

async function clearSiteData() {
  try { localStorage.clear(); sessionStorage.clear(); } catch (e) { /* storage disabled */ }
  if ("caches" in window) {
    const names = await caches.keys();
    await Promise.all(names.map((name) => caches.delete(name)));
  }
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-clear-site")) return;
  event.preventDefault();
  clearSiteData().finally(() => form.submit());
});
