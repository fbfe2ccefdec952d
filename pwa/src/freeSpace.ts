// Room on a full phone: a file the server holds, which no change still waiting to be
// sent names, can leave the device. The dossier still names it and the server keeps
// it; only this device's copy of the bytes goes. The record stays, with the file's hash
// and the server's seal: after a restore the device puts the file back by seal
// (sync/README.md §9.2). A file without a seal stays whole until it gets one.

import type { BlobRecord, MotcuaDB, OutboxItem } from './db';
import { holdsBytes } from './heldFiles';
import { isStorageFull } from './storageFull';

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
  return blobs.filter((b) => b.uploaded && b.seal && holdsBytes(b) && !needed.has(b.sha256));
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

/** The record of a freed file: everything but its bytes (and the upload they were sent by). */
function withoutBytes({ blob: _bytes, upload_url: _sent, last_error: _error, ...kept }: BlobRecord): BlobRecord {
  return { ...kept, bytes_removed: true };
}

/** Removes the sent files' bytes from the device; returns what went. */
export async function removeSentFiles(db: MotcuaDB): Promise<Removable> {
  try {
    // One transaction: each record is written again without its bytes.
    const tx = db.transaction(['blobs', 'outbox'], 'readwrite');
    const gone = removable(await tx.objectStore('blobs').getAll(), neededBy(await tx.objectStore('outbox').getAll()));
    for (const b of gone) await tx.objectStore('blobs').put(withoutBytes(b));
    await tx.done;
    return summary(gone);
  } catch (error) {
    if (!isStorageFull(error)) throw error;
  }
  // A phone so full that it refuses even the smaller records: the files go first (a
  // delete needs no room), then their records come back without the bytes, in the room
  // just freed. Only where even that is refused does a file's seal go with its bytes.
  const tx = db.transaction(['blobs', 'outbox'], 'readwrite');
  const gone = removable(await tx.objectStore('blobs').getAll(), neededBy(await tx.objectStore('outbox').getAll()));
  for (const b of gone) await tx.objectStore('blobs').delete(b.sha256);
  await tx.done;
  for (const b of gone) await db.add('blobs', withoutBytes(b)).catch(() => undefined);
  return summary(gone);
}
