// The outbox: every change is a mutation stored here first, with a per-device
// increasing seq (sync/README.md §1, principles 2–4). Items leave only when the server has
// answered 200 with their outcome; a rejected item stays, with its reasons, for the
// person to see.
//
// Unsent edits are folded into the newest unsent mutation of the same dossier when it
// is the last one in the queue (the order of mutations never changes), so a draft made
// offline over days travels as one create_draft, not as a thousand keystrokes. An item
// that has been sent once is never changed again: the server may have recorded it. An
// item is marked sent in the same transaction that reads it for the wire (`takeBatch`).

import type { IDBPTransaction } from 'idb';
import type { FieldConflict, MutationKind, Outcome, PushResponse, Reason } from './api/types';
import { nextStamp, type Answers, type BlobRecord, type LocalDossier, type MotcuaDB, type MotcuaSchema, type OutboxItem } from './db';
import { uuid7 } from './uuid7';

export type Tx = IDBPTransaction<MotcuaSchema, ('meta' | 'outbox' | 'dossiers')[], 'readwrite'>;
export const OUTBOX_STORES = ['meta', 'outbox', 'dossiers'] as const;

export interface NewMutation {
  kind: MutationKind;
  dossier_id: string;
  payload: Record<string, unknown>;
  /** The files it puts in the dossier that its payload does not name (OutboxItem.holds). */
  holds?: string[];
}

const SEQ_KEY = 'next_seq';

/** Kinds that change the dossier's version when the server applies them. */
function bumps(item: OutboxItem): boolean {
  return item.status === 'pending' && !item.voided;
}

/**
 * Queues a mutation inside an open transaction over meta, outbox and dossiers, so the
 * local change and its mutation are stored together or not at all.
 */
export async function enqueueIn(tx: Tx, m: NewMutation, now: Date = new Date()): Promise<OutboxItem> {
  const outbox = tx.objectStore('outbox');
  m = await asCreationIfNeverCreated(tx, m);
  const last = await outbox.openCursor(null, 'prev');
  const lastItem = last?.value;
  // Fold an edit into the last item when it is this dossier's unsent draft change.
  if (
    m.kind === 'edit_draft' &&
    lastItem &&
    !lastItem.sent &&
    lastItem.status === 'pending' &&
    !lastItem.voided &&
    lastItem.dossier_id === m.dossier_id &&
    (lastItem.kind === 'edit_draft' || lastItem.kind === 'create_draft')
  ) {
    const changes = m.payload.changes as Answers;
    if (lastItem.kind === 'create_draft') {
      const fields = { ...((lastItem.payload.fields as Answers) ?? {}) };
      for (const [path, value] of Object.entries(changes)) {
        if (value === null) delete fields[path];
        else fields[path] = value;
      }
      lastItem.payload = { ...lastItem.payload, fields };
    } else {
      lastItem.payload = { changes: { ...(lastItem.payload.changes as Answers), ...changes } };
    }
    lastItem.client_time = now.toISOString();
    await last!.update(lastItem);
    return lastItem;
  }

  const seq = ((await tx.objectStore('meta').get(SEQ_KEY)) as number | undefined) ?? 1;
  await tx.objectStore('meta').put(seq + 1, SEQ_KEY);
  // The version the server will have reached when it comes to this mutation: the last
  // one it confirmed plus one for each of this dossier's mutations still ahead. Basing
  // an edit on it keeps the device's own earlier edits from looking like a clash.
  const dossier = await tx.objectStore('dossiers').get(m.dossier_id);
  const ahead = (await outbox.index('dossier').getAll(m.dossier_id)).filter(bumps).length;
  const item: OutboxItem = {
    seq,
    id: uuid7(now.getTime()),
    dossier_id: m.dossier_id,
    kind: m.kind,
    payload: m.payload,
    base_version: m.kind === 'create_draft' ? 0 : (dossier?.version ?? 0) + ahead,
    client_time: now.toISOString(),
    status: 'pending',
    ...(m.holds?.length ? { holds: m.holds } : {}),
  };
  await outbox.add(item);
  return item;
}

export async function enqueue(db: MotcuaDB, m: NewMutation, now: Date = new Date()): Promise<OutboxItem> {
  const tx = db.transaction([...OUTBOX_STORES], 'readwrite');
  const item = await enqueueIn(tx, m, now);
  await tx.done;
  return item;
}

/** Items waiting for the server, in seq order. */
export async function pendingItems(db: MotcuaDB): Promise<OutboxItem[]> {
  return db.getAllFromIndex('outbox', 'status', 'pending');
}

export async function rejectedItems(db: MotcuaDB): Promise<OutboxItem[]> {
  return db.getAllFromIndex('outbox', 'status', 'rejected');
}

export interface OutboxCounts {
  pending: number;
  rejected: number;
}

export async function outboxCounts(db: MotcuaDB): Promise<OutboxCounts> {
  const all = await db.getAll('outbox');
  return {
    pending: all.filter((i) => i.status === 'pending' && !i.discarded).length,
    rejected: all.filter((i) => i.status === 'rejected').length,
  };
}

export interface BatchLimits {
  maxCount: number;
  maxBytes: number;
  /** An item that must wait (its files are not on the server yet); it and everything behind it stay.
   *  `file` reads the device's record of a file in the batch's own transaction, so a file
   *  chosen after the uploads step looked is seen with the attach that names it. */
  waits?(item: OutboxItem, dossier: LocalDossier | undefined, file: (sha256: string) => Promise<BlobRecord | undefined>): boolean | Promise<boolean>;
}

/** An item's size on the wire, roughly (UTF-16 worst case). */
export function wireSize(item: OutboxItem): number {
  return JSON.stringify(wireMutation(item)).length * 2;
}

/** An item's size on the wire, exactly: its JSON's UTF-8 bytes. */
export function wireBytes(item: OutboxItem): number {
  return new TextEncoder().encode(JSON.stringify(wireMutation(item))).length;
}

/**
 * The next batch to send, read and marked sent in ONE transaction: the items returned
 * are exactly what was marked, so the request built from them is exactly what the
 * outbox holds as sent. A save that lands before takes part in the batch; one that
 * lands after finds the item sent and queues a new one (`enqueueIn` never folds into a
 * sent item). Reading in one transaction and marking in another would let a save in
 * between be folded into an item, marked sent with it, never sent, and then deleted
 * when the server confirms the item.
 */
export async function takeBatch(db: MotcuaDB, limits: BatchLimits): Promise<{ items: OutboxItem[]; held: number }> {
  const tx = db.transaction(['outbox', 'dossiers', 'blobs'], 'readwrite');
  const outbox = tx.objectStore('outbox');
  const file = (sha256: string) => tx.objectStore('blobs').get(sha256);
  const pending = await outbox.index('status').getAll('pending');
  const items: OutboxItem[] = [];
  let held = 0;
  let bytes = 0;
  for (const [n, item] of pending.entries()) {
    if (limits.waits && (await limits.waits(item, await tx.objectStore('dossiers').get(item.dossier_id), file))) {
      held = pending.length - n;
      break;
    }
    const size = wireSize(item);
    if (items.length >= limits.maxCount || (items.length && bytes + size > limits.maxBytes)) break;
    items.push(item.sent ? item : { ...item, sent: true });
    bytes += size;
  }
  for (const [n, item] of items.entries()) if (item !== pending[n]) await outbox.put(item);
  await tx.done;
  return { items, held };
}

/** Marks items as sent: from now on they are never changed, only answered. */
export async function markSent(db: MotcuaDB, seqs: readonly number[]): Promise<void> {
  const tx = db.transaction('outbox', 'readwrite');
  for (const seq of seqs) {
    const item = await tx.store.get(seq);
    if (item && !item.sent) await tx.store.put({ ...item, sent: true });
  }
  await tx.done;
}

/** The changes to a dossier that the server has not confirmed yet, oldest first. */
export function overlay(answers: Answers, items: readonly OutboxItem[]): Answers {
  const out: Answers = { ...answers };
  const set = (path: string, value: unknown) => {
    if (value === null || value === undefined) delete out[path];
    else out[path] = value as Answers[string];
  };
  for (const item of items) {
    if (item.status !== 'pending' || item.voided) continue;
    const p = item.payload;
    switch (item.kind) {
      case 'create_draft':
        for (const [path, value] of Object.entries((p.fields as Answers) ?? {})) set(path, value);
        break;
      case 'edit_draft':
      case 'answer_supplement':
        for (const [path, value] of Object.entries((p.changes as Answers) ?? {})) set(path, value);
        break;
      case 'attach': {
        const list = Array.isArray(out[p.path as string]) ? [...(out[p.path as string] as string[])] : [];
        if (!list.includes(p.sha256 as string)) list.push(p.sha256 as string);
        set(p.path as string, list);
        break;
      }
      case 'detach': {
        const list = Array.isArray(out[p.path as string]) ? (out[p.path as string] as string[]) : [];
        const left = list.filter((h) => h !== p.sha256);
        set(p.path as string, left.length ? left : null);
        break;
      }
      default:
        break;
    }
  }
  return out;
}

export interface AppliedOutcomes {
  confirmed: number[];
  rejected: number[];
  conflicts: number;
  /** Dossiers whose state changed with these outcomes (id → state). */
  states: Map<string, number>;
}

function applyOutcomeToDossier(d: LocalDossier, o: Outcome, item: OutboxItem | undefined): void {
  if (o.status === 'rejected') {
    if (item?.kind === 'submit') d.submit_queued = false;
    return;
  }
  if (o.version != null && o.version > d.version) d.version = o.version;
  if (o.state != null) d.state = o.state;
  if (o.code) d.code = o.code;
  if (o.code && o.seal) d.seal = o.seal;
  if (item?.kind === 'submit') d.submit_queued = false;
  takeConflicts(d, o.conflicts ?? []);
}

/** Conflicts the server reported (a push outcome, a put-back): the person chooses each. */
export function takeConflicts(d: LocalDossier, conflicts: readonly FieldConflict[]): void {
  if (!conflicts.length) return;
  const known = new Map((d.conflicts ?? []).map((c) => [c.conflict_id, c]));
  for (const c of conflicts) known.set(c.conflict_id, { ...c });
  d.conflicts = [...known.values()];
  // The server kept its value: show it, with the device's value waiting in the conflict.
  for (const c of conflicts) {
    if (c.server_value === null || c.server_value === undefined) delete d.answers[c.path];
    else d.answers[c.path] = c.server_value as Answers[string];
  }
}

/**
 * Applies a 200 answer: confirmed items leave the outbox, rejected ones stay with their
 * reasons, and each dossier takes the version, state and code the server reported.
 */
export async function applyPushResponse(
  db: MotcuaDB,
  response: PushResponse,
  now: Date = new Date(),
): Promise<AppliedOutcomes> {
  const result: AppliedOutcomes = { confirmed: [], rejected: [], conflicts: 0, states: new Map() };
  const tx = db.transaction(['outbox', 'dossiers'], 'readwrite');
  const outbox = tx.objectStore('outbox');
  const dossiers = tx.objectStore('dossiers');
  for (const o of response.outcomes) {
    const item = await outbox.get(o.seq);
    if (!item || item.status !== 'pending') continue;
    // A discarded item's answer says nothing about the dossier (it went as a no-op, or
    // the dossier is gone): a submission queued again since must stay queued.
    const d = item.discarded ? undefined : await dossiers.get(o.dossier_id);
    if (d) {
      const before = d.state;
      applyOutcomeToDossier(d, o, item);
      d.updated_at = nextStamp(d.updated_at, now);
      await dossiers.put(d);
      if (d.state !== before) result.states.set(d.id, d.state);
    }
    // A create_draft applied before under another device id comes back "already_exists":
    // the draft exists, which is what the device wanted (sync/README.md §2).
    const exists = item.kind === 'create_draft' && o.status === 'rejected' && (o.reasons ?? []).some((r) => r.code === 'already_exists');
    // The person deleted the draft on another device: a change to it has nowhere to go,
    // and the pull's tombstone takes the draft off this one.
    const deleted = o.status === 'rejected' && (o.reasons ?? []).some((r) => r.code === 'draft_deleted');
    if (item.discarded || exists || deleted) {
      await outbox.delete(o.seq);
      result.confirmed.push(o.seq);
    } else if (o.status === 'rejected' || item.voided) {
      const reasons: Reason[] = item.voided ?? o.reasons ?? [];
      await outbox.put({ ...item, status: 'rejected', reasons, rejected_at: now.toISOString() });
      result.rejected.push(o.seq);
    } else {
      await outbox.delete(o.seq);
      result.confirmed.push(o.seq);
      if (o.status === 'conflict') result.conflicts += o.conflicts?.length ?? 0;
    }
  }
  await tx.done;
  return result;
}

/** The person has read why an item was refused: it leaves the list (its data is in the dossier). */
export async function dismissRejected(db: MotcuaDB, seq: number): Promise<void> {
  const item = await db.get('outbox', seq);
  if (item?.status === 'rejected') await db.delete('outbox', seq);
}

/**
 * The server refused a whole batch because of one item (422 naming it): that item is
 * kept for the person with the server's reasons and travels as a harmless no-op, so
 * its seq is still used and nothing behind it waits forever.
 */
export async function voidItem(db: MotcuaDB, seq: number, reasons: Reason[]): Promise<void> {
  const item = await db.get('outbox', seq);
  if (item && item.status === 'pending') await db.put('outbox', { ...item, voided: reasons });
}

/**
 * An edit of a draft whose creation never reached the server (set aside as too large, or
 * refused): the server has no such dossier, so the draft goes again as a new
 * `create_draft` holding its answers as they now are (files go by their own attach).
 */
async function asCreationIfNeverCreated(tx: Tx, m: NewMutation): Promise<NewMutation> {
  if (m.kind !== 'edit_draft') return m;
  const dossier = await tx.objectStore('dossiers').get(m.dossier_id);
  if (!dossier || dossier.version !== 0) return m;
  const creations = (await tx.objectStore('outbox').index('dossier').getAll(m.dossier_id)).filter((i) => i.kind === 'create_draft');
  const last = creations.at(-1);
  if (!last || !creations.every((i) => i.voided || i.status === 'rejected')) return m;
  const fields = Object.fromEntries(Object.entries(dossier.answers).filter(([, v]) => !Array.isArray(v)));
  return { kind: 'create_draft', dossier_id: m.dossier_id, payload: { ...last.payload, fields } };
}

/** What goes on the wire for an item. */
export function wireMutation(item: OutboxItem) {
  if (item.voided) {
    return {
      seq: item.seq,
      id: item.id,
      dossier_id: item.dossier_id,
      kind: 'edit_draft' as const,
      payload: { changes: {} },
      base_version: item.base_version,
      client_time: item.client_time,
    };
  }
  return {
    seq: item.seq,
    id: item.id,
    dossier_id: item.dossier_id,
    kind: item.kind,
    payload: item.payload,
    base_version: item.base_version,
    client_time: item.client_time,
  };
}
