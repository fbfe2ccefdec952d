import { describe, expect, it } from 'vitest';
import table from '../../sync/states.json';
import { deviceMay, State, STATE_NUMBERS, stateClass, stateHint, stateLabel, stateName } from './states';

describe('states from sync/states.json', () => {
  it('names every state of the server table, with its number', () => {
    expect(Object.keys(State)).toEqual(Object.keys(table.states).map((n) => n.toUpperCase()));
    expect(State.DRAFT).toBe(table.states.draft);
    expect(State.SUPPLEMENT_REQUESTED).toBe(table.states.supplement_requested);
    expect(STATE_NUMBERS).toEqual(Object.values(table.states).sort((a, b) => a - b));
    expect(stateName(State.RETURNED)).toBe('returned');
  });

  it('words a state as the server does, and an unknown number as itself', () => {
    expect(stateLabel(State.SUPPLEMENT_REQUESTED, 'vi')).toBe(table.labels.supplement_requested[0]);
    expect(stateLabel(State.DONE, 'en')).toBe(table.labels.done[1]);
    expect(stateLabel(99, 'en')).toBe('99');
    for (const n of STATE_NUMBERS) expect(stateHint(n, 'vi')).toBeTruthy();
    expect(stateHint(99, 'vi')).toBeUndefined();
    expect(stateClass(State.FEE_REQUESTED)).toBe('state-fee_requested');
  });

  it("allows the device's changes in the states the server takes them in", () => {
    expect(deviceMay('withdraw', State.SUBMITTED)).toBe(true);
    expect(deviceMay('withdraw', State.WITHDRAWAL_REQUESTED)).toBe(false);
    expect(deviceMay('rate', State.RETURNED)).toBe(true);
    expect(deviceMay('rate', State.PROCESSING)).toBe(false);
    expect(deviceMay('create_draft', State.DRAFT)).toBe(false);
  });
});
