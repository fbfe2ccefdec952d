// The procedure catalog, offline: what each procedure needs, how long it takes, what
// it costs, what its service level means, and a start button; searched offline with
// accents optional.

import { useState } from 'preact/hooks';
import type { ProcedureSummary } from '../api/types';
import { catalog, startDraft } from '../app';
import { feeText, processingText } from '../formModel';
import { t, tx } from '../i18n';
import { navigate } from '../router';
import { levelMeaning, levelName } from '../serviceLevel';
import { searchKey } from '../text';
import { ServiceLevelNote } from './ServiceLevel';
import { useProcedure } from './useProcedure';

const FAMILIES: [string, string, string][] = [
  ['birth', 'Khai sinh', 'Birth'],
  ['death', 'Khai tử', 'Death'],
  ['marriage', 'Kết hôn', 'Marriage'],
  ['extract', 'Trích lục hộ tịch', 'Extracts'],
  ['recognition', 'Nhận cha, mẹ, con', 'Parentage'],
  ['guardianship', 'Giám hộ', 'Guardianship'],
  ['marital_status', 'Xác nhận tình trạng hôn nhân', 'Marital status'],
  ['correction', 'Thay đổi, cải chính hộ tịch', 'Corrections'],
  ['certified_copy', 'Chứng thực', 'Certified copies'],
];

/** The search key of a query: accents, case and hyphens aside ("khai-sinh" = "Khai sinh"). */
function queryKey(query: string): string {
  return searchKey(query.replace(/[-_/]+/g, ' '));
}

/** Whether a procedure is found by `key`: its name in either language, its code, its family's name. */
function matches(p: ProcedureSummary, familyName: string, key: string): boolean {
  if (!key) return true;
  return [p.name.vi, p.name.en, p.code, familyName].some((text) => queryKey(text).includes(key));
}

export function CatalogPage() {
  const [query, setQuery] = useState('');
  const data = catalog.value;
  if (!data) {
    return <p class="card warn">{t('Danh mục thủ tục chưa có trên máy. Hãy kết nối mạng một lần.', 'The catalog is not on this device yet. Connect once.')}</p>;
  }
  const key = queryKey(query);
  const groups = FAMILIES.map(([family, vi, en]) => ({
    family,
    vi,
    en,
    items: data.procedures.filter((p) => p.family === family && matches(p, `${vi} ${en}`, key)),
  })).filter((g) => g.items.length);
  const found = groups.reduce((n, g) => n + g.items.length, 0);
  return (
    <div>
      <h1>{t('Chọn thủ tục', 'Choose a procedure')}</h1>
      <label for="catalog-search">{t('Tìm thủ tục (gõ không dấu cũng được)', 'Find a procedure (accents optional)')}</label>
      <input id="catalog-search" type="search" value={query} autocomplete="off" onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
      <p class="muted small" role="status" data-testid="catalog-found">
        {key ? t(`${found} thủ tục phù hợp`, `${found} matching procedure(s)`) : ''}
      </p>
      {groups.map(({ family, vi, en, items }) => (
        <section key={family}>
          <h2>{t(vi, en)}</h2>
          <ul class="list">
            {items.map((p) => (
              <li key={p.code}>
                <a href={`#/thu-tuc/${p.code}`} class="dossier-item">
                  <strong>{tx(p.name)}</strong>
                  <span class="muted small">{processingText(p.processing)}</span>
                  <span class="pill" title={levelMeaning(p.level)}>
                    {levelName(p.level)}
                  </span>
                </a>
              </li>
            ))}
          </ul>
        </section>
      ))}
      {key && !found && <p class="card">{t('Không có thủ tục nào phù hợp.', 'No procedure matches.')}</p>}
    </div>
  );
}

export function ProcedurePage({ code }: { code: string }) {
  const summary = catalog.value?.procedures.find((p) => p.code === code);
  const { procedure, missing } = useProcedure(code);
  const p = procedure ?? summary;
  if (!p) return <p class="muted">{missing ? t('Chưa có thông tin thủ tục trên máy.', 'Not on this device yet.') : '…'}</p>;
  return (
    <div>
      <h1>{tx(p.name)}</h1>
      <div class="card">
        <p>
          <strong>{t('Thời hạn giải quyết', 'Processing time')}:</strong> {processingText(p.processing)}
        </p>
        <p>
          <strong>{t('Lệ phí', 'Fee')}:</strong> {feeText(p.fee)}
        </p>
        <ServiceLevelNote level={p.level} />
      </div>
      {p.documents.length > 0 && (
        <div class="card">
          <h2>{t('Giấy tờ cần đính kèm hoặc mang theo', 'Documents to attach or bring')}</h2>
          <ul>
            {p.documents.map((d) => (
              <li key={d.id}>
                {tx(d.label)} {d.required ? <span class="req">*</span> : d.conditional ? <span class="muted small">({t('tùy trường hợp', 'in some cases')})</span> : null}
              </li>
            ))}
          </ul>
        </div>
      )}
      {p.notes.length > 0 && (
        <div class="card">
          <h2>{t('Cần biết trước khi làm', 'Read first')}</h2>
          <ul>
            {p.notes.map((n, i) => (
              <li key={i}>{tx(n)}</li>
            ))}
          </ul>
        </div>
      )}
      {missing && !procedure ? (
        <p class="card warn">{t('Biểu mẫu chưa tải về máy: cần có mạng lần đầu.', 'The form is not on this device yet: connect once.')}</p>
      ) : (
        <button type="button" class="primary big" disabled={!procedure} onClick={async () => navigate(`/ho-so/${await startDraft(code)}`)}>
          {t('Bắt đầu làm hồ sơ', 'Start the dossier')}
        </button>
      )}
    </div>
  );
}
