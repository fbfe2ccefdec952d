// A `text` field with `words_of_date` follows its date (sync/forms/README.md, "Date in
// words"): after the fill rules, an empty one (even emptied: unlike a fill rule's target,
// there is nothing else it could say) receives the date's words. The date is read whether
// or not its field is visible, as fill rules read; a year alone has no day to put in words.

import type { CalendarDate } from './dates';
import { parseDate } from './dates';
import { dateInWords } from './dateWords';
import type { SchemaIndex } from './schemaIndex';
import type { JsonValue, TextField } from './types';

/** The real `YYYY-MM-DD` date the field puts in words, even one outside its field's limits. */
export function wordsSource(field: TextField, valueOf: (path: string) => JsonValue | undefined): CalendarDate | null {
  const value = field.words_of_date ? valueOf(field.words_of_date) : undefined;
  return typeof value === 'string' ? parseDate(value) : null;
}

/** `values` holds the normalized, non-empty answers by path (after fill rules); updated in place. */
export function applyWordsOfDate(values: Map<string, JsonValue>, index: SchemaIndex): void {
  const valueOf = (path: string) => values.get(path);
  for (const { path, field } of index.values()) {
    if (field.type !== 'text' || !field.words_of_date || values.has(path)) continue;
    const day = wordsSource(field, valueOf);
    if (day) values.set(path, dateInWords(day));
  }
}
