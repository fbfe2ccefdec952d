// A calendar date in Vietnamese words, as civil-status forms write it ("Ngày mười lăm
// tháng ba năm hai nghìn không trăm hai mươi sáu"), and whether a typed text is one of the
// accepted ways of writing it (sync/forms/README.md, "Date in words"; the twin of
// sync/forms/date_words.py).
//
// A date is a list of slots, one per word; each slot lists the words accepted there, the
// generated one first. Regional variants are accepted but never generated: "lẻ" for
// "linh", "ngàn" for "nghìn", and "tư" for a 4 after a tens word of 20 or more.

import { WHITE_SPACE_CLASS } from '../text';
import type { CalendarDate } from './dates';

type Slot = readonly string[];

const DIGITS = ['không', 'một', 'hai', 'ba', 'bốn', 'năm', 'sáu', 'bảy', 'tám', 'chín'] as const;
const WS_RUN = new RegExp(`[${WHITE_SPACE_CLASS}]+`, 'u');

const digit = (n: number): Slot => [DIGITS[n] as string];

/** The units word after "mười" (10-19) or "<n> mươi" (20-99). */
function unitsAfterTens(units: number, twentyOrMore: boolean): Slot[] {
  if (units === 0) return [];
  if (units === 1) return [twentyOrMore ? ['mốt'] : ['một']];
  if (units === 4) return [twentyOrMore ? ['bốn', 'tư'] : ['bốn']];
  if (units === 5) return [['lăm']];
  return [digit(units)];
}

function belowHundred(n: number, afterHundreds: boolean): Slot[] {
  if (n === 0) return [];
  // "linh"/"lẻ" marks the empty tens place after hundreds: 105 "một trăm linh năm".
  if (n < 10) return afterHundreds ? [['linh', 'lẻ'], digit(n)] : [digit(n)];
  const tens = Math.floor(n / 10);
  const units = n % 10;
  if (tens === 1) return [['mười'], ...unitsAfterTens(units, false)];
  return [digit(tens), ['mươi'], ...unitsAfterTens(units, true)];
}

/** 0–9999 in words: 2026 "hai nghìn không trăm hai mươi sáu", 2000 "hai nghìn". */
export function numberSlots(n: number): Slot[] {
  if (!Number.isInteger(n) || n < 0 || n > 9999) throw new RangeError(`${n} is outside 0-9999`);
  if (n === 0) return [digit(0)];
  const thousands = Math.floor(n / 1000);
  const hundreds = Math.floor(n / 100) % 10;
  const rest = n % 100;
  const slots: Slot[] = [];
  if (thousands) slots.push(digit(thousands), ['nghìn', 'ngàn']);
  if (hundreds || (thousands && rest)) slots.push(digit(hundreds), ['trăm']); // 2026: "không trăm"
  return [...slots, ...belowHundred(rest, thousands > 0 || hundreds > 0)];
}

// The month is its number in words, except April, always "tháng tư". January and December
// are "tháng một" and "tháng mười hai": "giêng" and "chạp" name lunar months.
const monthSlots = (month: number): Slot[] => (month === 4 ? [['tư']] : numberSlots(month));

export function dateSlots(d: CalendarDate): Slot[] {
  return [['ngày'], ...numberSlots(d.day), ['tháng'], ...monthSlots(d.month), ['năm'], ...numberSlots(d.year)];
}

/** The generated form: the first word of every slot, with a capital "Ngày". */
export function dateInWords(d: CalendarDate): string {
  const text = dateSlots(d)
    .map((slot) => slot[0])
    .join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `text` (already NFC) writes `d` in an accepted form, ignoring letter case and white space. */
export function isDateInWords(text: string, d: CalendarDate): boolean {
  const words = text
    .toLowerCase()
    .split(WS_RUN)
    .filter((w) => w !== '');
  const slots = dateSlots(d);
  return words.length === slots.length && words.every((w, i) => (slots[i] as Slot).includes(w));
}
