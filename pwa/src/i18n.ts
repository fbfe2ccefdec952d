// Vietnamese by default, English on request. Texts sit beside their use as t(vi, en),
// so both languages are always written together.

import { signal } from '@preact/signals';
import type { LocalizedText } from './api/types';
import { displayDateOrYear } from './forms/dates';

export type Lang = 'vi' | 'en';
const KEY = 'motcua.lang';

function initial(): Lang {
  try {
    const saved = globalThis.localStorage?.getItem(KEY);
    if (saved === 'vi' || saved === 'en') return saved;
  } catch {
    // storage may be unavailable
  }
  return 'vi';
}

export const lang = signal<Lang>(initial());

export function setLang(next: Lang): void {
  lang.value = next;
  try {
    globalThis.localStorage?.setItem(KEY, next);
  } catch {
    // not persisted: fine
  }
  if (typeof document !== 'undefined') document.documentElement.lang = next;
}

export function t(vi: string, en: string): string {
  return lang.value === 'vi' ? vi : en;
}

export function tx(text: LocalizedText | { vi: string; en: string } | undefined | null): string {
  if (!text) return '';
  return lang.value === 'vi' ? text.vi : text.en || text.vi;
}

const dateFormat = (l: Lang) => new Intl.DateTimeFormat(l === 'vi' ? 'vi-VN' : 'en-GB', { day: '2-digit', month: '2-digit', year: 'numeric' });
// A moment always with its year: "16:54 03/12" leaves a person guessing which December.
const timeFormat = (l: Lang) =>
  new Intl.DateTimeFormat(l === 'vi' ? 'vi-VN' : 'en-GB', { hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit', year: 'numeric' });

/** "2026-11-21" → 21/11/2026, "1996" stays 1996 (calendar dates have no time zone);
 *  only a moment with a time of day goes through `Date`. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  if (!/T\d{2}:\d{2}/.test(iso)) return displayDateOrYear(iso);
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateFormat(lang.value).format(d);
}

/** A moment in the device's time zone: "16:54 03/12/2026" (vi), "03/12/2026, 16:54" (en). */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : timeFormat(lang.value).format(d);
}
