// What the person does to a dossier, on the device: each change updates the local
// dossier and queues its mutation in one transaction (nothing needs the network).

import { nextStamp, type Answers, type BlobRecord, type LocalDossier, type MotcuaDB } from './db';
import type { JsonValue } from './forms/types';
import { chosenValue, type ConflictChoice } from './conflicts';
import { rememberDeletion } from './deletedDrafts';
import { SHA256, hashesIn } from './fileHashes';
import { recordToStore } from './heldFiles';
import { enqueueIn, OUTBOX_STORES, type Tx } from './outbox';
import { State } from './states';
import { uuid7 } from './uuid7';

async function change<T>(db: MotcuaDB, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return inTransaction(db.transaction([...OUTBOX_STORES], 'readwrite'), fn);
}

/** Runs `fn` in `tx`; if it throws, the transaction is aborted so none of its writes stay. */
async function inTransaction<X extends { abort(): void; done: Promise<void> }, T>(tx: X, fn: (tx: X) => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await fn(tx);
  } catch (error) {
    try {
      tx.abort();
    } catch {
      // already aborted (a failed request aborts it): nothing of it was stored
    }
    await tx.done.catch(() => undefined);
    throw error;
  }
  await tx.done;
  return result;
}

async function load(tx: Tx, id: string): Promise<LocalDossier> {
  const d = await tx.objectStore('dossiers').get(id);
  if (!d) throw new Error(`no dossier ${id}`);
  return d;
}

const isAttachmentList = (v: unknown) => Array.isArray(v) && v.every((h) => typeof h === 'string' && SHA256.test(h));

export async function createDraft(
  db: MotcuaDB,
  procedureCode: string,
  schemaVersion: number | null,
  fields: Answers = {},
  options: { outreach?: boolean; now?: Date; verifiedFields?: Record<string, JsonValue>; prefillPending?: boolean } = {},
): Promise<LocalDossier> {
  const now = options.now ?? new Date();
  return change(db, async (tx) => {
    const d: LocalDossier = {
      id: uuid7(now.getTime()),
      procedure_code: procedureCode,
      schema_version: schemaVersion,
      answers: { ...fields },
      version: 0,
      state: State.DRAFT,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      ...(options.outreach ? { outreach: true } : {}),
      ...(options.verifiedFields && Object.keys(options.verifiedFields).length ? { verified_fields: { ...options.verifiedFields } } : {}),
      ...(options.prefillPending ? { verified_prefill_pending: true } : {}),
    };
    await tx.objectStore('dossiers').add(d);
    await enqueueIn(
      tx,
      {
        kind: 'create_draft',
        dossier_id: d.id,
        payload: { procedure_code: procedureCode, ...(schemaVersion ? { schema_version: schemaVersion } : {}), fields },
      },
      now,
    );
    return d;
  });
}

/**
 * Autosave: the changed fields (null removes an answer; "" is the answer "emptied by the
 * person", which no fill rule overrides). Attachments change with attach/detach.
 */
export async function editAnswers(db: MotcuaDB, id: string, changes: Record<string, JsonValue | null>, now = new Date()): Promise<LocalDossier> {
  return change(db, async (tx) => {
    const d = await load(tx, id);
    const effective: Record<string, JsonValue | null> = {};
    for (const [path, value] of Object.entries(changes)) {
      const empty = value === null || (Array.isArray(value) && value.length === 0);
      const before = d.answers[path];
      if (empty ? before === undefined : JSON.stringify(before) === JSON.stringify(value)) continue;
      effective[path] = empty ? null : value;
      if (empty) delete d.answers[path];
      else d.answers[path] = value as JsonValue;
    }
    if (!Object.keys(effective).length) return d;
    d.updated_at = nextStamp(d.updated_at, now);
    await tx.objectStore('dossiers').put(d);
    await enqueueIn(tx, { kind: 'edit_draft', dossier_id: id, payload: { changes: effective } }, now);
    return d;
  });
}

/**
 * A draft started before its form was on the device: once the form is here, what the
 * e-ID verified goes into the requester's empty fields (`prefill` picks them from the
 * answers), as one edit, and the draft remembers which. Done once, whatever it finds.
 */
export async function prefillPendingDraft(
  db: MotcuaDB,
  id: string,
  prefill: (answers: Answers) => { values: Record<string, JsonValue>; marks: Record<string, JsonValue> },
  now = new Date(),
): Promise<LocalDossier> {
  return change(db, async (tx) => {
    const d = await load(tx, id);
    if (!d.verified_prefill_pending) return d;
    delete d.verified_prefill_pending;
    const { values, marks } = d.state === State.DRAFT ? prefill(d.answers) : { values: {}, marks: {} };
    for (const [path, value] of Object.entries(values)) d.answers[path] = value;
    if (Object.keys(marks).length) d.verified_fields = { ...d.verified_fields, ...marks };
    d.updated_at = nextStamp(d.updated_at, now);
    await tx.objectStore('dossiers').put(d);
    if (Object.keys(values).length) await enqueueIn(tx, { kind: 'edit_draft', dossier_id: id, payload: { changes: values } }, now);
    return d;
  });
}

export async function attachFile(db: MotcuaDB, id: string, path: string, sha256: string, now = new Date()): Promise<LocalDossier> {
  return change(db, (tx) => attachIn(tx, id, path, sha256, now));
}

/**
 * Stores a new file and attaches it in one transaction: a full device stores neither,
 * never a file that no dossier names nor a dossier naming a file the device lacks.
 */
export async function attachNewFile(db: MotcuaDB, id: string, path: string, record: BlobRecord, now = new Date()): Promise<LocalDossier> {
  const tx = db.transaction(['blobs', ...OUTBOX_STORES], 'readwrite');
  return inTransaction(tx, async () => {
    const stored = recordToStore(await tx.objectStore('blobs').get(record.sha256), record);
    if (stored) await tx.objectStore('blobs').put(stored);
    // Over more stores than Tx names, so it does all a Tx does (idb's types say otherwise).
    return attachIn(tx as unknown as Tx, id, path, record.sha256, now);
  });
}

async function attachIn(tx: Tx, id: string, path: string, sha256: string, now: Date): Promise<LocalDossier> {
  const d = await load(tx, id);
  const list = isAttachmentList(d.answers[path]) ? [...(d.answers[path] as string[])] : [];
  if (list.includes(sha256)) return d;
  list.push(sha256);
  d.answers[path] = list;
  d.updated_at = nextStamp(d.updated_at, now);
  await tx.objectStore('dossiers').put(d);
  await enqueueIn(tx, { kind: 'attach', dossier_id: id, payload: { path, sha256 } }, now);
  return d;
}

export async function detachFile(db: MotcuaDB, id: string, path: string, sha256: string, now = new Date()): Promise<LocalDossier> {
  return change(db, async (tx) => {
    const d = await load(tx, id);
    const list = isAttachmentList(d.answers[path]) ? (d.answers[path] as string[]) : [];
    if (!list.includes(sha256)) return d;
    const left = list.filter((h) => h !== sha256);
    if (left.length) d.answers[path] = left;
    else delete d.answers[path];
    d.updated_at = nextStamp(d.updated_at, now);
    await tx.objectStore('dossiers').put(d);
    await enqueueIn(tx, { kind: 'detach', dossier_id: id, payload: { path, sha256 } }, now);
    return d;
  });
}

export async function submitDossier(db: MotcuaDB, id: string, reservedCode: string | null = null, now = new Date()): Promise<LocalDossier> {
  return change(db, async (tx) => {
    const d = await load(tx, id);
    if (d.state !== State.DRAFT || d.submit_queued) return d;
    d.submit_queued = true;
    if (reservedCode) d.reserved_code = reservedCode;
    d.updated_at = nextStamp(d.updated_at, now);
    await tx.objectStore('dossiers').put(d);
    await enqueueIn(tx, { kind: 'submit', dossier_id: id, payload: reservedCode ? { reserved_code: reservedCode } : {} }, now);
    return d;
  });
}

export async function resolveConflict(db: MotcuaDB, id: string, conflictId: number, choice: ConflictChoice, now = new Date()): Promise<LocalDossier> {
  return change(db, async (tx) => {
    const d = await load(tx, id);
    const conflict = (d.conflicts ?? []).find((c) => c.conflict_id === conflictId);
    if (!conflict) return d;
    const value = chosenValue(conflict, choice);
    if (value === null || value === undefined) delete d.answers[conflict.path];
    else d.answers[conflict.path] = value as JsonValue;
    d.conflicts = (d.conflicts ?? []).filter((c) => c.conflict_id !== conflictId);
    d.updated_at = nextStamp(d.updated_at, now);
    await tx.objectStore('dossiers').put(d);
    await enqueueIn(tx, { kind: 'resolve_conflict', dossier_id: id, payload: { conflict_id: conflictId, ...choice }, holds: hashesIn(value) }, now);
    return d;
  });
}

/** The files that answer one requested document (sync/messages.py: SuppliedDocument). */
export interface SuppliedDocument {
  document: string;
  files: string[];
}

/** Answers a request for more documents: a message, changed fields and new files, and
 *  which requested document each new file is for. */
export async function answerSupplement(
  db: MotcuaDB,
  id: string,
  message: string,
  changes: Record<string, JsonValue | null>,
  documents: SuppliedDocument[] = [],
  now = new Date(),
): Promise<LocalDossier> {
  return change(db, async (tx) => {
    const d = await load(tx, id);
    for (const [path, value] of Object.entries(changes)) {
      if (value === null) delete d.answers[path];
      else d.answers[path] = value;
    }
    d.supplement_answered_at = now.toISOString();
    d.updated_at = nextStamp(d.updated_at, now);
    await tx.objectStore('dossiers').put(d);
    await enqueueIn(tx, { kind: 'answer_supplement', dossier_id: id, payload: documents.length ? { message, changes, documents: documents as unknown as JsonValue } : { message, changes } }, now);
    return d;
  });
}

export async function withdrawDossier(db: MotcuaDB, id: string, reason: string, now = new Date()): Promise<void> {
  await change(db, async (tx) => {
    await enqueueIn(tx, { kind: 'withdraw', dossier_id: id, payload: { reason } }, now);
  });
}

export async function rateDossier(db: MotcuaDB, id: string, stars: number, comment: string, now = new Date()): Promise<void> {
  await change(db, async (tx) => {
    const d = await load(tx, id);
    d.rating = stars;
    await tx.objectStore('dossiers').put(d);
    await enqueueIn(tx, { kind: 'rate', dossier_id: id, payload: { stars, comment } }, now);
  });
}

/**
 * Deletes a draft the server has never seen (none of its mutations has left the device).
 * Its queued items travel as no-ops so that no seq goes missing, and leave quietly.
 */
export async function discardDraft(db: MotcuaDB, id: string): Promise<boolean> {
  const tx = db.transaction(['outbox', 'dossiers'], 'readwrite');
  const items = await tx.objectStore('outbox').index('dossier').getAll(id);
  const d = await tx.objectStore('dossiers').get(id);
  if (!d || d.version > 0 || d.state !== State.DRAFT || items.some((i) => i.sent)) {
    await tx.done;
    return false;
  }
  for (const i of items) await tx.objectStore('outbox').put({ ...i, voided: [], discarded: true });
  await tx.objectStore('dossiers').delete(id);
  await tx.done;
  return true;
}

/** Why a submission could not be taken back, or that it was. */
export type CancelSubmitResult = 'cancelled' | 'already_sent' | 'nothing_queued';

/**
 * Takes back a submission still waiting on this device: the draft is editable again.
 * A submit that has left (even unanswered) may be on the server, and a sent item never
 * changes (outbox.ts): that one cannot be taken back; a submitted dossier is withdrawn.
 * The taken-back item travels as a no-op so that no seq goes missing, and leaves quietly.
 */
export async function cancelSubmit(db: MotcuaDB, id: string, now = new Date()): Promise<CancelSubmitResult> {
  return change(db, async (tx) => {
    const d = await tx.objectStore('dossiers').get(id);
    const submits = (await tx.objectStore('outbox').index('dossier').getAll(id)).filter(
      (i) => i.kind === 'submit' && i.status === 'pending' && !i.voided,
    );
    if (!d || d.state !== State.DRAFT || !submits.length) return 'nothing_queued';
    if (submits.some((i) => i.sent)) return 'already_sent';
    for (const i of submits) await tx.objectStore('outbox').put({ ...i, voided: [], discarded: true });
    d.submit_queued = false;
    d.updated_at = nextStamp(d.updated_at, now);
    await tx.objectStore('dossiers').put(d);
    return 'cancelled';
  });
}

export type DeleteDraftResult = 'deleted' | 'submission_sent' | 'not_a_draft';

/**
 * Deletes a draft, wherever it has been: one the server never saw goes quietly
 * (`discardDraft`); one it holds goes with a `delete_draft`, so the server and the
 * person's other devices drop it too. What was still queued for it travels as no-ops.
 * A submission already sent may have made it a dossier: that is withdrawn, not deleted.
 */
export async function deleteDraft(db: MotcuaDB, id: string, now = new Date()): Promise<DeleteDraftResult> {
  if (await discardDraft(db, id)) return 'deleted';
  return change(db, async (tx) => {
    const d = await tx.objectStore('dossiers').get(id);
    if (!d || d.state !== State.DRAFT) return 'not_a_draft';
    const queued = (await tx.objectStore('outbox').index('dossier').getAll(id)).filter((i) => i.status === 'pending' && !i.voided);
    if (queued.some((i) => i.kind === 'submit' && i.sent)) return 'submission_sent';
    for (const i of queued) if (!i.sent) await tx.objectStore('outbox').put({ ...i, voided: [], discarded: true });
    await enqueueIn(tx, { kind: 'delete_draft', dossier_id: id, payload: {} }, now);
    await tx.objectStore('dossiers').delete(id);
    // The server holds it: should it be restored from an older backup, the draft stays deleted (§9.2).
    await rememberDeletion(tx.objectStore('meta'), { id, procedure_code: d.procedure_code, schema_version: d.schema_version, version: d.version });
    return 'deleted';
  });
}
