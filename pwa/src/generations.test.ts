import { describe, expect, it } from 'vitest';
import { freshDb } from './testing/db';
import { setMeta } from './db';
import { createDraft } from './dossiers';
import { confirmation, confirmedSeq, keepConfirmation, restoredSince } from './generations';

const PHONE = '0190a000-0000-7000-8000-000000000001';

describe('what the device knows of the server\'s history', () => {
  it('a restore shows in a generation other than the one kept', () => {
    expect(restoredSince(1, 1, 9)).toBe(false);
    expect(restoredSince(1, 2, 9)).toBe(true);
    expect(restoredSince(3, 2, 9)).toBe(true);
    expect(restoredSince(2, undefined, 9)).toBe(false); // a server without generations says nothing
  });

  it('a device that never learnt a generation takes the server\'s, unless it holds confirmed work on a restored server', () => {
    expect(restoredSince(undefined, 1, 9)).toBe(false);
    expect(restoredSince(undefined, 2, 0)).toBe(false); // a new phone: nothing the restore could have lost
    expect(restoredSince(undefined, 2, 9)).toBe(true); // upgraded from an app without generations
  });

  it('the confirmed seq only grows, counts per device, and is worked out for an app that never kept it', async () => {
    const db = await freshDb();
    expect(await confirmedSeq(db, PHONE)).toBe(0);
    await setMeta(db, 'next_seq', 8);
    expect(await confirmedSeq(db, PHONE)).toBe(7); // everything before the next seq was answered
    await createDraft(db, 'khai-sinh', 1); // seq 8, waiting
    await createDraft(db, 'khai-tu', 1); // seq 9, waiting
    expect(await confirmedSeq(db, PHONE)).toBe(7);
    await keepConfirmation(db, PHONE, { last_seq: 9, generation: 1, receipt: 'r-9-1' });
    await keepConfirmation(db, PHONE, { last_seq: 3, generation: 2, receipt: 'r-3-2' }); // a restored server answers less
    expect(await confirmation(db, PHONE)).toEqual({ device_id: PHONE, seq: 9, generation: 1, receipt: 'r-9-1' });
    await keepConfirmation(db, PHONE, { last_seq: 9, generation: 2, receipt: 'r-9-2' }); // the put-back's answer: the same seq, the new generation
    expect(await confirmation(db, PHONE)).toEqual({ device_id: PHONE, seq: 9, generation: 2, receipt: 'r-9-2' });
    expect(await confirmedSeq(db, '0190a000-0000-7000-8000-000000000002')).toBe(0); // registered anew: seqs start again
  });
});
