// validate(schema, answers, context) → {values, issues}: the TypeScript twin of the
// Python validator in sync/forms/ (the authority). Steps:
//   1. known paths normalized, empty values dropped; unknown paths set aside
//   2. fill rules, in order; then each empty date in words receives its date's words
//   3. visibility (section, then field) from the filled values
//   4. each visible field: `required` when empty (or a required checkbox is false), else
//      its type's own rules
//   5. rules that read another field (personal ID ↔ sex/birth, commune ↔ province)
//   6. checks across fields, counting ages and time limits to the day of filing
//      (context.filed_on, default today); a field's own rules hold against today
// Issues come in the Python order: fields in schema order, then checks in order, then
// `unknown_field` for unknown paths (sorted).

import { runChecks } from './checks';
import { HOLDS_WHEN_UNKNOWN, SHOWN_WHEN_UNKNOWN, holds } from './conditions';
import { crossFieldIssues } from './crossRules';
import type { CalendarDate } from './dates';
import { parseDate } from './dates';
import type { CrossEnv, RuleIssue } from './env';
import { fieldIssues } from './fieldRules';
import { applyFillRules } from './fillRules';
import { applyWordsOfDate } from './wordsOfDate';
import { normalizeValue } from './normalize';
import { indexSchema } from './schemaIndex';
import type { Answers, Issue, JsonValue, Schema, ValidationContext, ValidationResult } from './types';

function parseDay(name: 'today' | 'filed_on', day: string): CalendarDate {
  const parsed = parseDate(day);
  if (!parsed) throw new Error(`validate: context.${name} must be YYYY-MM-DD, got ${JSON.stringify(day)}`);
  return parsed;
}

function toSet(codes: ValidationContext['provinces']): ReadonlySet<string> {
  return codes instanceof Set ? codes : new Set(codes as readonly string[]);
}

function toMap(communes: ValidationContext['communes']): ReadonlyMap<string, string> {
  return communes instanceof Map
    ? communes
    : new Map(Object.entries(communes as Readonly<Record<string, string>>));
}

/** Compares strings by code point, as Python's `sorted` does (not by UTF-16 unit). */
function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] as string).codePointAt(0)! - (y[i] as string).codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

export function validate(schema: Schema, answers: Answers, context: ValidationContext): ValidationResult {
  const today = parseDay('today', context.today);
  const filingDay = context.filed_on === undefined ? today : parseDay('filed_on', context.filed_on);
  const index = indexSchema(schema);

  // 1. Normalize known paths; set unknown ones aside.
  const filled = new Map<string, JsonValue>();
  // Known paths the person answered, even with an empty value: no fill rule overrides them.
  const answered = new Set<string>();
  const unknown: string[] = [];
  for (const path of Object.keys(answers)) {
    const entry = index.get(path);
    if (!entry) {
      unknown.push(path);
      continue;
    }
    if (answers[path] !== null && answers[path] !== undefined) answered.add(path);
    const value = normalizeValue(entry.field, answers[path]);
    if (value !== undefined) filled.set(path, value);
  }

  // 2. Fill rules.
  applyFillRules(schema.fill_rules ?? [], filled, answered, index);
  applyWordsOfDate(filled, index);
  const valueOf = (path: string) => filled.get(path);

  // 3. Visibility.
  const visible = new Set<string>();
  for (const section of schema.sections) {
    const sectionVisible = !section.visible_when || holds(section.visible_when, valueOf, SHOWN_WHEN_UNKNOWN);
    for (const field of section.fields) {
      if (sectionVisible && (!field.visible_when || holds(field.visible_when, valueOf, SHOWN_WHEN_UNKNOWN))) {
        visible.add(`${section.id}.${field.id}`);
      }
    }
  }

  // 4. Each visible field's own rules.
  const found = new Map<string, RuleIssue[]>();
  const add = (path: string, issue: RuleIssue) => {
    const list = found.get(path);
    if (list) list.push(issue);
    else found.set(path, [issue]);
  };
  const env = { today, provinces: toSet(context.provinces), communes: toMap(context.communes) };
  for (const section of schema.sections) {
    const paths = section.fields.map((field) => `${section.id}.${field.id}`);
    // An optional section nobody started (no visible field filled) has nothing required.
    const started = section.optional !== true || paths.some((p) => visible.has(p) && filled.has(p));
    section.fields.forEach((field, i) => {
      const path = paths[i] as string;
      if (!visible.has(path)) return;
      const required =
        started && (field.required === true || (field.required_when !== undefined && holds(field.required_when, valueOf, HOLDS_WHEN_UNKNOWN)));
      const value = filled.get(path);
      if (value === undefined) {
        if (required) add(path, { code: 'required', params: {} });
        return;
      }
      if (field.type === 'checkbox' && value === false && required) add(path, { code: 'required', params: {} });
      for (const issue of fieldIssues(field, value, env)) add(path, issue);
    });
  }

  // 5. Rules that read another field; 6. checks.
  const cross: CrossEnv = {
    ...env,
    filingDay,
    index,
    valueOf,
    visible: (path) => visible.has(path),
    usable: (path) => visible.has(path) && filled.has(path) && (found.get(path) ?? []).length === 0,
  };
  for (const { path, issue } of crossFieldIssues(cross)) add(path, issue);

  const issues: Issue[] = [];
  for (const path of index.keys()) {
    for (const { code, params } of found.get(path) ?? []) issues.push({ path, code, severity: 'error', params });
  }
  issues.push(...runChecks(schema.checks ?? [], cross));
  for (const path of unknown.sort(byCodePoint)) {
    issues.push({ path, code: 'unknown_field', severity: 'error', params: {} });
  }

  const values: Record<string, JsonValue> = {};
  for (const path of index.keys()) {
    const value = filled.get(path);
    if (visible.has(path) && value !== undefined) values[path] = value;
  }
  return { values, issues };
}
