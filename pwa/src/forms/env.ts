// What a rule may read besides its own value.

import type { CalendarDate } from './dates';
import type { SchemaIndex } from './schemaIndex';
import type { IssueParams, JsonValue } from './types';

export interface RuleEnv {
  today: CalendarDate;
  provinces: ReadonlySet<string>;
  communes: ReadonlyMap<string, string>;
}

/** For rules that read other fields (after every field's own rules have run). */
export interface CrossEnv extends RuleEnv {
  /** The day checks count ages and time limits to: the context's `filed_on`, else today. */
  filingDay: CalendarDate;
  index: SchemaIndex;
  /** The normalized value of a filled field (visible or not). */
  valueOf(path: string): JsonValue | undefined;
  visible(path: string): boolean;
  /** Visible, filled and free of errors of its own: safe for another rule to read. */
  usable(path: string): boolean;
}

export interface RuleIssue {
  code: string;
  params: IssueParams;
}

export function issue(code: string, params: IssueParams = {}): RuleIssue {
  return { code, params };
}
