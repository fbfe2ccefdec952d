// The pulled view carries the dossier's apology letters (numbers and dates); the device
// keeps what the newest view says, so a view without letters leaves none behind.
import { describe, expect, it } from 'vitest';
import type { DossierView } from './api/types';
import { viewToLocal } from './db';
import { State } from './states';

const NOW = '2026-11-25T03:00:00.000Z';

function view(over: Partial<DossierView> = {}): DossierView {
  return {
    id: '0190a000-0000-7000-8000-000000000abc',
    procedure_code: 'ket-hon',
    schema_version: 1,
    state: State.PROCESSING,
    version: 4,
    fields: {},
    due_date: '2026-11-23',
    appointment_date: '2026-11-27',
    ...over,
  } as DossierView;
}

describe('apology letters on the device', () => {
  it('keeps each letter with its number, when it was issued and the new date', () => {
    const letters = [
      { number: 1, at: '2026-11-25T03:00:00Z', new_date: '2026-11-27' },
      { number: 2, at: '2026-11-30T02:00:00Z', new_date: '2026-12-02' },
    ];
    const local = viewToLocal(view({ apology_letters: letters }), undefined, NOW);
    expect(local.apology_letters).toEqual(letters);
    expect(local.appointment_date).toBe('2026-11-27');
  });

  it('has none when the view has none, even if an older view had one', () => {
    const before = viewToLocal(view({ apology_letters: [{ number: 1, at: '2026-11-25T03:00:00Z', new_date: '2026-11-27' }] }), undefined, NOW);
    expect(viewToLocal(view({ apology_letters: [] }), before, NOW).apology_letters).toEqual([]);
    expect(viewToLocal(view(), undefined, NOW).apology_letters).toEqual([]);
  });
});
