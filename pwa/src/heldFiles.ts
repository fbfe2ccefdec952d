// What the device holds of each file: its bytes (until the person frees space) and the
// server's seal on (account, hash), kept for good. After a restore the device puts its
// files back by seal (sync/README.md §9.2, §9.3 step 2); a file the server then lacks is
// sent again from its bytes, or, with no bytes left, the person must add it again.

import type { BlobRecord, FileRefusal, MotcuaDB } from './db';
import { LOST } from './refused';

/** The record still holds the file's bytes. */
export function holdsBytes(record: BlobRecord): record is BlobRecord & { blob: Blob } {
  return !record.bytes_removed && !record.lost && record.blob !== undefined;
}

/**
 * What to store when the person chooses a file the device may know already: the device's
 * record when it holds the bytes (null: nothing to write), else the chosen bytes, with the
 * seal and upload state of a freed file; a lost file starts over as a new one.
 */
export function recordToStore(existing: BlobRecord | undefined, chosen: BlobRecord): BlobRecord | null {
  if (!existing) return chosen;
  if (holdsBytes(existing)) return null;
  if (existing.lost) return chosen;
  const { bytes_removed: _gone, ...kept } = existing;
  return { ...kept, blob: chosen.blob };
}

export interface SealedFile {
  sha256: string;
  seal: string;
}

/** Every file the device holds a seal for, with or without its bytes: what a put-back sends. */
export async function sealedFiles(db: MotcuaDB): Promise<SealedFile[]> {
  return (await db.getAll('blobs')).flatMap((b) => (b.seal ? [{ sha256: b.sha256, seal: b.seal }] : []));
}

/** A file neither the server nor this device holds any more, as the person is shown it. */
export function lostFile(name: string, now: Date): FileRefusal {
  return {
    code: LOST,
    message: `\u201c${name}\u201d: Máy chủ không còn giữ tệp này và máy này cũng đã xoá tệp để giải phóng bộ nhớ. Hãy bỏ tệp rồi thêm lại.`,
    at: now.toISOString(),
  };
}

/**
 * After a put-back: the server lacks the files `filesMissing` names. One whose bytes are
 * here is sent again (not uploaded, its seal dropped: the uploads pass sends it and keeps
 * the new seal); one whose bytes left is lost, shown as a refused file until the person
 * adds it again. Hashes the device does not know are ignored.
 */
export async function afterFilePutBack(db: MotcuaDB, filesMissing: readonly string[], now = new Date()): Promise<void> {
  const tx = db.transaction('blobs', 'readwrite');
  for (const sha256 of new Set(filesMissing)) {
    const record = await tx.store.get(sha256);
    if (!record || record.refused) continue;
    const { seal: _dropped, upload_url: _old, blob, ...rest } = record;
    await tx.store.put(
      holdsBytes(record)
        ? { ...rest, blob, uploaded: false }
        : { ...rest, uploaded: false, lost: true, refused: lostFile(record.name, now), last_error: undefined },
    );
  }
  await tx.done;
}
