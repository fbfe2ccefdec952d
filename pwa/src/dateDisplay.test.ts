// A year-only answer stays a year wherever a date is shown: on the review page and
// the desk (valueText), the receipt and the dossier's dates (formatDate).

import { describe, expect, it } from 'vitest';

import { valueText } from './formModel';
import { displayDateOrYear } from './forms/dates';
import type { DateField } from './forms/types';
import { formatDate, setLang } from './i18n';

const motherBirth: DateField = { id: 'birth_date', type: 'date', label: { vi: 'Ngày sinh', en: 'Date of birth' }, allow_year: true };

describe('displayDateOrYear', () => {
  it('reads a full date day first', () => {
    expect(displayDateOrYear('2026-11-21')).toBe('21/11/2026');
    expect(displayDateOrYear('0987-01-02')).toBe('02/01/0987');
  });

  it('keeps a year alone a year: no day or month is made up', () => {
    expect(displayDateOrYear('1996')).toBe('1996');
    expect(displayDateOrYear('0001')).toBe('0001');
  });

  it('shows anything else as stored rather than guessing', () => {
    for (const text of ['1996-05', '96', '21/11/2026', '2026-11-21T10:00:00Z', 'năm 1996', '']) {
      expect(displayDateOrYear(text), text).toBe(text);
    }
  });
});

describe('where dates are shown', () => {
  for (const l of ['vi', 'en'] as const) {
    it(`the review page and the desk (valueText, ${l})`, () => {
      setLang(l);
      expect(valueText(motherBirth, '1996', null)).toBe('1996');
      expect(valueText(motherBirth, '1990-05-01', null)).toBe('01/05/1990');
    });

    it(`the dossier's and the receipt's dates (formatDate, ${l})`, () => {
      setLang(l);
      expect(formatDate('1996')).toBe('1996');
      expect(formatDate('1996-05')).toBe('1996-05');
      expect(formatDate('2026-11-21')).toBe('21/11/2026');
      expect(formatDate(null)).toBe('');
    });
  }

  it('a moment with a time of day still reads as its date', () => {
    setLang('vi');
    expect(formatDate('2026-11-21T12:00:00Z')).toBe('21/11/2026'); // noon UTC: the 21st from UTC−11 to UTC+11
  });
});
