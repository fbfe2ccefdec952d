// The device's IndexedDB: everything the app knows lives here first (sync/README.md §1,
// principle 1), so nothing depends on the network.
//
//   meta       key → value: device credential, next seq, pull cursor, sync status, session
//   outbox     mutations waiting for the server's outcome, by seq (and rejected ones,
//              kept so the person sees why, with their data)
//   dossiers   the device's dossiers: its own answers plus the server's last view
//   blobs      attachment files by SHA-256, with whether the server has them and its seal
//              (kept, without the bytes, when the person frees space)
//   reference  catalog, procedure forms and communes with their ETags
//   codes      dossier codes reserved for outreach work
//   notices    in-app notices (state changes, officials' messages)

import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type {
  ApologyLetter,
  Conflict,
  DossierMessage,
  DossierView,
  MutationKind,
  Reason,
  SupplementRequest,
  VerifiedIdentityInfo,
} from './api/types';
import type { JsonValue } from './forms/types';

export type Answers = Record<string, JsonValue>;

export interface OutboxItem {
  seq: number;
  id: string;
  dossier_id: string;
  kind: MutationKind;
  payload: Record<string, unknown>;
  base_version: number;
  client_time: string;
  /** `pending` until the server's outcome; `rejected` then stays for the person to see. */
  status: 'pending' | 'rejected';
  /** Has been sent at least once: its payload never changes again (the server may hold it). */
  sent?: boolean;
  /** The server refused the whole batch because of this item: it is sent as a no-op in its place. */
  voided?: Reason[];
  /** Its draft was thrown away before it ever left: it leaves quietly once answered. */
  discarded?: boolean;
  /** resolve_conflict: the files its choice puts in the dossier (the payload names only
   *  the conflict), so that it waits for their upload as an attach does. */
  holds?: string[];
  reasons?: Reason[];
  rejected_at?: string;
  /** delete_draft: the newest view the feed brought while it waited, so that the draft
   *  comes back from it if the server refuses the deletion (the feed will not bring it again). */
  view_while_deleting?: DossierView;
}

export interface LocalConflict {
  conflict_id: number;
  path: string;
  server_value: unknown;
  device_value: unknown;
  /** The device whose value clashed (absent: this device, from a push outcome). */
  device_id?: string | null;
}

export interface LocalDossier {
  id: string;
  procedure_code: string;
  schema_version: number | null;
  /** The device's answers: the server's fields with the device's unconfirmed changes on top. */
  answers: Answers;
  /** The server's dossier version this device has seen (0: never confirmed). */
  version: number;
  /** The portal's numbering (sync/states.py), by name in states.ts: State.DRAFT, … */
  state: number;
  /** A submit is waiting in the outbox. */
  submit_queued?: boolean;
  code?: string | null;
  /** The server's seal on (dossier, account, code), given with the code: with it a
   *  restored server takes the code back from this device (sync/README.md §9). */
  seal?: string | null;
  reserved_code?: string | null;
  commune_code?: string;
  submitted_at?: string | null;
  due_date?: string | null;
  appointment_date?: string | null;
  supplement?: SupplementRequest | null;
  messages?: DossierMessage[];
  /** Apology letters with a new date, by number: read from the server when online. */
  apology_letters?: ApologyLetter[];
  /** The civil-status register number, once the desk has completed the dossier. */
  register_number?: string | null;
  conflicts?: LocalConflict[];
  possible_duplicate_of?: string | null;
  supplement_answered_at?: string;
  rating?: number;
  /** Made in outreach mode: listed in the outreach day's work. */
  outreach?: boolean;
  /** The requester's answers pre-filled from what the e-ID provider verified, by path
   *  (prefill.ts): each such field is marked verified, or changed once it differs. */
  verified_fields?: Record<string, JsonValue>;
  /** Started by a person signed in with an e-ID before the form was on the device: its
   *  requester is pre-filled when the form opens (dossiers.ts prefillPendingDraft). */
  verified_prefill_pending?: boolean;
  /** A restored server would not take this dossier back (sync/README.md §9.2): why,
   *  shown to the person until dismissed; the answers stay on the device. */
  put_back_refused?: { at: string; reasons: Reason[] };
  created_at: string;
  updated_at: string;
  server_updated_at?: string | null;
}

export interface BlobRecord {
  sha256: string;
  /** The file's bytes; absent once the person freed space (`bytes_removed`) or the file is `lost`. */
  blob?: Blob;
  type: string;
  size: number;
  name: string;
  created_at: string;
  /** The server holds a verified copy. */
  uploaded: boolean;
  /** The server's seal on (account, hash): proof that it got the bytes from this account,
   *  which puts the file back without its bytes after a restore (sync/README.md §9.2). */
  seal?: string;
  /** The person freed space: the record stays (hash, seal) but the bytes left the device. */
  bytes_removed?: true;
  /** Neither the server (after a restore) nor this device holds the bytes: the person must
   *  add the file again. Shown as a refused file (`refused`, code `file_lost`). */
  lost?: true;
  /** A tus upload URL to resume from. */
  upload_url?: string;
  last_error?: string;
  /** The server will never keep this file (its type or content): why, in its words. */
  refused?: FileRefusal;
}

export interface FileRefusal {
  /** The problem's code, e.g. `unsupported_file_type`. */
  code: string;
  /** The server's message for the person (Vietnamese), naming the file. */
  message: string;
  at: string;
}

export interface RefEntry {
  key: string;
  etag?: string | null;
  data: unknown;
  fetched_at: string;
  /** A form: the level of the form language it was asked in (absent: stored before levels, 1). */
  form_language?: number;
}

export interface ReservedCode {
  code: string;
  commune_code: string;
  expires_at: string;
  dossier_id?: string;
  /** The server's seal on (code, device): a restored server takes the reservation back with it (§9). */
  seal?: string;
}

export interface Notice {
  id?: number;
  at: string;
  dossier_id?: string;
  vi: string;
  en: string;
  read: boolean;
}

export interface MotcuaSchema extends DBSchema {
  meta: { key: string; value: unknown };
  outbox: { key: number; value: OutboxItem; indexes: { dossier: string; status: OutboxItem['status'] } };
  dossiers: { key: string; value: LocalDossier };
  blobs: { key: string; value: BlobRecord };
  reference: { key: string; value: RefEntry };
  codes: { key: string; value: ReservedCode };
  notices: { key: number; value: Notice };
}

export type MotcuaDB = IDBPDatabase<MotcuaSchema>;
export const DB_NAME = 'motcua';

type UpgradeTx = IDBPTransaction<MotcuaSchema, StoreNames<MotcuaSchema>[], 'versionchange'>;
export type UpgradeStep = (db: MotcuaDB, tx: UpgradeTx) => Promise<void> | void;

/**
 * The database's history, one step per version: step N takes a database at version
 * N-1 to version N, and the database's version is the number of steps. A phone opens
 * it with the steps it has not run yet, in order, in one transaction: a phone at
 * version 1 runs 2, 3, …; a new phone runs them all. A step that has shipped is never
 * edited (phones have run it); a change is a new step at the end, with its test in
 * db.test.ts. How to write one: pwa/README.md, "Changing the IndexedDB schema".
 */
export const UPGRADES: readonly UpgradeStep[] = [
  // 1: the first schema (every phone already has it exactly so).
  (db) => {
    db.createObjectStore('meta');
    const outbox = db.createObjectStore('outbox', { keyPath: 'seq' });
    outbox.createIndex('dossier', 'dossier_id');
    db.createObjectStore('dossiers', { keyPath: 'id' });
    db.createObjectStore('blobs', { keyPath: 'sha256' });
    db.createObjectStore('reference', { keyPath: 'key' });
    db.createObjectStore('codes', { keyPath: 'code' });
    db.createObjectStore('notices', { keyPath: 'id', autoIncrement: true });
  },
  // 2: outbox items by status, so a sync pass reads only the pending ones (rejected
  // items, with their data, stay until the person dismisses them).
  (_db, tx) => {
    tx.objectStore('outbox').createIndex('status', 'status');
  },
];
export const DB_VERSION = UPGRADES.length;

/** The app's database at `version` (tests open it at an earlier one, to upgrade it). */
export function openDatabase(name: string = DB_NAME, version: number = DB_VERSION): Promise<MotcuaDB> {
  return openWithSteps(name, UPGRADES, version);
}

/** Opens the database, running steps oldVersion+1 … version in the upgrade's transaction. */
export function openWithSteps(name: string, steps: readonly UpgradeStep[], version: number = steps.length): Promise<MotcuaDB> {
  const run = async (db: MotcuaDB, from: number, to: number, tx: UpgradeTx) => {
    for (let step = from + 1; step <= to; step++) await steps[step - 1]!(db, tx);
  };
  const opened: Promise<MotcuaDB> = openDB<MotcuaSchema>(name, version, {
    upgrade(db, oldVersion, newVersion, tx) {
      // A step that awaits (a cursor over records) keeps the upgrade's transaction
      // alive with its own requests. A step that fails aborts it: the database stays
      // at its old version with every record, and the open fails.
      run(db, oldVersion, newVersion ?? version, tx).catch((error: unknown) => {
        console.error('database upgrade failed', error);
        tx.done.catch(() => undefined); // the open fails with the same abort
        try {
          tx.abort();
        } catch {
          // Already finished: the step awaited something other than its transaction.
        }
      });
    },
    blocking() {
      // A newer version of the app (another tab, after an update) wants to upgrade:
      // save what is typed, then let it. This connection is of no use after that.
      void opened.then(async (d) => {
        await Promise.allSettled([...beforeGivingWay].map((work) => work()));
        d.close();
        afterGivingWay();
      });
    },
  });
  return opened;
}

const beforeGivingWay = new Set<() => Promise<unknown>>();
let afterGivingWay: () => void = () => {};

/** Work to finish before the database gives way to a newer version (typing not saved yet). */
export function finishBeforeUpgrade(work: () => Promise<unknown>): () => void {
  beforeGivingWay.add(work);
  return () => beforeGivingWay.delete(work);
}

/** What the app does once its database was closed for a newer version (a page reloads into it). */
export function onGaveWay(then: () => void): void {
  afterGivingWay = then;
}

let db: Promise<MotcuaDB> | undefined;

/** The app's database, opened once. */
export function database(): Promise<MotcuaDB> {
  db ??= openDatabase();
  return db;
}

// ---------------------------------------------------------------- meta

export interface DeviceRecord {
  device_id: string;
  credential: string;
  account_id: string;
  email: string;
  full_name: string;
  role: string;
  commune_code: string;
  registered_at: string;
  /** What the e-ID provider verified at the latest sign-in with it (kept for offline pre-fill). */
  verified?: VerifiedIdentityInfo | null;
}

export interface SyncMeta {
  last_success_at?: string | null;
  last_attempt_at?: string | null;
  last_error?: string | null;
  /** The server refused the device credential: sign in again. */
  needs_sign_in?: boolean;
  /** The server was restored from a backup and this device has not put back what it
   *  holds yet (sync/README.md §9.3): the next pass does that first. */
  recovering?: boolean;
  /** The last put-back, for the person to see. */
  last_recovery?: RecoverySummary | null;
}

export interface RecoverySummary {
  at: string;
  /** Dossiers the restored server took back from this device (restored, or with conflicts to choose). */
  put_back: number;
  /** Dossiers it would not take back (each marked `put_back_refused`). */
  refused: number;
  /** Reserved codes it would not take back. */
  codes_refused: number;
}

export async function getMeta<T>(d: MotcuaDB, key: string): Promise<T | undefined> {
  return (await d.get('meta', key)) as T | undefined;
}

export async function setMeta(d: MotcuaDB, key: string, value: unknown): Promise<void> {
  await d.put('meta', value, key);
}

/**
 * A record's next `updated_at`: now, or just after its last one when the clock has not
 * moved on. A dossier's stamps only grow, so a screen can tell an older read of it
 * from a newer one.
 */
export function nextStamp(previous: string | undefined, now: Date): string {
  const at = now.toISOString();
  return previous && previous >= at ? new Date(Date.parse(previous) + 1).toISOString() : at;
}

export function viewToLocal(view: DossierView, local: LocalDossier | undefined, now: string): LocalDossier {
  return {
    ...(local ?? { created_at: now, answers: {} }),
    id: view.id,
    procedure_code: view.procedure_code,
    schema_version: view.schema_version,
    answers: { ...(view.fields as Answers) },
    version: view.version,
    state: view.state,
    code: view.code ?? null,
    // A view from a server without seals keeps the one this device holds for the same code.
    seal: view.seal ?? (view.code && view.code === local?.code ? (local.seal ?? null) : null),
    commune_code: view.commune_code ?? '',
    submitted_at: view.submitted_at ?? null,
    due_date: view.due_date ?? null,
    appointment_date: view.appointment_date ?? null,
    supplement: view.supplement ?? null,
    messages: view.messages ?? [],
    apology_letters: view.apology_letters ?? [],
    register_number: view.register_number ?? null,
    conflicts: (view.conflicts ?? []).map((c: Conflict) => ({
      conflict_id: c.id,
      path: c.path,
      server_value: c.server_value,
      device_value: c.device_value,
      device_id: c.device_id,
    })),
    possible_duplicate_of: view.possible_duplicate_of ?? null,
    server_updated_at: view.updated_at ?? null,
    updated_at: now,
  };
}
