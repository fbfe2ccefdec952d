// Conditions read the normalized value of a field (after fill rules), visible or not.
//
// A condition this build cannot read (a newer server's schema) has no value: `all`, `any`
// and `not` carry it through (three-valued: `all` with a false part is false, `any` with
// a true part is true, otherwise unknown), and each caller says how to read it. The safe
// reading is the one that hides nothing and demands nothing: a field or section is shown
// (the person can fill it), a field is not required (no error stops a draft the server may
// accept), a fill rule fills nothing and a check does not run (no value or error is
// invented). The server, which knows the condition, decides at submit.

import { isEmpty, jsonEqual } from './json';
import type { Condition, JsonValue } from './types';
import { warnUnknown } from './unknown';

/** Normalized, non-empty values by path (empty values are absent). */
export type ValueLookup = (path: string) => JsonValue | undefined;

/** Shown: a visibility condition this build cannot read shows. */
export const SHOWN_WHEN_UNKNOWN = true;
/** Required, filled, checked: a condition this build cannot read does not hold. */
export const HOLDS_WHEN_UNKNOWN = false;

/** Whether the condition holds; `undefined` when this build cannot read it. */
export function evaluate(condition: Condition, valueOf: ValueLookup): boolean | undefined {
  if ('all' in condition) {
    const parts = condition.all.map((c) => evaluate(c, valueOf));
    return parts.includes(false) ? false : parts.includes(undefined) ? undefined : true;
  }
  if ('any' in condition) {
    const parts = condition.any.map((c) => evaluate(c, valueOf));
    return parts.includes(true) ? true : parts.includes(undefined) ? undefined : false;
  }
  if ('not' in condition) {
    const inner = evaluate(condition.not, valueOf);
    return inner === undefined ? undefined : !inner;
  }
  const value = valueOf(condition.field);
  if ('equals' in condition) {
    // An empty field equals nothing.
    return !isEmpty(value) && jsonEqual(value, condition.equals);
  }
  if ('in' in condition) {
    return !isEmpty(value) && condition.in.some((candidate) => jsonEqual(value, candidate));
  }
  if ('filled' in condition) return !isEmpty(value) === condition.filled;
  const kind = Object.keys(condition as object).filter((key) => key !== 'field').sort().join('+');
  warnUnknown('condition', kind || JSON.stringify(condition));
  return undefined;
}

/** Whether the condition holds, reading one this build cannot read as `whenUnknown`. */
export function holds(condition: Condition, valueOf: ValueLookup, whenUnknown: boolean): boolean {
  return evaluate(condition, valueOf) ?? whenUnknown;
}
