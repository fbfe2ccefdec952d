// Every moment shown carries its day, month and year, in both languages.

import { afterEach, describe, expect, it } from 'vitest';
import { formatTime, setLang } from './i18n';

// Made from local wall-clock parts, so it reads the same in any time zone the tests run in.
const moment = new Date(2026, 11, 3, 16, 54).toISOString();

describe('formatTime', () => {
  afterEach(() => setLang('vi'));

  it('says the time, then day/month/year, in Vietnamese', () => {
    setLang('vi');
    expect(formatTime(moment)).toBe('16:54 03/12/2026');
  });

  it('says day/month/year too in English', () => {
    setLang('en');
    expect(formatTime(moment)).toBe('03/12/2026, 16:54');
  });

  it('keeps what is not a moment as it came, and nothing as nothing', () => {
    expect(formatTime('not a time')).toBe('not a time');
    expect(formatTime(null)).toBe('');
  });
});
