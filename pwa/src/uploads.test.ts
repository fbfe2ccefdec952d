import { describe, expect, it } from 'vitest';
import { freshDb } from './testing/db';
import { refusalOf, uploadWaiting } from './uploads';
import type { DeviceRecord } from './db';
import { FakeServer } from './testing/fakeServer';
import { sha256Hex } from './files';

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
    const fetch = async (request: Request) => {
      asked.push(await request.json());
      expect(request.headers.get('Authorization')).toBe('Device c');
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

// A Linux program, named as a PDF by whoever sent it.
const PROGRAM = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...new Array(120).fill(0)]);
const REFUSAL = {
  status: 415,
  body: {
    type: '/problems/unsupported_file_type',
    title: 'Unsupported Media Type',
    detail: '\u201cgiay-chung-sinh.pdf\u201d: Tệp này là một chương trình Linux, không phải tài liệu được chấp nhận.',
    errors: [{ path: 'file', code: 'unsupported_file_type', message: '\u201cgiay-chung-sinh.pdf\u201d: Tệp này là một chương trình Linux, không phải tài liệu được chấp nhận.' }],
  },
};

async function withProgram() {
  const db = await freshDb();
  const sha256 = await sha256Hex(PROGRAM.buffer as ArrayBuffer);
  const blob = new Blob([PROGRAM], { type: 'application/pdf' });
  await db.put('blobs', { sha256, blob, type: 'application/pdf', size: blob.size, name: 'giay-chung-sinh.pdf', created_at: '', uploaded: false });
  const server = new FakeServer();
  const device = { device_id: 'd', credential: server.credential } as DeviceRecord;
  return { db, sha256, server, device };
}

describe('a file the server refuses', () => {
  it('is marked refused with the server\'s reason, no longer waits, and is never sent again', async () => {
    const { db, sha256, server, device } = await withProgram();
    server.refuses.set(sha256, REFUSAL);
    const report = await uploadWaiting(db, device, server.fetch as typeof fetch);
    expect(report).toEqual({ available: true, waiting: new Set() });
    const record = (await db.get('blobs', sha256))!;
    expect(record.uploaded).toBe(false);
    expect(record.refused).toMatchObject({ code: 'unsupported_file_type', message: expect.stringContaining('chương trình Linux') });
    expect(record.upload_url).toBeUndefined();
    // The reason comes in Vietnamese, whatever the browser's language.
    const patch = server.requests.filter((r) => r.path.startsWith('/api/uploads'));
    expect(patch.length).toBeGreaterThan(0);
    const before = server.requests.length;
    expect(await uploadWaiting(db, device, server.fetch as typeof fetch)).toEqual({ available: true, waiting: new Set() });
    expect(server.requests.length).toBe(before);
  });

  it('asks for the reason in Vietnamese', async () => {
    const { db, sha256, server, device } = await withProgram();
    server.refuses.set(sha256, REFUSAL);
    const languages: (string | null)[] = [];
    const fetch = (input: RequestInfo | URL, init: RequestInit = {}) => {
      // tus sends (URL, init); the API client a Request.
      if (!(input instanceof Request) && String(input).startsWith('/api/uploads')) languages.push(new Headers(init.headers).get('Accept-Language'));
      return server.fetch(input, init);
    };
    await uploadWaiting(db, device, fetch as typeof globalThis.fetch);
    expect(languages.length).toBeGreaterThan(0);
    expect(new Set(languages)).toEqual(new Set(['vi']));
  });

  it('an answer about anything but the file is not a refusal: it is tried again later', () => {
    const answer = (status: number, body = '{}') => ({ originalResponse: { getStatus: () => status, getBody: () => body } });
    const now = new Date('2026-12-03T10:00:00Z');
    for (const status of [401, 403, 404, 408, 409, 410, 412, 423, 429, 500, 502, 503]) expect(refusalOf(answer(status), now), String(status)).toBeNull();
    expect(refusalOf(new TypeError('Failed to fetch'), now)).toBeNull();
    expect(refusalOf(answer(415, JSON.stringify(REFUSAL.body)), now)).toEqual({
      code: 'unsupported_file_type',
      message: REFUSAL.body.errors[0]!.message,
      at: '2026-12-03T10:00:00.000Z',
    });
    expect(refusalOf(answer(422, JSON.stringify({ type: '/problems/file_damaged', detail: 'Tệp PDF bị hỏng' })), now)).toMatchObject({ code: 'file_damaged', message: 'Tệp PDF bị hỏng' });
    expect(refusalOf(answer(413, 'not json'), now)).toMatchObject({ code: '413', message: 'HTTP 413' });
  });
});

describe('the server\'s file seal', () => {
  async function withPhoto(uploaded = false) {
    const db = await freshDb();
    const bytes = new TextEncoder().encode('a photo of a birth certificate');
    const sha256 = await sha256Hex(bytes.buffer as ArrayBuffer);
    await db.put('blobs', { sha256, blob: new Blob([bytes]), type: 'image/jpeg', size: bytes.length, name: 'anh.jpg', created_at: '', uploaded });
    const server = new FakeServer();
    const device = { device_id: 'd', credential: server.credential } as DeviceRecord;
    return { db, sha256, bytes, server, device };
  }

  it('is kept from the tus answer that completes the upload', async () => {
    const { db, sha256, server, device } = await withPhoto();
    expect(await uploadWaiting(db, device, server.fetch as typeof fetch)).toEqual({ available: true, waiting: new Set() });
    expect(await db.get('blobs', sha256)).toMatchObject({ uploaded: true, seal: server.fileSeal(sha256) });
  });

  it('is kept from the HEAD that finds the upload complete when the last answer was lost', async () => {
    const { db, sha256, server, device } = await withPhoto();
    // missing, creation, then the PATCH that completes the upload: its answer is lost.
    server.faults = [undefined, undefined, 'lost_response'] as never;
    await uploadWaiting(db, device, server.fetch as typeof fetch);
    expect(server.requests.map((r) => r.method)).toContain('HEAD');
    expect(server.requests.filter((r) => r.path === '/api/blobs/missing')).toHaveLength(1);
    expect(await db.get('blobs', sha256)).toMatchObject({ uploaded: true, seal: server.fileSeal(sha256) });
  });

  it('is kept from the missing answer when the server has the file already', async () => {
    const { db, sha256, bytes, server, device } = await withPhoto();
    server.blobs.set(sha256, bytes);
    await uploadWaiting(db, device, server.fetch as typeof fetch);
    expect(server.requests.map((r) => r.path)).toEqual(['/api/blobs/missing']);
    expect(await db.get('blobs', sha256)).toMatchObject({ uploaded: true, seal: server.fileSeal(sha256) });
  });

  it('is fetched, in one call, for files sent before seals existed; then never asked again', async () => {
    const { db, sha256, bytes, server, device } = await withPhoto(true);
    server.blobs.set(sha256, bytes);
    await db.put('blobs', { ...(await db.get('blobs', sha256))!, sha256: A });
    server.blobs.set(A, new Uint8Array([1]));
    expect(await uploadWaiting(db, device, server.fetch as typeof fetch)).toEqual({ available: true, waiting: new Set() });
    expect(server.requests).toEqual([{ method: 'POST', path: '/api/blobs/missing', body: { hashes: [A, sha256].sort() } }]);
    expect(await db.get('blobs', sha256)).toMatchObject({ uploaded: true, seal: server.fileSeal(sha256) });
    expect(await db.get('blobs', A)).toMatchObject({ uploaded: true, seal: server.fileSeal(A) });
    await uploadWaiting(db, device, server.fetch as typeof fetch);
    expect(server.requests).toHaveLength(1);
  });

  it('a file marked sent that the server lacks, and no seal, is sent again from its bytes', async () => {
    const { db, sha256, server, device } = await withPhoto(true);
    expect(await uploadWaiting(db, device, server.fetch as typeof fetch)).toEqual({ available: true, waiting: new Set() });
    expect(server.blobs.has(sha256)).toBe(true);
    expect(await db.get('blobs', sha256)).toMatchObject({ uploaded: true, seal: server.fileSeal(sha256) });
  });

  it('asks about many files in pages the server takes (1000 hashes at most)', async () => {
    const db = await freshDb();
    const server = new FakeServer();
    const device = { device_id: 'd', credential: server.credential } as DeviceRecord;
    const hashes = Array.from({ length: 1001 }, (_, i) => i.toString(16).padStart(64, '0'));
    for (const sha256 of hashes) {
      server.blobs.set(sha256, new Uint8Array([1]));
      await db.put('blobs', { sha256, blob: new Blob(['x']), type: 'image/jpeg', size: 1, name: 'x.jpg', created_at: '', uploaded: false });
    }
    expect(await uploadWaiting(db, device, server.fetch as typeof fetch)).toEqual({ available: true, waiting: new Set() });
    expect(server.requests.map((r) => (r.body as { hashes: string[] }).hashes.length)).toEqual([1000, 1]);
    expect((await db.getAll('blobs')).every((b) => b.uploaded && b.seal === server.fileSeal(b.sha256))).toBe(true);
  });

  it('a file without its bytes is never sent', async () => {
    const { db, sha256, server, device } = await withPhoto(true);
    const { blob: _, ...record } = (await db.get('blobs', sha256))!;
    await db.put('blobs', { ...record, seal: server.fileSeal(sha256), bytes_removed: true });
    expect(await uploadWaiting(db, device, server.fetch as typeof fetch)).toEqual({ available: true, waiting: new Set() });
    expect(server.requests).toEqual([]);
  });
});
