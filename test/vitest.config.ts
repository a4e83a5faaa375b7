import { defineProject } from 'vitest/config';

// These tests seed and read whole demo data sets: a few seconds each on an idle machine, more on a
// shared CI runner, so the 5 s default timed them out there (also before turbo, on the same load).
export default defineProject({ test: { name: '@trailmark/e2e-tests', testTimeout: 30_000 } });
