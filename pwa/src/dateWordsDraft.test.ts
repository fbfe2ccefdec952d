// The date of birth in words on the device: filled in from the date as soon as it is
// entered, filled in again when emptied, and replaced when the date changes unless the
// person wrote something of their own (sync/forms/README.md, Date in words).
import { describe, expect, it } from 'vitest';
import { emptiedAnswer, staleDateWords, validateAnswers } from './formModel';
import type { Answers, Schema } from './forms/types';

const label = { vi: 'Nhãn', en: 'Label' };
const schema: Schema = {
  sections: [
    {
      id: 'child',
      title: label,
      fields: [
        { id: 'birth_date', type: 'date', label, required: true },
        { id: 'birth_date_words', type: 'text', label, required: true, words_of_date: 'child.birth_date' },
        { id: 'note', type: 'text', label },
      ],
    },
  ],
};
const WORDS = 'child.birth_date_words';

describe('the date of birth in words', () => {
  it('is filled in as soon as the date is entered', () => {
    const result = validateAnswers(schema, { 'child.birth_date': '2020-03-15' }, null);
    expect(result.values[WORDS]).toBe('Ngày mười lăm tháng ba năm hai nghìn không trăm hai mươi');
    expect(result.issues).toEqual([]);
  });

  it('emptied, is no answer (null), so that the words come back; another field stays ""-free too', () => {
    const answers: Answers = { 'child.birth_date': '2020-03-15', [WORDS]: 'Ngày mười lăm tháng ba năm hai nghìn không trăm hai mươi' };
    expect(emptiedAnswer(schema, answers, WORDS, null)).toBeNull();
    expect(emptiedAnswer(schema, answers, 'child.note', null)).toBeNull();
  });

  it('typed in an accepted form of the old date goes when the date changes', () => {
    const answers: Answers = { 'child.birth_date': '2005-03-15', [WORDS]: 'ngày mười lăm tháng ba năm hai ngàn không trăm lẻ năm' };
    expect(staleDateWords(schema, answers, 'child.birth_date', '2005-03-16')).toEqual([WORDS]);
    expect(staleDateWords(schema, answers, 'child.birth_date', null)).toEqual([WORDS]);
    expect(staleDateWords(schema, answers, 'child.birth_date', '2005-03-15')).toEqual([]);
    expect(staleDateWords(schema, answers, 'child.note', 'x')).toEqual([]);
  });

  it("the person's own text that did not match the old date is kept, and refused with the words it should read", () => {
    const answers: Answers = { 'child.birth_date': '2005-03-15', [WORDS]: 'mười lăm tháng ba' };
    expect(staleDateWords(schema, answers, 'child.birth_date', '2005-03-16')).toEqual([]);
    const issues = validateAnswers(schema, { ...answers, 'child.birth_date': '2005-03-16' }, null).issues;
    expect(issues).toEqual([
      {
        path: WORDS,
        code: 'date_words_mismatch',
        severity: 'error',
        params: { expected: 'Ngày mười sáu tháng ba năm hai nghìn không trăm linh năm' },
      },
    ]);
  });
});
