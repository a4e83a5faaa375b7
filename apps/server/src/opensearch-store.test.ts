import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@opensearch-project/opensearch';
import { createPluginSet, ErrorCode } from '@trailmark/core';
import { createOpenSearchStorage, type OpenSearchStorage } from '@trailmark/storage-opensearch';
import { dropLayout, Interceptor, type InterceptorOptions } from '@trailmark/storage-opensearch/testing';
import { createSqliteStorage } from '@trailmark/storage-sqlite';
import { contractEvents } from '@trailmark/test-utils';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTestApp } from '../testing/index.ts';
import type { Config } from './env.ts';
import type { MigrateResult } from './migrate.ts';
import { migrateCommand } from './migrate-command.ts';
import { defaultPlugins } from './plugins.ts';
import { openSearchOptions } from './storage.ts';

/**
 * The server on the OpenSearch adapter, on a real node (OPENSEARCH_URL): what the sender sees when
 * OpenSearch rejects or sheds events (the failures are injected item by item by the interceptor, which
 * withholds those items from the node), and how the CLI migration files events.
 */
const url = process.env.OPENSEARCH_URL;
if (!url) console.info('server on OpenSearch: skipped, OPENSEARCH_URL is not set (no node to test)');
const plugins = createPluginSet(defaultPlugins);
const run = `tm-store-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const prefixes: string[] = [];
const admin = new Client({ node: url ?? 'http://127.0.0.1:9200' });

function opensearchConfig(): NonNullable<Config['opensearch']> {
  const prefix = `${run}-${prefixes.length}`;
  prefixes.push(prefix);
  return { urls: [url ?? ''], rejectUnauthorized: true, indexPrefix: prefix, ism: 'auto' };
}

const toClose: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const c of toClose.splice(0)) await c.close();
});
afterAll(async () => {
  if (url) for (const prefix of prefixes) await dropLayout(admin, prefix);
  await admin.close();
});

function storageOn(config: NonNullable<Config['opensearch']>, interceptor: Interceptor): OpenSearchStorage {
  return createOpenSearchStorage({
    ...openSearchOptions(config, plugins),
    client: interceptor.client(),
    evidenceLog: false,
    onWarning: () => {},
    retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1 },
    sleep: async () => {},
  });
}

/** How many documents each index under this prefix holds, as the engine reports after a refresh. */
async function indexCounts(prefix: string): Promise<Record<string, number>> {
  await admin.transport.request({ method: 'POST', path: `/${prefix}-events-*/_refresh` });
  const res = await admin.transport.request({
    method: 'GET',
    path: `/_cat/indices/${prefix}-events-*`,
    querystring: { format: 'json', h: 'index,docs.count' },
  });
  const rows = res.body as { index: string; 'docs.count': string }[];
  return Object.fromEntries(rows.map((r) => [r.index.slice(prefix.length + 1), Number(r['docs.count'])]));
}

async function appOn(options: Omit<InterceptorOptions, 'node'> = {}) {
  const config = opensearchConfig();
  const interceptor = new Interceptor({ ...options, node: url ?? '' });
  const storage = storageOn(config, interceptor);
  toClose.push(interceptor, storage);
  await storage.init();
  const t = await createTestApp({ storage });
  toClose.push(t);
  const request = (path: string, body?: unknown) => t.request(path, body === undefined ? {} : { body });
  return { prefix: config.indexPrefix, request };
}

const upload = (id: string, path = `/inbox/${id}.pdf`) => ({
  id,
  tenant: 'acme',
  source: 'file-transfer',
  action: 'file.uploaded',
  occurred_at: '2026-04-14T10:32:15Z',
  actor: { type: 'user', id: 'u-1', email: 'ana@acme.test' },
  targets: [{ type: 'file', id: `f-${id}`, path }],
  outcome: { result: 'success' },
});

describe.skipIf(!url)('POST /v1/events on the OpenSearch store (real node)', () => {
  it('answers 201 only after OpenSearch stored the events, which are then readable', async () => {
    const { request, prefix } = await appOn();
    const res = await request('/v1/events', { events: [upload('evt_os_1'), upload('evt_os_2')] });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0, ids: ['evt_os_1', 'evt_os_2'] });
    // The file-transfer source keeps 120 days: its events live in that class's monthly index.
    expect(await indexCounts(prefix)).toEqual({ 'events-r120d-2026.04': 2 });
    const listed = await (await request('/v1/events?tenant=acme&q=uploaded')).json();
    expect(listed.data.map((e: { id: string }) => e.id).sort()).toEqual(['evt_os_1', 'evt_os_2']);
  });

  it('turns a permanently rejected item into 502 STORAGE_REJECTED naming the event, never a 201', async () => {
    const { request, prefix } = await appOn({
      bulkFault: ({ id }) =>
        id === 'acme:evt_bad'
          ? {
              status: 400,
              type: 'mapper_parsing_exception',
              reason: 'failed to parse field [targets.path] of type [keyword]',
            }
          : undefined,
    });
    const res = await request('/v1/events', { events: [upload('evt_good'), upload('evt_bad')] });
    expect(res.status).toBe(502);
    const body = await res.json();
    expect(body.error).toMatchObject({
      code: ErrorCode.STORAGE_REJECTED,
      message: expect.stringMatching(/1 of 2 event\(s\) not stored.*1 were stored/),
      details: [{ index: 1, path: 'targets.path', message: expect.stringContaining('status 400') }],
    });
    // The sender retries the batch: the stored one is a duplicate, the rejected one fails again.
    const again = await request('/v1/events', { events: [upload('evt_good')] });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await indexCounts(prefix)).toEqual({ 'events-r120d-2026.04': 1 });
  });

  it('answers 503 STORAGE_UNAVAILABLE when OpenSearch keeps shedding load (429) past the retries', async () => {
    const { request, prefix } = await appOn({
      bulkFault: () => ({ status: 429, type: 'es_rejected_execution_exception', reason: 'queue full' }),
    });
    const res = await request('/v1/events', upload('evt_shed'));
    expect(res.status).toBe(503);
    expect((await res.json()).error).toMatchObject({
      code: ErrorCode.STORAGE_UNAVAILABLE,
      details: [{ index: 0, message: expect.stringMatching(/queue full.*429 after 3 attempts/) }],
    });
    // Nothing reached the node, so not even the month's index was created.
    expect(await indexCounts(prefix)).toEqual({});
  });
});

describe('trailmark migrate --to opensearch', () => {
  it.skipIf(!url)(
    'copies the embedded store into the retention-class families with labels, and verifies counts',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'trailmark-migrate-cli-'));
      const events = contractEvents(60);
      const sqlite = createSqliteStorage({ path: join(dir, 'events.db') });
      await sqlite.init();
      await sqlite.append(events);
      await sqlite.close();
      const config = opensearchConfig();
      const lines: string[] = [];
      let report: MigrateResult | undefined;
      const code = await migrateCommand({ dataDir: dir, opensearch: config } as Config, {
        to: 'opensearch',
        batch: 25,
        openTarget: (options) => createOpenSearchStorage({ ...options, evidenceLog: false }),
        progress: (line) => lines.push(line),
        report: (r) => {
          report = r;
        },
      });
      expect(code).toBe(0);
      expect(report).toEqual({
        copied: 60,
        duplicates: 0,
        sourceCount: 60,
        targetCount: 60,
        leaves: 0,
        verified: true,
      });
      expect(lines).toEqual(['copied 0 of 60', 'copied 25 of 60', 'copied 50 of 60', 'copied 60 of 60']);
      const indices = await indexCounts(config.indexPrefix);
      const families = new Set(Object.keys(indices).map((name) => name.split('-')[1]));
      // file-transfer keeps 120 days, media-library and central-config 12 months.
      expect(families).toEqual(new Set(['r120d', 'r12m']));
      expect(Object.values(indices).reduce((a, b) => a + b, 0)).toBe(60);
      const interceptor = new Interceptor({ node: url ?? '' });
      toClose.push(interceptor);
      const check = storageOn(config, interceptor);
      const byLabel = await check.count({ q: 'File uploaded' });
      expect(byLabel).toBe(events.filter((e) => e.action === 'file.uploaded').length);
      await check.close();
    },
  );

  it('refuses to "migrate" a data directory without an embedded store', async () => {
    const errors: string[] = [];
    const code = await migrateCommand(
      {
        dataDir: mkdtempSync(join(tmpdir(), 'trailmark-empty-')),
        opensearch: {
          urls: ['http://127.0.0.1:9'],
          rejectUnauthorized: true,
          indexPrefix: 'trailmark',
          ism: 'require',
        },
      } as Config,
      { to: 'opensearch', batch: 100, error: (line) => errors.push(line) },
    );
    expect(code).toBe(2);
    expect(errors[0]).toMatch(/no embedded store at .*events\.db/);
  });
});

describe('openSearchOptions', () => {
  it('hands the adapter the retention policy and action labels the server runs with', () => {
    const options = openSearchOptions(
      {
        urls: ['http://opensearch.internal:9200'],
        indexPrefix: 'trailmark',
        ism: 'require',
        username: 'trailmark',
        password: 'secret',
        rejectUnauthorized: false,
      },
      plugins,
    );
    expect(options.retention).toBe(plugins.retention);
    expect(options.retention?.sources['file-transfer']).toEqual({ days: 120 });
    expect(options.actionLabel?.('file-transfer', 'file.uploaded')).toBe('File uploaded');
    expect(options).toMatchObject({
      node: 'http://opensearch.internal:9200',
      auth: { username: 'trailmark', password: 'secret' },
      tls: { rejectUnauthorized: false },
      indexPrefix: 'trailmark',
    });
  });
});
