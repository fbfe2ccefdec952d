// A commune picker fast over all 3,321 communes: type any part of the name, with or
// without accents; limited to the chosen province when the form has one. Online, a name
// of before 1 July 2025 ("Phường Phúc Xá, Quận Ba Đình") also offers the commune(s) it
// became, each labelled with the old units.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { communes, online } from '../app';
import { t } from '../i18n';
import { beforeLabel, communeChoices } from '../oldAddresses';
import { prepareCommuneSearch, searchCommunes } from '../reference';
import { useOldMatches } from './OldAddressHint';

// Six rows show at once; twenty leave room to scroll without a key's redraw growing.
const SHOWN = 20;
const ROWS = Array.from({ length: SHOWN }, (_, row) => row);

interface Props {
  id: string;
  value: string | undefined;
  province?: string | null;
  invalid?: boolean;
  onChange(code: string | null): void;
}

export function CommunePicker({ id, value, province, invalid, onChange }: Props) {
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState(!value);
  const index = communes.value;
  const selected = value ? index?.byCode.get(value) : undefined;
  // Ready the search (the sort, the engine's compiled loop) while the person is still
  // reading the form, not on their first key.
  useEffect(() => {
    if (!index) return;
    if ('requestIdleCallback' in window) {
      const id = requestIdleCallback(() => prepareCommuneSearch(index), { timeout: 2000 });
      return () => cancelIdleCallback(id);
    }
    const id = setTimeout(() => prepareCommuneSearch(index), 200);
    return () => clearTimeout(id);
  }, [index]);
  const hits = useMemo(() => (index && open ? searchCommunes(index, query, province || null, SHOWN) : []), [index, query, province, open]);
  const oldMatches = useOldMatches(open ? query : '', true);
  const olds = useMemo(() => {
    if (!index || !oldMatches.length) return [];
    const shown = new Set(hits.map((c) => c.code));
    return communeChoices(index, oldMatches, province || null).filter((o) => !shown.has(o.commune.code));
  }, [index, oldMatches, hits, province]);
  const choose = (code: string) => {
    onChange(code);
    setOpen(false);
    setQuery('');
  };

  if (!index) {
    return <p class="hint">{t('Danh sách xã, phường chưa tải về máy. Hãy kết nối mạng một lần.', 'The commune list is not on this device yet. Connect once.')}</p>;
  }
  if (selected && !open) {
    return (
      <div class="picked">
        <span>
          <strong>{selected.label}</strong>, {selected.provinceName}
        </span>
        <button type="button" class="link" onClick={() => setOpen(true)}>
          {t('Đổi', 'Change')}
        </button>
      </div>
    );
  }
  return (
    <div class="picker">
      <input
        id={id}
        type="search"
        autocomplete="off"
        placeholder={t('Gõ tên xã, phường (không cần dấu)', 'Type the commune name (accents optional)')}
        value={query}
        aria-invalid={invalid}
        onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
      />
      <ul class="choices" role="listbox">
        {/* Always the same rows, keyed by position: a key rewrites their text in place and
            hides the ones it does not need, rather than building and removing rows, which
            was most of a keystroke's cost. */}
        {ROWS.map((row) => {
          const c = hits[row];
          return (
            <li key={row} hidden={!c}>
              {c && (
                <button type="button" role="option" onClick={() => choose(c.code)}>
                  <strong>{c.label}</strong> <span class="muted">{c.provinceName}</span>
                </button>
              )}
            </li>
          );
        })}
        {!hits.length && !olds.length && (
          <li class="muted">
            {t('Không tìm thấy', 'Nothing found')}
            {!online.value && query.trim() && t('. Tên trước 1/7/2025 sẽ được tìm khi có mạng.', '. Names of before 1 July 2025 are looked up when online.')}
          </li>
        )}
      </ul>
      {olds.length > 0 && (
        <ul class="choices old" role="listbox" aria-label={t('Theo tên trước 1/7/2025', 'By a name of before 1 July 2025')}>
          {olds.map(({ commune, match }) => (
            <li key={`${commune.code} ${match.old}`}>
              <button type="button" role="option" onClick={() => choose(commune.code)}>
                <strong>{commune.label}</strong> <span class="muted">{commune.provinceName}</span>
                <br />
                <small class="muted">{beforeLabel(match)}</small>
              </button>
            </li>
          ))}
        </ul>
      )}
      {selected && (
        <button type="button" class="link" onClick={() => setOpen(false)}>
          {t('Giữ', 'Keep')} {selected.label}
        </button>
      )}
    </div>
  );
}
