import { describe, expect, it } from 'vitest';
import { freshDb } from './testing/db';
import type { BlobRecord } from './db';
import { attachNewFile, createDraft } from './dossiers';
import { pendingItems } from './outbox';

const record = (sha256: string): BlobRecord => ({
  sha256,
  blob: new Blob(['photo']),
  type: 'image/jpeg',
  size: 5,
  name: 'anh.jpg',
  created_at: '2026-12-01T00:00:00Z',
  uploaded: false,
});

describe('attaching a new file', () => {
  it('stores the file, the dossier change and its attach mutation together', async () => {
    const db = await freshDb();
    const d = await createDraft(db, 'khai-sinh', 1);
    const sha = 'c'.repeat(64);
    const after = await attachNewFile(db, d.id, 'attachments.birth_certificate', record(sha));
    expect(after.answers['attachments.birth_certificate']).toEqual([sha]);
    expect((await db.get('dossiers', d.id))!.answers['attachments.birth_certificate']).toEqual([sha]);
    expect((await db.get('blobs', sha))!.name).toBe('anh.jpg');
    expect((await pendingItems(db)).map((i) => [i.kind, i.payload])).toEqual([
      ['create_draft', { procedure_code: 'khai-sinh', schema_version: 1, fields: {} }],
      ['attach', { path: 'attachments.birth_certificate', sha256: sha }],
    ]);
  });

  it('stores nothing when the attach fails: no file that no dossier names', async () => {
    const db = await freshDb();
    const sha = 'd'.repeat(64);
    await expect(attachNewFile(db, 'no-such-dossier', 'attachments.birth_certificate', record(sha))).rejects.toThrow(/no dossier/);
    expect(await db.count('blobs')).toBe(0);
    expect(await db.count('outbox')).toBe(0);
  });
});
