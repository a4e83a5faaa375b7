import { defineProject } from 'vitest/config';

// Compiling the OpenSearch API spec validators takes seconds per test file (more when files run in
// parallel), hence the generous timeouts.
export default defineProject({
  test: { name: '@trailmark/storage-opensearch', testTimeout: 60_000, hookTimeout: 120_000 },
});
