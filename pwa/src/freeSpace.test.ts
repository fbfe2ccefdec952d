import { describe, expect, it } from 'vitest';
import { freshDb } from './testing/db';
import type { BlobRecord } from './db';
import { attachFile, createDraft } from './dossiers';
import { markSent } from './outbox';
import { removeSentFiles, sentFiles } from './freeSpace';
import { FILE_SEALS_KEY } from './syncKeys';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);

const blob = (sha256: string, uploaded: boolean, size = 100): BlobRecord => ({
  sha256,
  blob: new Blob(['x']),
  type: 'image/jpeg',
  size,
  name: 'anh.jpg',
  created_at: '2026-12-01T00:00:00Z',
  uploaded,
});

describe('removing sent files', () => {
  it('removes the files the server holds and keeps those not sent or still named by a waiting change', async () => {
    const db = await freshDb();
    const d = await createDraft(db, 'khai-sinh', 1);
    await markSent(db, [1]);
    // B is on the server but its attach still waits for the server's answer.
    await attachFile(db, d.id, 'attachments.birth_certificate', B);
    await db.put('blobs', blob(A, true, 120_000));
    await db.put('blobs', blob(B, true));
    await db.put('blobs', blob(C, false));
    expect(await sentFiles(db)).toEqual({ count: 1, bytes: 120_000 });
    expect(await removeSentFiles(db)).toEqual({ count: 1, bytes: 120_000 });
    expect((await db.getAllKeys('blobs')).sort()).toEqual([B, C]);
    expect(await sentFiles(db)).toEqual({ count: 0, bytes: 0 });
  });

  it('keeps the seal of each file it removes, so a restored server can take the file back from its store', async () => {
    const db = await freshDb();
    await db.put('blobs', { ...blob(A, true), seal: 'seal-of-a' });
    await db.put('blobs', blob(B, true)); // sent by an app from before seals
    await removeSentFiles(db);
    expect(await db.getAllKeys('blobs')).toEqual([]);
    expect(await db.get('meta', FILE_SEALS_KEY)).toEqual({ [A]: 'seal-of-a' });
  });
});
