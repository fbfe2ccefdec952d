/// <reference lib="webworker" />
// The service worker: precaches the app shell (Workbox, injectManifest) so every
// screen opens offline, answers navigations with the cached index.html (routes are
// hashes, so any path works), and runs a sync pass on a Background Sync event when
// no window is open (the outbox lives in IndexedDB, never in a Workbox queue).

import { addRoute, cleanupOutdatedCaches, createHandlerBoundToURL } from 'workbox-precaching';
import { getOrCreatePrecacheController } from 'workbox-precaching/utils/getOrCreatePrecacheController.js';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { precacheAtOnce } from './shellPrecache';
import { openDatabase } from './db';
import { onBackgroundSync, SYNC_TAG } from './backgroundSync';
import { SYNC_LOCK } from './sync';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] };

// Workbox's precache list, cache names and routes, with our own install: several
// files at once instead of Workbox's one after the other (src/shellPrecache.ts).
const shell = getOrCreatePrecacheController();
shell.addToCacheList(self.__WB_MANIFEST);
addRoute();
cleanupOutdatedCaches();

// The app is "/" (its screens are hashes): opening it, with any query string, gets the
// cached shell. Other paths are the server's own pages (/activate, /enroll, /schema,
// the back office, …) and go to the network.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { allowlist: [/^\/(index\.html)?(\?.*)?$/] }));

// What index.html itself loads: its entry script and style sheet (Vite names them after
// it, assets/index-<hash>). Stored first: on a first visit the page has them in its
// HTTP cache (or is still downloading them) while this worker installs.
const PAGE_FILES = /\/assets\/index-[\w-]+\.(js|css)$/;

self.addEventListener('install', (event) => {
  event.waitUntil(precacheAtOnce(shell, event, { first: (url) => PAGE_FILES.test(new URL(url).pathname) }));
  void self.skipWaiting();
});
// Workbox's activate drops what an older list had and this one has not.
self.addEventListener('activate', shell.activate);
self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

interface SyncEvent extends ExtendableEvent {
  tag: string;
}

function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const locks = (self.navigator as WorkerNavigator & { locks?: LockManager }).locks;
  return locks ? (locks.request(SYNC_LOCK, fn) as Promise<T>) : fn();
}

self.addEventListener('sync', (event) => {
  const e = event as SyncEvent;
  if (e.tag !== SYNC_TAG) return;
  e.waitUntil(
    onBackgroundSync({
      windows: () => self.clients.matchAll({ type: 'window' }),
      openDb: () => openDatabase(),
      exclusive,
    }).then(() => undefined),
  );
});
