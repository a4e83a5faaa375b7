import { configDefaults, defineProject } from 'vitest/config';

// test/browser needs Chromium and runs separately (`npm run test:browser`).
export default defineProject({
  test: { name: '@trailmark/e2e-tests', exclude: [...configDefaults.exclude, 'browser/**'] },
});
