import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, exportPages, StorageError } from '@trailmark/core';
import { contractEvents } from '@trailmark/test-utils';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type BulkFault, FakeCluster, type FakeClusterOptions } from './fake-cluster.ts';
import { createOpenSearchStorage } from './opensearch-storage.ts';
import { bulkItems } from './responses.ts';
import { createSpecValidator, defaultSpecRoot, specAvailable } from './spec-validator.ts';

/**
 * Response handling, driven through a real Client whose Connection is the in-memory emulator
 * (fake-cluster.ts). No cluster involved: bulk partial failures are injected item by item, shaped like the
 * spec's bulk response (the emulator validates its own responses against the spec).
 */
const spec = specAvailable() ? createSpecValidator() : undefined;

async function setup(options: Omit<FakeClusterOptions, 'spec'> = {}) {
  const cluster = new FakeCluster({ ...options, ...(spec ? { spec } : {}) });
  const delays: number[] = [];
  const storage = createOpenSearchStorage({
    node: 'http://fake-cluster:9200',
    client: cluster.client(),
    evidenceLog: false,
    retry: { retries: 3, baseDelayMs: 100, maxDelayMs: 250 },
    sleep: async (ms) => {
      delays.push(ms);
    },
  });
  await storage.init();
  return { cluster, storage, delays, bulkCalls: () => cluster.requests.filter((r) => r.path === '/_bulk') };
}

const events = contractEvents(6);
const fault = (status: number, type: string, reason: string): BulkFault => ({ status, type, reason });

// The first requests compile the spec validators (a few seconds; far more on a loaded machine, and init
// now also sends _cat/nodes and _cat/plugins).
describe('append: bulk partial failures, item by item', { timeout: 120_000 }, () => {
  it('retries 429 items alone, with exponential backoff, until stored', async () => {
    const target = `${events[2].tenant}:${events[2].id}`;
    const { storage, cluster, delays, bulkCalls } = await setup({
      bulkFault: ({ id, attempt }) =>
        id === target && attempt <= 2
          ? fault(429, 'es_rejected_execution_exception', 'rejected execution of coordinating operation')
          : undefined,
    });
    const result = await storage.append(events);
    expect(result).toEqual({ inserted: events.map((e) => e.id), duplicates: [] });
    expect(bulkCalls().map((r) => (r.lines?.length ?? 0) / 2)).toEqual([6, 1, 1]);
    expect(bulkCalls().every((r) => r.query.get('refresh') === 'wait_for')).toBe(true);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(50);
    expect(delays[0]).toBeLessThanOrEqual(100);
    expect(delays[1]).toBeGreaterThanOrEqual(100);
    expect(delays[1]).toBeLessThanOrEqual(200);
    expect(cluster.allDocs()).toHaveLength(6);
    expect(cluster.violations).toEqual([]);
  });

  it('retries 5xx items too', async () => {
    const target = `${events[0].tenant}:${events[0].id}`;
    const { storage, bulkCalls } = await setup({
      bulkFault: ({ id, attempt }) =>
        id === target && attempt === 1
          ? fault(503, 'unavailable_shards_exception', 'primary shard is not active')
          : undefined,
    });
    expect((await storage.append(events)).inserted).toHaveLength(6);
    expect(bulkCalls()).toHaveLength(2);
  });

  it('reports 409 items as duplicates, never as inserted, and does not retry them', async () => {
    const target = `${events[1].tenant}:${events[1].id}`;
    const { storage, bulkCalls } = await setup({
      bulkFault: ({ id }) =>
        id === target
          ? fault(
              409,
              'version_conflict_engine_exception',
              `[${id}]: version conflict, document already exists`,
            )
          : undefined,
    });
    const result = await storage.append(events);
    expect(result.duplicates).toEqual([events[1].id]);
    expect(result.inserted).toEqual(events.filter((_, i) => i !== 1).map((e) => e.id));
    expect(bulkCalls()).toHaveLength(1);
  });

  it('throws STORAGE_REJECTED with per-item details for permanent failures, without retrying them', async () => {
    const target = `${events[4].tenant}:${events[4].id}`;
    const { storage, bulkCalls, delays } = await setup({
      bulkFault: ({ id }) =>
        id === target
          ? fault(
              400,
              'mapper_parsing_exception',
              "failed to parse field [client.ip] of type [ip] in document with id 'x'",
            )
          : undefined,
    });
    const error = await storage.append(events).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({
      code: ErrorCode.STORAGE_REJECTED,
      details: [
        {
          index: 4,
          path: 'client.ip',
          message: expect.stringMatching(/mapper_parsing_exception.*trailmark-events-r12m-2026\.03.*400/),
        },
      ],
    });
    expect((error as Error).message).toMatch(/1 of 6 .*5 were stored/);
    expect(bulkCalls()).toHaveLength(1);
    expect(delays).toEqual([]);
    // The five accepted events are reported as duplicates when the caller retries the batch.
    const again = await storage.append(events.filter((_, i) => i !== 4));
    expect(again).toEqual({ inserted: [], duplicates: events.filter((_, i) => i !== 4).map((e) => e.id) });
  });

  it('gives up after the bounded retries with STORAGE_UNAVAILABLE, backoff capped', async () => {
    const target = `${events[3].tenant}:${events[3].id}`;
    const { storage, bulkCalls, delays } = await setup({
      bulkFault: ({ id }) =>
        id === target ? fault(429, 'es_rejected_execution_exception', 'queue full') : undefined,
    });
    const error = await storage.append(events).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ErrorCode.STORAGE_UNAVAILABLE,
      details: [{ index: 3, message: expect.stringMatching(/queue full.*429 after 4 attempts/) }],
    });
    expect(bulkCalls()).toHaveLength(4);
    expect(delays).toHaveLength(3);
    expect(Math.max(...delays)).toBeLessThanOrEqual(250);
  });

  it('retries a whole request answered 429, and reports a 400 request as rejected', async () => {
    let calls = 0;
    const { storage, bulkCalls } = await setup({
      requestFault: (r) =>
        r.path === '/_bulk' && ++calls === 1
          ? {
              status: 429,
              body: { error: { type: 'circuit_breaking_exception', reason: 'busy' }, status: 429 },
            }
          : undefined,
    });
    expect((await storage.append(events)).inserted).toHaveLength(6);
    expect(bulkCalls()).toHaveLength(2);

    const broken = await setup({
      requestFault: (r) =>
        r.path === '/_bulk'
          ? { status: 400, body: { error: { type: 'parse_exception', reason: 'bad ndjson' }, status: 400 } }
          : undefined,
    });
    await expect(broken.storage.append(events)).rejects.toMatchObject({ code: ErrorCode.STORAGE_REJECTED });
    expect([...broken.cluster.violations]).toEqual([]);
  });

  it('catches a re-sent id even when its occurred_at moved to another month (another index)', async () => {
    const { storage } = await setup();
    await storage.append([events[0]]);
    const moved = { ...events[0], occurred_at: '2025-07-01T00:00:00.000Z' };
    expect(await storage.append([moved])).toEqual({ inserted: [], duplicates: [moved.id] });
  });
});

describe('responses shaped like the specification', () => {
  it.skipIf(!spec)("parses the spec's own recorded bulk response (tests/default/_core/bulk.yaml)", () => {
    const story = parse(readFileSync(join(defaultSpecRoot(), 'tests/default/_core/bulk.yaml'), 'utf8')) as {
      chapters: { response?: { payload?: unknown } }[];
    };
    const payload = story.chapters.find((c) => c.response?.payload)?.response?.payload;
    // Story payloads are partial matches (no `took`), so they are parsed here, not validated.
    expect(bulkItems(payload, 1)).toEqual([{ status: 404, index: 'movies', id: 'invalid' }]);
    expect(() => bulkItems(payload, 2)).toThrow(StorageError);
  });
});

describe('init, reads on an empty store, point in time', { timeout: 30_000 }, () => {
  it('installs the template and ISM policies idempotently', async () => {
    const { storage, cluster } = await setup();
    await storage.init();
    const puts = cluster.requests.filter((r) => r.method === 'PUT').map((r) => r.path);
    expect(puts).toEqual([
      '/_index_template/trailmark-events',
      '/trailmark-events-*/_mapping',
      '/_plugins/_ism/policies/trailmark-events-r12m',
      '/_index_template/trailmark-events',
      '/trailmark-events-*/_mapping',
    ]);
    expect(cluster.policies.get('trailmark-events-r12m')?.policy.default_state).toBe('hot');
    expect(cluster.violations).toEqual([]);
  });

  it('brings existing monthly indices up to the current mapping at start (upgrades)', async () => {
    const { storage, cluster } = await setup();
    await storage.append(events);
    const index = cluster.indices.get('trailmark-events-r12m-2026.03');
    const properties = () => index?.mapping.properties as Record<string, unknown>;
    // As if the index had been created by an older Trailmark whose mapping lacked `client_ip`.
    delete properties().client_ip;
    await expect(storage.append(contractEvents(8).slice(6))).rejects.toMatchObject({
      code: ErrorCode.STORAGE_REJECTED,
      details: [{ message: expect.stringMatching(/strict_dynamic_mapping|client_ip/) }, expect.anything()],
    });
    cluster.violations.length = 0;
    await storage.init();
    expect(properties().client_ip).toEqual({ type: 'keyword' });
    expect((await storage.append(contractEvents(8).slice(6))).inserted).toHaveLength(2);
  });

  it('refuses to start when an existing index maps a field with another type', async () => {
    const { storage, cluster } = await setup();
    await storage.append(events);
    const index = cluster.indices.get('trailmark-events-r12m-2026.03');
    (index?.mapping.properties as Record<string, unknown>).doc_key = { type: 'long' };
    await expect(storage.init()).rejects.toMatchObject({
      code: ErrorCode.STORAGE_REJECTED,
      message: expect.stringMatching(/update the mapping.*400.*doc_key.*cannot be changed/),
    });
  });

  it('makes appended events searchable itself (refresh=wait_for); the emulator never refreshes on its own', async () => {
    const lazy = new FakeCluster(spec ? { spec } : {});
    const storage = createOpenSearchStorage({
      node: 'http://fake-cluster:9200',
      client: lazy.client(),
      evidenceLog: false,
      refresh: false,
    });
    await storage.init();
    await storage.append(events);
    expect(lazy.allDocs()).toHaveLength(6);
    // Stored (acknowledged by the primary) but not yet visible: what a real cluster does within its
    // refresh interval. The contract suite passes only because the default is refresh=wait_for.
    expect(await storage.count({})).toBe(0);
    lazy.refresh();
    expect(await storage.count({})).toBe(6);
    expect(lazy.violations).toEqual([]);
  });

  it("is what core's exportPages uses: exports go through a point in time", async () => {
    const { storage, cluster } = await setup();
    await storage.append(contractEvents(12));
    let total = 0;
    for await (const page of exportPages(storage, {}, 5)) total += page.length;
    expect(total).toBe(12);
    const paths = cluster.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths).toContain('POST /trailmark-events/_search/point_in_time');
    expect(paths.at(-1)).toBe('DELETE /_search/point_in_time');
  });

  it('exports one snapshot: events appended or purged during the export do not change it', async () => {
    const { storage, cluster } = await setup();
    const data = contractEvents(30);
    await storage.append(data);
    const want = data.filter((e) => e.tenant === 'acme').map((e) => e.id);
    const seen: string[] = [];
    let pages = 0;
    let purged = 0;
    for await (const page of storage.exportEvents({ tenant: ['acme'] }, { pageSize: 5 })) {
      seen.push(...page.map((e) => e.id));
      if (++pages === 1) {
        const late = contractEvents(3).map((e, i) => ({ ...e, id: `evt_late_${i}`, tenant: 'acme' }));
        await storage.append(late);
        purged = await storage.purge({
          tenant: 'acme',
          source: 'file-transfer',
          before: '2100-01-01T00:00:00Z',
        });
      }
    }
    expect(seen.sort()).toEqual([...want].sort());
    expect(purged).toBeGreaterThan(0);
    expect(await storage.count({ tenant: ['acme'] })).toBe(want.length + 3 - purged);
    expect(cluster.violations).toEqual([]);
  });

  it('names the node (without credentials) and the request when OpenSearch is unreachable', async () => {
    const storage = createOpenSearchStorage({ node: 'http://trailmark:s3cret@127.0.0.1:9' });
    const error = await storage.init().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.STORAGE_UNAVAILABLE });
    expect((error as Error).message).toMatch(
      /^OpenSearch at http:\/\/127\.0\.0\.1:9 unreachable \(PUT \/_index_template\/trailmark-events\)/,
    );
    expect((error as Error).message).not.toContain('s3cret');
    await storage.close();
  });

  it('answers reads before the first write (no index behind the alias yet) as empty', async () => {
    const { storage } = await setup();
    expect(await storage.search({}, { limit: 10 })).toEqual({ data: [], next_cursor: null });
    expect(await storage.count({})).toBe(0);
    expect(await storage.facet({}, 'action', 10)).toEqual({ buckets: [], complete: true });
    expect(await storage.partitions()).toEqual([]);
    expect(await storage.get('evt_x')).toBeNull();
    expect(await storage.purge({ tenant: 'acme', source: 'x', before: '2026-01-01T00:00:00Z' })).toBe(0);
  });

  it('exports from one point in time, page by page, and always closes it', async () => {
    const { storage, cluster } = await setup();
    const data = contractEvents(25);
    await storage.append(data);
    const pages: number[] = [];
    for await (const page of storage.exportEvents({ tenant: ['acme'] }, { pageSize: 7 }))
      pages.push(page.length);
    expect(pages.reduce((a, b) => a + b, 0)).toBe(data.filter((e) => e.tenant === 'acme').length);
    expect(cluster.requests.at(-1)).toMatchObject({ method: 'DELETE', path: '/_search/point_in_time' });
    expect(cluster.violations).toEqual([]);
  });

  it('deletes a whole old monthly index only when it holds nothing but the purged partition', async () => {
    const { storage, cluster } = await setup();
    const old = contractEvents(10).map((e, i) => ({
      ...e,
      id: `evt_old_${i}`,
      tenant: 'acme',
      source: 'file-transfer',
      occurred_at: `2025-0${1 + (i % 2)}-15T00:00:00.000Z`,
    }));
    old[9] = { ...old[9], tenant: 'globex' };
    await storage.append(old);
    const deleted = await storage.purge({
      tenant: 'acme',
      source: 'file-transfer',
      before: '2025-06-01T00:00:00Z',
    });
    expect(deleted).toBe(9);
    const dropped = cluster.requests.filter((r) => r.method === 'DELETE').map((r) => r.path);
    expect(dropped).toEqual(['/trailmark-events-r12m-2025.01']);
    expect(await storage.count({})).toBe(1);
  });
});
