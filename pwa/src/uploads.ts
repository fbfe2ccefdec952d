// Files travel apart from records, resumably, content-addressed, never twice
// (sync/README.md §1, principle 8): ask the server which hashes it lacks
// (POST /api/blobs/missing {hashes} → {missing, upload_url, chunk_size}), then send
// each with tus to `upload_url`, resuming from the stored upload URL after a cut.
// While a server has no upload service (404), files simply wait on the device.
// A file the server refuses for what it is (a 4xx about the file, e.g. 415 for a
// program named .pdf) is marked refused with the server's reason and never sent again:
// sending it again would be refused again, for ever.
// Every file sent gets the server's seal on (account, hash), kept with the file for good
// (sync/README.md §9.2): from the tus answer that completes the upload (or the HEAD that
// finds it complete), or from `seals` of the missing answer. A file sent before seals
// existed gets its seal from the missing call of the next pass.

import { ApiError, NetworkError, abortable, api, dataOf, type Fetch } from './api/http';
import type { MissingResponse, Problem } from './api/types';
import type { BlobRecord, DeviceRecord, FileRefusal, MotcuaDB } from './db';
import { FetchHttpStack } from './fetchHttpStack';
import { holdsBytes } from './heldFiles';
import type { UploadReport } from './sync';

export const MISSING_URL = '/api/blobs/missing' as const;
export const TUS_ENDPOINT = '/api/uploads';
export const FILE_SEAL_HEADER = 'Motcua-File-Seal';
/** The most hashes one missing call may ask about (server/attachments/schemas.py). */
const HASHES_A_CALL = 1000;

/** Which of `hashes` the server lacks, with the seals of the others: one call per 1000. */
function aborted(): DOMException {
  return new DOMException('the sync pass was cut short', 'AbortError');
}

async function missingOnServer(hashes: string[], device: DeviceRecord, fetch?: Fetch): Promise<MissingResponse | null> {
  const pages: MissingResponse[] = [];
  for (let start = 0; start < hashes.length; start += HASHES_A_CALL) {
    const body = { hashes: hashes.slice(start, start + HASHES_A_CALL) };
    try {
      pages.push(await dataOf(api.POST(MISSING_URL, { fetch, headers: { Authorization: `Device ${device.credential}` }, body })));
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return null;
      throw error;
    }
  }
  return pages.reduce((all, page) => ({ ...page, missing: [...all.missing, ...page.missing], seals: { ...all.seals, ...page.seals } }));
}

/** tus's own stack (XMLHttpRequest: progress within a chunk) on a page; fetch in a
 * service worker, which has no XMLHttpRequest, or wherever a fetch is given. */
function httpStackFor(fetch?: Fetch): FetchHttpStack | undefined {
  return fetch || typeof XMLHttpRequest !== 'function' ? new FetchHttpStack(fetch) : undefined;
}

/** Sends a file's bytes; resolves with the server's seal from the answer that completed it. */
function tusUpload(
  record: BlobRecord & { blob: Blob },
  device: DeviceRecord,
  where: MissingResponse,
  onUrl: (url: string) => void,
  fetch?: Fetch,
  signal?: AbortSignal,
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
        if (signal?.aborted) return reject(aborted());
        // Cut short (the install changes hands): tus stops its request, the upload resumes later.
        signal?.addEventListener('abort', () => void upload.abort().finally(() => reject(aborted())), { once: true });
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

export async function uploadWaiting(db: MotcuaDB, device: DeviceRecord, fetch?: Fetch, signal?: AbortSignal): Promise<UploadReport> {
  const all = await db.getAll('blobs');
  const waiting = all.filter((b) => !b.uploaded && !b.refused && holdsBytes(b));
  // Sent before the server sealed files: their seals come with this pass's answer.
  const unsealed = all.filter((b) => b.uploaded && !b.seal && !b.refused);
  if (!waiting.length && !unsealed.length) return { available: true, waiting: new Set() };
  const answer = await missingOnServer(
    [...waiting, ...unsealed].map((b) => b.sha256),
    device,
    abortable(fetch, signal),
  );
  if (answer === null) return { available: false, waiting: new Set(waiting.map((b) => b.sha256)) };
  const missing = answer.missing;
  const seals = answer.seals ?? {};
  for (const record of unsealed) {
    const seal = seals[record.sha256];
    if (seal) await db.put('blobs', { ...record, seal });
    // Marked sent, yet the server lacks it (and gives no seal): send it again.
    else if (missing.includes(record.sha256) && holdsBytes(record)) waiting.push({ ...record, uploaded: false });
  }
  const still = new Set<string>();
  const queue = [...waiting];
  let offline = false;
  // A few files at once: on a slow link one upload leaves the radio idle during each
  // request's round trip; three keep it busy (bench/slow_link_app.py measures it).
  const worker = async (): Promise<void> => {
    for (let record = queue.shift(); record && !offline && !signal?.aborted; record = queue.shift()) {
      if (!missing.includes(record.sha256)) {
        await db.put('blobs', { ...record, uploaded: true, last_error: undefined, seal: seals[record.sha256] ?? record.seal });
        continue;
      }
      try {
        const sending = record as BlobRecord & { blob: Blob };
        const seal = await tusUpload(sending, device, answer, (url) => void db.put('blobs', { ...sending, upload_url: url }), fetch, signal);
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
  if (signal?.aborted) throw aborted();
  for (const record of queue) still.add(record.sha256); // not tried: still waiting
  return { available: true, waiting: still };
}
