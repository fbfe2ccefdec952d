// Addresses written with the units of before 1 July 2025 ("Phường Phúc Xá, Quận Ba Đình,
// Hà Nội"): the server reads them (GET /api/communes/old-units/match) and says which
// commune(s) they are now; this turns its answer into what the screens offer.
//
// Asked online only: the mapping is 2.7 times the communes' size gzipped, its ward names
// alone more than the communes, so it is not kept on the phone (docs/decisions.md). An
// address typed offline is read when the app is back online.

import { api, answered, type Fetch } from './api/http';
import type { components } from './api/schema';
import type { CommuneEntry, CommuneIndex } from './reference';
import { searchKey } from './text';

export type OldMatch = components['schemas']['OldMatch'];

/** Free-text fields holding a person's present address, where a new one is offered.
 * Places of events (birth, death, marriage) are left as written: they name where it
 * happened, under the names of the time. */
export const ADDRESS_FIELDS: ReadonlySet<string> = new Set(['residence', 'hometown', 'address']);

// The server's limit on q, in code points.
const MAX_QUERY = 300;

export async function matchOldAddress(text: string, wardAlone: boolean, fetch?: Fetch, signal?: AbortSignal): Promise<OldMatch[]> {
  const { data } = await answered(
    api.GET('/api/communes/old-units/match', { params: { query: { q: codePoints(text, MAX_QUERY), ward_alone: wardAlone } }, fetch, signal }),
  );
  return data.matches;
}

/** "trước 1/7/2025: Phường Phúc Xá, Quận Ba Đình, Hà Nội" */
export function beforeLabel(match: OldMatch): string {
  return `trước 1/7/2025: ${match.old}`;
}

export interface OldChoice {
  commune: CommuneEntry;
  match: OldMatch;
}

/** The communes of today the matches became, each once, within `province` if given. */
export function communeChoices(index: CommuneIndex, matches: readonly OldMatch[], province?: string | null): OldChoice[] {
  const seen = new Set<string>();
  const out: OldChoice[] = [];
  for (const match of matches) {
    for (const code of match.communes) {
      const commune = index.byCode.get(code);
      if (!commune || seen.has(code) || (province && commune.province !== province)) continue;
      seen.add(code);
      out.push({ commune, match });
    }
  }
  return out;
}

export interface NewAddress {
  /** The whole text with the old units replaced: what "apply" writes. */
  text: string;
  /** The new units alone: "Phường Hồng Hà, Thành phố Hà Nội". */
  units: string;
  before: string;
}

/** The first `count` characters of `text`: the server counts `start` in code points
 * (Python's str), a JS string in UTF-16 units; a cut between the two would drop the
 * end of the street and could leave half an emoji, which no JSON decoder takes. */
function codePoints(text: string, count: number): string {
  return Array.from(text).slice(0, count).join('');
}

/** The address as it reads today, one per commune an old ward became (a split ward
 * gives several); what precedes the old units (street, house number) is kept. An old
 * province alone gives its new province only when it is another one. */
export function newAddresses(index: CommuneIndex, text: string, matches: readonly OldMatch[]): NewAddress[] {
  const out: NewAddress[] = [];
  const seen = new Set<string>();
  for (const match of matches) {
    const kept = codePoints(text, match.start).replace(/[\s,]+$/u, '');
    const lead = kept ? `${kept}, ` : '';
    const units: string[] = [];
    if (match.level === 'province') {
      const province = index.provinces.find((p) => p.code === match.province);
      if (province && !searchKey(province.name).endsWith(searchKey(match.old))) units.push(province.name);
    } else {
      for (const code of match.communes) {
        const c = index.byCode.get(code);
        if (c) units.push(`${c.label}, ${c.provinceName}`);
      }
    }
    for (const u of units) {
      const full = lead + u;
      if (seen.has(full) || searchKey(full) === searchKey(text)) continue;
      seen.add(full);
      out.push({ text: full, units: u, before: beforeLabel(match) });
    }
  }
  return out;
}
