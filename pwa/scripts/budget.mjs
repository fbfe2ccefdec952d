// Prints the size of the app shell (what the service worker precaches and a first
// visit downloads: HTML, JS, CSS, manifest), gzipped, against the 150 KB budget.
// Files the worker does not precache (the desk screens, fetched only by officials)
// are listed as "online only" and left out of the shell; the API documentation's
// Swagger UI (dist/api-docs/, served at /schema, never loaded by the app) is counted
// apart. Exits 1 when over. Run after `npm run build`.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET = 150 * 1024;
const dist = new URL('../dist/', import.meta.url).pathname;

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const files = walk(dist).filter((f) => /\.(js|css|html|webmanifest)$/.test(f));
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const initial = new Set(['index.html']);
// The precache manifest as injected into sw.js: {"url":"assets/…", …}.
const precached = new Set([...readFileSync(join(dist, 'sw.js'), 'utf8').matchAll(/"?url"?\s*:\s*"([^"]+)"/g)].map((m) => m[1]));
if (!precached.has('index.html')) {
  // Without the manifest every file would look "online only" and the shell pass unseen.
  console.error('no precache manifest found in dist/sw.js');
  process.exit(1);
}
for (const m of html.matchAll(/(?:src|href)="\.?\/?([^"]+\.(?:js|css))"/g)) initial.add(m[1]);

let shell = 0;
let first = 0;
let onlineOnly = 0;
let apiDocs = 0;
const rows = [];
for (const file of files) {
  const name = relative(dist, file);
  const raw = readFileSync(file);
  const gz = gzipSync(raw, { level: 9 }).length;
  const isWorker = name === 'sw.js' || name.startsWith('workbox-');
  const cached = isWorker || precached.has(name);
  const isApiDocs = name.startsWith('api-docs/');
  const kind = isApiDocs ? 'API documentation (not the app)' : isWorker ? 'service worker' : !cached ? 'online only (not precached)' : initial.has(name) ? 'first load' : name.endsWith('.webmanifest') ? 'manifest' : 'lazy chunk';
  if (!isWorker && cached) shell += gz;
  if (isApiDocs) apiDocs += gz;
  else if (!cached) onlineOnly += gz;
  if (initial.has(name)) first += gz;
  rows.push([name, kb(raw.length), kb(gz), kind]);
}
rows.sort((a, b) => a[0].localeCompare(b[0]));
const width = Math.max(...rows.map((r) => r[0].length));
console.log(`${'file'.padEnd(width)}  ${'raw'.padStart(9)}  ${'gzip'.padStart(9)}  kind`);
for (const [name, raw, gz, kind] of rows) console.log(`${name.padEnd(width)}  ${raw.padStart(9)}  ${gz.padStart(9)}  ${kind}`);
console.log('');
console.log(`first load (HTML + entry JS + CSS), gzip: ${kb(first)}`);
console.log(`app shell (every precached HTML/JS/CSS, lazy chunks included), gzip: ${kb(shell)} of ${kb(BUDGET)} budget`);
console.log(`online only, not precached (desk screens), gzip: ${kb(onlineOnly)}`);
console.log(`API documentation at /schema (Swagger UI, not the app), gzip: ${kb(apiDocs)}`);
if (shell > BUDGET) {
  console.error(`OVER BUDGET by ${kb(shell - BUDGET)}`);
  process.exit(1);
}
