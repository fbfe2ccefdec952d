import { describe, expect, it } from 'vitest';

import { ISSUE_CODES, ISSUE_PARAMS } from './codes';
import { FALLBACK_CODE, MESSAGES, hasMessage, placeholders, renderIssue } from './messages';

// The validator's own source, to find every code literal it can emit.
const sources = import.meta.glob(['./*.ts', '!./*.test.ts'], {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

describe('messages', () => {
  it('has a Vietnamese and an English message for every code the validator can emit', () => {
    for (const code of [...ISSUE_CODES, FALLBACK_CODE]) {
      expect(hasMessage(code), code).toBe(true);
      expect(MESSAGES[code]?.vi.trim(), `${code}.vi`).toBeTruthy();
      expect(MESSAGES[code]?.en.trim(), `${code}.en`).toBeTruthy();
    }
  });

  it('uses only placeholders that the issue carries as params', () => {
    for (const code of ISSUE_CODES) {
      const params: readonly string[] = ISSUE_PARAMS[code];
      for (const lang of ['vi', 'en'] as const) {
        for (const name of placeholders(MESSAGES[code]![lang])) {
          expect(params, `${code}.${lang} uses {${name}}`).toContain(name);
        }
      }
    }
  });

  it('lists every code literal of the validator source in codes.ts', () => {
    expect(Object.keys(sources).length).toBeGreaterThan(5);
    const literals = new Set<string>();
    for (const text of Object.values(sources)) {
      for (const m of text.matchAll(/issue\('([a-z_]+)'|code: '([a-z_]+)'|NOT_BEFORE_CODE = '([a-z_]+)'|orNone\([^\n]*, '([a-z_]+)'\)/g)) {
        literals.add((m[1] ?? m[2] ?? m[3] ?? m[4]) as string);
      }
    }
    expect(literals.size).toBe(ISSUE_CODES.length);
    expect([...literals].filter((c) => !(ISSUE_CODES as string[]).includes(c))).toEqual([]);
  });

  it('renders an issue in Vietnamese and English', () => {
    const issue = { code: 'too_long', params: { max: 100 } };
    expect(renderIssue(issue, 'vi')).toBe('Tối đa 100 ký tự.');
    expect(renderIssue(issue, 'en')).toBe('At most 100 characters.');
    expect(renderIssue({ code: 'too_long', params: {} }, 'en')).toBe('At most {max} characters.');
    expect(renderIssue({ code: 'no_such_code', params: {} })).toBe(MESSAGES[FALLBACK_CODE]!.vi);
  });
});
