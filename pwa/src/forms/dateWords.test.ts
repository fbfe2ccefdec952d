// Vietnamese number and date words beyond the shared vectors (the twin of
// tests/unit/test_date_words.py).
import { describe, expect, it } from 'vitest';
import { dateInWords, isDateInWords, numberSlots } from './dateWords';
import type { CalendarDate } from './dates';

const generated = (n: number) => numberSlots(n).map((slot) => slot[0]).join(' ');

describe('number words', () => {
  it.each([
    [0, 'không'],
    [11, 'mười một'],
    [15, 'mười lăm'],
    [21, 'hai mươi mốt'],
    [24, 'hai mươi bốn'],
    [101, 'một trăm linh một'],
    [110, 'một trăm mười'],
    [1001, 'một nghìn không trăm linh một'],
    [1100, 'một nghìn một trăm'],
    [1994, 'một nghìn chín trăm chín mươi bốn'],
    [2000, 'hai nghìn'],
    [2005, 'hai nghìn không trăm linh năm'],
    [9999, 'chín nghìn chín trăm chín mươi chín'],
  ])('%i is %s', (n, words) => {
    expect(generated(n)).toBe(words);
  });
});

describe('date words', () => {
  it('reads every date of two centuries differently, and accepts each as written', () => {
    // 73,000 days: collected and compared once (an expect per day takes seconds).
    const seen = new Set<string>();
    const wrong: string[] = [];
    let days = 0;
    const day = new Date(Date.UTC(1900, 0, 1));
    while (day.getUTCFullYear() <= 2100) {
      const d: CalendarDate = { kind: 'date', year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate() };
      const text = dateInWords(d);
      if (seen.has(text)) wrong.push(`said twice: ${text}`);
      if (!isDateInWords(text.toUpperCase(), d)) wrong.push(`not accepted: ${text}`);
      seen.add(text);
      days += 1;
      day.setUTCDate(day.getUTCDate() + 1);
    }
    expect(wrong).toEqual([]);
    expect(seen.size).toBe(days);
  });
});
