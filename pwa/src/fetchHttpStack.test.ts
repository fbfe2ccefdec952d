import { describe, expect, it } from 'vitest';
import { Upload } from 'tus-js-client';
import { FetchHttpStack } from './fetchHttpStack';
import { FakeServer } from './testing/fakeServer';

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function photo(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 8)) & 0xff;
  return bytes;
}

/** Sends `bytes` with tus-js-client over the fetch stack; resolves with what tus reported. */
function send(server: FakeServer, bytes: Uint8Array, options: { chunkSize: number; uploadUrl?: string; sha256: string }) {
  const progress: number[] = [];
  const chunks: number[] = [];
  let url: string | null = null;
  const done = new Promise<void>((resolve, reject) => {
    const upload = new Upload(new Blob([bytes as Uint8Array<ArrayBuffer>]), {
      endpoint: '/api/uploads',
      ...(options.uploadUrl ? { uploadUrl: options.uploadUrl } : {}),
      chunkSize: options.chunkSize,
      retryDelays: null,
      storeFingerprintForResuming: false,
      httpStack: new FetchHttpStack(server.fetch as typeof fetch),
      headers: { Authorization: `Device ${server.credential}` },
      metadata: { sha256: options.sha256, filename: 'gcs.jpg' },
      onProgress: (sent) => progress.push(sent),
      onChunkComplete: (_size, accepted) => chunks.push(accepted),
      onUploadUrlAvailable: () => {
        url = upload.url;
      },
      onError: reject,
      onSuccess: () => resolve(),
    });
    upload.start();
  });
  return { done, progress, chunks, url: () => url };
}

describe('the fetch HTTP stack for tus', () => {
  it('uploads a file in chunks: create, then PATCH by offset, with progress per chunk', async () => {
    const server = new FakeServer();
    const bytes = photo(2500);
    const sha256 = await sha256Hex(bytes);
    const { done, progress, chunks, url } = send(server, bytes, { chunkSize: 1000, sha256 });
    await done;
    expect(server.blobs.get(sha256)).toEqual(bytes);
    expect(url()).toMatch(/\/api\/uploads\/\d+$/);
    expect(server.requests.map((r) => r.method)).toEqual(['POST', 'PATCH', 'PATCH', 'PATCH']);
    expect(server.requests.slice(1).map((r) => (r.body as Uint8Array).length)).toEqual([1000, 1000, 500]);
    expect(chunks).toEqual([1000, 2000, 2500]);
    expect(progress.at(-1)).toBe(2500);
    // Progress only moves forward, a chunk at a time (fetch has no upload progress).
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('resumes from the stored upload URL: HEAD for the offset, then only the rest', async () => {
    const server = new FakeServer();
    const bytes = photo(2000);
    const sha256 = await sha256Hex(bytes);
    // A first attempt cut after one chunk: the server stands at offset 1000.
    server.faults.push(...([undefined, undefined, 'network'] as never[]));
    const first = send(server, bytes, { chunkSize: 1000, sha256 });
    await expect(first.done).rejects.toThrow(/failed to upload chunk/);
    expect(server.uploads.get('1')!.offset).toBe(1000);

    server.requests.length = 0;
    await send(server, bytes, { chunkSize: 1000, sha256, uploadUrl: first.url()! }).done;
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['HEAD /api/uploads/1', 'PATCH /api/uploads/1']);
    expect(server.blobs.get(sha256)).toEqual(bytes);
  });

  it('passes the server refusal on as an error with its status', async () => {
    const server = new FakeServer();
    const bytes = photo(100);
    const { done } = send(server, bytes, { chunkSize: 1000, sha256: 'f'.repeat(64) });
    await expect(done).rejects.toThrow(/response code: 422/);
    expect(server.blobs.size).toBe(0);
  });

  it('reads response headers whatever their case, and can abort a request', async () => {
    let signal: AbortSignal | undefined;
    const stack = new FetchHttpStack((async (_input: RequestInfo | URL, init?: RequestInit) => {
      signal = init!.signal!;
      expect(new Headers(init!.headers).get('tus-resumable')).toBe('1.0.0');
      return new Response('hello', { status: 200, headers: { 'upload-offset': '7' } });
    }) as typeof fetch);
    const request = stack.createRequest('HEAD', '/api/uploads/1');
    request.setHeader('Tus-Resumable', '1.0.0');
    expect(request.getHeader('tus-resumable')).toBe('1.0.0');
    expect([request.getMethod(), request.getURL()]).toEqual(['HEAD', '/api/uploads/1']);
    const response = await request.send(null);
    expect([response.getStatus(), response.getHeader('Upload-Offset'), response.getBody()]).toEqual([200, '7', 'hello']);
    expect(response.getHeader('Location')).toBeUndefined();
    await request.abort();
    expect(signal!.aborted).toBe(true);
    expect(stack.getName()).toBe('FetchHttpStack');
  });
});
