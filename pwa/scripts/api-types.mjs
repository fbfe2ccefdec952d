// Generates src/api/schema.d.ts from the server's OpenAPI document with
// openapi-typescript 7 (installed apart, in tools/openapi-typescript: it needs
// TypeScript 5's compiler API, the app type-checks with TypeScript 7).
//
//   npm run api-types                      the document the server's code makes
//                                          ($PYTHON or ../.venv/bin/python -m server.openapi_document)
//   npm run api-types -- openapi.json      a document from a file
//   npm run api-types -- openapi.json --out other.d.ts
//
// tests/unit/test_api_schema_types.py runs this script and fails when the committed
// schema.d.ts differs from what it makes.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const tool = join(root, 'tools/openapi-typescript');
const bin = join(tool, 'node_modules/.bin/openapi-typescript');

const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? resolve(args.splice(outAt, 2)[1]) : join(root, 'src/api/schema.d.ts');
let source = args[0] ? resolve(args[0]) : undefined;

if (!existsSync(bin)) {
  console.log('installing openapi-typescript in tools/openapi-typescript');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: tool, stdio: 'inherit' });
}

const scratch = mkdtempSync(join(tmpdir(), 'motcua-openapi-'));
try {
  if (!source) {
    const python = process.env.PYTHON ?? join(root, '../.venv/bin/python');
    if (!existsSync(python)) throw new Error(`no ${python}: set PYTHON or pass an OpenAPI file`);
    source = join(scratch, 'openapi.json');
    const dump = execFileSync(python, ['-m', 'server.openapi_document'], { cwd: join(root, '..'), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    writeFileSync(source, dump);
  }
  // A field with a default stays optional, in requests (the server fills it in) and
  // in answers alike: what msgspec's `required` says, as openapi-typescript 6 had it.
  execFileSync(bin, [source, '--default-non-nullable', 'false', '-o', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`${out} from ${args[0] ?? 'the server code'}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
