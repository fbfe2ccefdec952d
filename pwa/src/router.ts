// Hash routing (#/...): every deep link is the same index.html, so any path works
// offline from the precache.

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

export function navigate(to: string, replace = false): void {
  const hash = to.startsWith('#') ? to : `#${to}`;
  if (replace) history.replaceState(null, '', hash);
  else history.pushState(null, '', hash);
  route.value = parseHash(hash);
  window.scrollTo(0, 0);
}

export function startRouter(): void {
  window.addEventListener('hashchange', () => {
    route.value = parseHash(location.hash);
  });
  window.addEventListener('popstate', () => {
    route.value = parseHash(location.hash);
  });
}
