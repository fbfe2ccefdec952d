// Putting back what the phone holds (recovery.ts, sync/README.md §9.2–9.3): files first,
// then the dossiers in pages of 100, deleted drafts and reserved codes, and the answer
// kept on the phone.

import { describe, expect, it } from 'vitest';
import { freshDb, withDevice } from './testing/db';
import { dossierSeal, FakeServer, fileSeal, receiptOf, reservationSeal } from './testing/fakeServer';
import { getMeta, setMeta, type DeviceRecord, type LocalDossier, type MotcuaDB } from './db';
import { createDraft } from './dossiers';
import { sha256Hex } from './files';
import { FilesNotOnServer, PUT_BACK_PAGE, recover } from './recovery';
import { rememberDeletion } from './deletedDrafts';
import { uploadWaiting } from './uploads';
import { CONFIRMED_SEQ_KEY, CURSOR_KEY, DEVICE_KEY, GENERATION_KEY } from './syncKeys';
import { State } from './states';
import type { RecoverRequest } from './api/types';

const PHONE = '0190a000-0000-7000-8000-000000000001';

async function phone() {
  const db = await freshDb();
  await withDevice(db, 'secret', PHONE);
  const device = (await getMeta<DeviceRecord>(db, DEVICE_KEY))!;
  const server = new FakeServer();
  server.generation = 2; // restored once
  return { db, device, server, fetch: server.fetch as typeof fetch };
}

const bodies = (server: FakeServer) => server.requests.filter((r) => r.path === '/api/sync/recover').map((r) => r.body as Required<RecoverRequest>); // the app sends every field

function synced(id: string, more: Partial<LocalDossier> = {}): LocalDossier {
  return {
    id, procedure_code: 'khai-sinh', schema_version: 1, answers: { 'child.full_name': `Bé ${id.slice(-3)}` }, version: 3, state: State.DRAFT,
    created_at: '2026-12-01T00:00:00Z', updated_at: '2026-12-01T00:00:00Z', ...more,
  };
}

async function storeFile(db: MotcuaDB, text: string, uploaded = true): Promise<string> {
  const bytes = new TextEncoder().encode(text);
  const sha256 = await sha256Hex(bytes.buffer as ArrayBuffer);
  await db.put('blobs', { sha256, blob: new Blob([bytes]), type: 'image/jpeg', size: bytes.length, name: `${text}.jpg`, created_at: '', uploaded });
  return sha256;
}

describe('recover', () => {
  it('sends 100 dossiers a page, the deleted drafts and reserved codes, done on the last page only', async () => {
    const { db, device, server, fetch } = await phone();
    for (let n = 0; n < 150; n++) await db.put('dossiers', synced(`0190b000-0000-7000-8000-000000000${String(n).padStart(3, '0')}`));
    await rememberDeletion(db.transaction('meta', 'readwrite').store, { id: '0190c000-0000-7000-8000-000000000001', procedure_code: 'khai-tu', schema_version: 2, version: 4 });
    await db.put('codes', { code: '0007026900000001', commune_code: '00070', expires_at: '2026-12-31T00:00:00Z', seal: reservationSeal('0007026900000001', PHONE) });
    await db.put('codes', { code: '0007026900000002', commune_code: '00070', expires_at: '2026-12-31T00:00:00Z', seal: 'forged' });
    await db.put('codes', { code: '0007026900000003', commune_code: '00070', expires_at: '2026-12-31T00:00:00Z' }); // from before seals: nothing to prove it
    await setMeta(db, CONFIRMED_SEQ_KEY, { device_id: PHONE, seq: 41 });
    await setMeta(db, GENERATION_KEY, 1);
    await setMeta(db, CURSOR_KEY, '1.77');

    const outcome = await recover({ db, device, fetch });

    const pages = bodies(server);
    expect(pages.map((p) => [p.dossiers.length, p.reservations.length, p.done])).toEqual([
      [PUT_BACK_PAGE, 0, false],
      [51, 2, true],
    ]);
    expect(pages.every((p) => p.confirmed_seq === 41 && p.generation === 1 && p.device_id === PHONE)).toBe(true);
    expect(pages[1]!.dossiers.at(-1)).toEqual({ id: '0190c000-0000-7000-8000-000000000001', procedure_code: 'khai-tu', schema_version: 2, state: State.DRAFT, version: 4, deleted: true });
    expect(pages[0]!.dossiers[0]).toEqual({ id: '0190b000-0000-7000-8000-000000000000', procedure_code: 'khai-sinh', schema_version: 1, state: State.DRAFT, version: 3, fields: { 'child.full_name': 'Bé 000' } });
    expect(outcome.summary).toMatchObject({ put_back: 150, refused: 0, codes_refused: 1 });
    expect(outcome.generation).toBe(2);
    expect(await getMeta(db, GENERATION_KEY)).toBe(2);
    expect(await getMeta(db, CURSOR_KEY)).toBeUndefined();
    expect(await getMeta(db, CONFIRMED_SEQ_KEY)).toEqual({ device_id: PHONE, seq: 41, generation: 2, receipt: receiptOf(PHONE, 41, 2) }); // the receipt of the new generation
    expect(server.lastSeq.get(PHONE)).toBe(41);
    // The restored server's versions, so the full pull's views are not taken for older ones.
    expect((await db.get('dossiers', '0190b000-0000-7000-8000-000000000000'))!.version).toBe(1);
  });

  it('puts files back by their seals first, then sends only the bytes the server lacks, before the dossiers', async () => {
    const { db, device, server, fetch } = await phone();
    const uploads = (d: MotcuaDB, dev: DeviceRecord) => uploadWaiting(d, dev, fetch);
    const older = await storeFile(db, 'so-ho-khau'); // sent by an app from before seals
    server.blobs.set(older, new Uint8Array());
    const freed = 'f'.repeat(64); // sent, then removed from the phone to free space
    await db.put('blobs', { sha256: freed, type: 'image/jpeg', size: 1, name: 'ho-khau.jpg', created_at: new Date().toISOString(), uploaded: true, seal: fileSeal(freed), bytes_removed: true });
    server.store.set(freed, new Uint8Array([1]));
    const backup = server.snapshot();
    const inStore = await storeFile(db, 'giay-chung-sinh', false);
    const lost = await storeFile(db, 'cmnd-me', false);
    await uploads(db, device); // sent after the backup: the server sealed both
    expect((await db.get('blobs', inStore))!.seal).toBe(fileSeal(inStore));
    server.restore(backup); // the records of both are gone; the store keeps the bytes…
    server.store.delete(lost); // …but for this one
    await db.put('dossiers', synced('0190b000-0000-7000-8000-000000000001', { answers: { 'attachments.birth_certificate': [inStore], 'attachments.mother_id': [lost], 'attachments.household': [older, freed] } }));
    server.requests = [];

    await recover({ db, device, fetch, uploads });

    expect(server.requests.map((r) => `${r.method} ${r.path.replace(/\/\d+$/, '/…')}`)).toEqual([
      'POST /api/sync/recover', // the seals
      'POST /api/blobs/missing',
      'POST /api/uploads',
      'PATCH /api/uploads/…',
      'POST /api/sync/recover', // the dossiers
    ]);
    const [files, last] = bodies(server);
    expect(files).toMatchObject({ dossiers: [], done: false });
    // The older file got its seal in the uploads pass after the backup (asked once for the
    // seals of files sent without one), so it too goes back by seal.
    expect(new Set(files!.files)).toEqual(new Set([inStore, lost, older, freed].map((sha256) => ({ sha256, seal: fileSeal(sha256) }))));
    expect(server.requests[1]!.body).toEqual({ hashes: expect.arrayContaining([lost]) });
    expect(last).toMatchObject({ done: true });
    expect('files' in last!).toBe(false);
    expect([inStore, lost, older, freed].every((h) => server.blobs.has(h))).toBe(true);
    const held = await db.getAll('blobs');
    expect(held.every((b) => b.uploaded && b.seal === fileSeal(b.sha256))).toBe(true);
  });

  it('waits while a file the dossiers name could not be sent: a put-back is taken once', async () => {
    const { db, device, server, fetch } = await phone();
    const file = await storeFile(db, 'giay-chung-sinh');
    await db.put('dossiers', synced('0190b000-0000-7000-8000-000000000001', { answers: { 'attachments.birth_certificate': [file] } }));
    const uploads = async () => ({ available: true, waiting: new Set([file]) });

    await expect(recover({ db, device, fetch, uploads })).rejects.toBeInstanceOf(FilesNotOnServer);
    expect(bodies(server)).toHaveLength(0);
    expect((await db.get('blobs', file))!.uploaded).toBe(false);
  });

  it('leaves out refused files and drafts whose creation still waits in the outbox', async () => {
    const { db, device, server, fetch } = await phone();
    const refused = 'e'.repeat(64);
    const good = await storeFile(db, 'giay-chung-sinh');
    await db.put('blobs', { sha256: refused, blob: new Blob(['x']), type: 'application/pdf', size: 1, name: 'x.pdf', created_at: '', uploaded: false, refused: { code: 'unsupported_file_type', message: 'no', at: '' } });
    await db.put('dossiers', synced('0190b000-0000-7000-8000-000000000001', { answers: { 'attachments.birth_certificate': [good, refused], 'attachments.other': [refused] } }));
    const fresh = await createDraft(db, 'khai-sinh', null, { 'child.full_name': 'Mới' });

    await recover({ db, device, fetch });

    const [page] = bodies(server);
    expect(page!.dossiers.map((d) => d.id)).toEqual(['0190b000-0000-7000-8000-000000000001']);
    expect(page!.dossiers.map((d) => d.id)).not.toContain(fresh.id); // its create_draft carries it
    expect(page!.dossiers[0]!.fields).toEqual({ 'attachments.birth_certificate': [good] });
    expect((await db.get('blobs', refused))!.refused).toBeTruthy();
  });

  it('a submitted dossier goes back with its code and seal; one refused keeps everything and says why', async () => {
    const { db, device, server, fetch } = await phone();
    const ok = '0190b000-0000-7000-8000-000000000001';
    const bad = '0190b000-0000-7000-8000-000000000002';
    await db.put('dossiers', synced(ok, { state: State.RECEIVED, code: '0007026000000007', seal: dossierSeal(ok, '0007026000000007'), submitted_at: '2026-12-02T08:00:00Z', version: 6 }));
    await db.put('dossiers', synced(bad, { state: State.SUBMITTED, code: '0007026000000008', seal: dossierSeal(ok, '0007026000000008') }));

    const outcome = await recover({ db, device, fetch });

    expect(bodies(server)[0]!.dossiers[0]).toMatchObject({ id: ok, state: State.RECEIVED, code: '0007026000000007', submitted_at: '2026-12-02T08:00:00Z' });
    expect(server.dossiers.get(ok)).toMatchObject({ state: State.SUBMITTED, code: '0007026000000007' }); // never further than submitted
    expect(outcome.summary).toMatchObject({ put_back: 1, refused: 1 });
    const kept = (await db.get('dossiers', bad))!;
    expect(kept).toMatchObject({ state: State.SUBMITTED, code: '0007026000000008', version: 3, answers: { 'child.full_name': 'Bé 002' } });
    expect(kept.put_back_refused!.reasons[0]!.code).toBe('seal_invalid');
  });

  it('a page sent again gets the same answers and changes nothing', async () => {
    const { db, device, server, fetch } = await phone();
    await db.put('dossiers', synced('0190b000-0000-7000-8000-000000000001'));
    await recover({ db, device, fetch });
    const version = server.dossiers.get('0190b000-0000-7000-8000-000000000001')!.version;
    await recover({ db, device, fetch });
    expect(server.dossiers.get('0190b000-0000-7000-8000-000000000001')!.version).toBe(version);
  });

  it('a page refused for one dossier (422 naming it) goes again without it; that one stays here with the reason', async () => {
    const { db, device, server, fetch } = await phone();
    const ids = ['0190b000-0000-7000-8000-000000000001', '0190b000-0000-7000-8000-000000000002', '0190b000-0000-7000-8000-000000000003'];
    for (const id of ids) await db.put('dossiers', synced(id));
    const message = 'Expected `str` of length <= 64 - at `$.dossiers[1].procedure_code`';
    server.faults.push({ status: 422, body: { type: '/problems/validation_failed', detail: message, errors: [{ path: '$.dossiers[1].procedure_code', code: 'invalid', message }] } });

    const outcome = await recover({ db, device, fetch });

    expect(bodies(server).map((b) => b.dossiers.map((d) => d.id))).toEqual([ids, [ids[0], ids[2]]]);
    expect(outcome.summary).toMatchObject({ put_back: 2, refused: 1 });
    const kept = (await db.get('dossiers', ids[1]!))!;
    expect(kept.put_back_refused!.reasons).toEqual([{ code: 'invalid', path: '$.dossiers[1].procedure_code', message }]);
    expect(kept.answers).toEqual({ 'child.full_name': 'Bé 002' });
  });

  it('a page refused whole (400 at `$`, no entry named) is halved until the dossier is alone; that one stays here, the put-back ends', async () => {
    const { db, device, server, fetch } = await phone();
    const ids = Array.from({ length: 9 }, (_, n) => `0190b000-0000-7000-8000-00000000000${n}`);
    for (const id of ids) await db.put('dossiers', synced(id));
    server.unstorable.add(ids[6]!);
    await db.put('codes', { code: '0007026900000001', commune_code: '00070', expires_at: '2027-01-01T00:00:00Z', seal: reservationSeal('0007026900000001', PHONE) });

    const outcome = await recover({ db, device, fetch });

    expect(outcome.summary).toMatchObject({ put_back: 8, refused: 1, codes_refused: 0 });
    const sent = bodies(server);
    // 9 → 5 + 4 → 4: 2 + 2 → 2: 1 + 1, each half sent once it holds no refused dossier.
    expect(sent.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(ids.length)) + 2);
    // Only the last request ends the put-back; any other marked done was refused.
    expect(sent.at(-1)!.done).toBe(true);
    expect(sent.slice(0, -1).filter((b) => b.done).every((b) => b.dossiers.some((d) => d.id === ids[6]))).toBe(true);
    expect(sent.at(-1)!.reservations.map((r) => r.code)).toEqual(['0007026900000001']);
    expect(server.reservations.get('0007026900000001')).toBe(PHONE);
    expect([...server.dossiers.keys()].sort()).toEqual(ids.filter((id) => id !== ids[6]));
    const kept = (await db.get('dossiers', ids[6]!))!;
    expect(kept.put_back_refused!.reasons).toEqual([{ code: 'too_long', path: '$', message: 'a text longer than the database holds' }]);
    expect(kept.answers).toEqual({ 'child.full_name': 'Bé 006' });
    expect(await getMeta(db, GENERATION_KEY)).toBe(2);
  });

  it('a reserved code refused whole is halved out too; the codes the server refused are all counted', async () => {
    const { db, device, server, fetch } = await phone();
    await db.put('dossiers', synced('0190b000-0000-7000-8000-000000000001'));
    const codes = ['0007026900000001', '0007026900000002', '0007026900000003', '0007026900000004'];
    for (const code of codes) {
      const seal = code.endsWith('2') ? 'forged' : reservationSeal(code, PHONE);
      await db.put('codes', { code, commune_code: '00070', expires_at: '2027-01-01T00:00:00Z', seal });
    }
    server.unstorable.add(codes[2]!);

    const outcome = await recover({ db, device, fetch });

    expect(outcome.summary).toMatchObject({ put_back: 1, refused: 0, codes_refused: 2 });
    expect([...server.reservations.keys()].sort()).toEqual([codes[0], codes[3]]);
    expect(bodies(server).at(-1)!.done).toBe(true);
    expect((await db.get('dossiers', '0190b000-0000-7000-8000-000000000001'))!.put_back_refused).toBeUndefined();
  });

  it('when every request is refused whole, not an entry, it stops after one empty page, marking nothing', async () => {
    const { db, device, server } = await phone();
    const ids = Array.from({ length: 40 }, (_, n) => `0190b000-0000-7000-8000-0000000000${String(n).padStart(2, '0')}`);
    for (const id of ids) await db.put('dossiers', synced(id));
    const refuseAll = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = input instanceof Request ? input : null;
      if (new URL(request ? request.url : String(input), 'http://test').pathname === '/api/sync/recover') {
        server.requests.push({ method: 'POST', path: '/api/sync/recover', body: request ? JSON.parse(await request.text()) : undefined });
        return new Response(JSON.stringify({ type: '/problems/invalid_request', status: 400, errors: [{ path: '$', code: 'too_long', message: 'x' }] }), {
          status: 400,
          headers: { 'Content-Type': 'application/problem+json' },
        });
      }
      return server.fetch(input, init);
    }) as typeof fetch;

    await expect(recover({ db, device, fetch: refuseAll })).rejects.toThrow(/400/);

    expect(bodies(server).map((b) => b.dossiers.length)).toEqual([40, 0]);
    for (const id of ids) expect((await db.get('dossiers', id))!.put_back_refused).toBeUndefined();
  });

  it('a page refused whole for something else than an entry (a proxy\'s 400, no problem at `$`) stops the put-back and changes nothing here', async () => {
    const { db, device, server, fetch } = await phone();
    await db.put('dossiers', synced('0190b000-0000-7000-8000-000000000001'));
    server.faults.push({ status: 400, body: { type: 'about:blank', title: 'Bad Request' } });
    await expect(recover({ db, device, fetch })).rejects.toThrow(/400/);
    expect(bodies(server)).toHaveLength(1);
    expect((await db.get('dossiers', '0190b000-0000-7000-8000-000000000001'))!.put_back_refused).toBeUndefined();
    expect(await getMeta(db, GENERATION_KEY)).toBeUndefined();
  });

  it('keeps each page under the server\'s body limit', async () => {
    const { db, device, server, fetch } = await phone();
    const long = 'ệ'.repeat(400_000); // 1.2 MB in UTF-8 each
    for (let n = 0; n < 9; n++) await db.put('dossiers', synced(`0190b000-0000-7000-8000-00000000000${n}`, { answers: { 'child.note': long } }));
    await recover({ db, device, fetch });
    const sizes = server.requests.filter((r) => r.path === '/api/sync/recover').map((r) => new TextEncoder().encode(JSON.stringify(r.body)).length);
    expect(sizes.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThan(8 * 1024 * 1024);
    expect(bodies(server).flatMap((b) => b.dossiers)).toHaveLength(9);
  });
});
