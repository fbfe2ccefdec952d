// Checks across fields. A check runs only when every field it names is visible, filled
// and free of errors of its own (its type's rules and the cross-field rules of
// crossRules.ts; other checks do not count).
// `distinct` compares those of its fields that are visible, filled and error-free
// ("no two of the filled fields"), so one empty field does not switch it off.
// Ages and time limits count to the day of filing (env.filingDay), not to today.

import { HOLDS_WHEN_UNKNOWN, holds } from './conditions';
import { compareDateOrYear, daysBetween, hasTurned } from './dates';
import type { DateOrYear } from './dates';
import type { CrossEnv } from './env';
import { dateOrYearOf } from './fieldValues';
import { jsonEqual } from './json';
import type { Check, Issue, IssueParams, Severity } from './types';
import { warnUnknown } from './unknown';

export const DEFAULT_NOT_BEFORE_CODE = 'date_before_reference';

function dateAt(path: string, env: CrossEnv): DateOrYear | null {
  const entry = env.index.get(path);
  return entry ? dateOrYearOf(entry.field, env.valueOf(path)) : null;
}

function make(check: Check, path: string, code: string, params: IssueParams): Issue {
  const severity: Severity = check.severity ?? 'error';
  return { path, code, severity, params };
}

function runCheck(check: Check, env: CrossEnv): Issue[] {
  if (check.when !== undefined && !holds(check.when, env.valueOf, HOLDS_WHEN_UNKNOWN)) return [];
  switch (check.check) {
    case 'not_before': {
      if (!env.usable(check.field) || !env.usable(check.reference)) return [];
      const a = dateAt(check.field, env);
      const b = dateAt(check.reference, env);
      if (!a || !b || compareDateOrYear(a, b) >= 0) return [];
      const code = check.code ?? DEFAULT_NOT_BEFORE_CODE;
      return [make(check, check.field, code, { reference: check.reference })];
    }
    case 'days_since': {
      if (!env.usable(check.field)) return [];
      const a = dateAt(check.field, env);
      if (!a || a.kind !== 'date') return []; // a year-only value is skipped
      const days = daysBetween(a, env.filingDay);
      const tooFew = check.min !== undefined && days < check.min;
      const tooMany = check.max !== undefined && days > check.max;
      if (!tooFew && !tooMany) return [];
      const params: IssueParams = { days };
      if (check.min !== undefined) params.min = check.min;
      if (check.max !== undefined) params.max = check.max;
      return [make(check, check.field, check.code, params)];
    }
    case 'min_age': {
      if (!env.usable(check.field)) return [];
      const birth = dateAt(check.field, env);
      if (!birth || hasTurned(birth, check.years, env.filingDay)) return [];
      return [make(check, check.field, check.code, { years: check.years })];
    }
    case 'under_age': {
      const birthPath = check.birth ?? check.field;
      if (!env.usable(check.field) || !env.usable(birthPath)) return [];
      const birth = dateAt(birthPath, env);
      // The day before the birthday the person is still under `years`.
      if (!birth || !hasTurned(birth, check.years, env.filingDay)) return [];
      return [make(check, check.field, check.code, { years: check.years })];
    }
    case 'distinct': {
      const seen: string[] = [];
      const out: Issue[] = [];
      for (const path of check.fields) {
        if (!env.usable(path)) continue;
        const value = env.valueOf(path);
        const earlier = seen.find((other) => jsonEqual(env.valueOf(other), value));
        if (earlier !== undefined) out.push(make(check, path, check.code, { other: earlier }));
        seen.push(path);
      }
      return out;
    }
    default:
      // A kind from a newer server: skipped here, the server runs it at submit.
      warnUnknown('check', String((check as { check?: unknown }).check));
      return [];
  }
}

export function runChecks(checks: readonly Check[], env: CrossEnv): Issue[] {
  return checks.flatMap((check) => runCheck(check, env));
}
