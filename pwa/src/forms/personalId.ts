// Personal ID number (số định danh cá nhân, 12 digits): PPP G YY NNNNNN.
//   PPP  province code (reference/id_province_codes.json)
//   G    century and sex: 0/1 → 1900s male/female, 2/3 → 2000s, … 8/9 → 2300s
//   YY   last two digits of the year of birth
// Checks stop at the first failure, in this order: invalid_format, invalid_id_province,
// invalid_id_birth_year, id_sex_mismatch, id_birth_year_mismatch.

import type { CalendarDate } from './dates';
import type { RuleIssue } from './env';
import { issue } from './env';
import { ID_PROVINCE_CODES } from './reference';

export type Sex = 'male' | 'female';

export interface DecodedPersonalId {
  province: string;
  sex: Sex;
  birthYear: number;
}

/** What the linked fields hold, when they hold usable values. */
export interface PersonalIdLinks {
  sex?: Sex | null;
  birthYear?: number | null;
}

const TWELVE_DIGITS = /^[0-9]{12}$/;

/** Decodes the province, sex and birth year; `null` when not 12 ASCII digits. */
export function decodePersonalId(id: string): DecodedPersonalId | null {
  if (!TWELVE_DIGITS.test(id)) return null;
  const g = Number(id[3]);
  return {
    province: id.slice(0, 3),
    sex: g % 2 === 0 ? 'male' : 'female',
    birthYear: 1900 + Math.floor(g / 2) * 100 + Number(id.slice(4, 6)),
  };
}

/** The first failing rule, or `null`. */
export function personalIdIssue(id: string, today: CalendarDate, links: PersonalIdLinks = {}): RuleIssue | null {
  const decoded = decodePersonalId(id);
  if (!decoded) return issue('invalid_format');
  if (!ID_PROVINCE_CODES.has(decoded.province)) {
    return issue('invalid_id_province', { province: decoded.province });
  }
  if (decoded.birthYear > today.year) return issue('invalid_id_birth_year', { year: decoded.birthYear });
  if (links.sex != null && links.sex !== decoded.sex) return issue('id_sex_mismatch', { sex: decoded.sex });
  if (links.birthYear != null && links.birthYear !== decoded.birthYear) {
    return issue('id_birth_year_mismatch', { year: decoded.birthYear });
  }
  return null;
}
