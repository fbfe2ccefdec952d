// Hash routing (#/...): every deep link is the same index.html, so any path works
// offline from the precache.
//
// Scrolling as a browser does between documents (a hash change keeps the scroll
// position, which would open a procedure from the bottom of the catalog with its title
// and fee off screen): a new page starts at the top, with focus on its heading so that
// a screen reader announces it; back and forward return to where the page was left.
// Each history entry carries a key (history.state.key) under which its position is kept.

import { signal } from '@preact/signals';

export interface Route {
  path: string;
  parts: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [path = '/', search = ''] = raw.split('?', 2);
  const clean = path.startsWith('/') ? path : `/${path}`;
  return { path: clean, parts: clean.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(search) };
}

export const route = signal<Route>(parseHash(typeof location !== 'undefined' ? location.hash : ''));

/** Where each history entry was scrolled to, by its key. */
const positions = new Map<string, number>();
let current = '';

function newKey(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

function keyOf(state: unknown): string | undefined {
  const key = (state as { key?: unknown } | null)?.key;
  return typeof key === 'string' ? key : undefined;
}

/** After the new page has rendered (two frames: Preact renders on the next tick). */
function afterRender(then: () => void): void {
  requestAnimationFrame(() => requestAnimationFrame(then));
}

/** A new page: at the top, its heading focused unless the page focused something itself.
 *  Only the query changed (a filter of the same screen): the focus stays where it is. */
function arriveNew(from: Route): void {
  window.scrollTo(0, 0);
  if (from.path === route.value.path) return;
  const before = document.activeElement;
  afterRender(() => {
    const active = document.activeElement;
    if (active && active !== document.body && active !== before && active.isConnected) return;
    const heading = document.querySelector<HTMLElement>('main h1, h1');
    if (!heading) return;
    if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  });
}

/** Back or forward: the page where it was left, once it is tall enough to get there
 *  (a page reading the device's database grows over a few frames). */
function arriveBack(key: string): void {
  const target = positions.get(key) ?? 0;
  let frames = 30;
  const restore = () => {
    window.scrollTo(0, target);
    if (Math.abs(window.scrollY - target) > 1 && --frames > 0) requestAnimationFrame(restore);
  };
  afterRender(restore);
}

export function navigate(to: string, replace = false): void {
  const hash = to.startsWith('#') ? to : `#${to}`;
  positions.set(current, window.scrollY);
  current = newKey();
  if (replace) history.replaceState({ key: current }, '', hash);
  else history.pushState({ key: current }, '', hash);
  const from = route.value;
  route.value = parseHash(hash);
  arriveNew(from);
}

/** A hash change the browser made: a link followed (an entry with no key yet) or back/forward. */
function arrived(): void {
  const key = keyOf(history.state);
  if (key !== undefined && key === current) return; // popstate and hashchange: one arrival
  if (key === undefined) {
    current = newKey();
    history.replaceState({ ...(history.state ?? {}), key: current }, '');
    const from = route.value;
    route.value = parseHash(location.hash);
    arriveNew(from);
    return;
  }
  current = key;
  route.value = parseHash(location.hash);
  arriveBack(key);
}

export function startRouter(): void {
  // The app puts pages back where they were; the browser would do it before they render.
  if ('scrollRestoration' in history) history.scrollRestoration = 'manual';
  current = keyOf(history.state) ?? newKey();
  if (keyOf(history.state) === undefined) history.replaceState({ ...(history.state ?? {}), key: current }, '');
  window.addEventListener(
    'scroll',
    () => {
      positions.set(current, window.scrollY);
    },
    { passive: true },
  );
  window.addEventListener('hashchange', arrived);
  window.addEventListener('popstate', arrived);
}
