import { describe, expect, it } from 'vitest';
import { freshDb, withDevice } from './testing/db';
import { FakeServer } from './testing/fakeServer';
import { onBackgroundSync, type BackgroundEnv } from './backgroundSync';
import { openDatabase } from './db';
import { createDraft, editAnswers, submitDossier } from './dossiers';
import { outboxCounts, pendingItems } from './outbox';

async function setup(windows: { postMessage(m: unknown): void }[] = []) {
  const db = await freshDb();
  await withDevice(db);
  const server = new FakeServer();
  const held: string[] = [];
  const env: BackgroundEnv = {
    windows: async () => windows,
    // The worker opens its own connection to the app's database.
    openDb: () => openDatabase(db.name),
    exclusive: async (fn) => {
      held.push('lock');
      return fn();
    },
    fetch: server.fetch as typeof fetch,
  };
  return { db, server, env, held };
}

describe('the Background Sync handler', () => {
  it('with no window open, pushes the outbox itself, under the shared lock', async () => {
    const { db, server, env, held } = await setup();
    const d = await createDraft(db, 'khai-sinh', 1, { 'child.hometown': 'Huế' });
    await editAnswers(db, d.id, { 'contact.phone': '0912345678' });
    const report = await onBackgroundSync(env);
    expect(report).toMatchObject({ pushed: 1, rejected: 0 });
    expect(held).toEqual(['lock']);
    expect(await outboxCounts(db)).toEqual({ pending: 0, rejected: 0 });
    expect(server.dossiers.get(d.id)!.fields).toEqual({ 'child.hometown': 'Huế', 'contact.phone': '0912345678' });
    // And pulls: the device's copy has the server's version.
    expect((await db.get('dossiers', d.id))!.version).toBe(1);
  });

  it('with a window open, tells it to sync and sends nothing itself', async () => {
    const messages: unknown[] = [];
    const { db, server, env, held } = await setup([{ postMessage: (m) => messages.push(m) }]);
    await createDraft(db, 'khai-sinh', 1, { 'child.hometown': 'Huế' });
    expect(await onBackgroundSync(env)).toBe('window');
    expect(messages).toEqual([{ type: 'sync' }]);
    expect(server.requests).toEqual([]);
    expect(held).toEqual([]);
    expect(await outboxCounts(db)).toEqual({ pending: 1, rejected: 0 });
  });

  it('holds back a submission whose photo is still only on the device', async () => {
    const { db, server, env } = await setup();
    const sha = 'a'.repeat(64);
    await db.put('blobs', { sha256: sha, blob: new Blob(['x']), type: 'image/jpeg', size: 1, name: 'gcs.jpg', created_at: '', uploaded: false });
    const d = await createDraft(db, 'khai-sinh', 1, { 'contact.phone': '0912345678', 'attachments.birth_certificate': [sha] });
    await submitDossier(db, d.id);
    const report = await onBackgroundSync(env);
    expect(report).toMatchObject({ pushed: 1, held: 1 });
    expect(server.dossiers.get(d.id)!.state).toBe(0);
    expect((await pendingItems(db)).map((i) => i.kind)).toEqual(['submit']);
  });

  it('a failed pass rejects, so the browser tries again later, and keeps the outbox', async () => {
    const { db, server, env } = await setup();
    await createDraft(db, 'khai-sinh', 1, { 'child.hometown': 'Huế' });
    server.faults.push('network');
    await expect(onBackgroundSync(env)).rejects.toThrow();
    expect(await outboxCounts(db)).toEqual({ pending: 1, rejected: 0 });
    expect(await onBackgroundSync(env)).toMatchObject({ pushed: 1 });
  });
});
