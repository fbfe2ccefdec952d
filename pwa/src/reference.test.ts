import { describe, expect, it, vi } from 'vitest';
import language from '../../sync/forms/language.json';
import { fetchProcedureVersion, indexCommunes, prepareCommuneSearch, procedureFor, refreshCatalog, refreshProcedure, refreshReference, searchCommunes } from './reference';
import { freshDb } from './testing/db';

const PAYLOAD = {
  version: 'v1',
  kinds: { x: 'Xã', p: 'Phường', dk: 'Đặc khu' },
  provinces: [
    { code: '01', name: 'Thành phố Hà Nội', kind: 'tp', communes: [['00070', 'Hoàn Kiếm', 'p'], ['00004', 'Ba Đình', 'p'], ['09999', 'Hòa Lạc', 'x']] },
    { code: '79', name: 'Thành phố Hồ Chí Minh', kind: 'tp', communes: [['26734', 'Sài Gòn', 'p'], ['27000', 'Hoà Hiệp', 'x']] },
  ],
} as never;

describe('communes', () => {
  const index = indexCommunes(PAYLOAD);

  it('finds communes without accents, in any case, with old or new tone placement', () => {
    expect(searchCommunes(index, 'hoan kiem').map((c) => c.code)).toEqual(['00070']);
    expect(searchCommunes(index, 'SAI GON').map((c) => c.code)).toEqual(['26734']);
    expect(searchCommunes(index, 'hòa lạc').map((c) => c.code)).toEqual(['09999']);
    expect(searchCommunes(index, 'hòa').map((c) => c.code)).toEqual(['27000', '09999', '00070']);
    expect(searchCommunes(index, 'hoà', '79').map((c) => c.code)).toEqual(['27000']);
  });

  it('answers the same once prepared ahead of the first key', () => {
    const fresh = indexCommunes(PAYLOAD);
    prepareCommuneSearch(fresh);
    expect(searchCommunes(fresh, 'hòa').map((c) => c.code)).toEqual(['27000', '09999', '00070']);
    expect(searchCommunes(fresh, 'h', null, 2).map((c) => c.code)).toEqual(['27000', '09999']);
  });

  it('gives the validator its context', () => {
    expect(index.context.provinces).toEqual(new Set(['01', '79']));
    expect((index.context.communes as Map<string, string>).get('26734')).toBe('79');
    expect(index.byCode.get('00070')!.label).toBe('Phường Hoàn Kiếm');
  });
});

describe('reference data', () => {
  it('keeps the ETag and uses it: a 304 keeps what is stored', async () => {
    const db = await freshDb();
    const seen: (string | null)[] = [];
    const fetch = async (request: Request) => {
      const etag = request.headers.get('If-None-Match');
      seen.push(etag);
      if (etag === 'W/"1"') return new Response(null, { status: 304 });
      return new Response(JSON.stringify({ version: '1', procedures: [] }), { status: 200, headers: { ETag: 'W/"1"' } });
    };
    expect(await refreshCatalog(db, fetch as typeof globalThis.fetch)).toEqual({ version: '1', procedures: [] });
    expect(await refreshCatalog(db, fetch as typeof globalThis.fetch)).toEqual({ version: '1', procedures: [] });
    expect(seen).toEqual([null, 'W/"1"']);
  });
});

describe('forms', () => {
  it('are asked for in the newest level of the form language this build speaks', async () => {
    const db = await freshDb();
    const asked: string[] = [];
    const fetch = async (request: Request) => {
      asked.push(new URL(request.url).search);
      return new Response(JSON.stringify({ code: 'khai-sinh', version: 3, form: { sections: [] } }), { status: 200, headers: { ETag: 'W/"f"' } });
    };
    await refreshProcedure(db, 'khai-sinh', fetch as typeof globalThis.fetch);
    await fetchProcedureVersion(db, 'khai-sinh', 2, fetch as typeof globalThis.fetch);
    const newest = Math.max(...language.levels.map((l) => l.level));
    expect(newest).toBeGreaterThan(1);
    expect(asked).toEqual([`?form_language=${newest}`, `?form_language=${newest}`]);
  });
});

describe('a form stored by an older build', () => {
  it('is asked for again once the app speaks a newer level, and kept when offline', async () => {
    const db = await freshDb();
    // Stored before the app updated: written down for an app of level 1 (the time of
    // death as text), under the version a draft was made with.
    const older = { code: 'khai-tu', version: 2, form: { sections: [{ id: 'death', fields: [{ id: 'time', type: 'text' }] }] } };
    await db.put('reference', { key: 'procedure:khai-tu@2', etag: 'W/"l1"', data: older, fetched_at: '2026-01-01T00:00:00Z' });
    const whole = { ...older, form: { sections: [{ id: 'death', fields: [{ id: 'time', type: 'time' }] }] } };
    const asked: (string | null)[] = [];
    const fetch = async (request: Request) => {
      asked.push(request.headers.get('If-None-Match'));
      return new Response(JSON.stringify(whole), { status: 200, headers: { ETag: 'W/"whole"' } });
    };
    const offline = async () => {
      throw new TypeError('Failed to fetch');
    };
    expect(await procedureFor(db, 'khai-tu', 2, offline as typeof globalThis.fetch)).toEqual(older);
    expect(await procedureFor(db, 'khai-tu', 2, fetch as typeof globalThis.fetch)).toEqual(whole);
    expect(asked).toEqual(['W/"l1"']);
    // Stored now for this build: not asked again.
    expect(await procedureFor(db, 'khai-tu', 2, fetch as typeof globalThis.fetch)).toEqual(whole);
    expect(asked).toEqual(['W/"l1"']);
  });
});

describe('a first visit', () => {
  it('asks for the catalog, the communes and the birth form at once, and the other forms only once the app works offline', async () => {
    const db = await freshDb();
    const waiting: { path: string; answer: () => void }[] = [];
    const fetch = (request: Request) =>
      new Promise<Response>((resolve) => {
        const path = new URL(request.url).pathname;
        const body = path === '/api/catalog' ? { version: '1', procedures: [] } : path === '/api/communes' ? { version: '1', kinds: {}, provinces: [] } : { code: path.split('/').pop(), version: 1, form: { sections: [] } };
        waiting.push({ path, answer: () => resolve(new Response(JSON.stringify(body), { status: 200, headers: { ETag: 'W/"1"' } })) });
      });
    let offlineReady!: () => void;
    const shellStored = new Promise<void>((resolve) => (offlineReady = resolve));
    const firstStored = vi.fn(async () => undefined);
    const done = refreshReference(db, ['khai-sinh-luu-dong', 'trich-luc'], fetch as unknown as typeof globalThis.fetch, { offlineReady: shellStored, onFirstStored: firstStored });
    await vi.waitFor(() => expect(waiting.map((w) => w.path).sort()).toEqual(['/api/catalog', '/api/catalog/khai-sinh', '/api/communes']));
    for (const w of waiting.splice(0)) w.answer();
    // The app shows what is stored already, not once the other forms (or their retries
    // after the link went) are through; waited for, not slept on (a loaded machine
    // takes its time to store them).
    await vi.waitFor(() => expect(firstStored).toHaveBeenCalledTimes(1));
    expect(waiting).toEqual([]); // nothing more until the shell is stored
    offlineReady();
    await vi.waitFor(() => expect(waiting.map((w) => w.path).sort()).toEqual(['/api/catalog/ket-hon', '/api/catalog/khai-sinh-luu-dong', '/api/catalog/khai-tu', '/api/catalog/trich-luc']));
    for (const w of waiting.splice(0)) w.answer();
    expect(await done).toEqual([]);
    expect((await db.getAllKeys('reference')).map(String)).toContain('procedure:khai-sinh');
  });

  it('asks again when the link drops mid-answer, as 2G does', async () => {
    const db = await freshDb();
    let drops = 2;
    const fetch = async (request: Request) => {
      const path = new URL(request.url).pathname;
      if (path === '/api/communes' && drops-- > 0) throw new TypeError('network error');
      const body = path === '/api/communes' ? { version: '1', kinds: {}, provinces: [] } : { version: '1', procedures: [], code: 'x', form: { sections: [] } };
      return new Response(JSON.stringify(body), { status: 200, headers: { ETag: 'W/"1"' } });
    };
    expect(await refreshReference(db, [], fetch as unknown as typeof globalThis.fetch, { retryDelaysMs: [1, 1] })).toEqual([]);
    expect((await db.getAllKeys('reference')).map(String)).toContain('communes');

    const offline = async () => {
      throw new TypeError('offline');
    };
    const problems = await refreshReference(await freshDb(), [], offline as unknown as typeof globalThis.fetch, { retryDelaysMs: [1] });
    expect(problems[0]).toMatch(/^catalog: network/);
  });
});
