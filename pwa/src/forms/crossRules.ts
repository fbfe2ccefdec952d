// Field rules that read another field: a personal ID against its `sex_field` and
// `birth_field`, a commune against its `province_field`. They run after every field's own
// rules, only on a field that is itself usable (visible, filled, free of errors of its
// own). A linked field is read when it is visible and
//   - sex_field "holds a valid sex": "male" or "female";
//   - birth_field "holds a valid date or year": a real calendar date (or a year, where the
//     field allows one) — even one outside the field's own limits, since a birth date
//     before `min` still tells the year the person was born;
//   - province_field is usable (an unknown province has its own error and is not compared).
// A date in words is compared with its `words_of_date` date when that holds a real date,
// read whether or not it is visible (as its words were filled in).

import { dateInWords, isDateInWords } from './dateWords';
import type { CrossEnv, RuleIssue } from './env';
import { issue } from './env';
import { dateOrYearOf } from './fieldValues';
import type { PersonalIdLinks, Sex } from './personalId';
import { personalIdIssue } from './personalId';
import type { CommuneField, PersonalIdField, TextField } from './types';
import { wordsSource } from './wordsOfDate';

function personalIdLinks(field: PersonalIdField, env: CrossEnv): PersonalIdLinks {
  const links: PersonalIdLinks = {};
  if (field.sex_field && env.visible(field.sex_field)) {
    const sex = env.valueOf(field.sex_field);
    if (sex === 'male' || sex === 'female') links.sex = sex satisfies Sex;
  }
  if (field.birth_field && env.visible(field.birth_field)) {
    const entry = env.index.get(field.birth_field);
    const born = entry ? dateOrYearOf(entry.field, env.valueOf(field.birth_field)) : null;
    if (born) links.birthYear = born.year;
  }
  return links;
}

function communeIssue(field: CommuneField, commune: string, env: CrossEnv): RuleIssue | null {
  const chosen = field.province_field;
  if (!chosen || !env.usable(chosen)) return null;
  const province = env.valueOf(chosen);
  if (typeof province !== 'string' || env.communes.get(commune) === province) return null;
  return issue('commune_not_in_province', { province });
}

function dateWordsIssue(field: TextField, text: string, env: CrossEnv): RuleIssue | null {
  const day = wordsSource(field, env.valueOf);
  if (!day || isDateInWords(text, day)) return null;
  return issue('date_words_mismatch', { expected: dateInWords(day) });
}

/** The cross-field issues of every usable field, by path, in schema order. */
export function crossFieldIssues(env: CrossEnv): { path: string; issue: RuleIssue }[] {
  const out: { path: string; issue: RuleIssue }[] = [];
  for (const { path, field } of env.index.values()) {
    if (!env.usable(path)) continue;
    const value = env.valueOf(path);
    if (typeof value !== 'string') continue;
    let found: RuleIssue | null = null;
    if (field.type === 'personal_id') found = personalIdIssue(value, env.today, personalIdLinks(field, env));
    else if (field.type === 'commune') found = communeIssue(field, value, env);
    else if (field.type === 'text' && field.words_of_date) found = dateWordsIssue(field, value, env);
    if (found) out.push({ path, issue: found });
  }
  return out;
}
