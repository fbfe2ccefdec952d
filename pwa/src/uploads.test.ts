import { describe, expect, it } from 'vitest';
import { freshDb } from './testing/db';
import { uploadWaiting } from './uploads';
import type { DeviceRecord } from './db';

const DEVICE = { device_id: 'd', credential: 'c' } as DeviceRecord;
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

async function withBlobs() {
  const db = await freshDb();
  for (const sha256 of [A, B]) {
    await db.put('blobs', { sha256, blob: new Blob(['x']), type: 'image/jpeg', size: 1, name: 'x.jpg', created_at: '', uploaded: false });
  }
  return db;
}

describe('uploads', () => {
  it('keeps files waiting while the server has no upload service', async () => {
    const db = await withBlobs();
    const fetch = async () => new Response('{}', { status: 404 });
    const report = await uploadWaiting(db, DEVICE, fetch as typeof globalThis.fetch);
    expect(report.available).toBe(false);
    expect([...report.waiting].sort()).toEqual([A, B]);
    expect((await db.getAll('blobs')).every((b) => !b.uploaded)).toBe(true);
  });

  it('asks which hashes the server lacks and never sends the ones it has', async () => {
    const db = await withBlobs();
    const asked: unknown[] = [];
    const fetch = async (_url: RequestInfo | URL, init?: RequestInit) => {
      asked.push(JSON.parse(String(init!.body)));
      expect(new Headers(init!.headers).get('Authorization')).toBe('Device c');
      return new Response(JSON.stringify({ missing: [], upload_url: '/api/uploads', chunk_size: 1048576 }), { status: 200 });
    };
    const report = await uploadWaiting(db, DEVICE, fetch as typeof globalThis.fetch);
    expect(asked).toEqual([{ hashes: [A, B] }]);
    expect(report).toEqual({ available: true, waiting: new Set() });
    expect((await db.getAll('blobs')).every((b) => b.uploaded)).toBe(true);
  });

  it('does not ask when nothing waits', async () => {
    const db = await freshDb();
    const fetch = async () => {
      throw new Error('no request expected');
    };
    expect(await uploadWaiting(db, DEVICE, fetch as never)).toEqual({ available: true, waiting: new Set() });
  });
});
