// Files travel apart from records, resumably, content-addressed, never twice
// (DESIGN §4, principle 8): ask the server which hashes it lacks
// (POST /api/blobs/missing {hashes} → {missing, upload_url, chunk_size}), then send
// each with tus to `upload_url`, resuming from the stored upload URL after a cut.
// While a server has no upload service (404), files simply wait on the device.

import { ApiError, NetworkError, requestRaw, type Fetch } from './api/http';
import type { BlobRecord, DeviceRecord, MotcuaDB } from './db';
import { FetchHttpStack } from './fetchHttpStack';
import type { UploadReport } from './sync';

export const MISSING_URL = '/api/blobs/missing';
export const TUS_ENDPOINT = '/api/uploads';

interface Missing {
  missing: string[];
  upload_url?: string;
  chunk_size?: number;
}

async function missingOnServer(hashes: string[], device: DeviceRecord, fetch?: Fetch): Promise<Missing | null> {
  try {
    const response = await requestRaw(MISSING_URL, {
      method: 'POST',
      fetch,
      headers: { Authorization: `Device ${device.credential}` },
      body: { hashes },
    });
    return (await response.json()) as Missing;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return null;
    throw error;
  }
}

/** tus's own stack (XMLHttpRequest: progress within a chunk) on a page; fetch in a
 * service worker, which has no XMLHttpRequest, or wherever a fetch is given. */
function httpStackFor(fetch?: Fetch): FetchHttpStack | undefined {
  return fetch || typeof XMLHttpRequest !== 'function' ? new FetchHttpStack(fetch) : undefined;
}

function tusUpload(
  record: BlobRecord,
  device: DeviceRecord,
  where: Missing,
  onUrl: (url: string) => void,
  fetch?: Fetch,
): Promise<void> {
  const httpStack = httpStackFor(fetch);
  return import('tus-js-client').then(
    ({ Upload }) =>
      new Promise<void>((resolve, reject) => {
        const upload = new Upload(record.blob, {
          endpoint: where.upload_url ?? TUS_ENDPOINT,
          ...(record.upload_url ? { uploadUrl: record.upload_url } : {}),
          retryDelays: [0, 2000, 5000],
          chunkSize: Math.min(where.chunk_size ?? 256 * 1024, 256 * 1024),
          storeFingerprintForResuming: false,
          ...(httpStack ? { httpStack } : {}),
          headers: { Authorization: `Device ${device.credential}` },
          metadata: { sha256: record.sha256, filename: record.name, filetype: record.type },
          onUploadUrlAvailable: () => {
            if (upload.url) onUrl(upload.url);
          },
          onError: (error) => reject(error),
          onSuccess: () => resolve(),
        });
        upload.start();
      }),
  );
}

const UPLOADS_AT_ONCE = 3;

export async function uploadWaiting(db: MotcuaDB, device: DeviceRecord, fetch?: Fetch): Promise<UploadReport> {
  const waiting = (await db.getAll('blobs')).filter((b) => !b.uploaded);
  if (!waiting.length) return { available: true, waiting: new Set() };
  const answer = await missingOnServer(
    waiting.map((b) => b.sha256),
    device,
    fetch,
  );
  if (answer === null) return { available: false, waiting: new Set(waiting.map((b) => b.sha256)) };
  const missing = answer.missing;
  const still = new Set<string>();
  const queue = [...waiting];
  let offline = false;
  // A few files at once: on a slow link one upload leaves the radio idle during each
  // request's round trip; three keep it busy (bench/slow_link_app.py measures it).
  const worker = async (): Promise<void> => {
    for (let record = queue.shift(); record && !offline; record = queue.shift()) {
      if (!missing.includes(record.sha256)) {
        await db.put('blobs', { ...record, uploaded: true, last_error: undefined });
        continue;
      }
      try {
        await tusUpload(record, device, answer, (url) => void db.put('blobs', { ...record!, upload_url: url }), fetch);
        await db.put('blobs', { ...(await db.get('blobs', record.sha256))!, uploaded: true, last_error: undefined });
      } catch (error) {
        still.add(record.sha256);
        await db.put('blobs', { ...(await db.get('blobs', record.sha256))!, last_error: String(error) });
        if (error instanceof NetworkError) offline = true; // the others would fail the same way
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(UPLOADS_AT_ONCE, queue.length) }, worker));
  for (const record of queue) still.add(record.sha256); // not tried: still waiting
  return { available: true, waiting: still };
}
