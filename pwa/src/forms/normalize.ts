// Normalizing answers (done before fill rules and every rule).
//
// Every string, including strings inside arrays, is converted to NFC and trimmed of
// white space; then, by the field's type:
//   person_name  runs of white space become one space
//   phone        spaces, dots, hyphens and parentheses removed; a leading "+84", or a
//                leading "84" when the number then has 11 digits, becomes "0"
//   email        the part after the (last) "@" lower-cased
//   nationality  ASCII letters upper-cased (only those: "ıt" must not become "IT")
// Values of the wrong JSON type are kept as they are (after string normalizing) and get
// `wrong_type` later. Empty values normalize to `undefined` (dropped).

import { WHITE_SPACE_CLASS, collapseWhiteSpace, trimWhiteSpace } from '../text';
import { isEmpty, isPlainObject } from './json';
import type { Field, JsonValue } from './types';

const PHONE_SEPARATORS = new RegExp(`[${WHITE_SPACE_CLASS}.()\\-]`, 'gu');

export function normalizeString(text: string): string {
  return trimWhiteSpace(text.normalize('NFC'));
}

function normalizeDeep(value: JsonValue): JsonValue {
  if (typeof value === 'string') return normalizeString(value);
  if (Array.isArray(value)) return value.map(normalizeDeep);
  if (isPlainObject(value)) {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalizeDeep(v);
    return out;
  }
  return value;
}

export function normalizePhone(text: string): string {
  const compact = text.replace(PHONE_SEPARATORS, '');
  if (compact.startsWith('+84')) return '0' + compact.slice(3);
  if (/^84[0-9]{9}$/.test(compact)) return '0' + compact.slice(2);
  return compact;
}

export function normalizeEmail(text: string): string {
  const at = text.lastIndexOf('@');
  if (at < 0) return text;
  return text.slice(0, at + 1) + text.slice(at + 1).toLowerCase();
}

/** The normalized value of one answer, or `undefined` when it is empty. */
export function normalizeValue(field: Field, raw: JsonValue | undefined): JsonValue | undefined {
  if (raw === undefined) return undefined;
  let value = normalizeDeep(raw);
  if (typeof value === 'string') {
    switch (field.type) {
      case 'person_name':
        value = collapseWhiteSpace(value);
        break;
      case 'phone':
        value = normalizePhone(value);
        break;
      case 'email':
        value = normalizeEmail(value);
        break;
      case 'nationality':
        value = value.replace(/[a-z]+/g, (letters) => letters.toUpperCase()); // ASCII only: not "ıt" → "IT"
        break;
      default:
        break;
    }
  }
  return isEmpty(value) ? undefined : value;
}
