import { configDefaults, defineProject } from 'vitest/config';

// test/browser needs Chromium and runs separately (`npm run test:browser`). The other tests seed and
// read whole demo data sets: a few seconds each on an idle machine, more on a shared runner.
export default defineProject({
  test: {
    name: '@trailmark/e2e-tests',
    testTimeout: 30_000,
    exclude: [...configDefaults.exclude, 'browser/**'],
  },
});
