// Field conflicts on the device (sync/README.md §3.3): the person keeps the server's
// value, takes the device's, or types a third one; the choice travels as a
// resolve_conflict mutation. Until the server has answered it, a pull that still lists
// the conflict must neither bring it back nor put the server's value back in the field.

import type { Answers, LocalConflict, LocalDossier, OutboxItem } from './db';
import type { JsonValue } from './forms/types';

/** What the person chose for a conflicting field (the resolve_conflict payload). */
export type ConflictChoice = { choice: 'server' } | { choice: 'device' } | { choice: 'value'; value: JsonValue };

/** A third value the person typed, as a choice; nothing typed is no choice. */
export function typedChoice(value: JsonValue | null | undefined): ConflictChoice | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' && !value.trim()) return null;
  if (Array.isArray(value) && !value.length) return null;
  return { choice: 'value', value: typeof value === 'string' ? value.trim() : value };
}

/** The value a choice puts in the field. */
export function chosenValue(conflict: LocalConflict, choice: ConflictChoice): unknown {
  if (choice.choice === 'server') return conflict.server_value;
  if (choice.choice === 'device') return conflict.device_value;
  return choice.value;
}

/** Conflicts settled on the device but not yet answered by the server stay settled. */
export function settlePending(d: LocalDossier, pending: readonly OutboxItem[]): void {
  for (const item of pending) {
    if (item.kind !== 'resolve_conflict' || item.status !== 'pending' || item.voided) continue;
    const id = item.payload.conflict_id as number;
    const conflict = (d.conflicts ?? []).find((c) => c.conflict_id === id);
    if (!conflict) continue; // the server has closed it already: its view is the truth
    const value = chosenValue(conflict, item.payload as unknown as ConflictChoice);
    if (value === null || value === undefined) delete d.answers[conflict.path];
    else d.answers[conflict.path] = value as Answers[string];
    d.conflicts = (d.conflicts ?? []).filter((c) => c.conflict_id !== id);
  }
}
