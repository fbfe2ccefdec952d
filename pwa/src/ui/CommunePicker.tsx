// A commune picker fast over all 3,321 communes: type any part of the name, with or
// without accents; limited to the chosen province when the form has one.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { communes } from '../app';
import { t } from '../i18n';
import { prepareCommuneSearch, searchCommunes } from '../reference';

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
                <button
                  type="button"
                  role="option"
                  onClick={() => {
                    onChange(c.code);
                    setOpen(false);
                    setQuery('');
                  }}
                >
                  <strong>{c.label}</strong> <span class="muted">{c.provinceName}</span>
                </button>
              )}
            </li>
          );
        })}
        {!hits.length && <li class="muted">{t('Không tìm thấy', 'Nothing found')}</li>}
      </ul>
      {selected && (
        <button type="button" class="link" onClick={() => setOpen(false)}>
          {t('Giữ', 'Keep')} {selected.label}
        </button>
      )}
    </div>
  );
}
