// The service worker's install: stores the app shell (Workbox's precache list) with
// several requests at once. Workbox's own install asks for one file after the other;
// on 2G and 3G each file then waits a round trip with the radio idle, which made the
// shell's precache the slowest part of a first visit (bench/first_visit.py).

import { withRetries } from './retry';

/** What of Workbox's PrecacheController this needs. */
export interface PrecacheList<E> {
  getURLsToCacheKeys(): Map<string, string>;
  getIntegrityForCacheKey(cacheKey: string): string | undefined;
  strategy: {
    handleAll(options: { request: Request; event: E; params: { cacheKey: string } }): [Promise<Response | undefined>, Promise<void>];
  };
}

export interface PrecacheOptions {
  /** Requests in flight at once (a browser opens about six connections to a server). */
  atOnce?: number;
  /** Waits before asking again for a file that failed: a 2G drop resets every connection. */
  retryDelaysMs?: readonly number[];
  /** Files stored before any other is asked for: those the page itself loads. On a first
   * visit the page is downloading them as the worker installs, so the worker's requests
   * join the page's (one download, through the HTTP cache) and the other files wait
   * instead of slowing the page's first screen. */
  first?: (url: string) => boolean;
}

/** Stores every file of the list, several requests in flight; a file that fails is asked
 * for again a few times, and if it still fails the install fails (the browser tries
 * again on the next visit).
 * Files whose name carries no hash have a revision in their cache key: they are checked
 * with the server (Workbox bypasses the HTTP cache instead, which downloads again what
 * the page has just loaded — index.html, the icons); an unchanged one is a 304 and comes
 * from the HTTP cache (server/pwa_files.py). Hashed files may come from it directly;
 * they are asked for first. */
export async function precacheAtOnce<E>(list: PrecacheList<E>, event: E, options: PrecacheOptions = {}): Promise<void> {
  const { atOnce = 6, retryDelaysMs = [1000, 3000, 9000], first = () => false } = options;
  // Hashed files first: those the page loaded come from the HTTP cache at once, the
  // others (lazy chunks) are the largest downloads; the 304s of the named files, a
  // round trip each, then overlap them instead of holding the link idle before them.
  const entries = [...list.getURLsToCacheKeys()];
  const ordered = [...entries.filter(([url, key]) => key === url), ...entries.filter(([url, key]) => key !== url)];
  const store = (url: string, cacheKey: string) =>
    withRetries(async () => {
      const request = new Request(url, {
        integrity: list.getIntegrityForCacheKey(cacheKey),
        cache: cacheKey === url ? 'default' : 'no-cache',
        credentials: 'same-origin',
      });
      await Promise.all(list.strategy.handleAll({ request, event, params: { cacheKey } }));
    }, retryDelaysMs);
  const storeAll = async (queue: [string, string][]) => {
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await store(...next);
    };
    await Promise.all(Array.from({ length: Math.min(atOnce, queue.length) }, worker));
  };
  await storeAll(ordered.filter(([url]) => first(url)));
  await storeAll(ordered.filter(([url]) => !first(url)));
}
