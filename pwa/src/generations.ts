// What the device knows of the server's history (sync/README.md §9.1): the generation
// it last synced in, and the highest seq any push answer confirmed to it. A server
// that answers with another generation, or that expects a seq it already confirmed,
// was restored from a backup: the device puts back what it holds (recovery.ts).

import { getMeta, setMeta, type MotcuaDB } from './db';
import { CONFIRMED_SEQ_KEY, GENERATION_KEY } from './syncKeys';

interface ConfirmedSeq {
  /** Seqs count per device: a new registration starts again from 1. */
  device_id: string;
  seq: number;
}

/** The generation this device last synced in; undefined before it learnt one. */
export async function keptGeneration(db: MotcuaDB): Promise<number | undefined> {
  return getMeta<number>(db, GENERATION_KEY);
}

export async function keepGeneration(db: MotcuaDB, generation: number): Promise<void> {
  await setMeta(db, GENERATION_KEY, generation);
}

/**
 * The highest seq the server confirmed to this device. An app from before generations
 * kept no such number: every seq below the first one still waiting was answered with
 * a 200 (items leave the outbox only so), so the server had confirmed at least that.
 */
export async function confirmedSeq(db: MotcuaDB, deviceId: string): Promise<number> {
  const kept = await getMeta<ConfirmedSeq>(db, CONFIRMED_SEQ_KEY);
  if (kept) return kept.device_id === deviceId ? kept.seq : 0;
  const waiting = (await db.getAllFromIndex('outbox', 'status', 'pending')).map((i) => i.seq).filter((s) => s > 0);
  const next = (await getMeta<number>(db, 'next_seq')) ?? 1;
  return Math.max(0, (waiting.length ? Math.min(...waiting) : next) - 1);
}

/** A push answer's `last_seq`: the confirmed seq only grows (a restored server may answer less). */
export async function raiseConfirmedSeq(db: MotcuaDB, deviceId: string, lastSeq: number): Promise<void> {
  const seq = Math.max(await confirmedSeq(db, deviceId), lastSeq);
  await setMeta(db, CONFIRMED_SEQ_KEY, { device_id: deviceId, seq } satisfies ConfirmedSeq);
}

/**
 * Whether an answer's generation says the server was restored since this device last
 * synced. A server without generations says nothing. A device that never learnt one
 * takes the server's, unless it holds confirmed work and the server has been restored
 * at least once: an app upgraded from a version without generations may hold what the
 * restore lost.
 */
export function restoredSince(kept: number | undefined, answered: number | undefined, confirmed: number): boolean {
  if (answered === undefined) return false;
  if (kept === undefined) return answered > 1 && confirmed > 0;
  return answered !== kept;
}
