// Reference data kept on the device: the catalog, each procedure's form, and the
// communes, stored with their ETags and refreshed with conditional GETs when online
// (a 304 costs a few hundred bytes on 2G).

import { api, answered, NetworkError, type Fetch } from './api/http';
import type { CatalogPayload, CommunesPayload, ProcedureDetail } from './api/types';
import type { MotcuaDB, RefEntry } from './db';
import { FORM_LANGUAGE } from './forms/language';
import type { ValidationContext } from './forms/types';
import { withRetries } from './retry';
import { searchKey } from './text';

export const CATALOG = 'catalog';
export const COMMUNES = 'communes';
export const procedureKey = (code: string, version?: number | null) => (version ? `procedure:${code}@${version}` : `procedure:${code}`);

/** Procedures fetched with the catalog so they can be drafted offline at once. */
// Kept with a stored form: the level it was written down to.
const SPOKEN: Partial<RefEntry> = { form_language: FORM_LANGUAGE };

export const PREFETCH = ['khai-sinh', 'khai-tu', 'ket-hon', 'khai-sinh-luu-dong'];

/** What is stored under `key`, refreshed by a GET that sends its ETag; a 304 keeps it. */
async function conditional<D>(
  db: MotcuaDB,
  key: string,
  get: (headers: Record<string, string>) => Promise<{ data?: D; error?: unknown; response: Response }>,
  kept: Partial<RefEntry> = {},
): Promise<D> {
  const known = await db.get('reference', key);
  const { data, response } = await answered(get(known?.etag ? { 'If-None-Match': known.etag } : {}));
  const fetched_at = new Date().toISOString();
  if (response.status === 304 && known) {
    await db.put('reference', { ...known, ...kept, fetched_at });
    // Stored by this function from the same GET: the same shape.
    return known.data as D;
  }
  const entry: RefEntry = { key, etag: response.headers.get('ETag'), data, fetched_at, ...kept };
  await db.put('reference', entry);
  return data;
}

export function refreshCatalog(db: MotcuaDB, fetch?: Fetch): Promise<CatalogPayload> {
  return conditional(db, CATALOG, (headers) => api.GET('/api/catalog', { headers, fetch }));
}

/** The communes as sent (openapi-fetch reads the [code, name, kind] rows as plain arrays). */
export function refreshCommunes(db: MotcuaDB, fetch?: Fetch) {
  return conditional(db, COMMUNES, (headers) => api.GET('/api/communes', { headers, fetch }));
}

/** The current form of a procedure, also kept under its version for drafts made with it. */
export async function refreshProcedure(db: MotcuaDB, code: string, fetch?: Fetch): Promise<ProcedureDetail> {
  const detail = await conditional(
    db,
    procedureKey(code),
    (headers) => api.GET('/api/catalog/{code}', { params: { path: { code }, query: { form_language: FORM_LANGUAGE } }, headers, fetch }),
    SPOKEN,
  );
  const entry = (await db.get('reference', procedureKey(code)))!;
  await db.put('reference', { ...entry, key: procedureKey(code, detail.version) });
  return detail;
}

export function fetchProcedureVersion(db: MotcuaDB, code: string, version: number, fetch?: Fetch): Promise<ProcedureDetail> {
  return conditional(
    db,
    procedureKey(code, version),
    (headers) => api.GET('/api/catalog/{code}/versions/{version}', { params: { path: { code, version }, query: { form_language: FORM_LANGUAGE } }, headers, fetch }),
    SPOKEN,
  );
}

/** The procedure for a draft of `version` (the current one when none), online: the
 * stored form, unless none is stored or it was written down for an older build of the
 * app (the service worker has updated since); then asked for, so an app that updated
 * gets the whole form. What is stored when asking fails. */
export async function procedureFor(db: MotcuaDB, code: string, version?: number | null, fetch?: Fetch): Promise<ProcedureDetail | undefined> {
  const exact = version ? await db.get('reference', procedureKey(code, version)) : undefined;
  const entry = exact ?? (await db.get('reference', procedureKey(code)));
  let found = entry?.data as ProcedureDetail | undefined;
  if (found && version && found.version !== version) found = undefined;
  if (found && (entry?.form_language ?? 1) >= FORM_LANGUAGE) return found;
  try {
    return version ? await fetchProcedureVersion(db, code, version, fetch) : await refreshProcedure(db, code, fetch);
  } catch {
    return found ?? (await storedProcedure(db, code));
  }
}

/** The procedure as stored: the given version when known, else the current one. */
export async function storedProcedure(db: MotcuaDB, code: string, version?: number | null): Promise<ProcedureDetail | undefined> {
  const exact = version ? await db.get('reference', procedureKey(code, version)) : undefined;
  const entry = exact ?? (await db.get('reference', procedureKey(code)));
  return entry?.data as ProcedureDetail | undefined;
}

export interface RefreshOptions {
  /** Settles once the service worker has stored the shell: the forms beyond the first wait for it. */
  offlineReady?: Promise<unknown>;
  /** Waits before asking again after the link failed (a 2G drop resets every connection). */
  retryDelaysMs?: readonly number[];
  /** Runs once the catalog, communes and first form are through: the app shows them then,
   * not after the other forms and their retries (which take seconds once offline). */
  onFirstStored?: () => Promise<unknown>;
}

/** Refreshes everything the app needs offline. Errors are reported, not thrown: offline is normal.
 * What a first visit needs to work offline — the catalog, the communes and the first
 * prefetched form (birth registration) — is asked for at once; the other forms only
 * once `offlineReady` settles: on 2G they would otherwise share the link with what the
 * app cannot work without. A request the link broke is asked again a few times, so a
 * drop does not leave a first visit without its reference data. */
export async function refreshReference(db: MotcuaDB, extraCodes: readonly string[] = [], fetch?: Fetch, options: RefreshOptions = {}): Promise<string[]> {
  const { offlineReady, retryDelaysMs = [1000, 3000, 9000], onFirstStored } = options;
  const problems: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await withRetries(fn, retryDelaysMs, (error) => error instanceof NetworkError);
    } catch (error) {
      problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const [first, ...rest] = new Set([...PREFETCH, ...extraCodes]);
  await Promise.all([
    attempt('catalog', () => refreshCatalog(db, fetch)),
    attempt('communes', () => refreshCommunes(db, fetch)),
    attempt(first!, () => refreshProcedure(db, first!, fetch)),
  ]);
  await onFirstStored?.();
  await offlineReady?.catch(() => undefined);
  await Promise.all(rest.map((code) => attempt(code, () => refreshProcedure(db, code, fetch))));
  return problems;
}

// ---------------------------------------------------------------- communes

export interface CommuneEntry {
  code: string;
  name: string;
  /** "Xã", "Phường", "Đặc khu" + name */
  label: string;
  province: string;
  provinceName: string;
  key: string;
  /** searchKey(name): what ranks an exact or a prefix match */
  nameKey: string;
}

export interface CommuneIndex {
  provinces: { code: string; name: string }[];
  communes: CommuneEntry[];
  byCode: Map<string, CommuneEntry>;
  context: Pick<ValidationContext, 'provinces' | 'communes'>;
}

export function indexCommunes(payload: CommunesPayload): CommuneIndex {
  const kinds = payload.kinds as Record<string, string>;
  const communes: CommuneEntry[] = [];
  const provinces: { code: string; name: string }[] = [];
  const map = new Map<string, string>();
  for (const p of payload.provinces) {
    provinces.push({ code: p.code, name: p.name });
    for (const [code, name, kind] of p.communes as [string, string, string][]) {
      const raw = kinds[kind] ?? '';
      const kindName = raw ? raw[0]!.toUpperCase() + raw.slice(1) : '';
      const label = kindName ? `${kindName} ${name}` : name;
      communes.push({
        code, name, label, province: p.code, provinceName: p.name,
        key: searchKey(`${label} ${p.name} ${code}`), nameKey: searchKey(name),
      });
      map.set(code, p.code);
    }
  }
  return {
    provinces,
    communes,
    byCode: new Map(communes.map((c) => [c.code, c])),
    context: { provinces: new Set(provinces.map((p) => p.code)), communes: map },
  };
}

const collator = new Intl.Collator('vi');
const inNameOrder = new WeakMap<CommuneIndex, CommuneEntry[]>();

/** The communes sorted by name (Vietnamese order), once per index: a search then walks
 * them in display order and needs no sort per keystroke. */
function byName(index: CommuneIndex): CommuneEntry[] {
  let sorted = inNameOrder.get(index);
  if (!sorted) {
    sorted = [...index.communes].sort((a, b) => collator.compare(a.name, b.name));
    inNameOrder.set(index, sorted);
  }
  return sorted;
}

/** Readies the index for searching ahead of the first key: sorts it (longer than a frame
 * on a slow phone) and runs one search, so the first key does not also wait for the
 * engine to compile the search loop. A picker calls it when the browser is idle. */
export function prepareCommuneSearch(index: CommuneIndex): void {
  byName(index);
  searchCommunes(index, 'a', null, 1);
}

/** Communes whose name holds every word typed, accents and case ignored: the name
 * itself first, then names starting with the first word, then the rest, each by name.
 * One pass with no sorting and no text work per commune: a key typed on a cheap
 * phone must answer within a frame or two. */
export function searchCommunes(index: CommuneIndex, query: string, province?: string | null, limit = 30): CommuneEntry[] {
  const words = searchKey(query).split(' ').filter(Boolean);
  if (!words.length) {
    const pool = province ? index.communes.filter((c) => c.province === province) : index.communes;
    return pool.slice(0, limit);
  }
  const phrase = words.join(' ');
  const exact: CommuneEntry[] = [];
  const starts: CommuneEntry[] = [];
  const rest: CommuneEntry[] = [];
  for (const c of byName(index)) {
    if (province && c.province !== province) continue;
    if (!words.every((w) => c.key.includes(w))) continue;
    if (c.nameKey === phrase) exact.push(c);
    else if (c.nameKey.startsWith(words[0]!)) {
      if (starts.length < limit) starts.push(c);
    } else if (rest.length < limit) rest.push(c);
  }
  return exact.concat(starts, rest).slice(0, limit);
}
