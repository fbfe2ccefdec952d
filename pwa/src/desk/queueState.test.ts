import { describe, expect, it } from 'vitest';
import { DEFAULT_FILTER, PAGE_SIZE, filterFromQuery, filterToQuery, pageRange, queueQuery, withChange } from './queueState';
import { State } from '../states';

describe('queue filter state', () => {
  it('reads the hash query and falls back on anything unknown', () => {
    expect(filterFromQuery(new URLSearchParams(''))).toEqual(DEFAULT_FILTER);
    expect(filterFromQuery(new URLSearchParams('view=overdue&procedure=khai-sinh&state=5&q=Nguyen&page=2'))).toEqual({
      view: 'overdue',
      procedure: 'khai-sinh',
      state: State.SUPPLEMENT_REQUESTED,
      q: 'Nguyen',
      page: 2,
    });
    expect(filterFromQuery(new URLSearchParams('view=everything&state=11&page=-1'))).toEqual(DEFAULT_FILTER);
    expect(filterFromQuery(new URLSearchParams('state=0')).state).toBeNull();
    expect(filterFromQuery(new URLSearchParams('state=2x')).state).toBeNull();
  });

  it('round-trips through the hash without the defaults', () => {
    expect(filterToQuery(DEFAULT_FILTER)).toBe('');
    const f = { view: 'waiting_documents' as const, procedure: 'khai-tu', state: State.PROCESSING, q: '  Lê Thu  ', page: 3 };
    const q = filterToQuery(f);
    expect(q).toBe('view=waiting_documents&procedure=khai-tu&state=4&q=L%C3%AA+Thu&page=3');
    expect(filterFromQuery(new URLSearchParams(q))).toEqual({ ...f, q: 'Lê Thu' });
  });

  it('goes back to the first page when a filter changes, not when the page does', () => {
    const onPage3 = { ...DEFAULT_FILTER, page: 3 };
    expect(withChange(onPage3, { view: 'new' }).page).toBe(0);
    expect(withChange(onPage3, { q: 'x' }).page).toBe(0);
    expect(withChange(onPage3, { page: 4 }).page).toBe(4);
  });

  it('asks the server for one page, leaving out empty filters', () => {
    expect(queueQuery({ ...DEFAULT_FILTER, q: '  ', page: 2 })).toEqual({ view: 'all', limit: PAGE_SIZE, offset: 2 * PAGE_SIZE });
    const p2 = queueQuery({ view: 'due_today', procedure: 'ket-hon', state: State.RECEIVED, q: ' tran ', page: 0 });
    expect(p2).toEqual({ view: 'due_today', limit: 50, offset: 0, procedure: 'ket-hon', state: State.RECEIVED, q: 'tran' });
  });

  it('says which rows a page shows and whether more follow', () => {
    expect(pageRange(DEFAULT_FILTER, 0, 0)).toBeNull();
    expect(pageRange(DEFAULT_FILTER, 50, 120)).toEqual({ from: 1, to: 50, more: true });
    expect(pageRange({ ...DEFAULT_FILTER, page: 2 }, 20, 120)).toEqual({ from: 101, to: 120, more: false });
  });
});
