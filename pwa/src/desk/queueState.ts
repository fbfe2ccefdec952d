// The desk queue's filters live in the hash (#/mot-cua?view=overdue&q=…), so the
// back button, a reload and a shared link all show the same list. Changing a
// filter goes back to the first page.

import type { paths } from '../api/schema';
import { State, STATE_NUMBERS } from '../states';

export const VIEWS = ['all', 'new', 'due_today', 'overdue', 'waiting_documents'] as const;
export type QueueView = (typeof VIEWS)[number];
export const PAGE_SIZE = 50;

export interface QueueFilter {
  view: QueueView;
  procedure: string;
  state: number | null;
  q: string;
  page: number;
}

export const DEFAULT_FILTER: QueueFilter = { view: 'all', procedure: '', state: null, q: '', page: 0 };

function wholeNumber(raw: string | null, min: number, max: number): number | null {
  if (raw === null || !/^\d+$/.test(raw)) return null;
  const n = Number(raw);
  return n >= min && n <= max ? n : null;
}

/** Reads the filter from the hash's query; anything unknown falls back to the default. */
export function filterFromQuery(query: URLSearchParams): QueueFilter {
  const view = query.get('view');
  return {
    view: (VIEWS as readonly string[]).includes(view ?? '') ? (view as QueueView) : 'all',
    procedure: (query.get('procedure') ?? '').slice(0, 64),
    state: wholeNumber(query.get('state'), State.SUBMITTED, Math.max(...STATE_NUMBERS)),
    q: (query.get('q') ?? '').slice(0, 100),
    page: wholeNumber(query.get('page'), 0, 10_000) ?? 0,
  };
}

/** The hash query for a filter, without the defaults (so the plain queue is #/mot-cua). */
export function filterToQuery(f: QueueFilter): string {
  const out = new URLSearchParams();
  if (f.view !== 'all') out.set('view', f.view);
  if (f.procedure) out.set('procedure', f.procedure);
  if (f.state !== null) out.set('state', String(f.state));
  if (f.q.trim()) out.set('q', f.q.trim());
  if (f.page > 0) out.set('page', String(f.page));
  return out.toString();
}

/** A new filter with `change` applied; any change but the page's starts again at page 0. */
export function withChange(f: QueueFilter, change: Partial<QueueFilter>): QueueFilter {
  const next = { ...f, ...change };
  if (!('page' in change)) next.page = 0;
  return next;
}

export type QueueQuery = NonNullable<paths['/api/desk/queue']['get']['parameters']['query']>;

/** The query of GET /api/desk/queue. The server sorts by due date and folds accents. */
export function queueQuery(f: QueueFilter): QueueQuery {
  const out: QueueQuery = { view: f.view, limit: PAGE_SIZE, offset: f.page * PAGE_SIZE };
  if (f.procedure) out.procedure = f.procedure;
  if (f.state !== null) out.state = f.state;
  if (f.q.trim()) out.q = f.q.trim();
  return out;
}

/** "1–50 of 120", as numbers: the first and last shown (1-based), or null for an empty page. */
export function pageRange(f: QueueFilter, shown: number, total: number): { from: number; to: number; more: boolean } | null {
  if (!shown) return null;
  const from = f.page * PAGE_SIZE + 1;
  const to = from + shown - 1;
  return { from, to, more: to < total };
}
