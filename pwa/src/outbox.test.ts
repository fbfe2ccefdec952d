import { describe, expect, it } from 'vitest';
import { freshDb } from './testing/db';
import { attachFile, cancelSubmit, createDraft, deleteDraft, discardDraft, editAnswers, submitDossier } from './dossiers';
import { applyPushResponse, markSent, outboxCounts, overlay, pendingItems, takeBatch, wireMutation } from './outbox';
import { State } from './states';

const SHA = 'a'.repeat(64);

// Node's; the app's types (DOM) do not know it.
const nodeSetImmediate = (globalThis as unknown as { setImmediate(fn: () => void): void }).setImmediate;

describe('outbox', () => {
  it('stores a draft and its create_draft together, with seq from 1', async () => {
    const db = await freshDb();
    const d = await createDraft(db, 'khai-sinh', 1, { 'agency.province': '01' });
    const items = await pendingItems(db);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ seq: 1, kind: 'create_draft', dossier_id: d.id, base_version: 0 });
    expect(items[0]!.payload).toEqual({ procedure_code: 'khai-sinh', schema_version: 1, fields: { 'agency.province': '01' } });
    expect((await db.get('dossiers', d.id))!.answers).toEqual({ 'agency.province': '01' });
  });

  it('folds unsent edits into the unsent create_draft', async () => {
    const db = await freshDb();
    const d = await createDraft(db, 'khai-sinh', 1);
    await editAnswers(db, d.id, { 'child.full_name': 'Nguyễn A' });
    await editAnswers(db, d.id, { 'child.full_name': 'Nguyễn Minh Khang', 'child.sex': 'male' });
    await editAnswers(db, d.id, { 'child.sex': null });
    const items = await pendingItems(db);
    expect(items).toHaveLength(1);
    expect(items[0]!.payload.fields).toEqual({ 'child.full_name': 'Nguyễn Minh Khang' });
  });

  it('never changes an item once sent; later edits get a new seq based on the predicted version', async () => {
    const db = await freshDb();
    const d = await createDraft(db, 'khai-sinh', 1);
    await markSent(db, [1]);
    await editAnswers(db, d.id, { 'child.full_name': 'A' });
    await editAnswers(db, d.id, { 'child.hometown': 'Huế' });
    const items = await pendingItems(db);
    expect(items.map((i) => [i.seq, i.kind, i.base_version])).toEqual([
      [1, 'create_draft', 0],
      [2, 'edit_draft', 1],
    ]);
    expect(items[1]!.payload).toEqual({ changes: { 'child.full_name': 'A', 'child.hometown': 'Huế' } });
    await markSent(db, [2]);
    await editAnswers(db, d.id, { 'child.full_name': 'B' });
    // create (→1) and the first edit (→2) are ahead of it: it is based on version 2.
    expect((await pendingItems(db))[2]).toMatchObject({ seq: 3, base_version: 2 });
  });

  it('does not queue a change that changes nothing', async () => {
    const db = await freshDb();
    const d = await createDraft(db, 'khai-sinh', 1, { 'child.sex': 'male' });
    await markSent(db, [1]);
    await editAnswers(db, d.id, { 'child.sex': 'male', 'child.hometown': null });
    expect(await pendingItems(db)).toHaveLength(1);
  });

  it('keeps attachments out of edits, as their own mutations, without duplicates', async () => {
    const db = await freshDb();
    const d = await createDraft(db, 'khai-sinh', 1);
    await attachFile(db, d.id, 'attachments.birth_certificate', SHA);
    await attachFile(db, d.id, 'attachments.birth_certificate', SHA);
    const items = await pendingItems(db);
    expect(items.map((i) => i.kind)).toEqual(['create_draft', 'attach']);
    expect((await db.get('dossiers', d.id))!.answers['attachments.birth_certificate']).toEqual([SHA]);
  });

  it('removes confirmed items on a 200 and keeps rejected ones with their reasons', async () => {
    const db = await freshDb();
    const d = await createDraft(db, 'khai-sinh', 1, { 'contact.phone': '0912345678' });
    await markSent(db, [1]);
    await editAnswers(db, d.id, { 'child.hometown': 'Huế' });
    await submitDossier(db, d.id);
    const applied = await applyPushResponse(db, {
      outcomes: [
        { seq: 1, mutation_id: 'm1', dossier_id: d.id, status: 'applied', version: 1, state: State.DRAFT },
        { seq: 2, mutation_id: 'm2', dossier_id: d.id, status: 'applied', version: 2, state: State.DRAFT },
        { seq: 3, mutation_id: 'm3', dossier_id: d.id, status: 'rejected', reasons: [{ code: 'required', path: 'child.full_name', message: 'Bắt buộc' }] },
      ],
      last_seq: 3,
    } as never);
    expect(applied.confirmed).toEqual([1, 2]);
    expect(applied.rejected).toEqual([3]);
    expect(await outboxCounts(db)).toEqual({ pending: 0, rejected: 1 });
    const rejected = await db.get('outbox', 3);
    expect(rejected!.reasons![0]!.path).toBe('child.full_name');
    const local = await db.get('dossiers', d.id);
    expect(local).toMatchObject({ version: 2, state: State.DRAFT, submit_queued: false });
    expect(local!.answers['child.hometown']).toBe('Huế');
  });

  it('a discarded unsent draft travels as a no-op and leaves quietly', async () => {
    const db = await freshDb();
    const keep = await createDraft(db, 'khai-tu', 1);
    const d = await createDraft(db, 'khai-sinh', 1);
    expect(await discardDraft(db, d.id)).toBe(true);
    expect(await outboxCounts(db)).toEqual({ pending: 1, rejected: 0 });
    const items = await pendingItems(db);
    expect(wireMutation(items[1]!)).toMatchObject({ seq: 2, kind: 'edit_draft', payload: { changes: {} } });
    await applyPushResponse(db, {
      outcomes: [
        { seq: 1, mutation_id: 'm1', dossier_id: keep.id, status: 'applied', version: 1, state: State.DRAFT },
        { seq: 2, mutation_id: 'm2', dossier_id: d.id, status: 'rejected', reasons: [{ code: 'unknown_dossier', path: '', message: '' }] },
      ],
      last_seq: 2,
    } as never);
    expect(await db.getAll('outbox')).toEqual([]);
  });

  it('what is sent and what is marked sent are one snapshot: a later save never joins a sent item', async () => {
    const db = await freshDb();
    const d = await createDraft(db, 'khai-sinh', 1, { 'requester.full_name': 'Vũ Gia ' });
    const { items } = await takeBatch(db, { maxCount: 100, maxBytes: 1e6 });
    const body = items.map(wireMutation);
    expect(body).toHaveLength(1);
    expect((await db.getAll('outbox')).map((i) => [i.seq, i.sent])).toEqual([[1, true]]);
    await editAnswers(db, d.id, { 'requester.full_name': 'Vũ Gia Hà', 'contact.phone': '0912345678' });
    // The item on the wire is unchanged; the save is a new item of its own.
    expect(wireMutation((await db.get('outbox', 1))!)).toEqual(body[0]);
    const items2 = await pendingItems(db);
    expect(items2.map((i) => [i.seq, i.kind, !!i.sent])).toEqual([
      [1, 'create_draft', true],
      [2, 'edit_draft', false],
    ]);
    expect(items2[1]!.payload).toEqual({ changes: { 'requester.full_name': 'Vũ Gia Hà', 'contact.phone': '0912345678' } });
    // The server confirms what was sent: the save still waits, and still shows over the server's view.
    await applyPushResponse(db, {
      outcomes: [{ seq: 1, mutation_id: items[0]!.id, dossier_id: d.id, status: 'applied', version: 1, state: State.DRAFT }],
      last_seq: 1,
    } as never);
    const left = await pendingItems(db);
    expect(left.map((i) => i.seq)).toEqual([2]);
    expect(overlay({ 'requester.full_name': 'Vũ Gia ' }, left)).toEqual({ 'requester.full_name': 'Vũ Gia Hà', 'contact.phone': '0912345678' });
  });

  it('a save racing the batch read lands in the batch or in a new item, never in between', async () => {
    const tick = () => new Promise<void>((resolve) => nodeSetImmediate(resolve)); // one turn of fake-indexeddb's scheduler
    for (let delay = 0; delay < 40; delay++) {
      const db = await freshDb();
      const d = await createDraft(db, 'khai-sinh', 1, { 'child.hometown': 'Huế' });
      const taking = takeBatch(db, { maxCount: 100, maxBytes: 1e6 });
      for (let i = 0; i < delay; i++) await tick();
      await editAnswers(db, d.id, { 'child.full_name': 'Nguyễn Minh Khang' });
      const { items } = await taking;
      const sent = new Map(items.map((i) => [i.seq, wireMutation(i)]));
      const all = await db.getAll('outbox');
      // Every item marked sent is exactly what went into the batch…
      for (const item of all.filter((i) => i.sent)) expect(wireMutation(item)).toEqual(sent.get(item.seq));
      // …and the save is in what was sent or in an item not sent yet.
      const onWire = overlay({}, items);
      const unsent = overlay({}, all.filter((i) => !i.sent));
      expect([onWire['child.full_name'], unsent['child.full_name']], `delay ${delay}`).toContain('Nguyễn Minh Khang');
    }
  });

  it('stamps of a dossier only grow, even when the clock does not move', async () => {
    const db = await freshDb();
    const at = new Date('2026-11-20T08:00:00.000Z');
    const d = await createDraft(db, 'khai-sinh', 1, {}, { now: at });
    const first = await editAnswers(db, d.id, { 'child.hometown': 'Huế' }, at);
    const second = await editAnswers(db, d.id, { 'child.hometown': 'Hà Nội' }, at);
    expect(first.updated_at > d.updated_at).toBe(true);
    expect(second.updated_at > first.updated_at).toBe(true);
  });

  it('overlays unconfirmed changes on the server view', () => {
    const items = [
      { seq: 4, kind: 'edit_draft', status: 'pending', payload: { changes: { a: 1, b: null } } },
      { seq: 5, kind: 'attach', status: 'pending', payload: { path: 'f', sha256: SHA } },
      { seq: 6, kind: 'edit_draft', status: 'rejected', payload: { changes: { c: 3 } } },
    ] as never;
    expect(overlay({ a: 0, b: 2, f: ['b'.repeat(64)] }, items)).toEqual({ a: 1, f: ['b'.repeat(64), SHA] });
  });
});

describe('taking back what was queued', () => {
  it('a submission still on the phone is taken back: the draft is editable, the item goes as a no-op', async () => {
    const db = await freshDb();
    const d = await createDraft(db, 'khai-sinh', 1, { 'contact.phone': '0912345678' });
    await submitDossier(db, d.id);
    expect(await cancelSubmit(db, d.id)).toBe('cancelled');
    expect((await db.get('dossiers', d.id))!).toMatchObject({ state: State.DRAFT, submit_queued: false });
    const [create, submit] = await pendingItems(db);
    expect(create!.voided).toBeUndefined();
    expect(submit).toMatchObject({ kind: 'submit', discarded: true });
    expect(wireMutation(submit!)).toMatchObject({ seq: 2, kind: 'edit_draft', payload: { changes: {} } });
    expect(await outboxCounts(db)).toEqual({ pending: 1, rejected: 0 });
    expect(await cancelSubmit(db, d.id)).toBe('nothing_queued');
  });

  it('a submission that has left cannot be taken back: a sent item never changes', async () => {
    const db = await freshDb();
    const d = await createDraft(db, 'khai-sinh', 1, { 'contact.phone': '0912345678' });
    await submitDossier(db, d.id);
    await takeBatch(db, { maxCount: 10, maxBytes: 1 << 20 }); // in flight
    const before = await db.getAll('outbox');
    expect(await cancelSubmit(db, d.id)).toBe('already_sent');
    expect(await db.getAll('outbox')).toEqual(before);
    expect((await db.get('dossiers', d.id))!.submit_queued).toBe(true);
  });

  it('the answer to a taken-back submission leaves a new submission queued', async () => {
    const db = await freshDb();
    const d = await createDraft(db, 'khai-sinh', 1, { 'contact.phone': '0912345678' });
    await submitDossier(db, d.id);
    await cancelSubmit(db, d.id);
    await markSent(db, [1, 2]);
    await submitDossier(db, d.id);
    await applyPushResponse(db, {
      outcomes: [
        { seq: 1, mutation_id: 'm1', dossier_id: d.id, status: 'applied', version: 1, state: State.DRAFT },
        { seq: 2, mutation_id: 'm2', dossier_id: d.id, status: 'applied', version: 1, state: State.DRAFT },
      ],
      last_seq: 2,
    });
    expect((await db.get('dossiers', d.id))!).toMatchObject({ version: 1, submit_queued: true });
    expect((await pendingItems(db)).map((i) => [i.seq, i.kind])).toEqual([[3, 'submit']]);
  });

  it('a draft the server holds is deleted with delete_draft; what was queued for it goes as no-ops', async () => {
    const db = await freshDb();
    const d = await createDraft(db, 'khai-sinh', 1, { 'contact.phone': '0912345678' });
    await markSent(db, [1]);
    await editAnswers(db, d.id, { 'child.hometown': 'Huế' });
    expect(await deleteDraft(db, d.id)).toBe('deleted');
    expect(await db.get('dossiers', d.id)).toBeUndefined();
    const items = await pendingItems(db);
    expect(items.map((i) => [i.seq, wireMutation(i).kind, !!i.discarded])).toEqual([
      [1, 'create_draft', false],
      [2, 'edit_draft', true],
      [3, 'delete_draft', false],
    ]);
    expect(wireMutation(items[1]!).payload).toEqual({ changes: {} });
    expect(items[2]!.payload).toEqual({});
  });

  it('a draft the server never saw goes quietly, with no delete_draft', async () => {
    const db = await freshDb();
    const d = await createDraft(db, 'khai-sinh', 1);
    expect(await deleteDraft(db, d.id)).toBe('deleted');
    expect((await pendingItems(db)).map((i) => [i.kind, i.discarded])).toEqual([['create_draft', true]]);
  });

  it('a draft whose submission has left is not deleted: it may be a dossier already', async () => {
    const db = await freshDb();
    const d = await createDraft(db, 'khai-sinh', 1, { 'contact.phone': '0912345678' });
    await submitDossier(db, d.id);
    await markSent(db, [1, 2]);
    expect(await deleteDraft(db, d.id)).toBe('submission_sent');
    expect(await db.get('dossiers', d.id)).toBeDefined();
    expect(await pendingItems(db)).toHaveLength(2);
  });
});
