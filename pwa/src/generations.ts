// What the device knows of the server's history (sync/README.md §9.1): the generation
// it last synced in, and the highest seq the server confirmed to it, with the
// generation and the receipt (the server's seal on the three) of that answer. A server
// that answers with another generation, or that expects a seq it already confirmed,
// was restored from a backup: the device puts back what it holds (recovery.ts). The
// receipt lets the server believe the device when it says so.

import { getMeta, setMeta, type MotcuaDB } from './db';
import { CONFIRMED_SEQ_KEY, GENERATION_KEY } from './syncKeys';

/** The answer with the highest `last_seq` this device was given (a push or a put-back). */
export interface Confirmation {
  /** Seqs count per device: a new registration starts again from 1. */
  device_id: string;
  seq: number;
  generation?: number;
  receipt?: string;
}

/** What of a push or put-back answer a device keeps. */
export interface Confirming {
  last_seq: number;
  generation?: number | null;
  receipt?: string | null;
}

/** The generation this device last synced in; undefined before it learnt one. */
export async function keptGeneration(db: MotcuaDB): Promise<number | undefined> {
  return getMeta<number>(db, GENERATION_KEY);
}

export async function keepGeneration(db: MotcuaDB, generation: number): Promise<void> {
  await setMeta(db, GENERATION_KEY, generation);
}

/**
 * The highest seq the server confirmed to this device, with that answer's generation
 * and receipt. An app from before generations kept none of it: every seq below the
 * first one still waiting was answered with a 200 (items leave the outbox only so),
 * so the server had confirmed at least that (without a receipt it proves nothing).
 */
export async function confirmation(db: MotcuaDB, deviceId: string): Promise<Confirmation> {
  const kept = await getMeta<Confirmation>(db, CONFIRMED_SEQ_KEY);
  if (kept) return kept.device_id === deviceId ? kept : { device_id: deviceId, seq: 0 };
  const waiting = (await db.getAllFromIndex('outbox', 'status', 'pending')).map((i) => i.seq).filter((s) => s > 0);
  const next = (await getMeta<number>(db, 'next_seq')) ?? 1;
  return { device_id: deviceId, seq: Math.max(0, (waiting.length ? Math.min(...waiting) : next) - 1) };
}

export async function confirmedSeq(db: MotcuaDB, deviceId: string): Promise<number> {
  return (await confirmation(db, deviceId)).seq;
}

/** The confirmation to keep after `answer`: only an answer at least as far on replaces it (a restored server may answer less). */
export function laterConfirmation(kept: Confirmation, answer: Confirming): Confirmation {
  if (answer.last_seq < kept.seq) return kept;
  return {
    device_id: kept.device_id,
    seq: answer.last_seq,
    ...(answer.generation != null ? { generation: answer.generation } : {}),
    ...(answer.receipt ? { receipt: answer.receipt } : {}),
  };
}

/** Keeps what a push answer confirmed. */
export async function keepConfirmation(db: MotcuaDB, deviceId: string, answer: Confirming): Promise<void> {
  await setMeta(db, CONFIRMED_SEQ_KEY, laterConfirmation(await confirmation(db, deviceId), answer));
}

/**
 * Whether an answer's generation says the server was restored since this device last
 * synced. A server without generations says nothing. A device that never learnt one
 * takes the server's, unless it holds confirmed work and the server has been restored
 * at least once: an app upgraded from a version without generations may hold what the
 * restore lost.
 */
export function restoredSince(kept: number | undefined, answered: number | null | undefined, confirmed: number): boolean {
  if (answered == null) return false;
  if (kept === undefined) return answered > 1 && confirmed > 0;
  return answered !== kept;
}
