// The app's state, as signals read by the UI, and the wiring of the sync loop to the
// browser's events. Everything is loaded from IndexedDB; the network only updates it.

import { computed, signal } from '@preact/signals';
import { abortable } from './api/http';
import type { CatalogPayload, CommunesPayload, SessionInfo } from './api/types';
import { SESSION_KEY, settleOwedSignOut, verifiedOf } from './auth';
import { restoreRescued } from './typedRescue';
import { prefillFromVerified } from './prefill';
import { database, getMeta, onGaveWay, type BlobRecord, type DeviceRecord, type LocalDossier, type MotcuaDB, type Notice, type OutboxItem, type SyncMeta } from './db';
import { outboxCounts, type OutboxCounts } from './outbox';
import { unsynced } from './atRisk';
import { createDraft } from './dossiers';
import type { JsonValue, Schema } from './forms/types';
import { CATALOG, COMMUNES, indexCommunes, refreshReference, storedProcedure, type CommuneIndex } from './reference';
import { State } from './states';
import { DEVICE_KEY, SYNC_KEY, SYNC_LOCK, SyncLoop, syncOnce, type LoopStatus } from './sync';
import { shellStored } from './swRegister';
import { uploadWaiting } from './uploads';

export const online = signal(typeof navigator === 'undefined' ? true : navigator.onLine);
export const dossiers = signal<LocalDossier[]>([]);
export const outbox = signal<OutboxItem[]>([]);
export const counts = signal<OutboxCounts>({ pending: 0, rejected: 0 });
export const syncMeta = signal<SyncMeta>({});
export const loopStatus = signal<LoopStatus>({ phase: 'idle', failures: 0, nextAttemptAt: null, lastReport: null, lastError: null });
export const device = signal<DeviceRecord | null>(null);
export const session = signal<SessionInfo | null>(null);
export const catalog = signal<CatalogPayload | null>(null);
export const communes = signal<CommuneIndex | null>(null);
export const notices = signal<Notice[]>([]);
export const waitingFiles = signal(0);
/** Files the server refused, still on the device until the person removes them. */
export const refusedFiles = signal<RefusedFile[]>([]);

/**
 * What this phone alone holds of the person's work, which forgetting the install (a
 * sign-out, another account signing in) would lose: changes not sent yet, and those
 * the server refused or would not take back after a restore, kept here for the person
 * to see and mend.
 */
export function heldOnlyHere(): HeldOnlyHere {
  return held(counts.value, dossiers.value, refusedFiles.value.length);
}

/** `heldOnlyHere` as the database holds it now (the screens' copy may lag a pass). */
export async function heldOnlyHereIn(store: MotcuaDB): Promise<HeldOnlyHere> {
  const [c, all, blobs] = await Promise.all([outboxCounts(store), store.getAll('dossiers'), store.getAll('blobs')]);
  return held(c, all, blobs.filter((b) => b.refused).length);
}

export interface HeldOnlyHere {
  unsent: number;
  refused: number;
}

function held(c: OutboxCounts, all: readonly LocalDossier[], refusedFileCount: number): HeldOnlyHere {
  return { unsent: c.pending, refused: c.rejected + all.filter((d) => d.put_back_refused).length + refusedFileCount };
}
/** true: granted; false: refused (warn); null: unknown or not asked. */
export const persisted = signal<boolean | null>(null);
export const ready = signal(false);
/** The device's database would not open (its name: `VersionError` when a newer version of the app made it). */
export const openFailure = signal<string | null>(null);

/** Nothing goes out until the person signs in (again): no device yet, or its credential refused. */
export const needsSignIn = computed(() => !device.value || syncMeta.value.needs_sign_in === true || loopStatus.value.phase === 'signed_out');

/** Dossiers and files only this device holds (at risk while storage is not persistent). */
export const unsyncedWork = computed(() => unsynced(outbox.value, waitingFiles.value));
export type RefusedFile = Pick<BlobRecord, 'sha256' | 'name'> & { refused: NonNullable<BlobRecord['refused']> };

export const conflictsCount = computed(() => dossiers.value.reduce((n, d) => n + (d.conflicts?.length ?? 0), 0));
/** Dossiers a server restored from a backup would not take back (their data stays here). */
export const putBackRefused = computed(() => dossiers.value.filter((d) => d.put_back_refused));
/** What the server refused and the person has not dealt with yet: changes, files and put-backs. */
export const refusedCount = computed(() => counts.value.rejected + refusedFiles.value.length + putBackRefused.value.length);
export const attention = computed(() => refusedCount.value + conflictsCount.value + dossiers.value.filter((d) => d.state === State.SUPPLEMENT_REQUESTED && !d.supplement_answered_at).length);
export const unreadNotices = computed(() => notices.value.filter((n) => !n.read));

let db: MotcuaDB;
export function getDb(): MotcuaDB {
  return db;
}

let communesVersion: string | null = null;

/** Reloads what the screens show from IndexedDB. Cheap: a few hundred records at most. */
export async function refresh(): Promise<void> {
  const [all, items, c, meta, dev, sess, notes, blobs] = await Promise.all([
    db.getAll('dossiers'),
    db.getAll('outbox'),
    outboxCounts(db),
    getMeta<SyncMeta>(db, SYNC_KEY),
    getMeta<DeviceRecord>(db, DEVICE_KEY),
    getMeta<SessionInfo>(db, SESSION_KEY),
    db.getAll('notices'),
    db.getAll('blobs'),
  ]);
  all.sort((a, b) => (b.updated_at > a.updated_at ? 1 : -1));
  dossiers.value = all;
  outbox.value = items;
  counts.value = c;
  syncMeta.value = meta ?? {};
  device.value = dev ?? null;
  session.value = sess ?? null;
  notices.value = notes.reverse();
  waitingFiles.value = blobs.filter((b) => !b.uploaded && !b.refused).length;
  refusedFiles.value = blobs.filter((b) => b.refused).map((b) => ({ sha256: b.sha256, name: b.name, refused: b.refused! }));
}

export async function loadReference(): Promise<void> {
  const [cat, com] = await Promise.all([db.get('reference', CATALOG), db.get('reference', COMMUNES)]);
  if (cat) catalog.value = cat.data as CatalogPayload;
  if (com) {
    const payload = com.data as CommunesPayload;
    if (payload.version !== communesVersion) {
      communesVersion = payload.version;
      communes.value = indexCommunes(payload);
    }
  }
}

// ---------------------------------------------------------------- sync loop

let loop: SyncLoop | null = null;
let changeTimer: ReturnType<typeof setTimeout> | null = null;
let firstChangeAt = 0;
/** A burst of saved changes goes in one push once typing has paused this long… */
const TYPING_PAUSE = 1500;
/** …or once it has waited this long since the burst's first change. */
const TYPING_PAUSE_CAP = 60_000;

function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  return locks ? (locks.request(SYNC_LOCK, fn) as Promise<T>) : fn();
}

/** The pass this tab runs now, to cut its requests short when its person leaves. */
let passAbort: AbortController | null = null;

/**
 * This install changes hands (a sign-out, or another account signing in): `handover`
 * runs once no sync pass runs, in any tab or in the worker. A pass still on its way
 * (a slow link) would otherwise store what it fetched for the person who left after
 * their data was forgotten, or take its late push answer for what the next person
 * queued under the same seq. This tab's pass is cut short; the worker's is waited for.
 */
export async function changeHands(handover: (db: MotcuaDB) => Promise<void>): Promise<void> {
  passAbort?.abort();
  await exclusive(() => handover(db));
}

export function syncNow(reason = 'button'): Promise<void> {
  return loop?.trigger(reason) ?? Promise.resolve();
}

/** A change was queued: sync soon (a short pause gathers a burst of typing into one push). */
export function changed(): void {
  void refresh();
  if (changeTimer === null) firstChangeAt = Date.now();
  armChangeTimer();
}

/** A key was typed: a push waiting for the pause waits on (but not for ever). */
export function typing(): void {
  if (changeTimer !== null && Date.now() - firstChangeAt < TYPING_PAUSE_CAP) armChangeTimer();
}

function armChangeTimer(): void {
  if (changeTimer) clearTimeout(changeTimer);
  changeTimer = setTimeout(() => {
    changeTimer = null;
    // Online, the loop sends it now; offline, the browser is asked to wake the worker
    // when the network is back, once per pause (never once per saved field: each
    // registration online starts a pass at once, past the pause).
    if (navigator.onLine) void syncNow('change');
    else void registerBackgroundSync();
  }, TYPING_PAUSE);
}

/** Work may be left when the page goes: a change waiting for its pause, or items not yet confirmed. */
function workWaits(): boolean {
  return changeTimer !== null || counts.value.pending > 0;
}

/** The page may go away (hidden, closed) or the network did: let the worker finish the job later. */
function leaveToWorker(): void {
  if (workWaits()) void registerBackgroundSync();
}

async function registerBackgroundSync(): Promise<void> {
  try {
    const reg = await navigator.serviceWorker?.ready;
    const sync = (reg as ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } })?.sync;
    if (sync) await sync.register('motcua-sync');
  } catch {
    // Background Sync is an extra trigger only.
  }
}

let lastReferenceRefresh = 0;

export async function refreshReferenceData(force = false): Promise<void> {
  if (!navigator.onLine) return;
  if (!force && Date.now() - lastReferenceRefresh < 10 * 60_000) return;
  lastReferenceRefresh = Date.now();
  const inUse = [...new Set(dossiers.value.map((d) => d.procedure_code))];
  await refreshReference(db, inUse, undefined, { offlineReady: shellStored(), onFirstStored: loadReference });
  await loadReference();
}

export async function startApp(): Promise<void> {
  // Another tab opened a newer version of the app, which upgraded the database: this
  // page's connection is closed (what was typed saved first), so it restarts as that
  // version, which its service worker now serves.
  onGaveWay(() => location.reload());
  try {
    db = await database();
  } catch (error) {
    openFailure.value = error instanceof DOMException ? error.name : String(error);
    throw error;
  }
  // What the last page had typed but not stored as it went (typedRescue.ts).
  const signedIn = await getMeta<DeviceRecord>(db, DEVICE_KEY);
  await restoreRescued(db, signedIn?.account_id ?? null).catch(() => 0);
  await refresh();
  await loadReference();
  ready.value = true;

  loop = new SyncLoop(
    async () => {
      const pass = new AbortController();
      passAbort = pass;
      const { signal } = pass;
      try {
        // A put-back after a restore is shown while it runs, not only once the pass ends.
        return await syncOnce({
          db,
          fetch: abortable(undefined, signal),
          uploads: (d, dev) => uploadWaiting(d, dev, undefined, signal),
          onProgress: () => void refresh(),
        });
      } finally {
        if (passAbort === pass) passAbort = null;
        await refresh();
      }
    },
    {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      random: Math.random,
      isOnline: () => navigator.onLine,
      exclusive,
    },
    (status) => {
      loopStatus.value = status;
    },
  );

  window.addEventListener('online', () => {
    online.value = true;
    void settleOwedSignOut();
    void syncNow('online');
    void refreshReferenceData(true);
  });
  window.addEventListener('offline', () => {
    online.value = false;
    void syncNow('offline');
    leaveToWorker();
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') {
      void refresh();
      void syncNow('visible');
    } else {
      leaveToWorker();
    }
  });
  window.addEventListener('pagehide', leaveToWorker);
  navigator.serviceWorker?.addEventListener('message', (event) => {
    // The worker's Background Sync: while a typing pause runs, its end sends the burst.
    if (event.data?.type === 'sync' && changeTimer === null) void syncNow('background-sync');
    if (event.data?.type === 'synced') void refresh();
  });

  loop.start();
  if (!navigator.onLine) leaveToWorker();
  else void settleOwedSignOut();
  // A sign-out the server has not heard of yet (made offline, or on a link that dropped)
  // is told again every minute too: a stalled link may never fire 'online'.
  setInterval(() => {
    if (navigator.onLine) void settleOwedSignOut();
  }, 60_000);
  void refreshReferenceData(true);
  void askPersistence();
}

async function askPersistence(): Promise<void> {
  const storage = navigator.storage;
  if (!storage?.persist) return;
  try {
    persisted.value = (await storage.persisted()) || (await storage.persist());
  } catch {
    persisted.value = false;
  }
}

/** A new draft of a procedure, against the form version stored on the device. */
export async function startDraft(code: string, options: { outreach?: boolean; fields?: Record<string, JsonValue> } = {}): Promise<string> {
  const stored = await storedProcedure(db, code);
  const fields = options.fields ?? {};
  // What the e-ID verified fills the requester's empty fields; never in outreach work,
  // where an official drafts for someone else.
  const verified = options.outreach ? null : verifiedOf(session.value, device.value);
  const prefill = stored ? prefillFromVerified(stored.form as unknown as Schema, verified, fields) : { values: {}, marks: {} };
  const d = await createDraft(db, code, stored?.version ?? null, { ...fields, ...prefill.values }, {
    outreach: options.outreach,
    verifiedFields: prefill.marks,
    prefillPending: !stored && !!verified,
  });
  changed();
  return d.id;
}
