// Copies Swagger UI (the npm package swagger-ui-dist) into the build's api-docs/, where
// the server's API documentation (/schema, server/api_docs.py: keep the file names
// alike) loads it from: no CDN, so the page works with no internet. The service worker
// neither precaches nor serves these files (vite.config.ts): they are for developers.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const API_DOCS_DIR = 'api-docs';
const FILES = ['swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'swagger-ui.css', 'favicon-32x32.png', 'LICENSE', 'NOTICE'];

export function apiDocsAssets() {
  const root = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  return {
    name: 'motcua-api-docs-assets',
    apply: 'build',
    generateBundle() {
      for (const name of FILES) {
        this.emitFile({ type: 'asset', fileName: `${API_DOCS_DIR}/${name}`, source: readFileSync(join(root, name)) });
      }
    },
  };
}
