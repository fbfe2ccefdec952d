// Helpers between the form schema and the screens: the validator's context, what is
// visible and required, and how a value reads to a person.

import type { CommuneIndex } from './reference';
import { holds, validate } from './forms';
import { HOLDS_WHEN_UNKNOWN, SHOWN_WHEN_UNKNOWN } from './forms/conditions';
import type { Answers, Field, JsonValue, Schema, Section, ValidationResult } from './forms/types';
import { ETHNICITIES } from './forms/reference';
import nationalities from '../../sync/forms/reference/nationalities.json';
import { displayDateOrYear, parseDate } from './forms/dates';
import { isDateInWords } from './forms/dateWords';
import { lang, t, tx } from './i18n';
import { processingDays, type ProcessingRule } from './processing';

/** Today in Asia/Ho_Chi_Minh, as the server's validator sees it. */
export function vnToday(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

export function validateAnswers(schema: Schema, answers: Answers, communes: CommuneIndex | null): ValidationResult {
  return validate(schema, answers, {
    today: vnToday(),
    provinces: communes?.context.provinces ?? [],
    communes: communes?.context.communes ?? {},
  });
}

/**
 * Whether a fill rule would fill `path` if the person left it unanswered: then emptying
 * it must be recorded as the answer `""`, not as no answer (sync/forms/README.md, fill rules).
 */
export function filledWhenUnanswered(schema: Schema, answers: Answers, path: string, communes: CommuneIndex | null): boolean {
  const rest: Answers = Object.fromEntries(Object.entries(answers).filter(([p]) => p !== path));
  return validateAnswers(schema, rest, communes).values[path] !== undefined;
}

/**
 * What to store when the person empties `path`: `""` when a fill rule would put a value
 * back, otherwise no answer (null). A date in words is never kept empty: it follows its
 * date, so emptying it brings the date's words back (sync/forms/README.md, Date in words).
 */
export function emptiedAnswer(schema: Schema, answers: Answers, path: string, communes: CommuneIndex | null): '' | null {
  if (wordsFields(schema).some((w) => w.path === path)) return null;
  return filledWhenUnanswered(schema, answers, path, communes) ? '' : null;
}

function wordsFields(schema: Schema): { path: string; date: string }[] {
  const out: { path: string; date: string }[] = [];
  for (const section of schema.sections) {
    for (const field of section.fields) {
      if (field.type === 'text' && field.words_of_date) out.push({ path: `${section.id}.${field.id}`, date: field.words_of_date });
    }
  }
  return out;
}

/**
 * The answers to remove along with a new value at `path`: a date in words the person
 * typed in an accepted form of the date they are now changing was right for that date
 * only; removed, it is filled in again from the new date. Words that did not match the
 * old date either are the person's own text and are kept (the validator then says so).
 */
export function staleDateWords(schema: Schema, answers: Answers, path: string, value: JsonValue | null): string[] {
  const before = answers[path];
  if (before === value || typeof before !== 'string') return [];
  const oldDate = parseDate(before);
  if (!oldDate) return [];
  return wordsFields(schema)
    .filter((w) => w.date === path)
    .filter((w) => {
      const words = answers[w.path];
      return typeof words === 'string' && isDateInWords(words.normalize('NFC'), oldDate);
    })
    .map((w) => w.path);
}

export function sectionVisible(section: Section, values: Answers): boolean {
  return !section.visible_when || holds(section.visible_when, (p) => values[p], SHOWN_WHEN_UNKNOWN);
}

export function fieldVisible(section: Section, field: Field, values: Answers): boolean {
  return sectionVisible(section, values) && (!field.visible_when || holds(field.visible_when, (p) => values[p], SHOWN_WHEN_UNKNOWN));
}

export function fieldRequired(field: Field, values: Answers): boolean {
  return field.required === true || (field.required_when !== undefined && holds(field.required_when, (p) => values[p], HOLDS_WHEN_UNKNOWN));
}

let regionNames: Intl.DisplayNames | null = null;
let regionLang = '';
export function countryName(code: string): string {
  try {
    if (!regionNames || regionLang !== lang.value) {
      regionNames = new Intl.DisplayNames([lang.value === 'vi' ? 'vi' : 'en'], { type: 'region' });
      regionLang = lang.value;
    }
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
}

export const NATIONALITIES: readonly string[] = nationalities as string[];
export { ETHNICITIES };

/** The answer as a person reads it on the review page. */
export function valueText(field: Field, value: JsonValue | undefined, communes: CommuneIndex | null): string {
  if (value === undefined || value === null || value === '') return '';
  switch (field.type) {
    case 'select':
      return tx(field.options.find((o) => o.value === value)?.label) || String(value);
    case 'sex':
      return value === 'male' ? t('Nam', 'Male') : value === 'female' ? t('Nữ', 'Female') : String(value);
    case 'ethnicity':
      return ETHNICITIES.find((e) => e.code === value)?.name ?? String(value);
    case 'nationality':
      return countryName(String(value));
    case 'province':
      return communes?.provinces.find((p) => p.code === value)?.name ?? String(value);
    case 'commune': {
      const c = communes?.byCode.get(String(value));
      return c ? `${c.label}, ${c.provinceName}` : String(value);
    }
    case 'checkbox':
      return value ? t('Có', 'Yes') : t('Không', 'No');
    case 'date':
      return displayDateOrYear(String(value));
    case 'attachment':
      return Array.isArray(value) ? t(`${value.length} tệp`, `${value.length} file(s)`) : '';
    default:
      return String(value);
  }
}

/** "Cùng ngày làm việc", "3 ngày làm việc (tối đa 8 …)". */
export function processingText(p: ProcessingRule & { extended_when?: { vi: string; en: string } | null }): string {
  const days = processingDays(p);
  const base = days === 0 ? t('Trong ngày làm việc (nhận sau 15 giờ: ngày làm việc tiếp theo)', 'The same working day (after 15:00: the next working day)') : t(`${days} ngày làm việc`, `${days} working days`);
  const extended = processingDays(p, true);
  if (extended !== days) {
    return `${base}; ${t(`tối đa ${extended} ngày làm việc`, `up to ${extended} working days`)}${p.extended_when ? ` ${t('khi', 'when')} ${tx(p.extended_when)}` : ''}`;
  }
  return base;
}

export function feeText(fee: { kind: string; note?: { vi: string; en: string } | null }): string {
  const head = fee.kind === 'free' ? t('Miễn phí', 'Free') : fee.kind === 'free_when_on_time' ? t('Miễn phí nếu đúng hạn', 'Free when on time') : t('Theo mức thu của tỉnh', 'Set by the province');
  return fee.note ? `${head}. ${tx(fee.note)}` : head;
}

export { dossierTitle } from './dossierNames';
