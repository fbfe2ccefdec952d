// Old addresses on the screen: what the server reads in a text the person typed, asked
// a moment after they stop typing, online only (an address typed offline is read once
// the app is back online).

import { useEffect, useState } from 'preact/hooks';
import { communes, online } from '../app';
import { t } from '../i18n';
import { matchOldAddress, newAddresses, type OldMatch } from '../oldAddresses';
import { searchKey } from '../text';

const QUIET_MS = 400;

/** The server's reading of `text` (none while offline, or for fewer than 4 letters). */
export function useOldMatches(text: string, wardAlone: boolean): OldMatch[] {
  const [matches, setMatches] = useState<{ text: string; found: OldMatch[] }>({ text: '', found: [] });
  const isOnline = online.value;
  useEffect(() => {
    if (!isOnline || searchKey(text).length < 4) return;
    const abort = new AbortController();
    const timer = setTimeout(() => {
      matchOldAddress(text, wardAlone, undefined, abort.signal).then(
        (found) => setMatches({ text, found }),
        () => {}, // offline or refused: nothing to offer, the person's text stands
      );
    }, QUIET_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [text, wardAlone, isOnline]);
  return matches.text === text ? matches.found : [];
}

/** Under an address field: the address with today's commune, applied only on a tap. */
export function OldAddressHint({ id, text, onApply }: { id: string; text: string; onApply(text: string): void }) {
  const matches = useOldMatches(text, false);
  const index = communes.value;
  if (!index || !matches.length) return null;
  const offers = newAddresses(index, text, matches);
  if (!offers.length) return null;
  return (
    <div class="old-address" id={`${id}-new`} aria-live="polite">
      {offers.map((o) => (
        <p key={o.text} class="hint">
          {t('Địa chỉ mới', 'New address')}: <strong>{o.units}</strong> <span class="muted">({o.before})</span>{' '}
          <button type="button" class="link" onClick={() => onApply(o.text)}>
            {t('Dùng địa chỉ này', 'Use this address')}
          </button>
        </p>
      ))}
    </div>
  );
}
