// Whether a dossier is overdue, as the desk's queue counts it (server/desk/queue.py
// is_overdue): past the date promised to the person — the appointment, which an
// apology moves, when there is one, else the due date — and still open (the states of
// sync/states.py OPEN_STATES). The shared vectors in tests/vectors/overdue.json hold
// both to the same answers.

import { open_states } from '../../sync/states.json';

export interface Dates {
  due_date?: string | null;
  appointment_date?: string | null;
}

/** The date promised to the person, `YYYY-MM-DD`, or null before there is one. */
export function promisedDate(d: Dates): string | null {
  return d.appointment_date || d.due_date || null;
}

/** `today`: `YYYY-MM-DD` in Asia/Ho_Chi_Minh (formModel.vnToday), as the server counts days. */
export function isOverdue(d: Dates & { state: number }, today: string): boolean {
  const promised = promisedDate(d);
  return !!promised && promised < today && (open_states as readonly number[]).includes(d.state);
}
