import { describe, expect, it } from 'vitest';
import { freshDb, withDevice } from './testing/db';
import { FakeServer } from './testing/fakeServer';
import { FilesStillWaiting, onBackgroundSync, type BackgroundEnv } from './backgroundSync';
import { openDatabase } from './db';
import { createDraft, editAnswers, submitDossier } from './dossiers';
import { outboxCounts, pendingItems } from './outbox';
import { State } from './states';

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function photoBytes(size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 7 + (i >> 4)) & 0xff);
}

function photoRecord(sha256: string, bytes: Uint8Array) {
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' });
  return { sha256, blob, type: 'image/jpeg', size: bytes.length, name: 'gcs.jpg', created_at: '', uploaded: false };
}

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

  it('uploads a photo still only on the device, then pushes the submission that waited for it', async () => {
    const { db, server, env } = await setup();
    server.chunkSize = 1000; // the photo goes in three chunks
    const bytes = photoBytes(2500);
    const sha = await sha256Hex(bytes);
    await db.put('blobs', photoRecord(sha, bytes));
    const d = await createDraft(db, 'khai-sinh', 1, { 'contact.phone': '0912345678', 'attachments.birth_certificate': [sha] });
    await submitDossier(db, d.id);
    const report = await onBackgroundSync(env);
    expect(report).toMatchObject({ pushed: 2, held: 0 });
    expect(server.blobs.get(sha)).toEqual(bytes);
    expect(server.requests.filter((r) => r.path.startsWith('/api/uploads')).map((r) => r.method)).toEqual(['POST', 'PATCH', 'PATCH', 'PATCH']);
    // The file went before the submission naming it.
    const order = server.requests.map((r) => r.path);
    expect(order.lastIndexOf('/api/uploads/1')).toBeLessThan(order.indexOf('/api/sync/push'));
    expect(server.dossiers.get(d.id)!.state).toBe(State.SUBMITTED);
    const local = (await db.get('dossiers', d.id))!;
    expect(local.code).toBe(server.dossiers.get(d.id)!.code);
    expect(local.code).toMatch(/^0007026\d{9}$/);
    expect((await db.get('blobs', sha))!.uploaded).toBe(true);
    expect(await outboxCounts(db)).toEqual({ pending: 0, rejected: 0 });
  });

  it('sends only the files the server lacks', async () => {
    const { db, server, env } = await setup();
    const bytes = photoBytes(300);
    const sha = await sha256Hex(bytes);
    server.blobs.set(sha, bytes); // another phone of the person sent it already
    await db.put('blobs', photoRecord(sha, bytes));
    const d = await createDraft(db, 'khai-sinh', 1, { 'contact.phone': '0912345678', 'attachments.birth_certificate': [sha] });
    await submitDossier(db, d.id);
    expect(await onBackgroundSync(env)).toMatchObject({ pushed: 2, held: 0 });
    expect(server.requests.filter((r) => r.path.startsWith('/api/uploads'))).toEqual([]);
    expect(server.dossiers.get(d.id)!.state).toBe(State.SUBMITTED);
    expect((await db.get('blobs', sha))!.uploaded).toBe(true);
  });

  it('holds back a submission whose photo could not be sent, rejects so the browser tries again, and resumes later', async () => {
    const { db, server, env } = await setup();
    server.chunkSize = 1000;
    const bytes = photoBytes(2500);
    const sha = await sha256Hex(bytes);
    await db.put('blobs', photoRecord(sha, bytes));
    const d = await createDraft(db, 'khai-sinh', 1, { 'contact.phone': '0912345678', 'attachments.birth_certificate': [sha] });
    await submitDossier(db, d.id);
    // missing, create, first chunk go; then the link drops (tus retries 3 times in 7 s).
    server.faults.push(undefined as never, undefined as never, undefined as never, 'network', 'network', 'network', 'network');
    await expect(onBackgroundSync(env)).rejects.toThrow(FilesStillWaiting);
    // The draft went; the submission waits; the server kept the first chunk.
    expect(server.dossiers.get(d.id)!.state).toBe(State.DRAFT);
    expect((await pendingItems(db)).map((i) => i.kind)).toEqual(['submit']);
    expect(server.uploads.get('1')!.offset).toBe(1000);
    const stored = (await db.get('blobs', sha))!;
    expect([stored.uploaded, stored.upload_url]).toEqual([false, '/api/uploads/1']);

    // The browser's next try resumes at the offset the server has, and submits.
    server.requests.length = 0;
    expect(await onBackgroundSync(env)).toMatchObject({ pushed: 1, held: 0 });
    expect(server.requests.filter((r) => r.path.startsWith('/api/uploads')).map((r) => r.method)).toEqual(['HEAD', 'PATCH', 'PATCH']);
    expect(server.blobs.get(sha)).toEqual(bytes);
    expect(server.dossiers.get(d.id)!.state).toBe(State.SUBMITTED);
  }, 20_000);

  it('a failed pass rejects, so the browser tries again later, and keeps the outbox', async () => {
    const { db, server, env } = await setup();
    await createDraft(db, 'khai-sinh', 1, { 'child.hometown': 'Huế' });
    server.faults.push('network');
    await expect(onBackgroundSync(env)).rejects.toThrow();
    expect(await outboxCounts(db)).toEqual({ pending: 1, rejected: 0 });
    expect(await onBackgroundSync(env)).toMatchObject({ pushed: 1 });
  });
});
