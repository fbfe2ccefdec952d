// Fill rules: applied in order, after normalizing and before validating. When a rule's
// condition holds, each target the person never answered receives its source's value; a
// target the person answered, even with an empty value (`""`: they cleared it), is left as
// they wrote it, and an empty source fills nothing.
// The source's normalized value is copied as is (sync/forms/README.md, fill rules),
// exactly as the Python validator does.

import { HOLDS_WHEN_UNKNOWN, holds } from './conditions';
import type { SchemaIndex } from './schemaIndex';
import type { FillRule, JsonValue } from './types';

/**
 * `values` holds the normalized, non-empty answers by path; it is updated in place.
 * `answered` holds the known paths whose answer is not null, empty ones included.
 */
export function applyFillRules(
  rules: readonly FillRule[],
  values: Map<string, JsonValue>,
  answered: ReadonlySet<string>,
  index: SchemaIndex,
): void {
  const valueOf = (path: string) => values.get(path);
  for (const rule of rules) {
    if (!holds(rule.when, valueOf, HOLDS_WHEN_UNKNOWN)) continue;
    for (const { from, to } of rule.copy) {
      const target = index.get(to);
      const source = values.get(from);
      if (!target || source === undefined || answered.has(to) || values.has(to)) continue;
      values.set(to, structuredClone(source));
    }
  }
}
