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
  void registerWithRetries(() => navigator.serviceWorker.register('./sw.js', { scope: './' }));
}

/** Waits before registering again after a failed registration. */
export const REGISTER_RETRY_MS: readonly number[] = [2_000, 5_000, 15_000, 30_000, 60_000, 120_000];

/**
 * `register()`, asked again after each wait of `delays` while it fails. On 2G the
 * worker's script (36 KB) takes about 20 s to come; a drop meanwhile fails the
 * registration, and nothing else asks again: the app would not work offline until the
 * person's next visit (bench/first_visit.py, seed 14). Resolves whether it registered.
 */
export function registerWithRetries(register: () => Promise<unknown>, delays: readonly number[] = REGISTER_RETRY_MS): Promise<boolean> {
  return new Promise((resolve) => {
    let tried = 0;
    const attempt = () => {
      register().then(
        () => resolve(true),
        (error: unknown) => {
          console.error('service worker registration failed', error);
          if (tried >= delays.length) resolve(false);
          else setTimeout(attempt, delays[tried++]);
        },
      );
    };
    attempt();
  });
}

/** Settles once a service worker is active — it has stored the shell, so the app opens
 * offline — or after `waitAtMost` ms (no worker here, or its install failed). */
export function shellStored(waitAtMost = 120_000): Promise<unknown> {
  const worker = 'serviceWorker' in navigator && !import.meta.env.DEV ? navigator.serviceWorker.ready : Promise.resolve();
  return Promise.race([worker, new Promise((resolve) => setTimeout(resolve, waitAtMost))]);
}
