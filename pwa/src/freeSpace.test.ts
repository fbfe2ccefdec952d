import { describe, expect, it } from 'vitest';
import { freshDb } from './testing/db';
import type { BlobRecord } from './db';
import { attachFile, attachNewFile, createDraft } from './dossiers';
import { storeBlob } from './files';
import { sealedFiles } from './heldFiles';
import { markSent } from './outbox';
import { removeSentFiles, sentFiles } from './freeSpace';

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
  ...(uploaded ? { seal: `seal-${sha256}` } : {}),
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
    expect((await db.getAll('blobs')).filter((b) => b.blob).map((b) => b.sha256).sort()).toEqual([B, C]);
    expect(await sentFiles(db)).toEqual({ count: 0, bytes: 0 });
  });

  it('keeps each freed file\'s record, with its hash and seal, without its bytes', async () => {
    const db = await freshDb();
    await db.put('blobs', { ...blob(A, true, 120_000), name: 'giay-khai-sinh.jpg', upload_url: '/api/uploads/7' });
    expect(await removeSentFiles(db)).toEqual({ count: 1, bytes: 120_000 });
    const kept = (await db.get('blobs', A))!;
    expect(kept).toEqual({
      sha256: A,
      type: 'image/jpeg',
      size: 120_000,
      name: 'giay-khai-sinh.jpg',
      created_at: '2026-12-01T00:00:00Z',
      uploaded: true,
      seal: `seal-${A}`,
      bytes_removed: true,
    });
    expect(await sealedFiles(db)).toEqual([{ sha256: A, seal: `seal-${A}` }]);
    // Nothing more to free, and freeing again changes nothing.
    expect(await removeSentFiles(db)).toEqual({ count: 0, bytes: 0 });
    expect(await db.get('blobs', A)).toEqual(kept);
  });

  it('keeps a sent file the server has not sealed yet: without a seal it could not be put back', async () => {
    const db = await freshDb();
    const { seal: _, ...unsealed } = blob(A, true);
    await db.put('blobs', unsealed);
    expect(await sentFiles(db)).toEqual({ count: 0, bytes: 0 });
    expect(await removeSentFiles(db)).toEqual({ count: 0, bytes: 0 });
    expect((await db.get('blobs', A))!.blob).toBeDefined();
  });

  it('the same file chosen again brings its bytes back, keeping its seal', async () => {
    const db = await freshDb();
    const d = await createDraft(db, 'khai-sinh', 1);
    await db.put('blobs', blob(A, true));
    await removeSentFiles(db);
    const chosen = { ...blob(A, false), blob: new Blob(['again']), created_at: '2026-12-04T00:00:00Z' };
    await attachNewFile(db, d.id, 'attachments.photo', chosen);
    expect(await db.get('blobs', A)).toMatchObject({ uploaded: true, seal: `seal-${A}` });
    expect(await (await db.get('blobs', A))!.blob!.text()).toBe('again');
    expect((await db.get('blobs', A))!.bytes_removed).toBeUndefined();
    await removeSentFiles(db);
    expect(await storeBlob(db, chosen)).toMatchObject({ seal: `seal-${A}` });
    expect(await (await db.get('blobs', A))!.blob!.text()).toBe('again');
  });
});
