import { defineConfig } from 'vitest/config';

// The browser tests (`npm run test:browser`): real server, real SQLite file, Debian Chromium.
export default defineConfig({
  test: {
    name: 'browser',
    root: import.meta.dirname,
    include: ['*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
