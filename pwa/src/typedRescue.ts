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
/** A draft's rescued answers, with the account signed in when they were typed (none: null). */
type Kept = { account: string | null; changes: Changes };
type Rescued = Record<string, Kept>;
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

function write(store: Store, all: Rescued): void {
  try {
    if (Object.keys(all).length) store.setItem(KEY, JSON.stringify(all));
    else store.removeItem(KEY);
  } catch {
    // Storage full or refused: the IndexedDB write may still commit.
  }
}

/** Keeps a draft's unsaved answers, at once (the page is going). */
export function rescueTyped(dossierId: string, account: string | null, changes: Changes, store = storage()): void {
  if (!store || !Object.keys(changes).length) return;
  const all = read(store);
  const kept = all[dossierId]?.account === account ? all[dossierId]!.changes : {};
  all[dossierId] = { account, changes: { ...kept, ...changes } };
  write(store, all);
}

/** `saved` is in IndexedDB: those answers are no longer to rescue (another tab's may be). */
export function rescued(dossierId: string, saved: Changes, store = storage()): void {
  if (!store) return;
  const all = read(store);
  const kept = all[dossierId];
  if (!kept) return;
  for (const [path, value] of Object.entries(saved)) {
    if (JSON.stringify(kept.changes[path]) === JSON.stringify(value)) delete kept.changes[path];
  }
  if (!Object.keys(kept.changes).length) delete all[dossierId];
  write(store, all);
}

/** At start: what the last page kept goes into its drafts, each as an edit. A draft no
 *  longer here or no longer a draft (deleted, submitted, the install forgotten since)
 *  takes nothing, nor one typed while another account was signed in (a tab left open
 *  after a sign-out). */
export async function restoreRescued(db: MotcuaDB, account: string | null, store = storage()): Promise<number> {
  if (!store) return 0;
  const all = read(store);
  let restored = 0;
  for (const [dossierId, kept] of Object.entries(all)) {
    const draft = await db.get('dossiers', dossierId);
    // Still open to edits, as the form shows it (a submission queued closes it).
    if (draft?.state === State.DRAFT && !draft.submit_queued && kept.account === account) {
      await editAnswers(db, dossierId, kept.changes);
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
