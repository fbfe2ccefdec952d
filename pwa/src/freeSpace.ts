// Room on a full phone: a file the server holds, which no change still waiting to be
// sent names, can leave the device. The dossier still names it and the server keeps
// it; only this device's copy goes.

import type { BlobRecord, MotcuaDB, OutboxItem } from './db';
import { FILE_SEALS_KEY } from './syncKeys';

const HASH = /^[0-9a-f]{64}$/;

/** Every file hash a value names (payloads hold them alone or in lists). */
function hashesIn(value: unknown, into: Set<string>): Set<string> {
  if (typeof value === 'string' && HASH.test(value)) into.add(value);
  else if (Array.isArray(value)) for (const v of value) hashesIn(v, into);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) hashesIn(v, into);
  return into;
}

export interface Removable {
  count: number;
  bytes: number;
}

function removable(blobs: readonly BlobRecord[], needed: Set<string>): BlobRecord[] {
  return blobs.filter((b) => b.uploaded && !needed.has(b.sha256));
}

function summary(records: readonly BlobRecord[]): Removable {
  return { count: records.length, bytes: records.reduce((n, b) => n + b.size, 0) };
}

/** The files that changes still waiting for the server name. */
function neededBy(items: readonly OutboxItem[]): Set<string> {
  const needed = new Set<string>();
  for (const item of items) if (item.status === 'pending') hashesIn(item.payload, needed);
  return needed;
}

/** What removing the sent files would free. */
export async function sentFiles(db: MotcuaDB): Promise<Removable> {
  return summary(removable(await db.getAll('blobs'), neededBy(await db.getAll('outbox'))));
}

/** Removes the sent files from the device, in one transaction; returns what went. */
export async function removeSentFiles(db: MotcuaDB): Promise<Removable> {
  const tx = db.transaction(['blobs', 'outbox'], 'readwrite');
  const gone = removable(await tx.objectStore('blobs').getAll(), neededBy(await tx.objectStore('outbox').getAll()));
  for (const b of gone) await tx.objectStore('blobs').delete(b.sha256);
  await tx.done;
  await keepSeals(db, gone);
  return summary(gone);
}

/**
 * The seals of removed files stay: with them a server restored from a backup takes the
 * files back from its store, though this device no longer holds their bytes
 * (sync/README.md §9.2). Written once the files are gone: on a full phone a write
 * before that would be refused, and with it the removal that makes room.
 */
async function keepSeals(db: MotcuaDB, gone: readonly BlobRecord[]): Promise<void> {
  if (!gone.some((b) => b.seal)) return;
  try {
    const tx = db.transaction('meta', 'readwrite');
    const seals = ((await tx.store.get(FILE_SEALS_KEY)) as Record<string, string> | undefined) ?? {};
    for (const b of gone) if (b.seal) seals[b.sha256] = b.seal;
    await tx.store.put(seals, FILE_SEALS_KEY);
    await tx.done;
  } catch {
    // Still no room: the room is made all the same; after a restore the server then
    // asks for these files' bytes, which only another device may still hold.
  }
}
