// The rules of each field type, applied to a visible, non-empty, normalized value.
// A value of the wrong JSON type gives `wrong_type` and nothing else.
//
// Lengths are counted in Unicode code points (Python's `len`), not UTF-16 code units:
// "at most 100 characters" allows 100 characters even outside the BMP.

import { codePointLength } from '../text';
import type { DateOrYear } from './dates';
import { compareDateOrYear, parseDateOrYear } from './dates';
import type { RuleEnv, RuleIssue } from './env';
import { issue } from './env';
import { isValidYear } from './fieldValues';
import { personalIdIssue } from './personalId';
import { ETHNICITY_CODES, NATIONALITY_CODES } from './reference';
import { warnUnknown } from './unknown';
import type {
  AttachmentField,
  DateField,
  Field,
  FieldType,
  JsonValue,
  NumberField,
  TextField,
  YearField,
} from './types';

export const DEFAULT_TEXT_MAX_LENGTH = 255;
export const PERSON_NAME_MAX_LENGTH = 100;
export const DEFAULT_DATE_MIN = '1900-01-01';
export const DEFAULT_YEAR_MIN = 1900;
export const DEFAULT_MAX_FILES = 5;

const PERSON_NAME = /^[\p{L}\p{M} '-]*$/u;
const LETTER = /\p{L}/u; // a name needs at least one: a lone "-" or "'" is not a name
const PHONE = /^0(3[2-9]|5[25689]|7[06-9]|8[1-9]|9[0-9])[0-9]{7}$/;
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
export const EMAIL_MAX_LENGTH = 254;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const TIME = /^([01][0-9]|2[0-3]):[0-5][0-9]$/; // HH:MM, 00:00–23:59, ASCII digits

type JsonKind = 'string' | 'number' | 'boolean' | 'array';

const EXPECTED_KIND: Record<FieldType, JsonKind> = {
  text: 'string',
  person_name: 'string',
  date: 'string',
  time: 'string',
  year: 'number',
  select: 'string',
  sex: 'string',
  ethnicity: 'string',
  nationality: 'string',
  personal_id: 'string',
  phone: 'string',
  email: 'string',
  province: 'string',
  commune: 'string',
  number: 'number',
  checkbox: 'boolean',
  attachment: 'array',
};

function kindOf(value: JsonValue): JsonKind | 'object' | 'null' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      return 'object';
  }
}

/**
 * Whether the value has the JSON type the field's type expects. A type from a newer
 * server expects nothing this build knows: any value is taken (the server decides).
 */
export function hasExpectedType(field: Field, value: JsonValue): boolean {
  const expected = Object.hasOwn(EXPECTED_KIND, field.type) ? EXPECTED_KIND[field.type] : undefined;
  if (expected === undefined) {
    warnUnknown('field type', String(field.type));
    return true;
  }
  return kindOf(value) === expected;
}

function textIssues(field: TextField, value: string): RuleIssue[] {
  const length = codePointLength(value);
  const max = field.max_length ?? DEFAULT_TEXT_MAX_LENGTH;
  const out: RuleIssue[] = [];
  if (length > max) out.push(issue('too_long', { max }));
  if (field.min_length !== undefined && length < field.min_length) {
    out.push(issue('too_short', { min: field.min_length }));
  }
  return out;
}

function personNameIssues(value: string): RuleIssue[] {
  const out: RuleIssue[] = [];
  if (!PERSON_NAME.test(value) || !LETTER.test(value)) out.push(issue('invalid_name'));
  if (codePointLength(value) > PERSON_NAME_MAX_LENGTH) {
    out.push(issue('too_long', { max: PERSON_NAME_MAX_LENGTH }));
  }
  return out;
}

function parseMinDate(min: string): DateOrYear {
  const parsed = parseDateOrYear(min, true);
  if (!parsed) throw new Error(`form schema: bad date min ${JSON.stringify(min)}`);
  return parsed;
}

function dateIssues(field: DateField, value: string, env: RuleEnv): RuleIssue[] {
  const date = parseDateOrYear(value, field.allow_year === true);
  if (!date) return [issue('invalid_date')];
  const out: RuleIssue[] = [];
  if (field.not_future !== false && compareDateOrYear(date, env.today) > 0) {
    out.push(issue('date_in_future'));
  }
  const minText = field.min ?? DEFAULT_DATE_MIN;
  if (compareDateOrYear(date, parseMinDate(minText)) < 0) {
    out.push(issue('date_too_early', { min: minText }));
  }
  return out;
}

function yearIssues(field: YearField, value: number, env: RuleEnv): RuleIssue[] {
  if (!isValidYear(value)) return [issue('invalid_year')];
  const out: RuleIssue[] = [];
  if (field.not_future !== false && value > env.today.year) out.push(issue('date_in_future'));
  const min = field.min ?? DEFAULT_YEAR_MIN;
  if (value < min) out.push(issue('date_too_early', { min }));
  return out;
}

/** A number as an issue param: integers as numbers, others as text (like the Python side). */
function numberParam(n: number): number | string {
  return Number.isInteger(n) ? n : String(n);
}

function numberIssues(field: NumberField, value: number): RuleIssue[] {
  const out: RuleIssue[] = [];
  if (field.integer !== false && !Number.isInteger(value)) out.push(issue('not_integer'));
  if (field.min !== undefined && value < field.min) out.push(issue('too_small', { min: numberParam(field.min) }));
  if (field.max !== undefined && value > field.max) out.push(issue('too_large', { max: numberParam(field.max) }));
  return out;
}

function attachmentIssues(field: AttachmentField, value: readonly JsonValue[]): RuleIssue[] {
  const out: RuleIssue[] = [];
  if (!value.every((item) => typeof item === 'string' && SHA256_HEX.test(item))) {
    out.push(issue('invalid_attachment'));
  }
  const max = field.max_files ?? DEFAULT_MAX_FILES;
  if (value.length > max) out.push(issue('too_many_files', { max }));
  return out;
}

const orNone = (found: boolean, code: string): RuleIssue[] => (found ? [] : [issue(code)]);

/** The issues of one visible, non-empty value (not `required`, not the cross-field rules). */
export function fieldIssues(field: Field, value: JsonValue, env: RuleEnv): RuleIssue[] {
  if (!hasExpectedType(field, value)) return [issue('wrong_type', { type: field.type })];
  switch (field.type) {
    case 'text':
      return textIssues(field, value as string);
    case 'person_name':
      return personNameIssues(value as string);
    case 'date':
      return dateIssues(field, value as string, env);
    case 'time':
      return orNone(TIME.test(value as string), 'invalid_time');
    case 'year':
      return yearIssues(field, value as number, env);
    case 'select':
      return orNone(field.options.some((o) => o.value === value), 'not_an_option');
    case 'sex':
      return orNone(value === 'male' || value === 'female', 'not_an_option');
    case 'ethnicity':
      return orNone(ETHNICITY_CODES.has(value as string), 'not_an_option');
    case 'nationality':
      return orNone(NATIONALITY_CODES.has(value as string), 'not_an_option');
    case 'personal_id': {
      // Its own rules only; `sex_field`/`birth_field` are compared in crossRules.ts.
      const found = personalIdIssue(value as string, env.today);
      return found ? [found] : [];
    }
    case 'phone':
      return orNone(PHONE.test(value as string), 'invalid_phone');
    case 'email': {
      const email = value as string;
      return orNone(codePointLength(email) <= EMAIL_MAX_LENGTH && EMAIL.test(email), 'invalid_email');
    }
    case 'province':
      return orNone(env.provinces.has(value as string), 'unknown_province');
    case 'commune':
      // `province_field` is compared in crossRules.ts.
      return orNone(env.communes.has(value as string), 'unknown_commune');
    case 'number':
      return numberIssues(field, value as number);
    case 'checkbox':
      return []; // a required checkbox that is false is handled with `required`
    case 'attachment':
      return attachmentIssues(field, value as JsonValue[]);
    default:
      return []; // a type from a newer server: drafted as free text, validated at submit
  }
}
