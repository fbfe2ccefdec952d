// Drafts the person deleted, here or on another device (a tombstone from the feed),
// remembered with what a put-back must name: a server restored from a backup taken
// before the deletion would otherwise bring them back (sync/README.md §9.2). Only the
// id and the dossier's kind and version are kept, never the answers; the last 500.

import type { MotcuaDB } from './db';
import { DELETED_DRAFTS_KEY } from './syncKeys';

export const REMEMBERED_DELETIONS = 500;

export interface DeletedDraft {
  id: string;
  procedure_code: string;
  schema_version: number | null;
  /** The version the device last saw. */
  version: number;
}

interface MetaStore {
  get(key: string): Promise<unknown>;
  put(value: unknown, key: string): Promise<unknown>;
}

/** Remembers a deletion, inside the transaction that deletes the draft (its `meta` store). */
export async function rememberDeletion(meta: MetaStore, draft: DeletedDraft): Promise<void> {
  const list = ((await meta.get(DELETED_DRAFTS_KEY)) as DeletedDraft[] | undefined) ?? [];
  const next = [...list.filter((d) => d.id !== draft.id), draft].slice(-REMEMBERED_DELETIONS);
  await meta.put(next, DELETED_DRAFTS_KEY);
}

export async function deletedDrafts(db: MotcuaDB): Promise<DeletedDraft[]> {
  return ((await db.get('meta', DELETED_DRAFTS_KEY)) as DeletedDraft[] | undefined) ?? [];
}
