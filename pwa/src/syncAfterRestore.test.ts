// The sync pass meets a server restored from a backup (sync/README.md §9.3): it notices,
// puts back what the phone holds before anything of the new generation is applied, and
// goes on (push, then a pull from the start), with no action from the person.

import { describe, expect, it } from 'vitest';
import { freshDb, withDevice } from './testing/db';
import { dossierSeal, FakeServer, receiptOf } from './testing/fakeServer';
import { createDraft, deleteDraft, editAnswers, submitDossier } from './dossiers';
import { getMeta, setMeta, type MotcuaDB, type SyncMeta } from './db';
import { outboxCounts } from './outbox';
import { reserveCodes } from './outreach';
import { CURSOR_KEY, SYNC_KEY, syncOnce } from './sync';
import { CONFIRMED_SEQ_KEY, GENERATION_KEY } from './syncKeys';
import { State } from './states';
import type { RecoverRequest } from './api/types';

const PHONE = '0190a000-0000-7000-8000-000000000001';
const TABLET = '0190a000-0000-7000-8000-000000000002';
const noSleep = async () => {};

async function phoneOn(server: FakeServer, id = PHONE) {
  const db = await freshDb();
  await withDevice(db, 'secret', id);
  return { db, deps: { db, fetch: server.fetch as typeof fetch, sleep: noSleep } };
}

const paths = (server: FakeServer) => server.requests.map((r) => `${r.method} ${r.path}`);
const recoverBodies = (server: FakeServer) => server.requests.filter((r) => r.path === '/api/sync/recover').map((r) => r.body as Required<RecoverRequest>); // the app sends every field

async function syncMeta(db: MotcuaDB): Promise<SyncMeta> {
  return (await getMeta<SyncMeta>(db, SYNC_KEY)) ?? {};
}

describe('after the server was restored from a backup', () => {
  it('recover_first: the phone puts back, pushes its outbox, pulls from the start; the edit and the code are on the server', async () => {
    const server = new FakeServer();
    const { db, deps } = await phoneOn(server);
    const draft = await createDraft(db, 'khai-sinh', 1, { 'child.full_name': 'Nguyễn Minh Khang' });
    await syncOnce(deps);
    const backup = server.snapshot();
    // After the backup: an edit synced, a dossier submitted and given its code.
    await editAnswers(db, draft.id, { 'child.hometown': 'Huế' });
    const sent = await createDraft(db, 'khai-tu', 1, { 'contact.phone': '0912345678' });
    await submitDossier(db, sent.id);
    await syncOnce(deps);
    const code = (await db.get('dossiers', sent.id))!.code!;
    expect((await db.get('dossiers', sent.id))!.seal).toBe(dossierSeal(sent.id, code));
    expect(await getMeta(db, CONFIRMED_SEQ_KEY)).toEqual({ device_id: PHONE, seq: 4, generation: 1, receipt: receiptOf(PHONE, 4, 1) });

    server.restore(backup);
    await editAnswers(db, draft.id, { 'child.birth_place': 'Bệnh viện Trung ương Huế' }); // queued, seq 5
    server.requests = [];
    const report = await syncOnce(deps);

    // 409 recover_first, the put-back, the outbox, then the feed from the start (no cursor).
    expect(paths(server).slice(0, 4)).toEqual(['POST /api/sync/push', 'POST /api/sync/recover', 'POST /api/sync/push', 'GET /api/sync/pull']);
    const [first] = server.requests;
    expect(first!.body).toMatchObject({ confirmed_seq: 4, generation: 1, receipt: receiptOf(PHONE, 4, 1) });
    const [putBack] = recoverBodies(server);
    expect(putBack).toMatchObject({ device_id: PHONE, confirmed_seq: 4, generation: 1, receipt: receiptOf(PHONE, 4, 1), done: true, reservations: [] });
    expect(putBack!.dossiers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: draft.id, state: State.DRAFT, fields: { 'child.full_name': 'Nguyễn Minh Khang', 'child.hometown': 'Huế', 'child.birth_place': 'Bệnh viện Trung ương Huế' } }),
        expect.objectContaining({ id: sent.id, state: State.SUBMITTED, code, seal: dossierSeal(sent.id, code) }),
      ]),
    );

    expect(server.dossiers.get(draft.id)!.fields).toEqual({
      'child.full_name': 'Nguyễn Minh Khang',
      'child.hometown': 'Huế',
      'child.birth_place': 'Bệnh viện Trung ương Huế',
    });
    expect(server.dossiers.get(sent.id)).toMatchObject({ state: State.SUBMITTED, code });
    expect(server.lastSeq.get(PHONE)).toBe(5); // moved up to 4 by the put-back, then seq 5 applied
    expect(await getMeta(db, CONFIRMED_SEQ_KEY)).toEqual({ device_id: PHONE, seq: 5, generation: 2, receipt: receiptOf(PHONE, 5, 2) });
    expect(report).toMatchObject({ recovered: 2, rejected: 0 });
    expect(await outboxCounts(db)).toEqual({ pending: 0, rejected: 0 });
    expect(await getMeta(db, GENERATION_KEY)).toBe(2);
    expect((await getMeta<string>(db, CURSOR_KEY))!.startsWith('2.')).toBe(true);
    expect(await syncMeta(db)).toMatchObject({ recovering: false, last_recovery: { put_back: 2, refused: 0 }, last_error: null });
    const local = (await db.get('dossiers', draft.id))!;
    expect(local.version).toBe(server.dossiers.get(draft.id)!.version);
    expect(local.answers['child.birth_place']).toBe('Bệnh viện Trung ương Huế');

    // The next pass is an ordinary one.
    server.requests = [];
    await syncOnce(deps);
    expect(paths(server)).toEqual([`GET /api/sync/pull?cursor=${await getMeta<string>(db, CURSOR_KEY)}`]);
  });

  it('a new generation met on a pull: the put-back comes before any view is applied; a deleted draft stays deleted', async () => {
    const server = new FakeServer();
    const { db, deps } = await phoneOn(server);
    const d = await createDraft(db, 'khai-sinh', 1, { 'child.full_name': 'Nguyễn Minh Khang' });
    await syncOnce(deps);
    const backup = server.snapshot();
    expect(await deleteDraft(db, d.id)).toBe('deleted');
    await syncOnce(deps);
    expect(server.dossiers.get(d.id)!.deleted).toBe(true);

    server.restore(backup); // the server holds the draft again
    server.requests = [];
    await syncOnce(deps); // nothing to push: the pull meets generation 2

    expect(paths(server).slice(0, 3)).toEqual([expect.stringMatching(/^GET \/api\/sync\/pull\?cursor=1\./), 'POST /api/sync/recover', 'GET /api/sync/pull']);
    const [putBack] = recoverBodies(server);
    expect(putBack!.dossiers).toEqual([{ id: d.id, procedure_code: 'khai-sinh', schema_version: 1, state: State.DRAFT, version: 2, deleted: true }]);
    // The restored draft was never shown again on the phone, and is deleted on the server again.
    expect(await db.get('dossiers', d.id)).toBeUndefined();
    expect(server.dossiers.get(d.id)!.deleted).toBe(true);
    expect(await getMeta(db, GENERATION_KEY)).toBe(2);
  });

  it('a tombstone from the feed is remembered too', async () => {
    const server = new FakeServer();
    const { db: phone, deps } = await phoneOn(server);
    const { db: tablet, deps: onTablet } = await phoneOn(server, TABLET);
    const d = await createDraft(tablet, 'khai-sinh', 1, { 'child.full_name': 'Nguyễn Minh Khang' });
    await syncOnce(onTablet);
    await syncOnce(deps);
    const backup = server.snapshot();
    await deleteDraft(tablet, d.id);
    await syncOnce(onTablet);
    await syncOnce(deps); // the tombstone reaches the phone
    expect(await phone.get('dossiers', d.id)).toBeUndefined();

    server.restore(backup);
    await syncOnce(deps); // the phone puts back first
    expect(recoverBodies(server)[0]!.dossiers).toEqual([expect.objectContaining({ id: d.id, deleted: true })]);
    expect(server.dossiers.get(d.id)!.deleted).toBe(true);
    expect(await phone.get('dossiers', d.id)).toBeUndefined();
  });

  it('a restore nobody declared: a push that expects a seq already confirmed leads to a put-back, not a wedge', async () => {
    const server = new FakeServer();
    const { db, deps } = await phoneOn(server);
    const d = await createDraft(db, 'khai-sinh', 1, { 'child.full_name': 'Nguyễn Minh Khang' });
    await syncOnce(deps);
    const backup = server.snapshot();
    await editAnswers(db, d.id, { 'child.hometown': 'Huế' });
    await syncOnce(deps); // seq 2 confirmed
    server.restore(backup, { newGeneration: false }); // the server holds seq 1 only, and says generation 1
    await editAnswers(db, d.id, { 'contact.phone': '0912345678' }); // seq 3
    server.requests = [];

    await syncOnce(deps);

    expect(server.requests[0]!.body).toMatchObject({ confirmed_seq: 2, generation: 1, mutations: [expect.objectContaining({ seq: 3 })] });
    expect(paths(server).slice(0, 3)).toEqual(['POST /api/sync/push', 'POST /api/sync/recover', 'POST /api/sync/push']);
    expect(server.dossiers.get(d.id)!.fields).toEqual({ 'child.full_name': 'Nguyễn Minh Khang', 'child.hometown': 'Huế', 'contact.phone': '0912345678' });
    expect(server.lastSeq.get(PHONE)).toBe(3);
    expect(await outboxCounts(db)).toEqual({ pending: 0, rejected: 0 });
    expect((await syncMeta(db)).last_error).toBeNull();
  });

  it('a gap the device cannot explain by a restore still stops the queue, as before', async () => {
    const server = new FakeServer();
    const { db, deps } = await phoneOn(server);
    await createDraft(db, 'khai-sinh', 1);
    await syncOnce(deps);
    // Seqs 2 to 4 are gone from the device: the server expects 2, and only 1 was ever confirmed.
    await setMeta(db, 'next_seq', 5);
    await createDraft(db, 'khai-tu', 1);
    await expect(syncOnce(deps)).rejects.toThrow(/the server expects seq 2/);
    expect(recoverBodies(server)).toHaveLength(0);
  });

  it('an app upgraded from a version without generations puts back on a restored server; a new phone does not', async () => {
    const server = new FakeServer();
    const { db, deps } = await phoneOn(server);
    const d = await createDraft(db, 'khai-sinh', 1, { 'child.full_name': 'Nguyễn Minh Khang' });
    await syncOnce(deps);
    const backup = server.snapshot();
    await editAnswers(db, d.id, { 'child.hometown': 'Huế' });
    await syncOnce(deps);
    // The older app kept neither the generation nor the confirmed seq.
    await db.delete('meta', GENERATION_KEY);
    await db.delete('meta', CONFIRMED_SEQ_KEY);
    server.restore(backup);
    server.deviceGenerations.set(PHONE, server.generation); // not asked to put back by the server: only the generation tells
    await syncOnce(deps);
    expect(recoverBodies(server)).toHaveLength(1);
    expect(recoverBodies(server)[0]).toMatchObject({ confirmed_seq: 2, generation: null, receipt: null });
    expect(server.dossiers.get(d.id)!.fields).toEqual({ 'child.full_name': 'Nguyễn Minh Khang', 'child.hometown': 'Huế' });

    const { db: fresh, deps: onFresh } = await phoneOn(server, TABLET);
    await createDraft(fresh, 'khai-tu', 1);
    server.requests = [];
    await syncOnce(onFresh);
    expect(recoverBodies(server)).toHaveLength(0);
    expect(await getMeta(fresh, GENERATION_KEY)).toBe(2);
  });

  it('a put-back the server refuses keeps the person\'s data, with the reason shown', async () => {
    const server = new FakeServer();
    const { db, deps } = await phoneOn(server);
    const backup = server.snapshot();
    const d = await createDraft(db, 'khai-sinh', 1, { 'contact.phone': '0912345678', 'child.full_name': 'Nguyễn Minh Khang' });
    await submitDossier(db, d.id);
    await syncOnce(deps);
    // As kept by an app from before seals.
    const held = (await db.get('dossiers', d.id))!;
    delete held.seal;
    await db.put('dossiers', held);

    server.restore(backup);
    const report = await syncOnce(deps);

    expect(report.recovered).toBe(0);
    const local = (await db.get('dossiers', d.id))!;
    expect(local).toMatchObject({ state: State.SUBMITTED, code: held.code, answers: { 'contact.phone': '0912345678', 'child.full_name': 'Nguyễn Minh Khang' } });
    expect(local.put_back_refused!.reasons).toEqual([{ code: 'seal_invalid', path: 'code', message: 'seal_invalid' }]);
    expect(await syncMeta(db)).toMatchObject({ recovering: false, last_recovery: { put_back: 0, refused: 1 } });
    expect(server.dossiers.get(d.id)).toBeUndefined();
  });

  it('answers changed on both sides since the restore become conflicts the person resolves', async () => {
    const server = new FakeServer();
    const { db: phone, deps } = await phoneOn(server);
    const { db: tablet, deps: onTablet } = await phoneOn(server, TABLET);
    const d = await createDraft(phone, 'khai-sinh', 1, { 'child.hometown': 'Huế' });
    await syncOnce(deps);
    await syncOnce(onTablet);
    const backup = server.snapshot();
    await editAnswers(phone, d.id, { 'child.hometown': 'Nam Định' });
    await syncOnce(deps);
    server.restore(backup);
    // The tablet puts back first, and then changes the draft in the new generation.
    await editAnswers(tablet, d.id, { 'child.hometown': 'Hải Phòng' });
    await syncOnce(onTablet);
    expect(server.dossiers.get(d.id)!.fields['child.hometown']).toBe('Hải Phòng');

    const report = await syncOnce(deps);
    expect(report.conflicts).toBe(1);
    const local = (await phone.get('dossiers', d.id))!;
    expect(local.conflicts).toEqual([expect.objectContaining({ path: 'child.hometown', server_value: 'Hải Phòng', device_value: 'Nam Định' })]);
    expect(local.answers['child.hometown']).toBe('Hải Phòng');
  });

  it('keeps the seals of views, outcomes and reservations, and sends them back', async () => {
    const server = new FakeServer();
    const { db: phone, deps } = await phoneOn(server);
    const { db: tablet, deps: onTablet } = await phoneOn(server, TABLET);
    const backup = server.snapshot();
    const d = await createDraft(phone, 'khai-sinh', 1, { 'contact.phone': '0912345678' });
    await submitDossier(phone, d.id);
    await syncOnce(deps);
    const code = server.dossiers.get(d.id)!.code!;
    expect((await phone.get('dossiers', d.id))!.seal).toBe(dossierSeal(d.id, code)); // from the outcome
    await syncOnce(onTablet);
    expect((await tablet.get('dossiers', d.id))!.seal).toBe(dossierSeal(d.id, code)); // from the view
    const [reserved] = await reserveCodes(phone, 1, server.fetch as typeof fetch);
    expect(reserved!.seal).toMatch(/^seal-r-/);
    expect((await phone.get('codes', reserved!.code))!.seal).toBe(reserved!.seal);

    server.restore(backup);
    await syncOnce(deps);
    const [putBack] = recoverBodies(server);
    expect(putBack!.dossiers).toEqual([expect.objectContaining({ id: d.id, code, seal: dossierSeal(d.id, code) })]);
    expect(putBack!.reservations).toEqual([{ code: reserved!.code, expires_at: reserved!.expires_at, seal: reserved!.seal }]);
    expect(server.reservations.get(reserved!.code)).toBe(PHONE);
    expect(server.dossiers.get(d.id)).toMatchObject({ state: State.SUBMITTED, code });
  });

  it('a put-back cut short is done again at the next pass before anything else', async () => {
    const server = new FakeServer();
    const { db, deps } = await phoneOn(server);
    const backup = server.snapshot();
    const d = await createDraft(db, 'khai-sinh', 1, { 'child.full_name': 'Nguyễn Minh Khang' });
    await syncOnce(deps);
    server.restore(backup);
    await editAnswers(db, d.id, { 'child.hometown': 'Huế' });
    // The push is answered 409 recover_first, then the put-back is cut.
    server.faults.push({ status: 409, body: { type: '/problems/recover_first', status: 409 } }, 'network');
    await expect(syncOnce(deps)).rejects.toThrow(/network/);
    expect(await syncMeta(db)).toMatchObject({ recovering: true });

    server.requests = [];
    await syncOnce(deps);
    expect(paths(server).slice(0, 2)).toEqual(['POST /api/sync/recover', 'POST /api/sync/push']);
    expect(server.dossiers.get(d.id)!.fields).toEqual({ 'child.full_name': 'Nguyễn Minh Khang', 'child.hometown': 'Huế' });
    expect(await syncMeta(db)).toMatchObject({ recovering: false });
  });

  it('a phone the restored server no longer knows signs in again, and its first sync puts back what it holds', async () => {
    const server = new FakeServer();
    const { db, deps } = await phoneOn(server);
    const backup = server.snapshot();
    const d = await createDraft(db, 'khai-sinh', 1, { 'child.full_name': 'Nguyễn Minh Khang' });
    await syncOnce(deps);
    server.restore(backup);
    server.credential = 'registered-anew'; // the restored database lost the phone's credential
    await expect(syncOnce(deps)).rejects.toThrow(/sign-in required/);

    await withDevice(db, 'registered-anew', TABLET); // signed in again: a new device, its seqs from 1
    await syncOnce(deps);

    expect(recoverBodies(server)).toEqual([expect.objectContaining({ device_id: TABLET, confirmed_seq: 0, generation: 1 })]);
    expect(server.dossiers.get(d.id)!.fields).toEqual({ 'child.full_name': 'Nguyễn Minh Khang' });
    expect(await getMeta(db, GENERATION_KEY)).toBe(2);
  });

  it('counts only what the server took back: a dossier it still held as the phone does is no news', async () => {
    const server = new FakeServer();
    const { db, deps } = await phoneOn(server);
    await createDraft(db, 'khai-sinh', 1, { 'child.full_name': 'Nguyễn Minh Khang' });
    await syncOnce(deps);
    server.restore(server.snapshot()); // a restore that lost nothing of this phone's
    const report = await syncOnce(deps);
    expect(recoverBodies(server)).toHaveLength(1);
    expect(report.recovered).toBe(0);
    expect(await syncMeta(db)).toMatchObject({ recovering: false, last_recovery: { put_back: 0, refused: 0 } });
  });
});
