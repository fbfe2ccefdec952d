// What a person typed in the moments before the page went (a reload, a closed tab,
// pull-to-refresh right after the last key): the form saves after a pause in typing,
// and an IndexedDB write begun as the page goes is not sure to commit. localStorage is
// written at once, so the form puts its unsaved answers there as the page hides, and
// the app takes them into IndexedDB when it starts again. An answer that did reach
// IndexedDB is the same value again: `editAnswers` skips it.

import type { JsonValue } from './forms/types';
import type { MotcuaDB } from './db';
import { editAnswers } from './dossiers';
import { State } from './states';

const KEY = 'motcua.typed_rescue';

type Changes = Record<string, JsonValue | null>;
type Rescued = Record<string, Changes>;
type Store = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

function storage(): Store | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

function read(store: Store): Rescued {
  try {
    const parsed: unknown = JSON.parse(store.getItem(KEY) ?? '{}');
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Rescued) : {};
  } catch {
    return {};
  }
}

/** Keeps a draft's unsaved answers, at once (the page is going). */
export function rescueTyped(dossierId: string, changes: Changes, store = storage()): void {
  if (!store || !Object.keys(changes).length) return;
  const all = read(store);
  all[dossierId] = { ...all[dossierId], ...changes };
  try {
    store.setItem(KEY, JSON.stringify(all));
  } catch {
    // Storage full or refused: the IndexedDB write may still commit.
  }
}

/** The draft's answers are in IndexedDB: nothing of it is left to rescue. */
export function rescued(dossierId: string, store = storage()): void {
  if (!store) return;
  const all = read(store);
  if (!(dossierId in all)) return;
  delete all[dossierId];
  if (Object.keys(all).length) store.setItem(KEY, JSON.stringify(all));
  else store.removeItem(KEY);
}

/** At start: what the last page kept goes into its drafts, each as an edit. A draft no
 *  longer here or no longer a draft (deleted, submitted, the install forgotten since)
 *  takes nothing. */
export async function restoreRescued(db: MotcuaDB, store = storage()): Promise<number> {
  if (!store) return 0;
  const all = read(store);
  let restored = 0;
  for (const [dossierId, changes] of Object.entries(all)) {
    const draft = await db.get('dossiers', dossierId);
    // Still open to edits, as the form shows it (a submission queued closes it).
    if (draft?.state === State.DRAFT && !draft.submit_queued) {
      await editAnswers(db, dossierId, changes);
      restored++;
    }
  }
  store.removeItem(KEY);
  return restored;
}

/** The install is forgotten (a sign-out): nothing typed for its drafts stays behind. */
export function forgetRescued(store = storage()): void {
  store?.removeItem(KEY);
}
