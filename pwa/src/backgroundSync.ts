// What the service worker does on a Background Sync event: an open window of the app
// runs the loop itself (with file uploads), so it is only told to go now; with no
// window, the worker runs the same sync pass as the page, straight on the IndexedDB
// outbox, under the lock the page uses, so a pass never runs twice at once.

import type { Fetch } from './api/http';
import type { MotcuaDB } from './db';
import { syncOnce, type SyncReport, type UploadReport } from './sync';

export const SYNC_TAG = 'motcua-sync';

export interface BackgroundEnv {
  /** The app's open windows. */
  windows(): Promise<readonly { postMessage(message: unknown): void }[]>;
  openDb(): Promise<MotcuaDB>;
  /** Holds the lock shared with the pages while `fn` runs. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  fetch?: Fetch;
}

/** Files need a window to upload: submissions whose files wait are held back. */
export async function filesWaitOnTheDevice(db: MotcuaDB): Promise<UploadReport> {
  const waiting = (await db.getAll('blobs')).filter((b) => !b.uploaded).map((b) => b.sha256);
  return { available: true, waiting: new Set(waiting) };
}

/** 'window' when a window was told to sync; else the report of the worker's own pass. */
export async function onBackgroundSync(env: BackgroundEnv): Promise<'window' | SyncReport> {
  const windows = await env.windows();
  if (windows.length) {
    for (const w of windows) w.postMessage({ type: 'sync' });
    return 'window';
  }
  const db = await env.openDb();
  try {
    // A failure rejects the event, and the browser tries again later.
    return await env.exclusive(() => syncOnce({ db, fetch: env.fetch, uploads: filesWaitOnTheDevice }));
  } finally {
    db.close();
  }
}
