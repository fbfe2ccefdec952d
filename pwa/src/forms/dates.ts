// Calendar dates with no time zone. Free strings are never given to `Date`: shapes are
// matched with ASCII-digit patterns and validity is computed here (proleptic Gregorian,
// years 0001–9999 like Python's `datetime.date`). Day differences use integer
// arithmetic (days since 1970-01-01), so no time zone or DST can shift them.

export interface CalendarDate {
  kind: 'date';
  year: number;
  month: number;
  day: number;
}

export interface YearOnly {
  kind: 'year';
  year: number;
}

export type DateOrYear = CalendarDate | YearOnly;

const FULL_DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const YEAR_ONLY = /^([0-9]{4})$/;

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** A real calendar date `YYYY-MM-DD`, or `null`. */
export function parseDate(text: string): CalendarDate | null {
  const m = FULL_DATE.exec(text);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return null;
  }
  return { kind: 'date', year, month, day };
}

/** A year `YYYY` (0001–9999), or `null`. */
export function parseYearOnly(text: string): YearOnly | null {
  const m = YEAR_ONLY.exec(text);
  if (!m) return null;
  const year = Number(m[1]);
  return year >= 1 ? { kind: 'year', year } : null;
}

/** `YYYY-MM-DD`, or also `YYYY` when `allowYear`; `null` when neither. */
export function parseDateOrYear(text: string, allowYear: boolean): DateOrYear | null {
  return parseDate(text) ?? (allowYear ? parseYearOnly(text) : null);
}

/** Days since 1970-01-01 (H. Hinnant's days_from_civil). */
export function dayNumber(d: CalendarDate): number {
  const y = d.month <= 2 ? d.year - 1 : d.year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (d.month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d.day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Negative, zero or positive as a is before, the same as, or after b. */
export function compareDates(a: CalendarDate, b: CalendarDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/** Compares by full date, or by year alone when either side is year-only. */
export function compareDateOrYear(a: DateOrYear, b: DateOrYear): number {
  if (a.kind === 'year' || b.kind === 'year') return a.year - b.year;
  return compareDates(a, b);
}

/** Whole days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return dayNumber(to) - dayNumber(from);
}

/**
 * Whether a person born on `birth` is at least `years` old on `today`. Born on
 * 29 February: a year older on 1 March in common years. Year-only: born on 1 January.
 */
export function hasTurned(birth: DateOrYear, years: number, today: CalendarDate): boolean {
  const month = birth.kind === 'date' ? birth.month : 1;
  const day = birth.kind === 'date' ? birth.day : 1;
  const year = birth.year + years;
  const birthday: CalendarDate =
    month === 2 && day === 29 && !isLeapYear(year)
      ? { kind: 'date', year, month: 3, day: 1 }
      : { kind: 'date', year, month, day };
  return compareDates(today, birthday) >= 0;
}

export function formatDate(d: CalendarDate): string {
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  return `${pad(d.year, 4)}-${pad(d.month, 2)}-${pad(d.day, 2)}`;
}

/**
 * A `date` answer as people read it, everywhere it is shown: `2026-11-21` reads
 * 21/11/2026 and a year alone stays `1996`. A year-only answer must never gain a day
 * and a month nobody gave (an official would copy 01/01/1996 into the register), so
 * calendar text is matched by shape and never handed to `Date`; any other text is
 * shown as stored rather than guessed at.
 */
export function displayDateOrYear(text: string): string {
  const full = FULL_DATE.exec(text);
  if (full) return `${full[3]}/${full[2]}/${full[1]}`;
  return text;
}
