// Conditions read the normalized value of a field (after fill rules), visible or not.

import { isEmpty, jsonEqual } from './json';
import type { Condition, JsonValue } from './types';

/** Normalized, non-empty values by path (empty values are absent). */
export type ValueLookup = (path: string) => JsonValue | undefined;

export function holds(condition: Condition, valueOf: ValueLookup): boolean {
  if ('all' in condition) return condition.all.every((c) => holds(c, valueOf));
  if ('any' in condition) return condition.any.some((c) => holds(c, valueOf));
  if ('not' in condition) return !holds(condition.not, valueOf);
  const value = valueOf(condition.field);
  if ('equals' in condition) {
    // An empty field equals nothing.
    return !isEmpty(value) && jsonEqual(value, condition.equals);
  }
  if ('in' in condition) {
    return !isEmpty(value) && condition.in.some((candidate) => jsonEqual(value, candidate));
  }
  if ('filled' in condition) return !isEmpty(value) === condition.filled;
  throw new Error(`form schema: unknown condition ${JSON.stringify(condition)}`);
}
