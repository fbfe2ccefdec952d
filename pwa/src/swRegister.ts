// Registers the service worker that precaches the app shell, so the app opens with no
// network at all. A new version takes over on the next start.

/** Registers at once, not on the page's load event: on a first visit the worker's
 * script and then its precache are the longest chain before the app works offline
 * (bench/first_visit.py), and load waits for every image the first screen shows.
 * Called as the entry script starts (src/registerFirst.ts), not from index.html's head:
 * there the worker's script (36 KB gzipped) shared the link with the entry script and
 * put the first screen off (about 5 s on 2G). Does nothing in development. */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  navigator.serviceWorker.register('./sw.js', { scope: './' }).catch((error) => {
    console.error('service worker registration failed', error);
  });
}

/** Settles once a service worker is active — it has stored the shell, so the app opens
 * offline — or after `waitAtMost` ms (no worker here, or its install failed). */
export function shellStored(waitAtMost = 120_000): Promise<unknown> {
  const worker = 'serviceWorker' in navigator && !import.meta.env.DEV ? navigator.serviceWorker.ready : Promise.resolve();
  return Promise.race([worker, new Promise((resolve) => setTimeout(resolve, waitAtMost))]);
}
