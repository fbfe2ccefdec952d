// Fill rules: applied in order, after normalizing and before validating. When a rule's
// condition holds, each empty target receives its source's value; a target that already
// has a value is left as the person wrote it, and an empty source fills nothing.
// The source's normalized value is copied as is (sync/forms/README.md, fill rules),
// exactly as the Python validator does.

import { holds } from './conditions';
import type { SchemaIndex } from './schemaIndex';
import type { FillRule, JsonValue } from './types';

/** `values` holds the normalized, non-empty answers by path; it is updated in place. */
export function applyFillRules(rules: readonly FillRule[], values: Map<string, JsonValue>, index: SchemaIndex): void {
  const valueOf = (path: string) => values.get(path);
  for (const rule of rules) {
    if (!holds(rule.when, valueOf)) continue;
    for (const { from, to } of rule.copy) {
      const target = index.get(to);
      const source = values.get(from);
      if (!target || source === undefined || values.has(to)) continue;
      values.set(to, structuredClone(source));
    }
  }
}
