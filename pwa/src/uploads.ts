// Files travel apart from records, resumably, content-addressed, never twice
// (sync/README.md §1, principle 8): ask the server which hashes it lacks
// (POST /api/blobs/missing {hashes} → {missing, upload_url, chunk_size}), then send
// each with tus to `upload_url`, resuming from the stored upload URL after a cut.
// While a server has no upload service (404), files simply wait on the device.
// A file the server refuses for what it is (a 4xx about the file, e.g. 415 for a
// program named .pdf) is marked refused with the server's reason and never sent again:
// sending it again would be refused again, for ever.

import { ApiError, NetworkError, api, dataOf, type Fetch } from './api/http';
import type { MissingResponse, Problem } from './api/types';
import type { BlobRecord, DeviceRecord, FileRefusal, MotcuaDB } from './db';
import { FetchHttpStack } from './fetchHttpStack';
import type { UploadReport } from './sync';

export const MISSING_URL = '/api/blobs/missing' as const;
export const TUS_ENDPOINT = '/api/uploads';

async function missingOnServer(hashes: string[], device: DeviceRecord, fetch?: Fetch): Promise<MissingResponse | null> {
  try {
    return await dataOf(api.POST(MISSING_URL, { fetch, headers: { Authorization: `Device ${device.credential}` }, body: { hashes } }));
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

/** The server's seal on the file, in the answer that completed its upload (absent from an older server). */
export const FILE_SEAL_HEADER = 'Motcua-File-Seal';

/** Sends the file; resolves with the server's seal on it, when it gives one. */
function tusUpload(
  record: BlobRecord,
  device: DeviceRecord,
  where: MissingResponse,
  onUrl: (url: string) => void,
  fetch?: Fetch,
): Promise<string | undefined> {
  const httpStack = httpStackFor(fetch);
  return import('tus-js-client').then(
    ({ Upload }) =>
      new Promise<string | undefined>((resolve, reject) => {
        const upload = new Upload(record.blob, {
          endpoint: where.upload_url ?? TUS_ENDPOINT,
          ...(record.upload_url ? { uploadUrl: record.upload_url } : {}),
          retryDelays: [0, 2000, 5000],
          chunkSize: Math.min(where.chunk_size ?? 256 * 1024, 256 * 1024),
          storeFingerprintForResuming: false,
          ...(httpStack ? { httpStack } : {}),
          // The reason for a refusal is shown to the person as the server words it: in Vietnamese.
          headers: { Authorization: `Device ${device.credential}`, 'Accept-Language': 'vi' },
          metadata: { sha256: record.sha256, filename: record.name, filetype: record.type },
          onUploadUrlAvailable: () => {
            if (upload.url) onUrl(upload.url);
          },
          onError: (error) => reject(error),
          onSuccess: ({ lastResponse }) => resolve(lastResponse.getHeader(FILE_SEAL_HEADER) || undefined),
        });
        upload.start();
      }),
  );
}

const UPLOADS_AT_ONCE = 3;

/** Answers that are not about the file: sign-in, an upload gone or busy, a rate limit. Sent again later. */
const NOT_ABOUT_THE_FILE = new Set([401, 403, 404, 408, 409, 410, 412, 423, 429]);

/** The server's final "no" to a file, from a tus error; null when it is worth trying again. */
export function refusalOf(error: unknown, now: Date): FileRefusal | null {
  const response = (error as { originalResponse?: { getStatus(): number; getBody(): string } | null }).originalResponse;
  const status = response?.getStatus() ?? 0;
  if (status < 400 || status >= 500 || NOT_ABOUT_THE_FILE.has(status)) return null;
  let problem: Problem = {};
  try {
    problem = JSON.parse(response!.getBody()) as Problem;
  } catch {
    // no problem document: the status says enough
  }
  const first = problem.errors?.[0];
  return {
    code: first?.code || (problem.type ?? '').split('/').pop() || String(status),
    message: first?.message || problem.detail || problem.title || `HTTP ${status}`,
    at: now.toISOString(),
  };
}

export async function uploadWaiting(db: MotcuaDB, device: DeviceRecord, fetch?: Fetch): Promise<UploadReport> {
  const waiting = (await db.getAll('blobs')).filter((b) => !b.uploaded && !b.refused);
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
        const seal = answer.seals?.[record.sha256] ?? record.seal;
        await db.put('blobs', { ...record, uploaded: true, last_error: undefined, ...(seal ? { seal } : {}) });
        continue;
      }
      try {
        const seal = await tusUpload(record, device, answer, (url) => void db.put('blobs', { ...record!, upload_url: url }), fetch);
        await db.put('blobs', { ...(await db.get('blobs', record.sha256))!, uploaded: true, last_error: undefined, ...(seal ? { seal } : {}) });
      } catch (error) {
        const refused = refusalOf(error, new Date());
        const latest = await db.get('blobs', record.sha256);
        if (!latest) continue; // removed by the person meanwhile
        if (refused) {
          await db.put('blobs', { ...latest, refused, upload_url: undefined, last_error: refused.message });
          continue;
        }
        still.add(record.sha256);
        await db.put('blobs', { ...latest, last_error: String(error) });
        if (error instanceof NetworkError) offline = true; // the others would fail the same way
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(UPLOADS_AT_ONCE, queue.length) }, worker));
  for (const record of queue) still.add(record.sha256); // not tried: still waiting
  return { available: true, waiting: still };
}
