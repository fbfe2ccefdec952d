// Registers the service worker that precaches the app shell, so the app opens with no
// network at all. A new version takes over on the next start.

import { withRetries } from './retry';

/** Registers at once, not on the page's load event: on a first visit the worker's
 * script and then its precache are the longest chain before the app works offline
 * (bench/first_visit.py), and load waits for every image the first screen shows.
 * Called as the entry script starts (src/registerFirst.ts), not from index.html's head:
 * there the worker's script (36 KB gzipped) shared the link with the entry script and
 * put the first screen off (about 5 s on 2G). Does nothing in development. */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  registerUntilInstalled(() => navigator.serviceWorker.register('./sw.js', { scope: './' })).catch((error: unknown) =>
    console.error('service worker not installed; the browser tries again at the next visit', error),
  );
}

/** Waits before registering again after a failed registration or install. */
export const REGISTER_RETRY_MS: readonly number[] = [1_000, 5_000, 15_000, 30_000, 60_000, 120_000];

/**
 * `register()`, then the new worker's install; both asked again after each wait of
 * `delays` while they fail. On 2G the worker's script (36 KB) takes about 20 s to come,
 * and a drop meanwhile fails the registration; an install fails when a file of the shell
 * still cannot be stored after the precache's own tries, and a first registration whose
 * install failed is gone. Either way nothing else asks again: the app would not work
 * offline until the person's next visit (bench/first_visit.py, seed 14). Resolves with
 * the registration once a worker is installed.
 */
export function registerUntilInstalled<R extends WorkerRegistration>(register: () => Promise<R>, delays: readonly number[] = REGISTER_RETRY_MS): Promise<R> {
  return withRetries(async () => installed(await register()), delays);
}

/** What of a ServiceWorkerRegistration this needs. */
export interface WorkerRegistration {
  readonly installing: Worker | null;
  readonly waiting: Worker | null;
  readonly active: Worker | null;
}
type Worker = Pick<ServiceWorker, 'state' | 'addEventListener' | 'removeEventListener'>;

/** Settles once the registration has an installed worker; rejects when the worker being
 * installed turns redundant (its install failed) and no other one is there. */
export function installed<R extends WorkerRegistration>(registration: R): Promise<R> {
  return new Promise((resolve, reject) => {
    const follow = (worker: Worker) => {
      const changed = () => {
        if (worker.state === 'installing') return;
        worker.removeEventListener('statechange', changed);
        if (worker.state !== 'redundant') resolve(registration);
        else if (registration.installing && registration.installing !== worker) follow(registration.installing);
        else if (registration.active || (registration.waiting && registration.waiting !== worker)) resolve(registration);
        else reject(new Error('the service worker install failed'));
      };
      worker.addEventListener('statechange', changed);
      changed();
    };
    if (registration.installing) follow(registration.installing);
    else if (registration.waiting || registration.active) resolve(registration);
    else reject(new Error('the service worker registration has no worker'));
  });
}

/** Settles once a service worker is active — it has stored the shell, so the app opens
 * offline — or after `waitAtMost` ms (no worker here, or its install failed). */
export function shellStored(waitAtMost = 120_000): Promise<unknown> {
  const worker = 'serviceWorker' in navigator && !import.meta.env.DEV ? navigator.serviceWorker.ready : Promise.resolve();
  return Promise.race([worker, new Promise((resolve) => setTimeout(resolve, waitAtMost))]);
}
