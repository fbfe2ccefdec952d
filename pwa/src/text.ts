// Small text helpers shared by the app and the form validator.
//
// "White space" is the set JavaScript's `String.prototype.trim()` and `\s` know
// (Unicode Zs, tab, line terminators, U+FEFF). The Python validator (sync/forms/, the
// authority) trims with this same explicit set rather than `str.strip()`, which differs
// on U+001C–U+001F, U+0085 and U+FEFF; both sides must agree, so it is spelled out here.

const WS = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

const LEADING_WS = new RegExp(`^[${WS}]+`, 'u');
const TRAILING_WS = new RegExp(`[${WS}]+$`, 'u');
const WS_RUN = new RegExp(`[${WS}]+`, 'gu');
const COMBINING_MARK = /\p{M}/gu;

/** The white-space characters (a character class body, for building regular expressions). */
export const WHITE_SPACE_CLASS = WS;

/** Trims white space (the set above) at both ends. */
export function trimWhiteSpace(text: string): string {
  return text.replace(LEADING_WS, '').replace(TRAILING_WS, '');
}

/** Trims, then turns every run of white space into one U+0020 space. */
export function collapseWhiteSpace(text: string): string {
  return trimWhiteSpace(text).replace(WS_RUN, ' ');
}

/**
 * Length in Unicode code points, as Python's `len(str)` counts. `String.prototype.length`
 * counts UTF-16 code units, so a character outside the BMP (e.g. U+20000 𠀀, used in
 * some Nôm names) would count twice.
 */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * A key for accent- and case-insensitive search ("Đà Nẵng" → "da nang"):
 * NFC → NFD, drop combining marks, đ/Đ → d, lower-case, collapse white space.
 * Dropping every mark also makes old ("hoà") and new ("hòa") tone placement equal.
 * Lower-casing can itself produce a mark ("İ" → "i" + U+0307), so marks are dropped again
 * after it (as sync/text.py does; it uses `casefold`, which differs from `toLowerCase`
 * only for rare letters such as "ß").
 */
export function searchKey(text: string): string {
  const stripped = text
    .normalize('NFC')
    .normalize('NFD')
    .replace(COMBINING_MARK, '')
    .replace(/[đĐ]/g, 'd');
  const folded = stripped.toLowerCase().normalize('NFD').replace(COMBINING_MARK, '');
  return collapseWhiteSpace(folded);
}
