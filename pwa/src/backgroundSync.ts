// What the service worker does on a Background Sync event: an open window of the app
// runs the loop itself, so it is only told to go now; with no window, the worker runs
// the same pass as the page, straight on the IndexedDB outbox, under the lock the page
// uses, so a pass never runs twice at once. Files go first, as on the page (only the
// hashes the server lacks, with tus over fetch: a worker has no XMLHttpRequest), then
// the submissions that waited for them.

import type { Fetch } from './api/http';
import type { DeviceRecord, MotcuaDB } from './db';
import { syncOnce, type SyncReport } from './sync';
import { uploadWaiting } from './uploads';

export const SYNC_TAG = 'motcua-sync';

export interface BackgroundEnv {
  /** The app's open windows. */
  windows(): Promise<readonly { postMessage(message: unknown): void }[]>;
  openDb(): Promise<MotcuaDB>;
  /** Holds the lock shared with the pages while `fn` runs. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  fetch?: Fetch;
}

export class FilesStillWaiting extends Error {
  constructor(readonly held: number) {
    super(`${held} outbox item(s) wait for files not yet on the server`);
    this.name = 'FilesStillWaiting';
  }
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
    // A failure rejects the event, and the browser tries again later; so does a file
    // that could not be sent, which holds its submission back.
    const uploads = (d: MotcuaDB, device: DeviceRecord) => uploadWaiting(d, device, env.fetch);
    const report = await env.exclusive(() => syncOnce({ db, fetch: env.fetch, uploads }));
    if (report.held) throw new FilesStillWaiting(report.held);
    return report;
  } finally {
    db.close();
  }
}
