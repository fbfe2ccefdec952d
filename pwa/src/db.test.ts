import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { DB_VERSION, finishBeforeUpgrade, onGaveWay, openDatabase, openWithSteps, UPGRADES, type MotcuaDB, type OutboxItem, type UpgradeStep } from './db';
import { pendingItems, rejectedItems, takeBatch } from './outbox';
import { State } from './states';

// Every upgrade step keeps what phones hold: a database made by the steps before it,
// full of realistic records, opened by the app with one step more, still has every
// record, unchanged. Step 1 is pinned: phones in use were made by it.

let n = 0;
const uniqueName = () => `upgrade-${Date.now()}-${++n}`;

const DEVICE = {
  device_id: '0190a000-0000-7000-8000-000000000001',
  credential: 'secret',
  account_id: 'a',
  email: 'mai@example.vn',
  full_name: 'Trần Thị Mai',
  role: 'citizen',
  commune_code: '00070',
  registered_at: '2026-11-30T08:00:00.000Z',
};

const SHA = ['a'.repeat(64), 'b'.repeat(64)];

function item(seq: number, over: Partial<OutboxItem> = {}): OutboxItem {
  return {
    seq,
    id: `0190a000-0000-7000-8000-00000000010${seq}`,
    dossier_id: 'd1',
    kind: 'edit_draft',
    payload: { changes: { 'child.full_name': `Nguyễn Minh Khang ${seq}` } },
    base_version: 1,
    client_time: '2026-12-01T09:00:00.000Z',
    status: 'pending',
    ...over,
  };
}

/** What a phone holds after a few days offline: drafts, photos, a queue with a sent, a rejected and a waiting item. */
const RECORDS = {
  meta: [
    ['device', DEVICE],
    ['next_seq', 5],
    ['pull_cursor', 'c-42'],
    ['sync', { last_success_at: '2026-11-30T08:05:00.000Z', last_error: null, recovering: false, last_recovery: { at: '2026-11-29T07:00:00.000Z', put_back: 2, refused: 0, codes_refused: 0 } }],
    // What the device knows of the server's history, and the drafts it deleted (sync/README.md §9).
    ['server_generation', 2],
    ['confirmed_seq', { device_id: DEVICE.device_id, seq: 4, generation: 2, receipt: 'cmVjZWlwdC1vZi10aGUtc2Vy' }],
    ['deleted_drafts', [{ id: 'd0', procedure_code: 'khai-sinh', schema_version: 1, version: 3 }]],
  ],
  outbox: [
    item(1, { kind: 'create_draft', payload: { procedure_code: 'khai-sinh', schema_version: 1, fields: { 'requester.full_name': 'Trần Thị Mai' } }, base_version: 0, sent: true }),
    item(2, { status: 'rejected', reasons: [{ path: 'child.birth_date', code: 'future', message: 'Ngày sinh ở tương lai' }], rejected_at: '2026-12-01T10:00:00.000Z' }),
    item(3, { kind: 'attach', payload: { path: 'attachments.birth_certificate', sha256: SHA[0] } }),
    item(4, { dossier_id: 'd2', kind: 'submit', payload: {}, base_version: 2 }),
  ],
  dossiers: [
    { id: 'd1', procedure_code: 'khai-sinh', schema_version: 1, answers: { 'requester.full_name': 'Trần Thị Mai', 'attachments.birth_certificate': [SHA[0]] }, version: 1, state: State.DRAFT, created_at: '2026-12-01T08:00:00.000Z', updated_at: '2026-12-01T09:00:00.000Z' },
    { id: 'd2', procedure_code: 'khai-tu', schema_version: 3, answers: { 'deceased.full_name': 'Lê Văn Bình' }, version: 2, state: State.DRAFT, submit_queued: true, commune_code: '00070', created_at: '2026-12-01T08:00:00.000Z', updated_at: '2026-12-01T09:30:00.000Z' },
    { id: 'd3', procedure_code: 'khai-sinh', schema_version: 1, answers: { 'child.full_name': 'Vũ Gia Hà' }, version: 3, state: State.SUBMITTED, code: '0007026000000001', seal: 'c2VhbC1vZi10aGUtc2VydmVy', submitted_at: '2026-11-28T08:00:00.000Z', created_at: '2026-11-28T07:00:00.000Z', updated_at: '2026-11-28T08:00:00.000Z' },
    { id: 'd4', procedure_code: 'khai-sinh', schema_version: 1, answers: { 'child.full_name': 'Lê Thu' }, version: 5, state: State.SUBMITTED, code: '0007026000000002', created_at: '2026-11-27T07:00:00.000Z', updated_at: '2026-11-29T07:00:00.000Z', put_back_refused: { at: '2026-11-29T07:00:00.000Z', reasons: [{ code: 'seal_invalid', path: 'code', message: 'no seal' }] } },
  ],
  blobs: SHA.map((sha256, i) => ({ sha256, blob: new Blob([`photo ${i}`], { type: 'image/jpeg' }), type: 'image/jpeg', size: 7, name: `giay-${i}.jpg`, created_at: '2026-12-01T08:10:00.000Z', uploaded: i === 1, ...(i === 1 ? { seal: 'c2VhbC1vZi1maWxl' } : {}) })),
  reference: [
    { key: 'catalog', etag: '"c1"', data: { procedures: [{ code: 'khai-sinh', version: 1 }] }, fetched_at: '2026-11-30T08:00:00.000Z' },
    { key: 'procedure:khai-sinh', etag: '"p1"', data: { code: 'khai-sinh', version: 1 }, fetched_at: '2026-11-30T08:00:00.000Z' },
  ],
  codes: [
    { code: '00070261ABCDEFGH', commune_code: '00070', expires_at: '2026-12-31T00:00:00.000Z', dossier_id: 'd1' },
    { code: '00070261ABCDEFGJ', commune_code: '00070', expires_at: '2026-12-31T00:00:00.000Z', seal: 'c2VhbC1yZXNlcnZlZA' },
  ],
  notices: [{ id: 1, at: '2026-12-01T11:00:00.000Z', dossier_id: 'd2', vi: 'Hồ sơ đã được tiếp nhận', en: 'Dossier received', read: false }],
} as const;

type StoreName = keyof typeof RECORDS;
const STORES = Object.keys(RECORDS) as StoreName[];

async function fill(db: MotcuaDB): Promise<void> {
  const tx = db.transaction(STORES, 'readwrite');
  for (const [key, value] of RECORDS.meta) await tx.objectStore('meta').put(value, key);
  for (const store of STORES.filter((s) => s !== 'meta')) {
    for (const record of RECORDS[store]) await tx.objectStore(store).put(record as never);
  }
  await tx.done;
}

async function everything(db: MotcuaDB): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const store of STORES) {
    const keys = await db.getAllKeys(store);
    const values = await db.getAll(store);
    // Blobs compared by their bytes and type: a Blob is equal to no other object.
    out[store] = await Promise.all(values.map(async (v, i) => [keys[i], await plain(v)]));
  }
  return out;
}

async function plain(value: unknown): Promise<unknown> {
  if (value && typeof value === 'object' && 'blob' in value && value.blob instanceof Blob) {
    return { ...value, blob: { type: value.blob.type, text: await value.blob.text() } };
  }
  return value;
}

function shape(db: MotcuaDB) {
  return Object.fromEntries(
    [...db.objectStoreNames].map((name) => {
      const store = db.transaction(name).objectStore(name);
      const indexes = Object.fromEntries([...store.indexNames].map((i) => [i, store.index(i).keyPath]));
      return [name, { keyPath: store.keyPath, autoIncrement: store.autoIncrement, indexes }];
    }),
  );
}

describe('IndexedDB upgrade steps', () => {
  it('the database version is the number of steps', () => {
    expect(DB_VERSION).toBe(UPGRADES.length);
  });

  it('step 1 makes exactly the schema phones already have', async () => {
    const db = await openDatabase(uniqueName(), 1);
    expect(db.version).toBe(1);
    expect(shape(db)).toEqual({
      blobs: { keyPath: 'sha256', autoIncrement: false, indexes: {} },
      codes: { keyPath: 'code', autoIncrement: false, indexes: {} },
      dossiers: { keyPath: 'id', autoIncrement: false, indexes: {} },
      meta: { keyPath: null, autoIncrement: false, indexes: {} },
      notices: { keyPath: 'id', autoIncrement: true, indexes: {} },
      outbox: { keyPath: 'seq', autoIncrement: false, indexes: { dossier: 'dossier_id' } },
      reference: { keyPath: 'key', autoIncrement: false, indexes: {} },
    });
    db.close();
  });

  for (let step = 2; step <= UPGRADES.length; step++) {
    it(`step ${step} keeps every record of a database at version ${step - 1}`, async () => {
      const name = uniqueName();
      const before = await openDatabase(name, step - 1);
      await fill(before);
      const held = await everything(before);
      before.close();

      const after = await openDatabase(name, step);
      expect(after.version).toBe(step);
      expect(await everything(after)).toEqual(held);
      after.close();
    });
  }

  it('a phone several versions behind runs every step it missed, in order, and keeps its records', async () => {
    const name = uniqueName();
    const old = await openDatabase(name, 1);
    await fill(old);
    const held = await everything(old);
    old.close();

    const now = await openDatabase(name);
    expect(now.version).toBe(DB_VERSION);
    expect(await everything(now)).toEqual(held);
    now.close();
  });

  it('step 2: the outbox is read by status, in seq order, including the items queued before it', async () => {
    const name = uniqueName();
    const old = await openDatabase(name, 1);
    await fill(old);
    old.close();

    const db = await openDatabase(name, 2);
    expect(shape(db).outbox!.indexes).toEqual({ dossier: 'dossier_id', status: 'status' });
    expect((await pendingItems(db)).map((i) => i.seq)).toEqual([1, 3, 4]);
    expect((await rejectedItems(db)).map((i) => i.seq)).toEqual([2]);
    // A new item joins the index; the sync pass takes the pending ones in order.
    await db.put('outbox', item(5));
    const { items } = await takeBatch(db, { maxCount: 100, maxBytes: 1e6 });
    expect(items.map((i) => i.seq)).toEqual([1, 3, 4, 5]);
    db.close();
  });

  it('before giving way to a newer version, a page saves what is typed, then hears it must restart', async () => {
    const name = uniqueName();
    const page = await openDatabase(name);
    await fill(page);
    const events: string[] = [];
    // A draft's typing not saved yet: written on this connection, before it closes.
    const stop = finishBeforeUpgrade(async () => {
      const d1 = (await page.get('dossiers', 'd1'))!;
      await page.put('dossiers', { ...d1, answers: { ...d1.answers, 'child.full_name': 'Nguyễn Minh Khang' } });
      events.push('saved');
    });
    onGaveWay(() => events.push('gave way'));
    try {
      const newer = await openWithSteps(name, [...UPGRADES, () => {}]);
      expect(events).toEqual(['saved', 'gave way']);
      expect(newer.version).toBe(DB_VERSION + 1);
      expect((await newer.get('dossiers', 'd1'))!.answers['child.full_name']).toBe('Nguyễn Minh Khang');
      newer.close();
    } finally {
      stop();
      onGaveWay(() => {});
    }
  });

  it('an open by a newer version closes this one, so the upgrade is never blocked', async () => {
    const name = uniqueName();
    const old = await openDatabase(name, DB_VERSION - 1);
    await fill(old);
    const newer = await openDatabase(name, DB_VERSION);
    expect(newer.version).toBe(DB_VERSION);
    expect((await newer.getAll('dossiers')).length).toBe(RECORDS.dossiers.length);
    newer.close();
  });

  it('a step that fails leaves the database at its old version with every record, even what it changed first', async () => {
    const name = uniqueName();
    const old = await openDatabase(name, DB_VERSION);
    await fill(old);
    const held = await everything(old);
    old.close();

    const failing: UpgradeStep = async (_db, tx) => {
      // @ts-expect-error: an index the schema does not name (the step never ships)
      tx.objectStore('outbox').createIndex('kind', 'kind');
      let cursor = await tx.objectStore('dossiers').openCursor();
      while (cursor) {
        await cursor.update({ ...cursor.value, answers: {} });
        cursor = await cursor.continue();
      }
      await tx.objectStore('blobs').clear();
      throw new Error('a bug in a new step');
    };
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await expect(openWithSteps(name, [...UPGRADES, failing])).rejects.toThrow();
      expect(logged).toHaveBeenCalledWith('database upgrade failed', expect.any(Error));
    } finally {
      logged.mockRestore();
    }

    const again = await openDatabase(name);
    expect(again.version).toBe(DB_VERSION);
    expect(shape(again).outbox!.indexes).not.toHaveProperty('kind');
    expect(await everything(again)).toEqual(held);
    again.close();
  });
});
