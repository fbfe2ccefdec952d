import { defineConfig } from 'vitest/config';
import { VitePWA } from 'vite-plugin-pwa';
import { API_DOCS_DIR, apiDocsAssets } from './scripts/apiDocsAssets.mjs';

// The form validator imports shared data from the parent repository
// (sync/forms/reference/*.json, sync/forms/messages.json, tests/vectors/forms.json),
// so the dev server may read files one level up.
export default defineConfig({
  server: {
    fs: { allow: ['..'] },
  },
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
  },
  plugins: [
    apiDocsAssets(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      // The app registers the worker itself, as its entry script starts (src/registerFirst.ts).
      injectRegister: false,
      // Seen on Vite 8: an ES-module worker fails a classic registration
      // ("ServiceWorker script evaluation failed"); an IIFE registers everywhere.
      injectManifest: {
        rollupFormat: 'iife',
        globPatterns: ['**/*.{js,css,html,png,svg,webmanifest}'],
        // The desk screens (src/ui/desk/, a lazy chunk) are for officials working
        // online: citizens' phones neither precache nor download them.
        // Nor Swagger UI, which only the server's /schema page loads.
        globIgnores: ['assets/DeskScreens-*', `${API_DOCS_DIR}/**`],
      },
      manifest: {
        name: 'Một cửa – Hộ tịch',
        short_name: 'Một cửa',
        description: 'Dịch vụ công hộ tịch: khai sinh, khai tử, kết hôn — làm hồ sơ cả khi không có mạng',
        lang: 'vi',
        start_url: './',
        scope: './',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#b71c1c',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
    }),
  ],
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    environment: 'node',
    // The app runs tus-js-client's browser build (Blob files, pluggable HTTP stack);
    // under Node, the package would resolve to its Node build, which takes no Blob.
    alias: { 'tus-js-client': 'tus-js-client/lib.esm/browser/index.js' },
  },
});
