// The requester's section of a new draft filled from what the e-ID verified: only empty
// fields, only fields the form has, nothing for a form without a requester.
import { describe, expect, it } from 'vitest';
import requesterBirth from '../../server/catalog/data/sections/requester_birth.json';
import child from '../../server/catalog/data/sections/child.json';
import { createDraft, prefillPendingDraft } from './dossiers';
import { validateAnswers } from './formModel';
import { pendingItems } from './outbox';
import { freshDb } from './testing/db';
import type { Schema, Section } from './forms/types';
import { prefillFromVerified, verifiedMark, type VerifiedFacts } from './prefill';

const VERIFIED: VerifiedFacts = {
  id_number: '001085012345',
  full_name: 'Nguyễn Văn An',
  birth_date: '1985-03-14',
  sex: 'male',
  residence: 'Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội',
};

const birthForm: Schema = { sections: [requesterBirth as unknown as Section, child as unknown as Section] };
const label = { vi: 'Nhãn', en: 'Label' };

describe('pre-filling a new draft from the verified identity', () => {
  it('fills the requester’s name, the identity card and its number, and the residence', () => {
    const { values, marks } = prefillFromVerified(birthForm, VERIFIED);
    expect(values).toEqual({
      'requester.full_name': 'Nguyễn Văn An',
      'requester.id_type': 'cccd',
      'requester.id_number': '001085012345',
      'requester.residence': 'Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội',
    });
    expect(marks).toEqual(values);
  });

  it('gives values the app’s validator accepts', () => {
    const { values } = prefillFromVerified(birthForm, VERIFIED);
    const issues = validateAnswers(birthForm, values, null).issues.filter((i) => i.path.startsWith('requester.') && i.code !== 'required');
    expect(issues).toEqual([]);
  });

  it('never overwrites an answer already there, and leaves the number alone when a passport was chosen', () => {
    const { values } = prefillFromVerified(birthForm, VERIFIED, { 'requester.full_name': 'Trần Thị Bình', 'requester.id_type': 'passport' });
    expect(values).toEqual({ 'requester.residence': 'Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội' });
  });

  it('treats an emptied answer as empty', () => {
    expect(prefillFromVerified(birthForm, VERIFIED, { 'requester.residence': '' }).values['requester.residence']).toBe(VERIFIED.residence);
  });

  it('fills birth date and sex where the requester’s section has them', () => {
    const form: Schema = {
      sections: [
        {
          id: 'requester',
          title: label,
          fields: [
            { id: 'full_name', type: 'person_name', label },
            { id: 'birth_date', type: 'date', label },
            { id: 'sex', type: 'sex', label },
          ],
        },
      ],
    };
    expect(prefillFromVerified(form, VERIFIED).values).toEqual({ 'requester.full_name': 'Nguyễn Văn An', 'requester.birth_date': '1985-03-14', 'requester.sex': 'male' });
  });

  it('skips what the provider did not give', () => {
    const { values } = prefillFromVerified(birthForm, { ...VERIFIED, residence: '', id_number: '' });
    expect(values).toEqual({ 'requester.full_name': 'Nguyễn Văn An' });
  });

  it('leaves a form without a requester section, and a person with no verified identity, untouched', () => {
    const noRequester: Schema = { sections: [child as unknown as Section] };
    expect(prefillFromVerified(noRequester, VERIFIED)).toEqual({ values: {}, marks: {} });
    expect(prefillFromVerified(birthForm, null)).toEqual({ values: {}, marks: {} });
  });
});

describe('the mark next to a pre-filled field', () => {
  const marks = { 'requester.full_name': 'Nguyễn Văn An' };
  it('says verified while the value is the provider’s, changed once it differs or is cleared', () => {
    expect(verifiedMark(marks, 'requester.full_name', 'Nguyễn Văn An')).toBe('verified');
    expect(verifiedMark(marks, 'requester.full_name', 'Nguyễn Văn Ân')).toBe('changed');
    expect(verifiedMark(marks, 'requester.full_name', undefined)).toBe('changed');
    expect(verifiedMark(marks, 'requester.residence', 'Huế')).toBeNull();
    expect(verifiedMark(undefined, 'requester.full_name', 'x')).toBeNull();
  });
});

describe('a draft started before its form was on the device', () => {
  it('is pre-filled once, when the form is there: only its empty fields, marked, as one queued edit', async () => {
    const db = await freshDb();
    const d = await createDraft(db, 'khai-sinh', null, { 'requester.full_name': 'Trần Thị Bình' }, { prefillPending: true });
    expect(d.verified_prefill_pending).toBe(true);
    const fill = (answers: Record<string, unknown>) => prefillFromVerified(birthForm, VERIFIED, answers as never);
    const after = await prefillPendingDraft(db, d.id, fill);
    expect(after.verified_prefill_pending).toBeUndefined();
    expect(after.answers['requester.full_name']).toBe('Trần Thị Bình');
    expect(after.answers['requester.id_number']).toBe('001085012345');
    expect(Object.keys(after.verified_fields ?? {}).sort()).toEqual(['requester.id_number', 'requester.id_type', 'requester.residence']);
    // Queued for the server (folded into the create that has not left yet).
    const queued = (await pendingItems(db)).map((i) => i.payload);
    expect(queued).toEqual([
      expect.objectContaining({ fields: { ...after.answers } }),
    ]);
    // Once only: the person may empty a field afterwards and it stays empty.
    await prefillPendingDraft(db, d.id, () => ({ values: { 'requester.residence': 'x' }, marks: {} }));
    expect((await db.get('dossiers', d.id))!.answers['requester.residence']).toBe(VERIFIED.residence);
  });
});
