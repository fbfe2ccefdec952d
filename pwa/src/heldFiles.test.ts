import { describe, expect, it } from 'vitest';
import { freshDb } from './testing/db';
import { FakeServer } from './testing/fakeServer';
import type { BlobRecord, DeviceRecord } from './db';
import { attachFile, attachNewFile, createDraft, submitDossier } from './dossiers';
import { sha256Hex } from './files';
import { removeSentFiles } from './freeSpace';
import { afterFilePutBack, sealedFiles } from './heldFiles';
import { LOST, takeBackRefused } from './refused';
import { uploadWaiting } from './uploads';

const C = 'c'.repeat(64);
const D = 'd'.repeat(64);

async function file(name: string, text: string): Promise<BlobRecord> {
  const bytes = new TextEncoder().encode(text);
  return {
    sha256: await sha256Hex(bytes.buffer as ArrayBuffer),
    blob: new Blob([bytes], { type: 'image/jpeg' }),
    type: 'image/jpeg',
    size: bytes.length,
    name,
    created_at: '2026-12-01T00:00:00Z',
    uploaded: false,
  };
}

/** A phone that sent two photos (sealed), then freed the space of one; and one still waiting. */
async function phoneAfterSending() {
  const db = await freshDb();
  const server = new FakeServer();
  const device = { device_id: 'd', credential: server.credential } as DeviceRecord;
  const kept = await file('giay-chung-sinh.jpg', 'kept on the phone');
  const freed = await file('cccd-me.jpg', 'freed from the phone');
  await db.put('blobs', freed);
  await uploadWaiting(db, device, server.fetch as typeof fetch);
  await removeSentFiles(db);
  await db.put('blobs', kept);
  await uploadWaiting(db, device, server.fetch as typeof fetch);
  const waiting = { ...(await file('anh-ho-gia-dinh.jpg', 'not sent yet')) };
  await db.put('blobs', waiting);
  return { db, server, device, kept, freed, waiting };
}

describe('the files the device holds a seal for', () => {
  it('are every sent file, with or without its bytes, and nothing else', async () => {
    const { db, server, kept, freed } = await phoneAfterSending();
    expect(await db.get('blobs', freed.sha256)).toMatchObject({ bytes_removed: true, seal: server.fileSeal(freed.sha256) });
    expect((await sealedFiles(db)).sort((a, b) => a.sha256.localeCompare(b.sha256))).toEqual(
      [kept, freed].map((f) => ({ sha256: f.sha256, seal: server.fileSeal(f.sha256) })).sort((a, b) => a.sha256.localeCompare(b.sha256)),
    );
  });

  it('is empty on a new phone', async () => {
    expect(await sealedFiles(await freshDb())).toEqual([]);
  });
});

describe('after a put-back, the files the server lacks', () => {
  it('are sent again from their bytes, and get a new seal', async () => {
    const { db, server, device, kept } = await phoneAfterSending();
    server.blobs.delete(kept.sha256); // the restored server and its store lost it
    await afterFilePutBack(db, [kept.sha256]);
    const waiting = (await db.get('blobs', kept.sha256))!;
    expect(waiting).toMatchObject({ uploaded: false });
    expect(waiting.seal).toBeUndefined();
    expect(await waiting.blob!.text()).toBe('kept on the phone');
    expect((await sealedFiles(db)).map((f) => f.sha256)).not.toContain(kept.sha256);

    await uploadWaiting(db, device, server.fetch as typeof fetch);
    expect(server.blobs.has(kept.sha256)).toBe(true);
    expect(await db.get('blobs', kept.sha256)).toMatchObject({ uploaded: true, seal: server.fileSeal(kept.sha256) });
  });

  it('are lost when their bytes left the phone: shown as refused, never sent, until added again', async () => {
    const { db, server, device, freed } = await phoneAfterSending();
    await afterFilePutBack(db, [freed.sha256, D], new Date('2026-12-04T10:00:00Z'));
    const lost = (await db.get('blobs', freed.sha256))!;
    expect(lost).toMatchObject({ sha256: freed.sha256, name: 'cccd-me.jpg', uploaded: false, lost: true, refused: { code: LOST, at: '2026-12-04T10:00:00.000Z' } });
    expect(lost.refused!.message).toContain('\u201ccccd-me.jpg\u201d');
    expect(lost.refused!.message).toContain('thêm lại');
    expect(lost.seal).toBeUndefined();
    expect(lost.blob).toBeUndefined();
    expect(await db.get('blobs', D)).toBeUndefined(); // a hash the phone never knew
    expect((await sealedFiles(db)).map((f) => f.sha256)).not.toContain(freed.sha256);

    // Never sent: the uploads pass does not even ask about it.
    server.requests = [];
    await uploadWaiting(db, device, server.fetch as typeof fetch);
    expect(JSON.stringify(server.requests)).not.toContain(freed.sha256);

    // The person chooses the same file again: a new file to send, no longer lost.
    const d = await createDraft(db, 'khai-sinh', 1);
    await attachNewFile(db, d.id, 'attachments.mother_id', freed);
    const back = (await db.get('blobs', freed.sha256))!;
    expect(back).toMatchObject({ uploaded: false });
    expect(back.lost).toBeUndefined();
    expect(back.refused).toBeUndefined();
    expect(await back.blob!.text()).toBe('freed from the phone');
  });

  it('a submission waiting on the phone that names a lost file comes back to the person, who is told to add it again', async () => {
    const { db, freed } = await phoneAfterSending();
    const d = await createDraft(db, 'khai-sinh', 1);
    await attachFile(db, d.id, 'attachments.mother_id', freed.sha256);
    await submitDossier(db, d.id);
    await afterFilePutBack(db, [freed.sha256]);
    expect(await takeBackRefused(db, new Date('2026-12-04T10:00:00Z'))).toBe(1);
    const submit = (await db.getAll('outbox')).find((i) => i.kind === 'submit')!;
    expect(submit.voided).toEqual([
      { code: LOST, path: 'attachments.mother_id', message: expect.stringMatching(/^Hồ sơ chưa được nộp vì máy chủ không còn tệp “cccd-me.jpg”\. .*thêm lại tệp rồi nộp lại\.$/) },
    ]);
    expect((await db.get('dossiers', d.id))!.submit_queued).toBe(false);
    const [notice] = await db.getAll('notices');
    expect(notice!.vi).toContain('không còn tệp \u201ccccd-me.jpg\u201d. Hãy bỏ tệp này rồi thêm lại, sau đó nộp lại.');
  });

  it('a refused file, or one not sent yet, is left as it is', async () => {
    const { db, waiting } = await phoneAfterSending();
    await db.put('blobs', { ...(await file('x.pdf', 'refused')), sha256: C, refused: { code: 'unsupported_file_type', message: 'no', at: '' } });
    const before = await db.getAll('blobs');
    await afterFilePutBack(db, [C]);
    expect(await db.getAll('blobs')).toEqual(before);
    await afterFilePutBack(db, [waiting.sha256]);
    expect(await db.get('blobs', waiting.sha256)).toMatchObject({ uploaded: false });
  });
});
