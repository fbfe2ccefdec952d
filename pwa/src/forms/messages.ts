// Human messages for issue codes, from sync/forms/messages.json (written with the Python
// validator; shared, not copied): {code: {vi, en}} with `{param}` placeholders.
// A code without a message (a check code the catalog did not describe) gets `_default`;
// a placeholder without a param is left visible, as the Python `render` does.

import table from '../../../sync/forms/messages.json';
import type { Issue } from './types';

export type Language = 'vi' | 'en';
export type MessageTable = Readonly<Record<string, Readonly<Record<Language, string>>>>;

export const MESSAGES: MessageTable = table;
export const FALLBACK_CODE = '_default';

const PLACEHOLDER = /\{([a-z_][a-z0-9_]*)\}/g;

export function hasMessage(code: string): boolean {
  return Object.hasOwn(MESSAGES, code);
}

/** The `{param}` names a template uses. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
}

/** The issue's message in `lang`, placeholders filled from its params. */
export function renderIssue(issue: Pick<Issue, 'code' | 'params'>, lang: Language = 'vi'): string {
  const entry = (hasMessage(issue.code) ? MESSAGES[issue.code] : MESSAGES[FALLBACK_CODE]) as Record<Language, string>;
  return entry[lang].replace(PLACEHOLDER, (whole, name: string) =>
    Object.hasOwn(issue.params, name) ? String(issue.params[name]) : whole,
  );
}
