import { describe, expect, it } from 'vitest';
import { freshDb, withDevice } from './testing/db';
import { FakeServer } from './testing/fakeServer';
import { typedChoice } from './conflicts';
import { createDraft, editAnswers, resolveConflict } from './dossiers';
import { pendingItems } from './outbox';
import { applyViews, syncOnce } from './sync';

const noSleep = async () => {};

/** A draft whose hometown was changed on another device while this one changed it too. */
async function clash() {
  const db = await freshDb();
  await withDevice(db);
  const server = new FakeServer();
  const deps = { db, fetch: server.fetch as typeof fetch, sleep: noSleep };
  const d = await createDraft(db, 'khai-sinh', 1, { 'child.hometown': 'Huế' });
  await syncOnce(deps);
  server.official(d.id, { field: ['child.hometown', 'Hải Phòng'] });
  await editAnswers(db, d.id, { 'child.hometown': 'Nam Định' });
  await syncOnce(deps);
  const local = (await db.get('dossiers', d.id))!;
  expect(local.conflicts).toHaveLength(1);
  return { db, server, deps, id: d.id, conflict: local.conflicts![0]! };
}

describe('typedChoice', () => {
  it('a typed third value is a choice, trimmed; nothing typed is none', () => {
    expect(typedChoice('  Hà Nội ')).toEqual({ choice: 'value', value: 'Hà Nội' });
    expect(typedChoice(2026)).toEqual({ choice: 'value', value: 2026 });
    expect(typedChoice('   ')).toBeNull();
    expect(typedChoice('')).toBeNull();
    expect(typedChoice(null)).toBeNull();
    expect(typedChoice(undefined)).toBeNull();
    expect(typedChoice([])).toBeNull();
  });
});

describe('resolving a conflict', () => {
  it('a third value goes through the outbox as resolve_conflict and reaches the server', async () => {
    const { db, server, deps, id, conflict } = await clash();
    await resolveConflict(db, id, conflict.conflict_id, typedChoice('Hà Nội')!);
    let local = (await db.get('dossiers', id))!;
    expect(local.conflicts).toEqual([]);
    expect(local.answers['child.hometown']).toBe('Hà Nội');
    const [item] = await pendingItems(db);
    expect(item).toMatchObject({
      kind: 'resolve_conflict',
      dossier_id: id,
      payload: { conflict_id: conflict.conflict_id, choice: 'value', value: 'Hà Nội' },
      base_version: local.version,
    });
    await syncOnce(deps);
    expect(await pendingItems(db)).toEqual([]);
    expect(server.dossiers.get(id)!.fields['child.hometown']).toBe('Hà Nội');
    expect(server.dossiers.get(id)!.conflicts.every((c) => c.resolved)).toBe(true);
    local = (await db.get('dossiers', id))!;
    expect(local.answers['child.hometown']).toBe('Hà Nội');
    expect(local.conflicts).toEqual([]);
  });

  it("keeping the server's value sends that choice, and the field shows the server's value", async () => {
    const { db, server, deps, id, conflict } = await clash();
    await resolveConflict(db, id, conflict.conflict_id, { choice: 'server' });
    expect((await db.get('dossiers', id))!.answers['child.hometown']).toBe('Hải Phòng');
    expect((await pendingItems(db))[0]!.payload).toEqual({ conflict_id: conflict.conflict_id, choice: 'server' });
    await syncOnce(deps);
    expect(server.dossiers.get(id)!.fields['child.hometown']).toBe('Hải Phòng');
  });

  it('a pull before the choice has gone neither reopens the conflict nor puts the old value back', async () => {
    const { db, server, id, conflict } = await clash();
    await resolveConflict(db, id, conflict.conflict_id, { choice: 'device' });
    // The server still lists the conflict open: the choice is in the outbox, not there yet.
    const pulled = server.pull(null).dossiers;
    expect(pulled.find((v) => v.id === id)!.conflicts).toHaveLength(1);
    await applyViews(db, pulled, new Date());
    const local = (await db.get('dossiers', id))!;
    expect(local.conflicts).toEqual([]);
    expect(local.answers['child.hometown']).toBe('Nam Định');
    expect(await pendingItems(db)).toHaveLength(1);
  });

  it('a conflict the server reports again after the choice was answered is shown again', async () => {
    const { db, server, deps, id, conflict } = await clash();
    await resolveConflict(db, id, conflict.conflict_id, { choice: 'device' });
    await syncOnce(deps);
    // Another device edits the same field from an old version: a new conflict.
    server.dossiers.get(id)!.conflicts.push({ id: 99, path: 'child.hometown', server_value: 'Nam Định', device_value: 'Đà Nẵng', resolved: false });
    server.official(id, {});
    await syncOnce(deps);
    const local = (await db.get('dossiers', id))!;
    expect(local.conflicts!.map((c) => c.conflict_id)).toEqual([99]);
  });
});
