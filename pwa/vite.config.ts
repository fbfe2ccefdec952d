import { defineConfig } from 'vitest/config';

// The form validator imports shared data from the parent repository
// (sync/forms/reference/*.json, sync/forms/messages.json, tests/vectors/forms.json),
// so the dev server may read files one level up.
export default defineConfig({
  server: {
    fs: { allow: ['..'] },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
