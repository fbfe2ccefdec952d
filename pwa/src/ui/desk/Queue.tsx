// The commune's queue: tabs for what needs doing, filters, a search that ignores
// accents (the server folds them), sorted by due date. The filters live in the hash.

import { useEffect, useState } from 'preact/hooks';
import { catalog, communes, device } from '../../app';
import { displayCode } from '../../codes';
import type { DeviceRecord } from '../../db';
import { fetchQueue, type QueueResponse } from '../../desk/api';
import { filterFromQuery, filterToQuery, pageRange, withChange, type QueueFilter, type QueueView } from '../../desk/queueState';
import { formatDate, formatTime, t, tx } from '../../i18n';
import { communeName } from '../../placeNames';
import { navigate, route } from '../../router';
import { State, STATE_NUMBERS, stateLabel } from '../../states';
import { lang } from '../../i18n';
import { DeskTabs, ProblemBox, StatePill } from './common';

const VIEW_LABELS: Record<QueueView, [string, string]> = {
  all: ['Tất cả', 'All'],
  new: ['Mới nộp', 'New'],
  due_today: ['Đến hạn hôm nay', 'Due today'],
  overdue: ['Quá hạn', 'Overdue'],
  waiting_documents: ['Chờ bổ sung', 'Waiting for documents'],
};

function go(f: QueueFilter) {
  const q = filterToQuery(f);
  navigate(`/mot-cua${q ? `?${q}` : ''}`);
}

export function QueueScreen({ dev }: { dev: DeviceRecord }) {
  const filter = filterFromQuery(route.value.query);
  const key = filterToQuery(filter);
  const [answer, setAnswer] = useState<QueueResponse | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [search, setSearch] = useState(filter.q);
  const [reload, setReload] = useState(0);

  useEffect(() => setSearch(filter.q), [filter.q]);
  useEffect(() => {
    const abort = new AbortController();
    setLoading(true);
    setError(null);
    fetchQueue(dev, filter, abort.signal)
      .then((r) => setAnswer(r))
      .catch((e) => {
        if (!(e instanceof DOMException && e.name === 'AbortError')) setError(e);
      })
      .finally(() => {
        if (!abort.signal.aborted) setLoading(false);
      });
    return () => abort.abort();
  }, [key, dev.device_id, reload]);

  const procedures = catalog.value?.procedures ?? [];
  const range = answer ? pageRange(filter, answer.items.length, answer.total) : null;
  const place = communeName(device.value?.commune_code, communes.value);
  return (
    <div class="desk">
      <DeskTabs current="queue" />
      <h1>{place ? t(`Hồ sơ của ${place}`, `Dossiers of ${place}`) : t('Hồ sơ của xã/phường', "The commune's dossiers")}</h1>
      <div class="view-tabs" role="tablist">
        {(Object.keys(VIEW_LABELS) as QueueView[]).map((v) => (
          <button key={v} type="button" role="tab" aria-selected={filter.view === v} class={filter.view === v ? 'tab on' : 'tab'} data-view={v} onClick={() => go(withChange(filter, { view: v }))}>
            {t(...VIEW_LABELS[v])}
          </button>
        ))}
      </div>
      <form
        class="card queue-filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          go(withChange(filter, { q: search }));
        }}
      >
        <label>
          {t('Tìm theo mã hồ sơ hoặc tên (gõ không dấu cũng được)', 'Search by code or name (accents optional)')}
          <div class="row nowrap">
            <input id="desk-search" type="search" value={search} maxLength={100} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
            <button type="submit" class="primary">
              {t('Tìm', 'Search')}
            </button>
          </div>
        </label>
        <div class="row filters">
          <label>
            {t('Thủ tục', 'Procedure')}
            <select id="desk-procedure" value={filter.procedure} onChange={(e) => go(withChange(filter, { procedure: (e.target as HTMLSelectElement).value }))}>
              <option value="">{t('Tất cả thủ tục', 'All procedures')}</option>
              {procedures.map((p) => (
                <option key={p.code} value={p.code}>
                  {tx(p.name)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('Trạng thái', 'State')}
            <select
              id="desk-state"
              value={filter.state === null ? '' : String(filter.state)}
              onChange={(e) => {
                const v = (e.target as HTMLSelectElement).value;
                go(withChange(filter, { state: v ? Number(v) : null }));
              }}
            >
              <option value="">{t('Mọi trạng thái', 'Any state')}</option>
              {STATE_NUMBERS.filter((n) => n !== State.DRAFT).map((n) => (
                <option key={n} value={String(n)}>
                  {stateLabel(n, lang.value)}
                </option>
              ))}
            </select>
          </label>
        </div>
        {(filter.q || filter.procedure || filter.state !== null) && (
          <button type="button" class="link" onClick={() => go({ ...filter, q: '', procedure: '', state: null, page: 0 })}>
            {t('Bỏ lọc', 'Clear filters')}
          </button>
        )}
      </form>
      {error != null && (
        <>
          <ProblemBox error={error} />
          <button type="button" class="secondary" onClick={() => setReload(reload + 1)}>
            {t('Thử lại', 'Try again')}
          </button>
        </>
      )}
      {loading && !answer && <p class="muted">{t('Đang tải…', 'Loading…')}</p>}
      {answer && (
        <div data-testid="desk-queue" aria-busy={loading}>
          <p class="muted small" data-testid="desk-queue-count">
            {range
              ? t(`${range.from}–${range.to} trong ${answer.total} hồ sơ, xếp theo hạn giải quyết`, `${range.from}–${range.to} of ${answer.total}, by due date`)
              : t('Không có hồ sơ nào.', 'No dossiers.')}
          </p>
          <ul class="list">
            {answer.items.map((item) => (
              <li key={item.id}>
                <a class={`dossier-item queue-item${item.overdue ? ' overdue' : ''}`} href={`#/mot-cua/ho-so/${item.id}`} data-testid="queue-item">
                  <strong class="subject">{item.subject || t('(không tên)', '(no name)')}</strong>
                  <StatePill state={item.state} label={item.state_label} />
                  {item.possible_duplicate_of && <span class="pill warn-pill">{t('Có thể trùng', 'Possible duplicate')}</span>}
                  {item.requester_changed && (
                    <span class="pill warn-pill" data-testid="queue-requester-changed">
                      {t('Khác thông tin đã xác thực', 'Differs from verified facts')}
                    </span>
                  )}
                  <span class="muted small wide">{tx(item.procedure)}</span>
                  <span class="code-inline small">{item.code ? displayCode(item.code) : '—'}</span>
                  <span class={item.overdue ? 'due late' : 'due'}>
                    {item.due_date ? `${t('Hạn', 'Due')} ${formatDate(item.due_date)}` : `${t('Nộp', 'Sent')} ${formatTime(item.submitted_at)}`}
                    {item.overdue && ` · ${t('quá hạn', 'overdue')}`}
                  </span>
                </a>
              </li>
            ))}
          </ul>
          {range && (filter.page > 0 || range.more) && (
            <div class="actions">
              <button type="button" class="secondary" disabled={filter.page === 0} onClick={() => go(withChange(filter, { page: filter.page - 1 }))}>
                {t('‹ Trang trước', '‹ Previous')}
              </button>
              <button type="button" class="secondary" disabled={!range.more} onClick={() => go(withChange(filter, { page: filter.page + 1 }))}>
                {t('Trang sau ›', 'Next ›')}
              </button>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
