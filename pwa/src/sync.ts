// The sync loop (sync/README.md): upload files, push the outbox in seq order, pull the
// change feed. `syncOnce` is one pass; `SyncLoop` decides when to run it: at start, on
// `online`, when the app becomes visible, every minute while online, on a Background
// Sync event, and after a failure with exponential backoff and jitter.
//
// When the server was restored from a backup (sync/README.md §9), the pass notices it
// (a push answered 409 recover_first, an answer of another generation, a push that
// expects a seq already confirmed), puts back what the device holds (recovery.ts)
// before it applies anything of the new generation, then pushes and pulls as usual.
//
// Nothing here needs a window: the service worker runs the same pass for Background Sync.

import { ApiError, NetworkError, api, dataOf, undescribedBody, type Fetch } from './api/http';
import type { DossierView, PullResponse, PushEnvelope, PushResponse, Reason } from './api/types';
import {
  getMeta,
  nextStamp,
  setMeta,
  viewToLocal,
  type DeviceRecord,
  type MotcuaDB,
  type Notice,
  type OutboxItem,
  type SyncMeta,
} from './db';
import { rememberDeletion } from './deletedDrafts';
import { noticeName } from './dossierNames';
import { settlePending } from './conflicts';
import { confirmation, confirmedSeq, keepConfirmation, keepGeneration, keptGeneration, restoredSince } from './generations';
import { applyPushResponse, overlay, takeBatch, voidItem, wireBytes, wireMutation } from './outbox';
import { recover, type UploadReport, type Uploads } from './recovery';
import { holdsBytes } from './heldFiles';
import { attachmentHashes, keepRefusedFiles, takeBackRefused } from './refused';
import { State, stateLabel } from './states';
import { CURSOR_KEY, DEVICE_KEY, SYNC_KEY } from './syncKeys';

export { CURSOR_KEY, DEVICE_KEY, SYNC_KEY };
export type { UploadReport };

export const MAX_BATCH = 100;
export const MAX_BATCH_BYTES = 900 * 1024;
/** The Web Lock every sync pass holds, in any tab and in the service worker: one pass at a time. */
export const SYNC_LOCK = 'motcua-sync';

export class AuthRequired extends Error {
  constructor(readonly code: string) {
    super(`sign-in required: ${code}`);
    this.name = 'AuthRequired';
  }
}

/** The server was restored from a backup since this device last synced: it puts back what it holds first. */
class RestoreDetected extends Error {
  constructor(how: string) {
    super(`the server was restored (${how})`);
    this.name = 'RestoreDetected';
  }
}

export interface SyncDeps {
  db: MotcuaDB;
  fetch?: Fetch;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Uploads waiting files first; absent, files are not considered. */
  uploads?: Uploads;
  /** Told when the pass stored something the screens show before it ends (a put-back begins or ends). */
  onProgress?: () => void;
}

export interface SyncReport {
  pushed: number;
  rejected: number;
  conflicts: number;
  pulled: number;
  /** Items held back because their files are not on the server yet. */
  held: number;
  notices: number;
  /** Dossiers put back on a server restored from a backup (sync/README.md §9). */
  recovered?: number;
}

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function authHeader(device: DeviceRecord): Record<string, string> {
  return { Authorization: `Device ${device.credential}` };
}

function asAuth(error: unknown): never {
  if (error instanceof ApiError && (error.status === 401 || error.code === 'device_revoked' || error.code === 'device_mismatch')) {
    throw new AuthRequired(error.code || String(error.status));
  }
  throw error;
}

/** The next batch, marked sent as it is read: in seq order, within the limits, stopping
 *  before an attach or a submission whose files wait: those the uploads step left
 *  waiting, and those chosen since it looked (their attach is queued by now and would
 *  reach the server before them), read in the batch's own transaction. */
function nextBatch(db: MotcuaDB, uploads: UploadReport | null, maxCount: number): Promise<{ items: OutboxItem[]; held: number }> {
  const left = uploads?.available ? uploads.waiting : null;
  return takeBatch(db, {
    maxCount,
    maxBytes: MAX_BATCH_BYTES,
    waits: left
      ? async (item, d, file) => {
          for (const h of attachmentHashes(item, d?.answers ?? {})) {
            if (left.has(h)) return true;
            const record = await file(h);
            if (record && !record.uploaded && !record.refused && holdsBytes(record)) return true;
          }
          return false;
        }
      : undefined,
  });
}

function batchPathIndex(error: ApiError): number | null {
  for (const e of error.problem.errors ?? []) {
    const m = /^\$\.mutations\[(\d+)\]/.exec(e.path);
    if (m) return Number(m[1]);
  }
  return null;
}

async function push(deps: SyncDeps, device: DeviceRecord, uploads: UploadReport | null, report: SyncReport): Promise<void> {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  let maxCount = MAX_BATCH;
  for (let round = 0; round < 1000; round++) {
    const { items, held } = await nextBatch(db, uploads, maxCount);
    report.held = held;
    if (!items.length) return;
    // The body is built from exactly the items just marked sent, in the same read.
    let body: PushResponse;
    const generation = await keptGeneration(db);
    const kept = await confirmation(db, device.device_id);
    const confirmed = kept.seq;
    try {
      const envelope: PushEnvelope = {
        device_id: device.device_id,
        mutations: items.map(wireMutation),
        // What the server confirmed, in which generation, and its receipt for the two (§9.1).
        confirmed_seq: confirmed,
        generation: kept.generation ?? generation ?? null,
        receipt: kept.receipt ?? null,
      };
      body = await dataOf(api.POST('/api/sync/push', { fetch: deps.fetch, headers: authHeader(device), body: undescribedBody(envelope) }));
    } catch (error) {
      // Nothing of the batch was applied; it goes again after the put-back.
      if (error instanceof ApiError && error.status === 409 && error.code === 'recover_first') throw new RestoreDetected('recover_first');
      if (error instanceof ApiError && error.status === 413 && items.length > 1) {
        maxCount = Math.max(1, Math.floor(items.length / 2));
        continue;
      }
      if (error instanceof ApiError && error.status === 413 && wireBytes(items[0]!) > MAX_BATCH_BYTES) {
        // One change larger than any request may be (a huge paste): it can never go, and
        // everything queued behind it would wait for ever. Kept here, refused, for the
        // person to shorten; a 413 for a change of ordinary size is a proxy set too low,
        // which the operator must mend, so that one waits.
        await voidItem(db, items[0]!.seq, [
          {
            code: 'too_large',
            path: '',
            message: `this change is about ${Math.round(wireBytes(items[0]!) / 1024)} kB, more than the server takes in one request: shorten what was typed`,
          },
        ]);
        maxCount = MAX_BATCH;
        continue;
      }
      if (error instanceof ApiError && (error.status === 422 || error.refusedWhole)) {
        // The envelope was refused because of one item: keep it for the person, send a no-op.
        const index = batchPathIndex(error);
        const bad = index !== null ? items[index] : items.length === 1 ? items[0] : undefined;
        if (bad) {
          const reasons: Reason[] = (error.problem.errors ?? []).map((e) => ({
            code: e.code ?? 'invalid',
            path: e.path,
            message: e.message ?? '',
          }));
          await voidItem(db, bad.seq, reasons.length ? reasons : [{ code: 'invalid', path: '', message: error.problem.detail ?? '' }]);
          maxCount = MAX_BATCH;
          continue;
        }
        if (error.refusedWhole) {
          // Refused for something in it that the server could not place (the database
          // refused a text or a number a check missed): halves until the item is alone.
          maxCount = Math.max(1, Math.floor(items.length / 2));
          continue;
        }
      }
      asAuth(error);
    }
    // What the server answered it did apply, whatever follows.
    const applied = await applyPushResponse(db, body, now());
    report.notices += await restoreRefusedDeletes(db, applied.rejected, now());
    report.pushed += applied.confirmed.length;
    report.rejected += applied.rejected.length;
    report.conflicts += applied.conflicts;
    await keepConfirmation(db, device.device_id, body);
    // Only a restored server expects a seq it had already confirmed.
    if (body.expected_seq != null && body.expected_seq <= confirmed) throw new RestoreDetected(`expects seq ${body.expected_seq}`);
    if (restoredSince(generation, body.generation, confirmed)) throw new RestoreDetected(`generation ${body.generation}`);
    if (generation === undefined && body.generation != null) await keepGeneration(db, body.generation);
    if (!body.outcomes.length) {
      // A gap: the server expects a seq this device never confirmed and does not hold. Nothing more can go.
      if (body.expected_seq != null) throw new Error(`the server expects seq ${body.expected_seq}`);
      return;
    }
  }
}

export function stateNotice(d: { id: string; code?: string | null }, state: number, at: string): Notice {
  const [vi, en] = [stateLabel(state, 'vi'), stateLabel(state, 'en')];
  const name = noticeName(d);
  return { at, dossier_id: d.id, vi: `Hồ sơ ${name}: ${vi}`, en: `Dossier ${name}: ${en}`, read: false };
}

/**
 * A tombstone: the person deleted this draft on another device. The copy here goes, and
 * what was queued for it leaves quietly once answered (unsent items go as no-ops; a sent
 * item never changes).
 */
async function dropDeleted(
  outbox: { put(item: OutboxItem): Promise<unknown> },
  dossiers: { delete(id: string): Promise<unknown> },
  id: string,
  pending: readonly OutboxItem[],
): Promise<void> {
  for (const i of pending) await outbox.put(i.sent ? { ...i, discarded: true } : { ...i, voided: i.voided ?? [], discarded: true });
  await dossiers.delete(id);
}

/** Applies pulled views; an older view after a newer one changes nothing. Returns the notices raised. */
export async function applyViews(db: MotcuaDB, views: readonly DossierView[], now: Date): Promise<number> {
  let notices = 0;
  const at = now.toISOString();
  const tx = db.transaction(['dossiers', 'outbox', 'notices', 'blobs', 'meta'], 'readwrite');
  const dossiers = tx.objectStore('dossiers');
  const meta = tx.objectStore('meta');
  const refused = new Set((await tx.objectStore('blobs').getAll()).filter((b) => b.refused).map((b) => b.sha256));
  for (const view of views) {
    const local = await dossiers.get(view.id);
    if (local && local.version > view.version) continue;
    const pending = (await tx.objectStore('outbox').index('dossier').getAll(view.id)).filter((i) => i.status === 'pending');
    if (view.deleted) {
      await dropDeleted(tx.objectStore('outbox'), dossiers, view.id, pending);
      await rememberDeletion(meta, { id: view.id, procedure_code: view.procedure_code, schema_version: view.schema_version, version: view.version });
      continue;
    }
    // Deleted on this device, the deletion on its way: the draft does not come back,
    // unless the server refuses the deletion (then from this view: restoreRefusedDeletes).
    const deletion = pending.find((i) => i.kind === 'delete_draft' && !i.voided);
    if (deletion) {
      if (!deletion.view_while_deleting || deletion.view_while_deleting.version < view.version) {
        await tx.objectStore('outbox').put({ ...deletion, view_while_deleting: view });
      }
      continue;
    }
    const next = viewToLocal(view, local, at);
    next.updated_at = nextStamp(local?.updated_at, now);
    next.answers = overlay(next.answers, pending);
    keepRefusedFiles(next.answers, local?.answers, refused);
    settlePending(next, pending);
    next.submit_queued = pending.some((i) => i.kind === 'submit' && !i.voided);
    // A new request for documents wants a new answer.
    if (view.state === State.SUPPLEMENT_REQUESTED && local?.state !== State.SUPPLEMENT_REQUESTED) delete next.supplement_answered_at;
    if (local) {
      next.outreach = local.outreach;
      next.reserved_code = local.reserved_code;
      next.created_at = local.created_at;
    }
    // A state the person did not cause here, or a new message from an official, is news.
    if (local && local.state >= State.SUBMITTED && view.state !== local.state) {
      await tx.objectStore('notices').add(stateNotice(next, view.state, at));
      notices++;
    }
    const before = (local?.messages ?? []).length;
    for (const m of (view.messages ?? []).slice(before)) {
      if (m.author !== 'official') continue;
      const name = noticeName(next);
      await tx.objectStore('notices').add({
        at,
        dossier_id: view.id,
        vi: `Hồ sơ ${name}: cán bộ nhắn "${m.text}"`,
        en: `Dossier ${name}: message from the official "${m.text}"`,
        read: false,
      });
      notices++;
    }
    await dossiers.put(next);
  }
  await tx.done;
  return notices;
}

/**
 * A deletion the server refused (another device changed the draft since, or it was
 * submitted): the draft comes back here from the view the feed brought while the
 * deletion waited. Without such a view the draft comes back with the pull that follows.
 */
async function restoreRefusedDeletes(db: MotcuaDB, rejected: readonly number[], now: Date): Promise<number> {
  const views: DossierView[] = [];
  for (const seq of rejected) {
    const item = await db.get('outbox', seq);
    if (item?.kind !== 'delete_draft' || !item.view_while_deleting) continue;
    views.push(item.view_while_deleting);
    const { view_while_deleting: _, ...kept } = item;
    await db.put('outbox', kept);
  }
  return views.length ? applyViews(db, views, now) : 0;
}

async function pull(deps: SyncDeps, device: DeviceRecord, report: SyncReport): Promise<void> {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? sleepMs;
  let waits = 0;
  for (let page = 0; page < 10_000; page++) {
    const cursor = await getMeta<string>(db, CURSOR_KEY);
    let body: PullResponse;
    try {
      body = await dataOf(api.GET('/api/sync/pull', { params: { query: cursor ? { cursor } : {} }, fetch: deps.fetch, headers: authHeader(device) }));
    } catch (error) {
      asAuth(error);
    }
    // Nothing of a new generation is applied before this device put back what it holds.
    const generation = await keptGeneration(db);
    if (restoredSince(generation, body.generation, await confirmedSeq(db, device.device_id))) {
      throw new RestoreDetected(`generation ${body.generation}`);
    }
    if (generation === undefined && body.generation != null) await keepGeneration(db, body.generation);
    report.notices += await applyViews(db, body.dossiers, now());
    report.pulled += body.dossiers.length;
    await setMeta(db, CURSOR_KEY, body.cursor);
    if (body.pending && waits < 5) {
      waits++; // an older transaction is still open on the server; it ends soon
      await sleep(200 * waits);
      continue;
    }
    if (!body.more) return;
  }
}

async function updateSyncMeta(db: MotcuaDB, part: Partial<SyncMeta>): Promise<void> {
  const latest = (await getMeta<SyncMeta>(db, SYNC_KEY)) ?? {};
  await setMeta(db, SYNC_KEY, { ...latest, ...part });
}

/** Puts back what the device holds (recovery.ts); returns the files step's report for the push. */
async function putBack(deps: SyncDeps, device: DeviceRecord, report: SyncReport): Promise<UploadReport | null> {
  const { db } = deps;
  let outcome;
  try {
    outcome = await recover({ db, device, fetch: deps.fetch, now: deps.now, uploads: deps.uploads });
  } catch (error) {
    asAuth(error);
  }
  report.recovered = (report.recovered ?? 0) + outcome.summary.put_back;
  report.conflicts += outcome.conflicts;
  await updateSyncMeta(db, { recovering: false, last_recovery: outcome.summary });
  deps.onProgress?.();
  return outcome.uploads;
}

/** A put-back at most this often in one pass: a server that keeps asking for one is unwell. */
const PUT_BACKS_PER_PASS = 2;

/** One pass: files, then the outbox, then the change feed; first a put-back when the server was restored. */
export async function syncOnce(deps: SyncDeps): Promise<SyncReport> {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const report: SyncReport = { pushed: 0, rejected: 0, conflicts: 0, pulled: 0, held: 0, notices: 0 };
  const device = await getMeta<DeviceRecord>(db, DEVICE_KEY);
  if (!device) throw new AuthRequired('no_device');
  await updateSyncMeta(db, { last_attempt_at: now().toISOString() });
  try {
    let uploads = deps.uploads ? await deps.uploads(db, device) : null;
    // What needs a refused file goes back to the person now, rather than wait for ever.
    report.notices += await takeBackRefused(db, now());
    for (let putBacks = 0; ; ) {
      try {
        // Kept across passes: a put-back cut short is done again before anything else.
        if ((await getMeta<SyncMeta>(db, SYNC_KEY))?.recovering) {
          putBacks++;
          uploads = (await putBack(deps, device, report)) ?? uploads;
        }
        await push(deps, device, uploads, report);
        await pull(deps, device, report);
        break;
      } catch (error) {
        if (!(error instanceof RestoreDetected)) throw error;
        if (putBacks >= PUT_BACKS_PER_PASS) throw new Error(`${error.message}, again after a put-back`);
        await updateSyncMeta(db, { recovering: true });
        deps.onProgress?.();
      }
    }
  } catch (error) {
    const latest = (await getMeta<SyncMeta>(db, SYNC_KEY)) ?? {};
    await setMeta(db, SYNC_KEY, {
      ...latest,
      last_error: error instanceof Error ? error.message : String(error),
      needs_sign_in: error instanceof AuthRequired,
    });
    throw error;
  }
  const latest = (await getMeta<SyncMeta>(db, SYNC_KEY)) ?? {};
  await setMeta(db, SYNC_KEY, { ...latest, last_success_at: now().toISOString(), last_error: null, needs_sign_in: false });
  return report;
}

// ---------------------------------------------------------------- the loop

export interface LoopEnv {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  random(): number;
  isOnline(): boolean;
  /** Runs `fn` holding a lock shared with other tabs and the service worker, when there is one. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
}

export const EVERY_MINUTE = 60_000;
export const BACKOFF_BASE = 2_000;
export const BACKOFF_CAP = 5 * 60_000;

/** Exponential backoff with full jitter: a random wait up to min(cap, base·2^n). */
export function backoffDelay(failures: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_CAP, BACKOFF_BASE * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export type LoopPhase = 'idle' | 'syncing' | 'waiting' | 'offline' | 'signed_out';

export interface LoopStatus {
  phase: LoopPhase;
  failures: number;
  nextAttemptAt: number | null;
  lastReport: SyncReport | null;
  lastError: string | null;
}

export class SyncLoop {
  private timer: unknown = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  status: LoopStatus = { phase: 'idle', failures: 0, nextAttemptAt: null, lastReport: null, lastError: null };

  constructor(
    private readonly run: () => Promise<SyncReport>,
    private readonly env: LoopEnv,
    private readonly onStatus: (status: LoopStatus) => void = () => {},
  ) {}

  start(): void {
    this.stopped = false;
    this.trigger('start');
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.env.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Something happened that may let the outbox move (start, online, visible, a new change, …). */
  trigger(_reason: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.env.isOnline()) {
      this.set({ phase: 'offline', nextAttemptAt: null });
      return Promise.resolve();
    }
    if (this.running) {
      this.again = true;
      return this.running;
    }
    if (this.timer !== null) this.env.clearTimeout(this.timer);
    this.timer = null;
    this.running = this.pass().finally(() => {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.trigger('again');
      }
    });
    return this.running;
  }

  private set(part: Partial<LoopStatus>): void {
    this.status = { ...this.status, ...part };
    this.onStatus(this.status);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer !== null) this.env.clearTimeout(this.timer);
    this.timer = this.env.setTimeout(() => {
      this.timer = null;
      void this.trigger('timer');
    }, ms);
  }

  private async pass(): Promise<void> {
    this.set({ phase: 'syncing' });
    try {
      const report = await this.env.exclusive(this.run);
      this.set({ phase: 'idle', failures: 0, lastReport: report, lastError: null, nextAttemptAt: null });
      this.schedule(EVERY_MINUTE);
    } catch (error) {
      if (error instanceof AuthRequired) {
        // Nothing is lost: the outbox waits for a sign-in.
        this.set({ phase: 'signed_out', lastError: error.code, nextAttemptAt: null });
        return;
      }
      const failures = this.status.failures + 1;
      const delay = error instanceof ApiError && error.retryAfter
        ? Math.max(error.retryAfter * 1000, backoffDelay(failures, this.env.random))
        : backoffDelay(failures, this.env.random);
      const offline = error instanceof NetworkError && !this.env.isOnline();
      this.set({
        phase: offline ? 'offline' : 'waiting',
        failures,
        lastError: error instanceof Error ? error.message : String(error),
        nextAttemptAt: Date.now() + delay,
      });
      this.schedule(delay);
    }
  }
}
