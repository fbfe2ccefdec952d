// What the service worker does on a Background Sync event. An open window of the app
// runs the loop itself, so it is told to go now; but a window told is no proof that
// the outbox went (it may be offline while the browser thinks the network is back, or
// closing), so the worker then takes the lock the pages use and, if anything still
// waits, runs the same pass as the page, straight on the IndexedDB outbox. The event
// is done only once the outbox is: a failure rejects it and the browser tries again.
// Files go first, as on the page (only the hashes the server lacks, with tus over
// fetch: a worker has no XMLHttpRequest), then the submissions that waited for them.

import type { Fetch } from './api/http';
import { getMeta, type DeviceRecord, type MotcuaDB, type SyncMeta } from './db';
import { outboxCounts } from './outbox';
import { syncOnce, type SyncReport } from './sync';
import { SYNC_KEY } from './syncKeys';
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

/** 'window' when a window was told to sync and sent everything; else the report of the worker's own pass. */
export async function onBackgroundSync(env: BackgroundEnv): Promise<'window' | SyncReport> {
  const windows = await env.windows();
  for (const w of windows) w.postMessage({ type: 'sync' });
  const db = await env.openDb();
  try {
    // A failure rejects the event, and the browser tries again later; so does a file
    // that could not be sent, which holds its submission back.
    const uploads = (d: MotcuaDB, device: DeviceRecord) => uploadWaiting(d, device, env.fetch);
    const report = await env.exclusive(async () =>
      windows.length && !(await workWaits(db)) ? ('window' as const) : syncOnce({ db, fetch: env.fetch, uploads }),
    );
    if (report !== 'window' && report.held) throw new FilesStillWaiting(report.held);
    return report;
  } finally {
    db.close();
  }
}

/** Whether a pass has anything to send: the outbox, or a put-back cut short. */
async function workWaits(db: MotcuaDB): Promise<boolean> {
  if ((await outboxCounts(db)).pending > 0) return true;
  return Boolean((await getMeta<SyncMeta>(db, SYNC_KEY))?.recovering);
}
