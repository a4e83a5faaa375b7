import { defineConfig } from 'vitest/config';

// One vitest run over every workspace, so CI gets one summary line ("N passed, N failed").
export default defineConfig({
  test: {
    projects: ['packages/*', 'plugins/*', 'apps/*', '!apps/admin', 'test'],
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
