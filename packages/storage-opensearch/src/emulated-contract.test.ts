import { runStorageContract } from '@trailmark/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeCluster } from './fake-cluster.ts';
import { createOpenSearchStorage } from './opensearch-storage.ts';
import { createSpecValidator, specAvailable } from './spec-validator.ts';

/**
 * The shared storage contract against the in-memory emulator (fake-cluster.ts), NOT a real cluster:
 * it proves the filter translation, paging, facets, history and purge logic agree with the reference
 * semantics under the emulator's model of OpenSearch, and (when the spec folder is present) that every
 * request the adapter sends during the whole suite is valid against the official API specification.
 * The real-cluster run is contract.test.ts, gated on OPENSEARCH_URL.
 */
const spec = specAvailable() ? createSpecValidator() : undefined;
const clusters: FakeCluster[] = [];

runStorageContract({
  name: 'opensearch adapter on the in-memory emulator (not a cluster)',
  create: async ({ fields }) => {
    const cluster = new FakeCluster(spec ? { spec } : {});
    clusters.push(cluster);
    const storage = createOpenSearchStorage({
      node: 'http://fake-cluster:9200',
      client: cluster.client(),
      // The evidence log's contract runs on the real engine only (contract.test.ts).
      evidenceLog: false,
      fields,
    });
    await storage.init();
    return storage;
  },
});

describe('requests sent during the contract run', () => {
  afterAll(() => {
    // Checked after the contract suite: any request or document the spec or the mapping rejects.
    expect(clusters.flatMap((c) => c.violations)).toEqual([]);
  });
  it.skipIf(!spec)('are checked against the OpenSearch API spec', () => {
    expect(clusters.length).toBeGreaterThan(0);
  });
});
