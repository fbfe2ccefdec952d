// Generates src/api/schema.d.ts from the server's OpenAPI document with
// openapi-typescript. The document comes from, in order:
//   1. a file or URL given as the argument: npm run api-types -- path/to/openapi.json
//   2. a running server: http://localhost:8000/schema/openapi.json
//   3. the server's code: ../.venv/bin/python -c "…create_app().openapi_schema…"

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'src/api/schema.d.ts');
let source = process.argv[2];

if (!source) {
  try {
    const response = await fetch('http://localhost:8000/schema/openapi.json', { signal: AbortSignal.timeout(3000) });
    if (response.ok) source = 'http://localhost:8000/schema/openapi.json';
  } catch {
    // no server running: ask the code
  }
}
if (!source) {
  const python = join(root, '../.venv/bin/python');
  if (!existsSync(python)) throw new Error('no server on :8000 and no ../.venv: pass an OpenAPI file');
  const dump = execFileSync(
    python,
    ['-c', 'import json\nfrom server.app import create_app\nprint(json.dumps(create_app().openapi_schema.to_schema()))'],
    { cwd: join(root, '..'), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, MOTCUA_DATABASE_URL: process.env.MOTCUA_DATABASE_URL ?? 'sqlite:////tmp/motcua-openapi.db' } },
  );
  source = join(mkdtempSync(join(tmpdir(), 'openapi-')), 'openapi.json');
  writeFileSync(source, dump);
}
console.log(`OpenAPI from ${source}`);
execFileSync(join(root, 'node_modules/.bin/openapi-typescript'), [source, '-o', out], { stdio: 'inherit' });
