// Putting back what this device holds, after the server was restored from a backup
// (sync/README.md §9.2–9.3). The restored database forgot everything after the backup;
// this device did not. So: the files it holds seals for go first to `POST
// /api/sync/recover` (the server takes back those its store still holds), the others
// are asked about (`POST /api/blobs/missing`) and sent again; then every dossier the
// device holds, the drafts it remembers deleting and its unused reserved codes go,
// 100 dossiers a page, the last page with `done`. The server takes each back once per
// generation and device, so a page sent again after a cut changes nothing. What it answers is applied here; the full
// pull that follows (the cursor is forgotten) brings the server's views.

import { ApiError, api, dataOf, type Fetch } from './api/http';
import type { HeldDossier, HeldFile, HeldReservation, PutBackResult, Reason, RecoverRequest, RecoverResponse } from './api/types';
import { nextStamp, type Answers, type DeviceRecord, type LocalDossier, type MotcuaDB, type RecoverySummary } from './db';
import { deletedDrafts } from './deletedDrafts';
import { confirmation, keptGeneration, laterConfirmation, type Confirmation } from './generations';
import { takeConflicts } from './outbox';
import { State } from './states';
import { CONFIRMED_SEQ_KEY, CURSOR_KEY, GENERATION_KEY } from './syncKeys';
import { afterFilePutBack, sealedFiles } from './heldFiles';
import { hashesIn } from './fileHashes';

export const RECOVER_URL = '/api/sync/recover' as const;
/** Dossiers in one page of a put-back (sync/messages.py MAX_HELD_DOSSIERS). */
export const PUT_BACK_PAGE = 100;
/** Reserved codes in one put-back (sync/messages.py MAX_HELD_RESERVATIONS). */
export const MAX_HELD_RESERVATIONS = 500;
/** Files in one put-back page (sync/messages.py MAX_HELD_FILES). */
export const MAX_HELD_FILES = 500;
/** A page's size on the wire, under the server's limit for a put-back (sync/messages.py RECOVER_MAX_BODY_BYTES, 8 MB). */
export const PUT_BACK_PAGE_BYTES = 7 * 1024 * 1024;

export interface UploadReport {
  /** The server accepts uploads (else files wait on the device). */
  available: boolean;
  /** Hashes still only on the device. */
  waiting: ReadonlySet<string>;
}

export type Uploads = (db: MotcuaDB, device: DeviceRecord) => Promise<UploadReport>;

export interface RecoveryDeps {
  db: MotcuaDB;
  device: DeviceRecord;
  fetch?: Fetch;
  now?: () => Date;
  /** Sends the files the server lacks (uploads.ts); absent, files are not considered. */
  uploads?: Uploads;
}

export interface RecoveryOutcome {
  generation: number;
  summary: RecoverySummary;
  /** Fields that changed on both sides since the restore: the person chooses. */
  conflicts: number;
  /** The files step's report, for the push that follows. */
  uploads: UploadReport | null;
}

/** Files the dossiers name are not on the server yet: putting back now would be refused for good. */
export class FilesNotOnServer extends Error {
  constructor(readonly waiting: number) {
    super(`${waiting} file(s) must reach the server before the dossiers are put back`);
    this.name = 'FilesNotOnServer';
  }
}


/**
 * The restored database may have lost which files this account sent: a file no seal
 * vouches for, or one the server could not take back by its seal, is asked about and
 * sent again (the uploads step); the others are on the server.
 */
async function markFilesToSend(db: MotcuaDB, missing: ReadonlySet<string>): Promise<void> {
  const tx = db.transaction('blobs', 'readwrite');
  for (const b of await tx.store.getAll()) {
    if (b.refused) continue; // a refused file stays refused
    const send = !b.seal || missing.has(b.sha256);
    // An upload begun before the restore is begun anew.
    await tx.store.put(send ? { ...b, uploaded: false, upload_url: undefined } : { ...b, uploaded: true });
  }
  await tx.done;
}

/** The answers as the restored server should hold them: files it refused were never in its copy. */
function answersToPutBack(answers: Answers, refused: ReadonlySet<string>): Answers {
  const out: Answers = {};
  for (const [path, value] of Object.entries(answers)) {
    const files = hashesIn(value);
    if (files.length && files.some((h) => refused.has(h))) {
      const kept = files.filter((h) => !refused.has(h));
      if (kept.length) out[path] = kept;
      continue;
    }
    out[path] = value;
  }
  return out;
}

function held(d: LocalDossier, refused: ReadonlySet<string>): HeldDossier {
  return {
    id: d.id,
    procedure_code: d.procedure_code,
    schema_version: d.schema_version!,
    state: d.state,
    version: d.version,
    fields: answersToPutBack(d.answers, refused),
    ...(d.code ? { code: d.code } : {}),
    ...(d.seal ? { seal: d.seal } : {}),
    ...(d.submitted_at ? { submitted_at: d.submitted_at } : {}),
  };
}

/** What this device holds: its dossiers, and the drafts it remembers deleting. */
async function heldDossiers(db: MotcuaDB): Promise<{ dossiers: HeldDossier[]; files: Set<string> }> {
  const [local, outbox, blobs, deleted] = await Promise.all([db.getAll('dossiers'), db.getAll('outbox'), db.getAll('blobs'), deletedDrafts(db)]);
  const refused = new Set(blobs.filter((b) => b.refused).map((b) => b.sha256));
  // A draft whose create_draft still waits in the outbox reaches the server with it.
  const creating = new Set(outbox.filter((i) => i.kind === 'create_draft' && i.status === 'pending' && !i.voided).map((i) => i.dossier_id));
  const dossiers = local.filter((d) => !creating.has(d.id) && d.schema_version !== null).map((d) => held(d, refused));
  const here = new Set(local.map((d) => d.id));
  for (const d of deleted) {
    if (here.has(d.id) || d.schema_version === null) continue; // it came back since (a refused deletion)
    dossiers.push({ id: d.id, procedure_code: d.procedure_code, schema_version: d.schema_version, state: State.DRAFT, version: d.version, deleted: true });
  }
  const files = new Set(dossiers.flatMap((d) => Object.values(d.fields ?? {}).flatMap(hashesIn)));
  return { dossiers, files };
}

/** Reserved codes no dossier holds on the server yet, with the seal that proves them this device's. */
async function heldReservations(db: MotcuaDB): Promise<HeldReservation[]> {
  const [codes, local] = await Promise.all([db.getAll('codes'), db.getAll('dossiers')]);
  // A code bound to a draft here but not yet given to it by the server is still only reserved.
  const used = new Set(local.map((d) => d.code).filter(Boolean));
  return codes
    .filter((c) => c.seal && !used.has(c.code))
    .slice(0, MAX_HELD_RESERVATIONS)
    .map((c) => ({ code: c.code, expires_at: c.expires_at, seal: c.seal! }));
}

/** At most 100 dossiers a page, and within the server's body limit; always one page (the last says `done`). */
function pages(dossiers: readonly HeldDossier[]): HeldDossier[][] {
  const out: HeldDossier[][] = [[]];
  let bytes = 0;
  for (const d of dossiers) {
    const size = JSON.stringify(d).length * 3; // UTF-8 worst case: a Vietnamese letter may take 3 bytes
    const page = out.at(-1)!;
    if (page.length >= PUT_BACK_PAGE || (page.length && bytes + size > PUT_BACK_PAGE_BYTES)) {
      out.push([d]);
      bytes = size;
    } else {
      page.push(d);
      bytes += size;
    }
  }
  return out;
}

const reasonsOf = (error: ApiError): Reason[] =>
  (error.problem.errors ?? []).map((x) => ({ code: x.code ?? 'invalid', path: x.path, message: x.message ?? '' }));

/** The entry a 422 names (`$.dossiers[3].schema_version`), with the server's reasons. */
function refusedEntry(error: unknown): { list: 'dossiers' | 'reservations'; index: number; reasons: Reason[] } | null {
  if (!(error instanceof ApiError) || error.status !== 422) return null;
  for (const e of error.problem.errors ?? []) {
    const m = /^\$\.(dossiers|reservations)\[(\d+)\]/.exec(e.path);
    if (m) return { list: m[1] as 'dossiers' | 'reservations', index: Number(m[2]), reasons: reasonsOf(error) };
  }
  return null;
}

/** One request of the put-back: dossiers, reserved codes, and whether it ends it. */
interface Page {
  dossiers: HeldDossier[];
  codes: HeldReservation[];
  done: boolean;
}

/**
 * What to send instead of a page refused whole: its two halves (only the second ends
 * the put-back), or, for a single entry, the page without it, that entry refused.
 */
function splitRefused(page: Page, error: ApiError, results: PutBackResult[], codeRefused: () => void): Page[] {
  const { dossiers, codes } = page;
  if (dossiers.length > 1) {
    const half = Math.ceil(dossiers.length / 2);
    return [
      { dossiers: dossiers.slice(0, half), codes: [], done: false },
      { ...page, dossiers: dossiers.slice(half) },
    ];
  }
  if (dossiers.length === 1 && !codes.length) {
    results.push({ dossier_id: dossiers[0]!.id, status: 'rejected', reasons: reasonsOf(error) });
    return [{ ...page, dossiers: [] }];
  }
  if (dossiers.length === 1) return [{ dossiers, codes: [], done: false }, { ...page, dossiers: [] }];
  if (codes.length > 1) {
    const half = Math.ceil(codes.length / 2);
    return [
      { dossiers: [], codes: codes.slice(0, half), done: false },
      { ...page, codes: codes.slice(half) },
    ];
  }
  codeRefused();
  return [{ ...page, codes: [] }];
}

/** The server's answers, on the device: conflicts to choose, refusals to read, the server's versions. */
async function applyResults(
  db: MotcuaDB,
  results: readonly PutBackResult[],
  answer: RecoverResponse,
  confirmed: Confirmation,
  now: Date,
): Promise<number> {
  let conflicts = 0;
  const tx = db.transaction(['dossiers', 'meta'], 'readwrite');
  const dossiers = tx.objectStore('dossiers');
  for (const r of results) {
    const d = await dossiers.get(r.dossier_id);
    if (!d) continue; // a deleted draft: nothing here to change
    if (r.status === 'rejected') {
      // The answers stay here; the person is shown why (SyncPage).
      d.put_back_refused = { at: now.toISOString(), reasons: r.reasons ?? [] };
    } else {
      delete d.put_back_refused;
      // The restored server's version, even when lower than the one this device saw:
      // else the views of the full pull that follows would look older and be ignored.
      if (r.version != null) d.version = r.version;
      if (r.status === 'conflict') {
        takeConflicts(d, r.conflicts ?? []);
        conflicts += r.conflicts?.length ?? 0;
      }
    }
    d.updated_at = nextStamp(d.updated_at, now);
    await dossiers.put(d);
  }
  const meta = tx.objectStore('meta');
  await meta.put(answer.generation, GENERATION_KEY);
  await meta.delete(CURSOR_KEY);
  // The server moved this device's seqs up to what it confirmed before: the outbox goes
  // on from there, with the receipt of this generation.
  await meta.put(confirmed, CONFIRMED_SEQ_KEY);
  await tx.done;
  return conflicts;
}

/** Puts back everything this device holds; the pass then pushes the outbox and pulls from the start. */
export async function recover(deps: RecoveryDeps): Promise<RecoveryOutcome> {
  const { db, device } = deps;
  const now = deps.now ?? (() => new Date());
  const kept = await confirmation(db, device.device_id);
  const base = {
    device_id: device.device_id,
    confirmed_seq: kept.seq,
    generation: kept.generation ?? (await keptGeneration(db)) ?? null,
    receipt: kept.receipt ?? null,
  };
  const send = (request: RecoverRequest) =>
    dataOf(api.POST(RECOVER_URL, { fetch: deps.fetch, headers: { Authorization: `Device ${device.credential}` }, body: request }));

  // Files first, by their seals: the server takes back those its store still holds,
  // before the dossiers that name them (pages that do not end the put-back).
  const missing = new Set<string>();
  const sealed = await sealedFiles(db);
  for (let i = 0; i < sealed.length; i += MAX_HELD_FILES) {
    const answer = await send({ ...base, dossiers: [], reservations: [], files: sealed.slice(i, i + MAX_HELD_FILES), done: false });
    for (const h of answer.files_missing ?? []) missing.add(h);
  }
  // Then the bytes of the others, which only the uploads step can send; a file whose
  // bytes this device freed is lost, and the person is asked to add it again.
  await afterFilePutBack(db, [...missing]);
  await markFilesToSend(db, missing);
  const uploads = deps.uploads ? await deps.uploads(db, device) : null;
  const { dossiers, files } = await heldDossiers(db);
  if (uploads?.available) {
    const waiting = [...files].filter((h) => uploads.waiting.has(h)).length;
    if (waiting) throw new FilesNotOnServer(waiting);
  }
  const reservations = await heldReservations(db);
  // Pages still to send: the last one ends the put-back and carries the reserved codes.
  const all = pages(dossiers);
  const queue: Page[] = all.map((page, n) => ({ dossiers: page, codes: n === all.length - 1 ? reservations : [], done: n === all.length - 1 }));
  const results: PutBackResult[] = [];
  let answer: RecoverResponse | undefined;
  let codesRefused = 0;
  let probed = false;
  for (let page = queue.shift(); page; page = queue.shift()) {
    if (!page.done && !page.dossiers.length && !page.codes.length) continue; // its one entry was refused
    try {
      answer = await send({ ...base, dossiers: page.dossiers, reservations: page.codes, done: page.done });
      results.push(...(answer.results ?? []));
      codesRefused += answer.reservations_refused?.length ?? 0;
    } catch (error) {
      // A page refused for one entry (422 naming it) goes again without it: that dossier
      // stays here, refused with the server's reasons, and nothing else waits on it.
      const bad = refusedEntry(error);
      if (bad?.list === 'dossiers' && page.dossiers[bad.index]) {
        results.push({ dossier_id: page.dossiers[bad.index]!.id, status: 'rejected', reasons: bad.reasons });
        queue.unshift({ ...page, dossiers: page.dossiers.filter((_, i) => i !== bad.index) });
      } else if (bad?.list === 'reservations' && page.codes[bad.index]) {
        codesRefused++;
        queue.unshift({ ...page, codes: page.codes.filter((_, i) => i !== bad.index) });
      } else if (error instanceof ApiError && error.refusedWhole && (page.dossiers.length || page.codes.length)) {
        // Refused whole, no entry named: halves until the entry is alone, then that one
        // stays here refused, as above. Sent again unchanged it would be refused for ever,
        // and this device could never push again. Once, first: a page with no entry, so
        // that a refusal of every request (not of an entry) stops here, not after
        // twice as many requests as entries.
        if (!probed) {
          probed = true;
          await send({ ...base, dossiers: [], reservations: [], done: false }).catch(() => {
            throw error;
          });
        }
        queue.unshift(...splitRefused(page, error, results, () => codesRefused++));
      } else {
        throw error;
      }
    }
  }
  if (!answer?.recovered) throw new Error('the server did not take the put-back as complete');
  const confirmed = laterConfirmation(kept, answer);
  const conflicts = await applyResults(db, results, answer, confirmed, now());
  const deleted = new Set(dossiers.filter((d) => d.deleted).map((d) => d.id));
  const mine = results.filter((r) => !deleted.has(r.dossier_id));
  return {
    generation: answer.generation,
    conflicts,
    uploads,
    summary: {
      at: now().toISOString(),
      // What the server took back from this phone; what it already held as the phone does is no news.
      put_back: mine.filter((r) => r.status === 'restored' || r.status === 'conflict').length,
      refused: mine.filter((r) => r.status === 'rejected').length,
      codes_refused: codesRefused,
    },
  };
}

/** The person has read why a restored server did not take a dossier back: the note goes (the data stays). */
export async function dismissPutBackRefusal(db: MotcuaDB, id: string): Promise<void> {
  const tx = db.transaction('dossiers', 'readwrite');
  const d = await tx.store.get(id);
  if (d?.put_back_refused) {
    delete d.put_back_refused;
    await tx.store.put(d);
  }
  await tx.done;
}
