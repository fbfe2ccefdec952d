import { describe, expect, it } from 'vitest';
import { precacheAtOnce, type PrecacheList } from './shellPrecache';

function fakeList(urls: Record<string, string>) {
  const asked: { request: Request; cacheKey: string; finish: (ok: boolean) => void }[] = [];
  const list: PrecacheList<string> = {
    getURLsToCacheKeys: () => new Map(Object.entries(urls)),
    getIntegrityForCacheKey: () => undefined,
    strategy: {
      handleAll: ({ request, params }) => {
        let finish!: (ok: boolean) => void;
        const done = new Promise<void>((resolve, reject) => (finish = (ok) => (ok ? resolve() : reject(new Error(`${request.url} failed`)))));
        asked.push({ request, cacheKey: params.cacheKey, finish });
        return [done.then(() => new Response('')), done];
      },
    },
  };
  return { list, asked };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('the shell precache on install', () => {
  const urls = Object.fromEntries(
    ['index.html', 'favicon.png', 'a.js', 'b.js', 'c.js', 'd.css', 'icon.png', 'manifest.webmanifest'].map((u, i) => {
      const url = `https://app.example/${u}`;
      return [url, u.includes('.js') || u.includes('.css') ? url : `${url}?__WB_REVISION__=${i}`];
    }),
  );

  it('fetches several files at once, not one after the other, and ends when all are stored', async () => {
    const { list, asked } = fakeList(urls);
    let ended = false;
    const install = precacheAtOnce(list, 'install-event', { atOnce: 6 }).then(() => (ended = true));
    await flush();
    expect(asked).toHaveLength(6); // six in flight before any is stored
    while (asked.some((a) => a.finish)) {
      const next = asked.find((a) => a.finish)!;
      next.finish(true);
      next.finish = undefined as never;
      await flush();
    }
    await install;
    expect(ended).toBe(true);
    expect(asked.map((a) => a.cacheKey).sort()).toEqual(Object.values(urls).sort());
  });

  it('checks with the server the files without a hash in their name (a 304 if the page has them), and lets the HTTP cache answer for hashed ones', async () => {
    const { list, asked } = fakeList(urls);
    void precacheAtOnce(list, 'install-event', { atOnce: 20 });
    await flush();
    const mode = Object.fromEntries(asked.map((a) => [new URL(a.request.url).pathname, a.request.cache]));
    expect(mode['/a.js']).toBe('default');
    expect(mode['/d.css']).toBe('default');
    expect(mode['/index.html']).toBe('no-cache');
    expect(mode['/icon.png']).toBe('no-cache');
    for (const a of asked) a.finish(true);
  });

  it('asks for the hashed files first, then checks the others with the server', async () => {
    // On a first visit the hashed files the page loaded come from the HTTP cache at
    // once, and the others (lazy chunks) are the precache's largest downloads; the
    // named files are mostly 304s, a round trip each, which overlap those downloads.
    const { list, asked } = fakeList(urls);
    void precacheAtOnce(list, 'install-event', { atOnce: 2 });
    const order: string[] = [];
    for (let i = 0; i < 100 && order.length < Object.keys(urls).length; i++) {
      await flush();
      for (const a of asked) {
        if (a.finish) {
          order.push(new URL(a.request.url).pathname);
          a.finish(true);
          a.finish = undefined as never;
        }
      }
    }
    expect(order.slice(0, 4).sort()).toEqual(['/a.js', '/b.js', '/c.js', '/d.css']);
    expect(order).toHaveLength(Object.keys(urls).length);
  });

  it('stores the files the page itself loads before asking for any other', async () => {
    // On a first visit the page is still downloading its entry script as the worker
    // installs: the others would share the link with it and delay the first screen.
    const { list, asked } = fakeList(urls);
    void precacheAtOnce(list, 'install-event', { atOnce: 6, first: (url) => /\/(b\.js|d\.css)$/.test(url) });
    await flush();
    expect(asked.map((a) => new URL(a.request.url).pathname).sort()).toEqual(['/b.js', '/d.css']);
    asked[0]!.finish(true);
    await flush();
    expect(asked).toHaveLength(2);
    asked[1]!.finish(true);
    for (let i = 0; i < 10; i++) await flush();
    expect(asked).toHaveLength(2 + 6);
    for (const a of asked) a.finish(true);
  });

  it('asks again for a file the link broke (a 2G drop), and fails the install when it keeps failing', async () => {
    const { list, asked } = fakeList(urls);
    const install = precacheAtOnce(list, 'install-event', { atOnce: 3, retryDelaysMs: [1, 1] });
    await flush();
    const broken = asked[1]!.request.url;
    asked[1]!.finish(false);
    for (let i = 0; i < 50 && asked.length < 4; i++) await flush();
    expect(asked.filter((a) => a.request.url === broken)).toHaveLength(2);
    for (let i = 0; i < 200 && !asked.every((a) => a.finish === undefined); i++) {
      for (const a of asked) {
        if (a.finish) {
          a.finish(true);
          a.finish = undefined as never;
        }
      }
      await flush();
    }
    await install;

    const again = fakeList(urls);
    const failing = precacheAtOnce(again.list, 'install-event', { atOnce: 1, retryDelaysMs: [1, 1] });
    const outcome = failing.then(() => 'stored', (error: Error) => error.message);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 50 && again.asked.length <= i; j++) await new Promise((r) => setTimeout(r, 1));
      again.asked[i]!.finish(false);
    }
    expect(await outcome).toMatch('failed');
    expect(again.asked).toHaveLength(3); // once, then twice more
  });
});
