// Registers the service worker from a small classic script named in index.html's
// <head>, so the worker's script downloads beside the entry script instead of after
// it (and after the first screen's images, the page's load event). On a first visit
// on 2G or 3G the worker's script and then its precache are the longest chain before
// the app works offline (bench/first_visit.py); the entry script's own registration
// (src/swRegister.ts) stays for when this one could not load. A file, not an inline
// script: the app's Content-Security-Policy allows no inline script.

import { createHash } from 'node:crypto';

const SOURCE = `"use strict";
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("./sw.js", { scope: "./" }).catch(function (error) {
    console.error("service worker registration failed", error);
  });
}
`;

/** Its name carries its hash: served as immutable, like the other files of assets/. */
export const REGISTER_EARLY = `assets/register-sw-${createHash('sha256').update(SOURCE).digest('hex').slice(0, 8)}.js`;

export function registerEarly() {
  return {
    name: 'motcua-register-early',
    apply: 'build',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: REGISTER_EARLY, source: SOURCE });
    },
    transformIndexHtml() {
      return [{ tag: 'script', attrs: { src: `./${REGISTER_EARLY}`, async: true }, injectTo: 'head' }];
    },
  };
}
