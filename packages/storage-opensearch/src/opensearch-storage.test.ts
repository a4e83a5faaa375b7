import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@opensearch-project/opensearch';
import { ErrorCode, exportPages, StorageError } from '@trailmark/core';
import { contractEvents } from '@trailmark/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dropLayout } from '../testing/index.ts';
import {
  type BulkFault,
  errorBody,
  type InterceptedRequest,
  type InterceptedResponse,
  Interceptor,
  type InterceptorOptions,
} from '../testing/interceptor.ts';
import { createSpecValidator, defaultSpecRoot, specAvailable } from '../testing/spec-validator.ts';
import { createOpenSearchStorage, type OpenSearchStorage } from './opensearch-storage.ts';
import { bulkItems } from './responses.ts';

/**
 * Response handling on a real node (OPENSEARCH_URL), through a client that records every request, checks
 * it and the node's answer against the API specification, and fails chosen bulk items (interceptor.ts):
 * a failed item is withheld from the node, so what the test then counts is what the engine stored.
 */
const url = process.env.OPENSEARCH_URL;
if (!url)
  console.info('storage-opensearch fault handling: skipped, OPENSEARCH_URL is not set (no node to test)');
const spec = specAvailable() ? createSpecValidator() : undefined;
const run = `tm-faults-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const prefixes: string[] = [];
const stores: OpenSearchStorage[] = [];
const interceptors: Interceptor[] = [];
const admin = new Client({ node: url ?? 'http://127.0.0.1:9200' });

afterAll(async () => {
  for (const s of stores) await s.close();
  for (const i of interceptors) await i.close();
  if (url) for (const prefix of prefixes) await dropLayout(admin, prefix);
  await admin.close();
});

type SetupOptions = Omit<InterceptorOptions, 'node' | 'spec'>;

async function setup(options: SetupOptions = {}, init = true) {
  const prefix = `${run}-${prefixes.length}`;
  prefixes.push(prefix);
  const interceptor = new Interceptor({ ...options, node: url ?? '', ...(spec ? { spec } : {}) });
  interceptors.push(interceptor);
  const delays: number[] = [];
  const storage = createOpenSearchStorage({
    node: url ?? '',
    indexPrefix: prefix,
    client: interceptor.client(),
    evidenceLog: false,
    ism: 'auto',
    onWarning: () => {},
    retry: { retries: 3, baseDelayMs: 100, maxDelayMs: 250 },
    sleep: async (ms) => {
      delays.push(ms);
    },
  });
  stores.push(storage);
  if (init) await storage.init();
  /** Documents the engine holds under this prefix, whatever the adapter reported. */
  const stored = async () => {
    await admin.transport.request({ method: 'POST', path: `/${prefix}-events-*/_refresh` });
    const res = await admin.transport.request({ method: 'POST', path: `/${prefix}-events-*/_count` });
    return (res.body as { count: number }).count;
  };
  return {
    prefix,
    interceptor,
    storage,
    delays,
    stored,
    bulkCalls: () => interceptor.requests.filter((r) => r.path === '/_bulk'),
  };
}

const events = contractEvents(6);
const fault = (status: number, type: string, reason: string): BulkFault => ({ status, type, reason });

// The first requests compile the spec validators (a few seconds; far more on a loaded machine, and init
// now also sends _cat/nodes and _cat/plugins).
describe.skipIf(!url)('append: bulk partial failures, item by item (real node)', { timeout: 120_000 }, () => {
  it('retries 429 items alone, with exponential backoff, until stored', async () => {
    const target = `${events[2].tenant}:${events[2].id}`;
    const { storage, interceptor, delays, stored, bulkCalls } = await setup({
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
    expect(await stored()).toBe(6);
    expect(interceptor.violations).toEqual([]);
  });

  it('retries 5xx items too', async () => {
    const target = `${events[0].tenant}:${events[0].id}`;
    const { storage, bulkCalls, stored } = await setup({
      bulkFault: ({ id, attempt }) =>
        id === target && attempt === 1
          ? fault(503, 'unavailable_shards_exception', 'primary shard is not active')
          : undefined,
    });
    expect((await storage.append(events)).inserted).toHaveLength(6);
    expect(bulkCalls()).toHaveLength(2);
    expect(await stored()).toBe(6);
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
    const { storage, bulkCalls, delays, stored } = await setup({
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
          message: expect.stringMatching(/mapper_parsing_exception.*-events-r12m-2026\.03.*400/),
        },
      ],
    });
    expect((error as Error).message).toMatch(/1 of 6 .*5 were stored/);
    expect(bulkCalls()).toHaveLength(1);
    expect(delays).toEqual([]);
    expect(await stored()).toBe(5);
    // The five accepted events are reported as duplicates when the caller retries the batch.
    const again = await storage.append(events.filter((_, i) => i !== 4));
    expect(again).toEqual({ inserted: [], duplicates: events.filter((_, i) => i !== 4).map((e) => e.id) });
  });

  it('gives up after the bounded retries with STORAGE_UNAVAILABLE, backoff capped', async () => {
    const target = `${events[3].tenant}:${events[3].id}`;
    const { storage, bulkCalls, delays, stored } = await setup({
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
    expect(await stored()).toBe(5);
  });

  it('retries a whole request answered 429, and reports a 400 request as rejected', async () => {
    let calls = 0;
    const { storage, bulkCalls } = await setup({
      answer: (r) =>
        r.path === '/_bulk' && ++calls === 1
          ? { status: 429, body: errorBody(429, 'circuit_breaking_exception', 'busy') }
          : undefined,
    });
    expect((await storage.append(events)).inserted).toHaveLength(6);
    expect(bulkCalls()).toHaveLength(2);

    const broken = await setup({
      answer: (r) =>
        r.path === '/_bulk'
          ? { status: 400, body: errorBody(400, 'parse_exception', 'bad ndjson') }
          : undefined,
    });
    await expect(broken.storage.append(events)).rejects.toMatchObject({ code: ErrorCode.STORAGE_REJECTED });
    expect(broken.interceptor.violations).toEqual([]);
    expect(await broken.stored()).toBe(0);
  });

  it('the spec check itself: an answer not shaped like an OpenSearch error is flagged', async () => {
    const { storage, interceptor } = await setup({
      answer: (r) => (r.path === '/_bulk' ? { status: 500, body: { oops: 'not an error body' } } : undefined),
    });
    await expect(storage.append(events)).rejects.toBeInstanceOf(StorageError);
    expect(interceptor.violations.join('\n')).toMatch(/error response 500/);
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

/**
 * The launcher's node has no Index Management plugin (its zips are not on Maven Central, see
 * docs/operations.md), so ISM is answered by this stand-in: the adapter's policy requests are checked
 * against the API specification and kept, everything else goes to the node.
 */
function ismStandIn() {
  const policies = new Map<string, { seqNo: number; body: Record<string, unknown> }>();
  const answer = (r: InterceptedRequest): InterceptedResponse | undefined => {
    if (r.method === 'GET' && r.path === '/_cat/nodes') return { status: 200, body: [{ name: 'n0' }] };
    if (r.method === 'GET' && r.path === '/_cat/plugins')
      return { status: 200, body: [{ name: 'n0', component: 'opensearch-index-management' }] };
    const id = /^\/_plugins\/_ism\/policies\/([^/]+)$/.exec(r.path)?.[1];
    if (!id) return undefined;
    const current = policies.get(id);
    if (r.method === 'GET')
      return current
        ? { status: 200, body: { _id: id, _seq_no: current.seqNo, _primary_term: 1, ...current.body } }
        : { status: 404, body: errorBody(404, 'status_exception', 'Policy not found') };
    const seqNo = (current?.seqNo ?? -1) + 1;
    policies.set(id, { seqNo, body: r.body as Record<string, unknown> });
    return { status: current ? 200 : 201, body: { _id: id, _seq_no: seqNo, _primary_term: 1 } };
  };
  return { policies, answer };
}

describe.skipIf(!url)('init, reads on an empty store, point in time (real node)', { timeout: 60_000 }, () => {
  it('installs the template and ISM policies idempotently', async () => {
    const ism = ismStandIn();
    const { storage, interceptor, prefix } = await setup({ answer: ism.answer });
    expect(storage.ismInstalled).toBe(true);
    await storage.init();
    const puts = interceptor.requests.filter((r) => r.method === 'PUT').map((r) => r.path);
    expect(puts).toEqual([
      `/_index_template/${prefix}-events`,
      `/${prefix}-events-*/_mapping`,
      `/_plugins/_ism/policies/${prefix}-events-r12m`,
      `/_index_template/${prefix}-events`,
      `/${prefix}-events-*/_mapping`,
    ]);
    expect(ism.policies.get(`${prefix}-events-r12m`)?.body).toMatchObject({
      policy: { default_state: 'hot' },
    });
    const template = await admin.transport.request({
      method: 'GET',
      path: `/_index_template/${prefix}-events`,
    });
    expect(JSON.stringify(template.body)).toContain(`"${prefix}-events-*"`);
    expect(interceptor.violations).toEqual([]);
  });

  it('refuses to start when an existing index maps a field with another type', async () => {
    const { storage, prefix } = await setup({}, false);
    // As an index created by hand (or another tool) with doc_key as a number.
    await admin.transport.request({
      method: 'PUT',
      path: `/${prefix}-events-r12m-2026.03`,
      body: { mappings: { properties: { doc_key: { type: 'long' } } } },
    });
    await expect(storage.init()).rejects.toMatchObject({
      code: ErrorCode.STORAGE_REJECTED,
      message: expect.stringMatching(/update the mapping.*400.*doc_key.*long.*keyword/),
    });
  });

  it("is what core's exportPages uses: exports go through a point in time", async () => {
    const { storage, interceptor, prefix } = await setup();
    await storage.append(contractEvents(12));
    let total = 0;
    for await (const page of exportPages(storage, {}, 5)) total += page.length;
    expect(total).toBe(12);
    const paths = interceptor.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths).toContain(`POST /${prefix}-events/_search/point_in_time`);
    expect(paths.at(-1)).toBe('DELETE /_search/point_in_time');
    expect(interceptor.violations).toEqual([]);
  });

  it('exports one snapshot: events appended or purged during the export do not change it', async () => {
    const { storage, interceptor } = await setup();
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
    expect(interceptor.violations).toEqual([]);
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
    const { storage, interceptor } = await setup();
    const data = contractEvents(25);
    await storage.append(data);
    const pages: number[] = [];
    for await (const page of storage.exportEvents({ tenant: ['acme'] }, { pageSize: 7 }))
      pages.push(page.length);
    expect(pages.reduce((a, b) => a + b, 0)).toBe(data.filter((e) => e.tenant === 'acme').length);
    expect(interceptor.requests.at(-1)).toMatchObject({ method: 'DELETE', path: '/_search/point_in_time' });
    expect(interceptor.violations).toEqual([]);
  });

  it('deletes a whole old monthly index only when it holds nothing but the purged partition', async () => {
    const { storage, interceptor, prefix } = await setup();
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
    const dropped = interceptor.requests.filter((r) => r.method === 'DELETE').map((r) => r.path);
    expect(dropped).toEqual([`/${prefix}-events-r12m-2025.01`]);
    expect(await storage.count({})).toBe(1);
  });
});

describe('without a node', () => {
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
});
