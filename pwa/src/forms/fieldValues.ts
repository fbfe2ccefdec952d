// Reading a `date` or `year` field's value as a calendar value.

import type { DateOrYear } from './dates';
import { parseDateOrYear } from './dates';
import type { Field, JsonValue } from './types';

/** An integer 1000–9999 (what a `year` field accepts). */
export function isValidYear(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1000 && value <= 9999;
}

/** The calendar value of a `date` or `year` field's answer; `null` when it has none. */
export function dateOrYearOf(field: Field, value: JsonValue | undefined): DateOrYear | null {
  if (field.type === 'year') return isValidYear(value) ? { kind: 'year', year: value } : null;
  if (field.type === 'date' && typeof value === 'string') {
    return parseDateOrYear(value, field.allow_year === true);
  }
  return null;
}
