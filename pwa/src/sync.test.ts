import { describe, expect, it, vi } from 'vitest';
import { freshDb, withDevice } from './testing/db';
import { FakeServer } from './testing/fakeServer';
import { answerSupplement, attachFile, cancelSubmit, createDraft, deleteDraft, detachFile, editAnswers, resolveConflict, submitDossier } from './dossiers';
import { sha256Hex } from './files';
import { forgetRefusedFile } from './refused';
import { uploadWaiting } from './uploads';
import type { DeviceRecord } from './db';
import { outboxCounts, pendingItems } from './outbox';
import { getMeta, setMeta, type SyncMeta } from './db';
import { applyViews, AuthRequired, backoffDelay, BACKOFF_CAP, CURSOR_KEY, EVERY_MINUTE, SyncLoop, syncOnce, SYNC_KEY, type LoopEnv } from './sync';
import { State } from './states';

const noSleep = async () => {};

async function setup() {
  const db = await freshDb();
  await withDevice(db);
  const server = new FakeServer();
  const deps = { db, fetch: server.fetch as typeof fetch, sleep: noSleep };
  return { db, server, deps };
}

// Node's; the app's types (DOM) do not know it.
const nodeSetImmediate = (globalThis as unknown as { setImmediate(fn: () => void): void }).setImmediate;

describe('syncOnce', () => {
  it('pushes a draft made offline, submits it and brings back its code', async () => {
    const { db, server, deps } = await setup();
    const d = await createDraft(db, 'khai-sinh', 1, { 'child.full_name': 'Nguyễn Minh Khang' });
    await editAnswers(db, d.id, { 'contact.phone': '0912345678' });
    await submitDossier(db, d.id);
    const report = await syncOnce(deps);
    expect(report).toMatchObject({ pushed: 2, rejected: 0 });
    expect(await outboxCounts(db)).toEqual({ pending: 0, rejected: 0 });
    const local = await db.get('dossiers', d.id);
    expect(local).toMatchObject({ state: State.SUBMITTED, code: '0007026000000001', version: 2, submit_queued: false });
    expect(local!.answers).toEqual({ 'child.full_name': 'Nguyễn Minh Khang', 'contact.phone': '0912345678' });
    const meta = await getMeta<SyncMeta>(db, SYNC_KEY);
    expect(meta!.last_success_at).toBeTruthy();
  });

  it('keeps everything when the network fails, and sends it once when it is back', async () => {
    const { db, server, deps } = await setup();
    const d = await createDraft(db, 'khai-sinh', 1, { 'contact.phone': '0912345678' });
    server.faults.push('network');
    await expect(syncOnce(deps)).rejects.toThrow(/network/);
    expect(await outboxCounts(db)).toEqual({ pending: 1, rejected: 0 });
    expect((await getMeta<SyncMeta>(db, SYNC_KEY))!.last_error).toMatch(/network/);
    await syncOnce(deps);
    expect(await outboxCounts(db)).toEqual({ pending: 0, rejected: 0 });
    expect(server.dossiers.get(d.id)!.version).toBe(1);
  });

  it('a response lost after the server applied the batch: the replay is answered from the record', async () => {
    const { db, server, deps } = await setup();
    const d = await createDraft(db, 'khai-sinh', 1, { 'contact.phone': '0912345678' });
    await submitDossier(db, d.id);
    server.faults.push('lost_response');
    await expect(syncOnce(deps)).rejects.toThrow();
    expect(server.dossiers.get(d.id)!.state).toBe(State.SUBMITTED);
    expect((await pendingItems(db)).every((i) => i.sent)).toBe(true);
    await syncOnce(deps);
    expect(await outboxCounts(db)).toEqual({ pending: 0, rejected: 0 });
    expect((await db.get('dossiers', d.id))!.code).toBe('0007026000000001');
    expect(server.dossiers.get(d.id)!.version).toBe(2); // applied once
  });

  it('a save landing at any moment of a pass is never lost: on the server and on the device afterwards', async () => {
    const tick = () => new Promise<void>((resolve) => nodeSetImmediate(resolve)); // one turn of fake-indexeddb's scheduler
    for (let delay = 0; delay < 60; delay++) {
      const { db, server, deps } = await setup();
      const d = await createDraft(db, 'khai-sinh', 1, { 'requester.full_name': 'Vũ Gia ' });
      const pass = syncOnce(deps);
      for (let i = 0; i < delay; i++) await tick();
      await editAnswers(db, d.id, { 'requester.full_name': 'Vũ Gia Hà', 'contact.phone': '0912345678' });
      await pass;
      await syncOnce(deps);
      const want = { 'requester.full_name': 'Vũ Gia Hà', 'contact.phone': '0912345678' };
      expect(server.dossiers.get(d.id)!.fields, `delay ${delay}`).toEqual(want);
      expect((await db.get('dossiers', d.id))!.answers, `delay ${delay}`).toEqual(want);
      expect(await outboxCounts(db)).toEqual({ pending: 0, rejected: 0 });
    }
  });

  it('a 5xx is not a confirmation', async () => {
    const { db, server, deps } = await setup();
    await createDraft(db, 'khai-sinh', 1);
    server.faults.push('server_error');
    await expect(syncOnce(deps)).rejects.toThrow(/500/);
    expect(await outboxCounts(db)).toEqual({ pending: 1, rejected: 0 });
  });

  it('a rejected item does not block the queue and stays visible with its reasons', async () => {
    const { db, server, deps } = await setup();
    const a = await createDraft(db, 'khai-sinh', 1);
    await submitDossier(db, a.id); // no phone: rejected
    const b = await createDraft(db, 'khai-tu', 1, { 'contact.phone': '0912345678' });
    await submitDossier(db, b.id);
    const report = await syncOnce(deps);
    expect(report).toMatchObject({ pushed: 3, rejected: 1 });
    const rejected = (await db.getAll('outbox')).filter((i) => i.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ kind: 'submit', dossier_id: a.id });
    expect(rejected[0]!.reasons![0]).toMatchObject({ code: 'required', path: 'contact.phone' });
    expect((await db.get('dossiers', a.id))!).toMatchObject({ state: State.DRAFT, submit_queued: false });
    expect((await db.get('dossiers', b.id))!.state).toBe(State.SUBMITTED);
  });

  it('a whole batch refused for one item (422): that item is kept, sent as a no-op, the rest go', async () => {
    const { db, server, deps } = await setup();
    const a = await createDraft(db, 'khai-sinh', 1, { 'contact.phone': '0912345678' });
    await submitDossier(db, a.id);
    server.faults.push({
      status: 422,
      body: { type: '/problems/validation_failed', errors: [{ path: '$.mutations[1].payload.reserved_code', code: 'invalid', message: 'bad' }] },
    });
    await syncOnce(deps);
    const items = await db.getAll('outbox');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ seq: 2, kind: 'submit', status: 'rejected' });
    expect(items[0]!.reasons![0]!.path).toBe('$.mutations[1].payload.reserved_code');
    expect(server.lastSeq.get('0190a000-0000-7000-8000-000000000001')).toBe(2);
  });

  it('a whole batch the database refused, no item named: split until the item is alone, which is set aside', async () => {
    const { db, server, deps } = await setup();
    const drafts = [];
    for (let i = 0; i < 9; i++) drafts.push(await createDraft(db, 'khai-sinh', 1, { 'child.full_name': `Bé ${i}` }));
    server.unstorable.add(drafts[6]!.id);
    const report = await syncOnce(deps);
    expect(report).toMatchObject({ pushed: 8, rejected: 1 });
    const items = await db.getAll('outbox');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ dossier_id: drafts[6]!.id, kind: 'create_draft', status: 'rejected' });
    expect(items[0]!.reasons).toEqual([{ code: 'too_long', path: '$', message: 'a text longer than the database holds' }]);
    for (const d of drafts.filter((_, i) => i !== 6)) expect(server.dossiers.get(d.id)).toBeTruthy();
    // Halving, not one request per item: 9 → 4 → 2 → 1 refused, and the rest in a few.
    expect(server.requests.filter((r) => r.path === '/api/sync/push').length).toBeLessThanOrEqual(8);
  });

  it('one change larger than the server takes (413 when alone) is set aside with its reason; the queue goes on', async () => {
    const { db, server, deps } = await setup();
    // 400,000 letters of three UTF-8 bytes each: 1.2 MB on the wire.
    const pasted = await createDraft(db, 'khai-sinh', 1, { 'child.full_name': 'ệ'.repeat(400_000) });
    const after = await createDraft(db, 'khai-sinh', 1, { 'child.full_name': 'Bé sau' });
    server.maxBodyBytes = 1024 * 1024;
    const report = await syncOnce(deps);
    expect(report).toMatchObject({ pushed: 1, rejected: 1 });
    const [kept] = await db.getAll('outbox');
    expect(kept).toMatchObject({ dossier_id: pasted.id, kind: 'create_draft', status: 'rejected' });
    expect(kept!.reasons![0]!.code).toBe('too_large');
    expect(server.dossiers.get(after.id)).toBeTruthy();
    // On the phone still: what was typed is the person's to shorten.
    expect((await db.get('dossiers', pasted.id))!.answers['child.full_name']).toHaveLength(400_000);
    // Shortened, the draft reaches the server whole: its creation was set aside, so it
    // goes as a new create_draft, not as an edit of a dossier the server never had.
    await editAnswers(db, pasted.id, { 'child.full_name': 'Bé Ệ' });
    await syncOnce(deps);
    expect(server.dossiers.get(pasted.id)?.fields['child.full_name']).toBe('Bé Ệ');
    expect(await outboxCounts(db)).toEqual({ pending: 0, rejected: 1 });
  });

  it('a 413 for a change of ordinary size (a proxy set too low) sets nothing aside', async () => {
    const { db, server, deps } = await setup();
    await createDraft(db, 'khai-sinh', 1, { 'child.full_name': 'Bé' });
    server.maxBodyBytes = 100;
    await expect(syncOnce(deps)).rejects.toThrow();
    expect(await outboxCounts(db)).toEqual({ pending: 1, rejected: 0 });
  });

  it('a 400 that names nothing at $ (a proxy, not the server) sets nothing aside', async () => {
    const { db, server, deps } = await setup();
    await createDraft(db, 'khai-sinh', 1);
    await createDraft(db, 'khai-sinh', 1);
    server.faults.push({ status: 400, body: { title: 'Bad Request' } });
    await expect(syncOnce(deps)).rejects.toThrow();
    expect(await outboxCounts(db)).toEqual({ pending: 2, rejected: 0 });
  });

  it('waits for a sign-in without losing anything', async () => {
    const db = await freshDb();
    await createDraft(db, 'khai-sinh', 1);
    const server = new FakeServer();
    await expect(syncOnce({ db, fetch: server.fetch as typeof fetch })).rejects.toBeInstanceOf(AuthRequired);
    expect(server.requests).toHaveLength(0);
    await withDevice(db, 'wrong');
    await expect(syncOnce({ db, fetch: server.fetch as typeof fetch })).rejects.toBeInstanceOf(AuthRequired);
    expect((await getMeta<SyncMeta>(db, SYNC_KEY))!.needs_sign_in).toBe(true);
    expect(await outboxCounts(db)).toEqual({ pending: 1, rejected: 0 });
  });

  it('two edits of the same field in a row are not a conflict with itself', async () => {
    const { db, server, deps } = await setup();
    const d = await createDraft(db, 'khai-sinh', 1);
    await syncOnce(deps);
    await editAnswers(db, d.id, { 'child.hometown': 'Huế' });
    await syncOnce(deps);
    await editAnswers(db, d.id, { 'child.hometown': 'Nam Định' });
    await (await import('./outbox')).markSent(db, [3]);
    await editAnswers(db, d.id, { 'child.hometown': 'Hà Nội' });
    await syncOnce(deps);
    expect(server.dossiers.get(d.id)!.conflicts).toEqual([]);
    expect(server.dossiers.get(d.id)!.fields['child.hometown']).toBe('Hà Nội');
  });

  it('a clash with another device becomes a conflict the person resolves field by field', async () => {
    const { db, server, deps } = await setup();
    const d = await createDraft(db, 'khai-sinh', 1, { 'child.hometown': 'Huế' });
    await syncOnce(deps);
    server.official(d.id, { field: ['child.hometown', 'Hải Phòng'] }); // another device of the person
    await editAnswers(db, d.id, { 'child.hometown': 'Nam Định', 'child.birth_place': 'Nhà' });
    const report = await syncOnce(deps);
    expect(report.conflicts).toBe(1);
    let local = (await db.get('dossiers', d.id))!;
    expect(local.conflicts).toHaveLength(1);
    expect(local.conflicts![0]).toMatchObject({ path: 'child.hometown', server_value: 'Hải Phòng', device_value: 'Nam Định' });
    expect(local.answers['child.birth_place']).toBe('Nhà');
    await resolveConflict(db, d.id, local.conflicts![0]!.conflict_id, { choice: 'device' });
    await syncOnce(deps);
    local = (await db.get('dossiers', d.id))!;
    expect(local.conflicts).toEqual([]);
    expect(server.dossiers.get(d.id)!.fields['child.hometown']).toBe('Nam Định');
    expect(local.answers['child.hometown']).toBe('Nam Định');
  });

  it('pulls state changes and messages, raising notices, page by page', async () => {
    const { db, server, deps } = await setup();
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const d = await createDraft(db, 'khai-sinh', 1, { 'contact.phone': '0912345678' });
      await submitDossier(db, d.id);
      ids.push(d.id);
    }
    await syncOnce(deps);
    server.official(ids[0]!, { state: State.RECEIVED });
    server.official(ids[1]!, { state: State.SUPPLEMENT_REQUESTED, message: 'Thiếu giấy chứng sinh' });
    const report = await syncOnce(deps);
    expect(report.notices).toBe(3);
    const notices = await db.getAll('notices');
    expect(notices.map((n) => n.vi)).toEqual([
      'Hồ sơ 0007 0260 0000 0001: Được tiếp nhận',
      'Hồ sơ 0007 0260 0000 0002: Yêu cầu bổ sung giấy tờ',
      'Hồ sơ 0007 0260 0000 0002: cán bộ nhắn "Thiếu giấy chứng sinh"',
    ]);
    expect((await db.get('dossiers', ids[1]!))!.state).toBe(State.SUPPLEMENT_REQUESTED);
    expect(server.requests.filter((r) => r.path.startsWith('/api/sync/pull')).length).toBeGreaterThan(2);
  });

  it('an older view after a newer one changes nothing, and unconfirmed edits stay on top', async () => {
    const { db, server, deps } = await setup();
    const d = await createDraft(db, 'khai-sinh', 1, { 'child.hometown': 'Huế' });
    await syncOnce(deps);
    await editAnswers(db, d.id, { 'child.hometown': 'Vinh' });
    server.faults.push('network');
    await expect(syncOnce(deps)).rejects.toThrow();
    const { applyViews } = await import('./sync');
    await applyViews(db, [server.view(server.dossiers.get(d.id)!)], new Date());
    expect((await db.get('dossiers', d.id))!.answers['child.hometown']).toBe('Vinh');
    await applyViews(db, [{ ...server.view(server.dossiers.get(d.id)!), version: 0 }], new Date());
    expect((await db.get('dossiers', d.id))!.version).toBe(1);
  });

  it('answers a request for more documents offline; the answer goes at the next sync', async () => {
    const { db, server, deps } = await setup();
    const d = await createDraft(db, 'khai-sinh', 1, { 'contact.phone': '0912345678' });
    await submitDossier(db, d.id);
    await syncOnce(deps);
    server.official(d.id, { state: State.SUPPLEMENT_REQUESTED, message: 'Bổ sung giấy chứng sinh' });
    await syncOnce(deps);
    const sha = 'd'.repeat(64);
    await (await import('./dossiers')).answerSupplement(db, d.id, 'Đã chụp giấy chứng sinh', { 'attachments.birth_certificate': [sha] });
    expect((await db.get('dossiers', d.id))!.answers['attachments.birth_certificate']).toEqual([sha]);
    await syncOnce(deps);
    const local = (await db.get('dossiers', d.id))!;
    expect(local.state).toBe(State.PROCESSING);
    expect(server.dossiers.get(d.id)!.fields['attachments.birth_certificate']).toEqual([sha]);
    expect(local.messages!.map((m) => m.author)).toEqual(['official', 'person']);
  });

  it('holds an attach and a submission back while their file waits to be uploaded', async () => {
    const { db, deps } = await setup();
    const d = await createDraft(db, 'khai-sinh', 1, { 'contact.phone': '0912345678' });
    await (await import('./dossiers')).attachFile(db, d.id, 'attachments.birth_certificate', 'c'.repeat(64));
    await submitDossier(db, d.id);
    const uploads = async () => ({ available: true, waiting: new Set(['c'.repeat(64)]) });
    const report = await syncOnce({ ...deps, uploads });
    expect(report).toMatchObject({ pushed: 1, held: 2 });
    expect((await pendingItems(db)).map((i) => i.kind)).toEqual(['attach', 'submit']);
    const done = await syncOnce({ ...deps, uploads: async () => ({ available: true, waiting: new Set<string>() }) });
    expect(done.pushed).toBe(2);
  });

  it('holds back a conflict resolved for the phone\'s files while they wait to be uploaded', async () => {
    const { db, deps } = await setup();
    const d = await createDraft(db, 'khai-sinh', 1, { 'contact.phone': '0912345678' });
    await syncOnce(deps);
    const sha = 'f'.repeat(64);
    // A put-back left the phone's list beside the server's: the person keeps the phone's.
    const local = (await db.get('dossiers', d.id))!;
    await db.put('dossiers', { ...local, conflicts: [{ conflict_id: 7, path: 'attachments.birth_certificate', server_value: null, device_value: [sha] }] });
    await resolveConflict(db, d.id, 7, { choice: 'device' });
    const waiting = async () => ({ available: true, waiting: new Set([sha]) });
    const report = await syncOnce({ ...deps, uploads: waiting });
    expect(report).toMatchObject({ pushed: 0, held: 1 });
    expect((await pendingItems(db)).map((i) => [i.kind, i.holds])).toEqual([['resolve_conflict', [sha]]]);
  });

  it('holds an attach back whose file was chosen after the pass looked for files to upload', async () => {
    const { db, deps } = await setup();
    const d = await createDraft(db, 'khai-sinh', 1, { 'contact.phone': '0912345678' });
    const sha = 'e'.repeat(64);
    // The uploads step finds nothing to send; while it waits on the server, the person
    // chooses a photo: its bytes and its attach are stored before the push.
    const uploads = async () => {
      const report = { available: true, waiting: new Set<string>() };
      const blob = new Blob(['photo'], { type: 'image/jpeg' });
      await db.put('blobs', { sha256: sha, blob, type: 'image/jpeg', size: blob.size, name: 'a.jpg', created_at: '', uploaded: false });
      await (await import('./dossiers')).attachFile(db, d.id, 'attachments.birth_certificate', sha);
      return report;
    };
    const report = await syncOnce({ ...deps, uploads });
    expect(report.held).toBe(1);
    expect((await pendingItems(db)).map((i) => i.kind)).toEqual(['attach']);
    expect((await db.getAll('outbox')).filter((i) => i.status === 'rejected')).toEqual([]);
  });
});

describe('a file the server refuses', () => {
  // A Linux program, named as a PDF.
  const program = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...new Array(200).fill(7)]);
  const pdf = new TextEncoder().encode('%PDF-1.4\n' + 'x'.repeat(300) + '\n%%EOF\n');
  const message = '\u201cgiay-chung-sinh.pdf\u201d: Tệp này là một chương trình Linux, không phải tài liệu được chấp nhận.';
  const PATH = 'attachments.birth_certificate';

  async function store(db: Awaited<ReturnType<typeof freshDb>>, bytes: Uint8Array, name: string) {
    const sha256 = await sha256Hex(bytes.buffer as ArrayBuffer);
    const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/pdf' });
    await db.put('blobs', { sha256, blob, type: 'application/pdf', size: blob.size, name, created_at: '', uploaded: false });
    return sha256;
  }

  async function refusedSetup() {
    const { db, server, deps } = await setup();
    const withUploads = { ...deps, uploads: (d: typeof db, device: DeviceRecord) => uploadWaiting(d, device, server.fetch as typeof fetch) };
    const bad = await store(db, program, 'giay-chung-sinh.pdf');
    server.refuses.set(bad, { status: 415, body: { type: '/problems/unsupported_file_type', detail: message, errors: [{ path: 'file', code: 'unsupported_file_type', message }] } });
    const d = await createDraft(db, 'khai-sinh', 1, { 'contact.phone': '0912345678' });
    await attachFile(db, d.id, PATH, bad);
    await submitDossier(db, d.id);
    return { db, server, deps: withUploads, d, bad };
  }

  it('within one pass: the submission is taken back, the person is told which file and why, nothing waits for ever', async () => {
    const { db, server, deps, d, bad } = await refusedSetup();
    const other = await createDraft(db, 'khai-tu', 1, { 'contact.phone': '0912345678' });
    await submitDossier(db, other.id);
    const report = await syncOnce(deps);
    expect(report.held).toBe(0);
    // The dossier is a draft again on the phone, the refused file still in it, shown as refused.
    const local = (await db.get('dossiers', d.id))!;
    expect(local).toMatchObject({ state: State.DRAFT, submit_queued: false });
    expect(local.answers[PATH]).toEqual([bad]);
    expect((await db.get('blobs', bad))!.refused!.code).toBe('unsupported_file_type');
    // The attach and the submission come back refused, naming the file and its field.
    const rejected = (await db.getAll('outbox')).filter((i) => i.status === 'rejected');
    expect(rejected.map((i) => i.kind)).toEqual(['attach', 'submit']);
    expect(rejected[0]!.reasons).toEqual([
      { code: 'unsupported_file_type', path: PATH, message: 'Tệp \u201cgiay-chung-sinh.pdf\u201d bị từ chối: Tệp này là một chương trình Linux, không phải tài liệu được chấp nhận.' },
    ]);
    expect(rejected[1]!.reasons).toEqual([
      { code: 'unsupported_file_type', path: PATH, message: 'Hồ sơ chưa được nộp vì tệp \u201cgiay-chung-sinh.pdf\u201d bị từ chối. Hãy bỏ tệp đó, chọn tệp khác rồi nộp lại.' },
    ]);
    expect(await outboxCounts(db)).toEqual({ pending: 0, rejected: 2 });
    const notices = await db.getAll('notices');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ dossier_id: d.id, read: false });
    expect(notices[0]!.vi).toContain('máy chủ không nhận tệp \u201cgiay-chung-sinh.pdf\u201d');
    expect(notices[0]!.vi).toContain('chương trình Linux');
    expect(notices[0]!.vi).toContain('rồi nộp lại');
    // Nothing behind it was held: the other dossier went through; the server never got the file.
    expect(server.dossiers.get(other.id)!.state).toBe(State.SUBMITTED);
    expect(server.dossiers.get(d.id)).toMatchObject({ state: State.DRAFT, fields: { 'contact.phone': '0912345678' } });
    // The next pass does not send the file again, nor tell the person again.
    const uploadsBefore = server.requests.filter((r) => r.path.startsWith('/api/uploads')).length;
    await syncOnce(deps);
    expect(server.requests.filter((r) => r.path.startsWith('/api/uploads')).length).toBe(uploadsBefore);
    expect(await db.getAll('notices')).toHaveLength(1);
  });

  it('the person removes it, attaches a real PDF and submits again: the dossier is submitted', async () => {
    const { db, server, deps, d, bad } = await refusedSetup();
    await syncOnce(deps);
    await detachFile(db, d.id, PATH, bad);
    await forgetRefusedFile(db, bad);
    expect(await db.get('blobs', bad)).toBeUndefined();
    const good = await store(db, pdf, 'giay-chung-sinh-that.pdf');
    await attachFile(db, d.id, PATH, good);
    await submitDossier(db, d.id);
    await syncOnce(deps);
    expect(server.dossiers.get(d.id)).toMatchObject({ state: State.SUBMITTED, fields: { [PATH]: [good] } });
    const local = (await db.get('dossiers', d.id))!;
    expect(local).toMatchObject({ state: State.SUBMITTED, submit_queued: false });
    expect(local.answers[PATH]).toEqual([good]);
    expect(await outboxCounts(db)).toEqual({ pending: 0, rejected: 2 }); // the earlier reasons, until read
  });

  it('an answer to a request for documents with a refused file is taken back: the person can answer again without it', async () => {
    const { db, server, deps } = await setup();
    const withUploads = { ...deps, uploads: (d: typeof db, device: DeviceRecord) => uploadWaiting(d, device, server.fetch as typeof fetch) };
    const d = await createDraft(db, 'khai-sinh', 1, { 'contact.phone': '0912345678' });
    await submitDossier(db, d.id);
    await syncOnce(withUploads);
    server.official(d.id, { state: State.SUPPLEMENT_REQUESTED, message: 'Bổ sung giấy chứng sinh' });
    await syncOnce(withUploads);
    const bad = await store(db, program, 'giay-chung-sinh.pdf');
    server.refuses.set(bad, { status: 415, body: { type: '/problems/unsupported_file_type', detail: message, errors: [{ path: 'file', code: 'unsupported_file_type', message }] } });
    await answerSupplement(db, d.id, 'Đã chụp', { [PATH]: [bad] });
    await syncOnce(withUploads);
    let local = (await db.get('dossiers', d.id))!;
    expect(local.state).toBe(State.SUPPLEMENT_REQUESTED);
    expect(local.supplement_answered_at).toBeUndefined();
    expect(local.answers[PATH]).toBeUndefined();
    const rejected = (await db.getAll('outbox')).filter((i) => i.status === 'rejected');
    expect(rejected.map((i) => [i.kind, i.reasons![0]!.path])).toEqual([['answer_supplement', PATH]]);
    const good = await store(db, pdf, 'giay-chung-sinh-that.pdf');
    await answerSupplement(db, d.id, 'Gửi lại', { [PATH]: [good] });
    await syncOnce(withUploads);
    local = (await db.get('dossiers', d.id))!;
    expect(local.state).toBe(State.PROCESSING);
    expect(server.dossiers.get(d.id)!.fields[PATH]).toEqual([good]);
  });

  it('submitting again with the refused file still attached is taken back again, and said again', async () => {
    const { db, deps, d } = await refusedSetup();
    await syncOnce(deps);
    await submitDossier(db, d.id);
    await syncOnce(deps);
    expect((await db.get('dossiers', d.id))!).toMatchObject({ state: State.DRAFT, submit_queued: false });
    expect(await db.getAll('notices')).toHaveLength(2);
  });
});

describe('taking back what was queued', () => {
  const TABLET = '0190a000-0000-7000-8000-000000000002';

  it('a submission taken back offline reaches the server as a draft, never submitted', async () => {
    const { db, server, deps } = await setup();
    const d = await createDraft(db, 'khai-sinh', 1, { 'contact.phone': '0912345678' });
    await submitDossier(db, d.id);
    expect(await cancelSubmit(db, d.id)).toBe('cancelled');
    await editAnswers(db, d.id, { 'child.hometown': 'Huế' }); // editable again
    await syncOnce(deps);
    expect(server.dossiers.get(d.id)).toMatchObject({ state: State.DRAFT, code: null, fields: { 'contact.phone': '0912345678', 'child.hometown': 'Huế' } });
    expect(await db.get('dossiers', d.id)).toMatchObject({ state: State.DRAFT, submit_queued: false, code: null });
    expect(await db.getAll('outbox')).toEqual([]);
  });

  it('a draft deleted on the phone is dropped by the server and by the tablet that held it', async () => {
    const { db: phone, server, deps } = await setup();
    const tablet = await freshDb();
    await withDevice(tablet, 'secret', TABLET);
    const onTablet = { db: tablet, fetch: server.fetch as typeof fetch, sleep: noSleep };
    const d = await createDraft(phone, 'khai-sinh', 1, { 'child.full_name': 'Nguyễn Minh Khang' });
    await syncOnce(deps);
    await syncOnce(onTablet);
    expect((await tablet.get('dossiers', d.id))!.answers).toEqual({ 'child.full_name': 'Nguyễn Minh Khang' });
    await editAnswers(tablet, d.id, { 'child.hometown': 'Huế' }); // queued on the tablet, not sent yet

    expect(await deleteDraft(phone, d.id)).toBe('deleted');
    await syncOnce(deps);
    expect(server.dossiers.get(d.id)).toMatchObject({ deleted: true, fields: {} });
    expect(await phone.get('dossiers', d.id)).toBeUndefined();
    expect(await phone.getAll('outbox')).toEqual([]);

    await syncOnce(onTablet); // its edit goes as a no-op, the tombstone comes back
    expect(await tablet.get('dossiers', d.id)).toBeUndefined();
    expect(await tablet.getAll('outbox')).toEqual([]);
    await syncOnce(onTablet); // the no-op's answer: it leaves quietly, nothing comes back
    expect(await tablet.get('dossiers', d.id)).toBeUndefined();
    expect(await outboxCounts(tablet)).toEqual({ pending: 0, rejected: 0 });
  });

  it('a draft deleted on the phone after the tablet changed it comes back with the tablet\'s answers', async () => {
    const { db: phone, server, deps } = await setup();
    const tablet = await freshDb();
    await withDevice(tablet, 'secret', TABLET);
    const onTablet = { db: tablet, fetch: server.fetch as typeof fetch, sleep: noSleep };
    const d = await createDraft(phone, 'khai-sinh', 1, { 'child.full_name': 'Nguyễn Minh Khang' });
    await syncOnce(deps);
    await syncOnce(onTablet);
    await editAnswers(tablet, d.id, { 'child.hometown': 'Thôn Đông, xã Yên Sở' });
    await syncOnce(onTablet); // the phone has not seen this

    expect(await deleteDraft(phone, d.id)).toBe('deleted');
    expect(await syncOnce(deps)).toMatchObject({ rejected: 1 });
    expect(server.dossiers.get(d.id)).toMatchObject({ fields: { 'child.hometown': 'Thôn Đông, xã Yên Sở' } });
    expect(server.dossiers.get(d.id)!.deleted).toBeUndefined();
    // Back on the phone in the same pass, with the answers it never showed; the refusal says why.
    expect((await phone.get('dossiers', d.id))!.answers).toEqual({ 'child.full_name': 'Nguyễn Minh Khang', 'child.hometown': 'Thôn Đông, xã Yên Sở' });
    const [refused] = await phone.getAll('outbox');
    expect(refused).toMatchObject({ kind: 'delete_draft', status: 'rejected', reasons: [{ code: 'changed_since_seen' }] });

    // Having seen them, the person may still delete it: then it goes everywhere.
    expect(await deleteDraft(phone, d.id)).toBe('deleted');
    await syncOnce(deps);
    expect(server.dossiers.get(d.id)).toMatchObject({ deleted: true });
    await syncOnce(onTablet);
    expect(await tablet.get('dossiers', d.id)).toBeUndefined();
  });

  it('a refused deletion brings the draft back even when its newer view came while the deletion waited', async () => {
    const { db: phone, server, deps } = await setup();
    const tablet = await freshDb();
    await withDevice(tablet, 'secret', TABLET);
    const onTablet = { db: tablet, fetch: server.fetch as typeof fetch, sleep: noSleep };
    const d = await createDraft(phone, 'khai-sinh', 1, { 'child.full_name': 'Nguyễn Minh Khang' });
    await syncOnce(deps);
    await syncOnce(onTablet);
    await editAnswers(tablet, d.id, { 'child.hometown': 'Thôn Đông, xã Yên Sở' });
    await syncOnce(onTablet);
    await deleteDraft(phone, d.id);
    // The feed passes the tablet's change while the deletion has not gone yet.
    const page = server.pull((await getMeta<string>(phone, CURSOR_KEY)) ?? null);
    await applyViews(phone, page.dossiers, new Date());
    await setMeta(phone, CURSOR_KEY, page.cursor);
    expect(await phone.get('dossiers', d.id)).toBeUndefined();

    expect(await syncOnce(deps)).toMatchObject({ rejected: 1 });
    expect((await phone.get('dossiers', d.id))!.answers).toEqual({ 'child.full_name': 'Nguyễn Minh Khang', 'child.hometown': 'Thôn Đông, xã Yên Sở' });
  });

  it('the phone\'s own edits before its delete do not stop it', async () => {
    const { db, server, deps } = await setup();
    const d = await createDraft(db, 'khai-sinh', 1, { 'child.full_name': 'Nguyễn Minh Khang' });
    await syncOnce(deps);
    await editAnswers(db, d.id, { 'child.hometown': 'Huế' });
    await syncOnce(deps);
    await editAnswers(db, d.id, { 'child.hometown': 'Hội An' }); // queued, then the delete
    expect(await deleteDraft(db, d.id)).toBe('deleted');
    await syncOnce(deps);
    expect(server.dossiers.get(d.id)).toMatchObject({ deleted: true });
    expect(await outboxCounts(db)).toEqual({ pending: 0, rejected: 0 });
  });

  it('a view pulled while the deletion waits to go does not bring the draft back', async () => {
    const { db, server, deps } = await setup();
    const d = await createDraft(db, 'khai-sinh', 1);
    await syncOnce(deps);
    await deleteDraft(db, d.id);
    server.official(d.id, { field: ['child.hometown', 'Huế'] });
    await applyViews(db, (server.pull(null).dossiers), new Date());
    expect(await db.get('dossiers', d.id)).toBeUndefined();
  });
});

describe('SyncLoop', () => {
  function env(online = true) {
    const timers: { fn: () => void; ms: number }[] = [];
    const e: LoopEnv & { online: boolean; timers: typeof timers } = {
      online,
      timers,
      setTimeout: (fn, ms) => {
        timers.push({ fn, ms });
        return timers.length - 1;
      },
      clearTimeout: () => {},
      random: () => 0.5,
      isOnline: () => e.online,
      exclusive: (fn) => fn(),
    };
    return e;
  }

  it('backs off with jitter up to a cap, and resets after a success', async () => {
    expect(backoffDelay(1, () => 0)).toBe(1000);
    expect(backoffDelay(1, () => 1)).toBe(2000);
    expect(backoffDelay(4, () => 1)).toBe(16000);
    expect(backoffDelay(50, () => 1)).toBe(BACKOFF_CAP);
    let fail = 2;
    const run = vi.fn(async () => {
      if (fail-- > 0) throw new Error('500 boom');
      return { pushed: 0, rejected: 0, conflicts: 0, pulled: 0, held: 0, notices: 0 };
    });
    const e = env();
    const loop = new SyncLoop(run, e);
    loop.start();
    await vi.waitFor(() => expect(loop.status.failures).toBe(1));
    expect(loop.status.phase).toBe('waiting');
    expect(e.timers.at(-1)!.ms).toBe(1500);
    e.timers.at(-1)!.fn();
    await vi.waitFor(() => expect(loop.status.failures).toBe(2));
    expect(e.timers.at(-1)!.ms).toBe(3000);
    e.timers.at(-1)!.fn();
    await vi.waitFor(() => expect(loop.status.phase).toBe('idle'));
    expect(loop.status.failures).toBe(0);
    expect(e.timers.at(-1)!.ms).toBe(EVERY_MINUTE);
  });

  it('does nothing offline, and runs when the device comes online', async () => {
    const run = vi.fn(async () => ({ pushed: 1, rejected: 0, conflicts: 0, pulled: 0, held: 0, notices: 0 }));
    const e = env(false);
    const loop = new SyncLoop(run, e);
    loop.start();
    expect(loop.status.phase).toBe('offline');
    expect(run).not.toHaveBeenCalled();
    e.online = true;
    await loop.trigger('online');
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('runs one pass at a time and once more for triggers that came meanwhile', async () => {
    let release!: () => void;
    const run = vi.fn(
      () =>
        new Promise<never>((resolve) => {
          release = () => resolve({ pushed: 0, rejected: 0, conflicts: 0, pulled: 0, held: 0, notices: 0 } as never);
        }),
    );
    const loop = new SyncLoop(run, env());
    loop.start();
    void loop.trigger('change');
    void loop.trigger('change');
    expect(run).toHaveBeenCalledTimes(1);
    release();
    await vi.waitFor(() => expect(run).toHaveBeenCalledTimes(2));
  });

  it('stops retrying when a sign-in is needed', async () => {
    const run = vi.fn(async () => {
      throw new AuthRequired('no_device');
    });
    const e = env();
    const loop = new SyncLoop(run, e);
    loop.start();
    await vi.waitFor(() => expect(loop.status.phase).toBe('signed_out'));
    expect(e.timers).toHaveLength(0);
  });
});

describe('a draft pre-filled from the e-ID', () => {
  it('keeps which answers were verified through its sync and the pull after it', async () => {
    const { db, deps } = await setup();
    const fields = { 'requester.full_name': 'Nguyễn Văn An', 'requester.id_number': '001085012345' };
    const d = await createDraft(db, 'khai-sinh', 1, fields, { verifiedFields: fields });
    await editAnswers(db, d.id, { 'requester.full_name': 'Nguyễn Văn Ân' });
    expect(await syncOnce(deps)).toMatchObject({ rejected: 0 });
    const local = await db.get('dossiers', d.id);
    expect(local!.version).toBeGreaterThan(0);
    expect(local!.verified_fields).toEqual(fields);
    expect(local!.answers['requester.full_name']).toBe('Nguyễn Văn Ân');
  });
});
