/// <reference lib="webworker" />
// The service worker: precaches the app shell (Workbox, injectManifest) so every
// screen opens offline, answers navigations with the cached index.html (routes are
// hashes, so any path works), and runs a sync pass on a Background Sync event when
// no window is open (the outbox lives in IndexedDB, never in a Workbox queue).

import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { openDatabase } from './db';
import { syncOnce } from './sync';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] };

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// The app is "/" (its screens are hashes): opening it, with any query string, gets the
// cached shell. Other paths are the server's own pages (/activate, /enroll, /schema,
// the back office, …) and go to the network.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { allowlist: [/^\/(index\.html)?(\?.*)?$/] }));

self.addEventListener('install', () => {
  void self.skipWaiting();
});
self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

interface SyncEvent extends ExtendableEvent {
  tag: string;
}

async function backgroundSync(): Promise<void> {
  const windows = await self.clients.matchAll({ type: 'window' });
  if (windows.length) {
    // An open window runs the loop (with uploads); tell it to go now.
    for (const w of windows) w.postMessage({ type: 'sync' });
    return;
  }
  const db = await openDatabase();
  const run = () =>
    syncOnce({
      db,
      // Files need a window to upload: hold back submissions whose files wait.
      uploads: async (d) => ({ available: true, waiting: new Set((await d.getAll('blobs')).filter((b) => !b.uploaded).map((b) => b.sha256)) }),
    });
  const locks = (self.navigator as WorkerNavigator & { locks?: LockManager }).locks;
  await (locks ? locks.request('motcua-sync', run) : run());
  db.close();
}

self.addEventListener('sync', (event) => {
  const e = event as SyncEvent;
  if (e.tag === 'motcua-sync') e.waitUntil(backgroundSync());
});
