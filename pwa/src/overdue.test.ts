// The shared overdue vectors (tests/vectors/overdue.json), which pytest runs against the
// desk queue's rule (tests/unit/test_overdue_vectors.py): the phone marks a dossier
// overdue exactly when the desk does.
import { describe, expect, it } from 'vitest';
import vectors from '../../tests/vectors/overdue.json';
import { isOverdue, promisedDate } from './overdue';
import { State, type StateName } from './states';

describe('overdue, as the desk counts it', () => {
  for (const v of vectors.vectors) {
    it(v.name, () => {
      const state = State[v.state.toUpperCase() as Uppercase<StateName>];
      expect(isOverdue({ state, due_date: v.due_date, appointment_date: v.appointment_date }, v.today)).toBe(v.overdue);
    });
  }

  it('promises the appointment when there is one, else the due date', () => {
    expect(promisedDate({ due_date: '2026-11-23', appointment_date: '2026-11-27' })).toBe('2026-11-27');
    expect(promisedDate({ due_date: '2026-11-23', appointment_date: null })).toBe('2026-11-23');
    expect(promisedDate({})).toBeNull();
  });
});
