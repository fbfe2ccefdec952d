// A commune picker fast over all 3,321 communes: type any part of the name, with or
// without accents; limited to the chosen province when the form has one. Online, a name
// of before 1 July 2025 ("Phường Phúc Xá, Quận Ba Đình") also offers the commune(s) it
// became, each labelled with the old units.
//
// For the keyboard and screen readers it is an ARIA 1.2 combobox (list autocomplete,
// manual selection): focus stays in the text box, Down/Up move through the choices
// (aria-activedescendant), Enter takes one, Escape closes the list; how many were found
// is said politely.

import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { communes, online } from '../app';
import { t } from '../i18n';
import { beforeLabel, communeChoices } from '../oldAddresses';
import { prepareCommuneSearch, searchCommunes } from '../reference';
import { useOldMatches } from './OldAddressHint';
import { focusInView } from './focusing';

// Six rows show at once; twenty leave room to scroll without a key's redraw growing.
const SHOWN = 20;
const ROWS = Array.from({ length: SHOWN }, (_, row) => row);

interface Props {
  id: string;
  value: string | undefined;
  province?: string | null;
  invalid?: boolean;
  /** Ids of the hint and errors that describe the field. */
  describedBy?: string;
  /** The id of the field's visible label, to name the "Change" button once a commune is picked. */
  labelId?: string;
  onChange(code: string | null): void;
}

/** Where focus goes after the next render: the picker swaps its text box and its "Change" button. */
type Refocus = 'input' | 'change' | null;

export function CommunePicker({ id, value, province, invalid, describedBy, labelId, onChange }: Props) {
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState(!value);
  // The list under the text box; Escape hides it, typing or Down shows it again.
  const [expanded, setExpanded] = useState(true);
  const [active, setActive] = useState(-1);
  const input = useRef<HTMLInputElement>(null);
  const change = useRef<HTMLButtonElement>(null);
  const refocus = useRef<Refocus>(null);
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
  // Every choice in the order the arrow keys go through them: today's names, then old ones.
  const codes = useMemo(() => [...hits.map((c) => c.code), ...olds.map((o) => o.commune.code)], [hits, olds]);
  const listId = `${id}-list`;
  const optionId = (n: number) => (n < hits.length ? `${id}-opt-${n}` : `${id}-old-${n - hits.length}`);
  const activeId = expanded && active >= 0 && active < codes.length ? optionId(active) : undefined;

  // Before paint: focus never rests, even for a frame, on a node the swap reused.
  useLayoutEffect(() => {
    const target = refocus.current === 'input' ? input.current : refocus.current === 'change' ? change.current : null;
    refocus.current = null;
    focusInView(target);
  });
  useEffect(() => {
    const option = activeId ? document.getElementById(activeId) : null;
    if (!option) return;
    option.scrollIntoView({ block: 'nearest' });
    // Names of before 1 July 2025 stay at the foot of the list (style.css): one of today's
    // names reached by the arrow keys is scrolled up out from under them.
    const old = option.closest('.choices.old') ? null : option.closest('[role=listbox]')?.querySelector('.choices.old');
    const under = old ? option.getBoundingClientRect().bottom - old.getBoundingClientRect().top : 0;
    if (under > 0) option.closest('[role=listbox]')!.scrollTop += under;
  }, [activeId]);

  const choose = (code: string) => {
    onChange(code);
    setOpen(false);
    setQuery('');
    setActive(-1);
    // Focus in the text box goes on to "Change" rather than be lost with the box.
    if (document.activeElement === input.current) refocus.current = 'change';
  };

  function onKeyDown(e: KeyboardEvent) {
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        if (!expanded) {
          setExpanded(true);
          setActive(codes.length ? 0 : -1);
        } else setActive((n) => Math.min(n + 1, codes.length - 1));
        return;
      case 'ArrowUp':
        e.preventDefault();
        if (!expanded) {
          setExpanded(true);
          setActive(codes.length - 1);
        } else setActive((n) => (n < 0 ? codes.length - 1 : n - 1));
        return;
      case 'Enter':
        // Never the form's submission from here: Enter is for taking a choice.
        e.preventDefault();
        if (activeId) choose(codes[active]!);
        return;
      case 'Escape':
        if (expanded) {
          e.preventDefault();
          setExpanded(false);
          setActive(-1);
        } else if (selected) {
          e.preventDefault();
          setOpen(false);
          refocus.current = 'change';
        } else if (query) {
          e.preventDefault();
          setQuery('');
        }
        return;
    }
  }

  if (!index) {
    return <p class="hint">{t('Danh sách xã, phường chưa tải về máy. Hãy kết nối mạng một lần.', 'The commune list is not on this device yet. Connect once.')}</p>;
  }
  if (selected && !open) {
    const pickedId = `${id}-picked`;
    const changeId = `${id}-change`;
    return (
      <div class="picked">
        <span id={pickedId}>
          <strong>{selected.label}</strong>, {selected.provinceName}
        </span>
        <button
          ref={change}
          id={changeId}
          type="button"
          class="link"
          aria-labelledby={labelId ? `${changeId} ${labelId}` : undefined}
          aria-describedby={[pickedId, describedBy].filter(Boolean).join(' ')}
          onClick={() => {
            setOpen(true);
            setExpanded(true);
            refocus.current = 'input';
          }}
        >
          {t('Đổi', 'Change')}
        </button>
      </div>
    );
  }
  const found = codes.length;
  const status = !expanded
    ? ''
    : found
    ? t(`${found} kết quả. Dùng phím mũi tên lên, xuống để chọn.`, `${found} result(s). Use the up and down arrow keys to choose.`)
    : t('Không tìm thấy', 'Nothing found');
  const option = (n: number, code: string) => ({
    id: optionId(n),
    role: 'option' as const,
    'aria-selected': n === active,
    class: n === active ? 'active' : undefined,
    // Keeps focus in the text box: a tap chooses without the box losing it first.
    onMouseDown: (e: MouseEvent) => e.preventDefault(),
    onClick: () => choose(code),
  });
  return (
    <div class="picker">
      <input
        ref={input}
        id={id}
        type="text"
        role="combobox"
        autocomplete="off"
        aria-autocomplete="list"
        aria-expanded={expanded ? 'true' : 'false'}
        aria-controls={listId}
        aria-activedescendant={activeId}
        aria-invalid={invalid}
        aria-describedby={describedBy || undefined}
        placeholder={t('Gõ tên xã, phường (không cần dấu)', 'Type the commune name (accents optional)')}
        value={query}
        onInput={(e) => {
          setQuery((e.target as HTMLInputElement).value);
          setExpanded(true);
          setActive(-1);
        }}
        onKeyDown={onKeyDown}
      />
      {/* The listbox is the box that scrolls (style.css), not a group in it: the popup the
          combobox controls is reached from the text box by the arrow keys, so a keyboard
          needs no tab stop in it, and axe's scrollable-region-focusable agrees. */}
      <div id={listId} role="listbox" aria-label={t('Xã, phường tìm thấy', 'Communes found')} hidden={!expanded || !found}>
        <ul class="choices" role="group" hidden={!hits.length}>
          {/* Always the same rows, keyed by position: a key rewrites their text in place and
              hides the ones it does not need, rather than building and removing rows, which
              was most of a keystroke's cost. */}
          {ROWS.map((row) => {
            const c = hits[row];
            return (
              <li key={row} hidden={!c} {...(c ? option(row, c.code) : {})}>
                {c && (
                  <>
                    <strong>{c.label}</strong> <span class="muted">{c.provinceName}</span>
                  </>
                )}
              </li>
            );
          })}
        </ul>
        {olds.length > 0 && (
          <ul class="choices old" role="group" aria-label={t('Theo tên trước 1/7/2025', 'By a name of before 1 July 2025')}>
            {olds.map(({ commune, match }, n) => (
              <li key={`${commune.code} ${match.old}`} {...option(hits.length + n, commune.code)}>
                <strong>{commune.label}</strong> <span class="muted">{commune.provinceName}</span>
                <br />
                <small class="muted">{beforeLabel(match)}</small>
              </li>
            ))}
          </ul>
        )}
      </div>
      {expanded && !found && (
        <p class="muted choices-none">
          {t('Không tìm thấy', 'Nothing found')}
          {!online.value && query.trim() && t('. Tên trước 1/7/2025 sẽ được tìm khi có mạng.', '. Names of before 1 July 2025 are looked up when online.')}
        </p>
      )}
      <p class="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
        {status}
      </p>
      {selected && (
        <button
          type="button"
          class="link"
          onClick={() => {
            setOpen(false);
            refocus.current = 'change';
          }}
        >
          {t('Giữ', 'Keep')} {selected.label}
        </button>
      )}
    </div>
  );
}
