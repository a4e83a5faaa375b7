import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// One vitest run over every workspace, so CI gets one summary line ("N passed, N failed").
export default defineConfig({
  test: {
    projects: ['packages/*', 'plugins/*', 'apps/*', '!apps/admin', 'test'],
    reporters: ['default', './scripts/summary-reporter.ts'],
    // Vitest's default is one worker per core but one: a single worker on two cores. The tests mostly
    // wait (fsync, child servers, HTTP, timers), so two workers there halve the run (410 -> 211 s).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
