import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPluginSet, ErrorCode } from '@trailmark/core';
import { createOpenSearchStorage, type OpenSearchStorage } from '@trailmark/storage-opensearch';
import { FakeCluster, type FakeClusterOptions } from '@trailmark/storage-opensearch/testing';
import { createSqliteStorage } from '@trailmark/storage-sqlite';
import { contractEvents } from '@trailmark/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from './env.ts';
import type { MigrateResult } from './migrate.ts';
import { migrateCommand } from './migrate-command.ts';
import { defaultPlugins } from './plugins.ts';
import { openSearchOptions } from './storage.ts';
import { createTestApp } from './testing.ts';

/**
 * The server on the OpenSearch adapter, with the in-memory emulator (fake-cluster.ts) in place of a
 * cluster: what the sender sees when OpenSearch rejects or sheds events, and how the CLI migration
 * files events. No real cluster is involved; see packages/storage-opensearch for what that means.
 */
const plugins = createPluginSet(defaultPlugins);
const OPENSEARCH: NonNullable<Config['opensearch']> = {
  urls: ['http://fake-cluster:9200'],
  rejectUnauthorized: true,
  indexPrefix: 'trailmark',
  ism: 'require',
};
const toClose: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const c of toClose.splice(0)) await c.close();
});

function storageOn(cluster: FakeCluster): OpenSearchStorage {
  return createOpenSearchStorage({
    ...openSearchOptions(OPENSEARCH, plugins),
    client: cluster.client(),
    evidenceLog: false,
    retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1 },
    sleep: async () => {},
  });
}

async function appOn(options: FakeClusterOptions = {}) {
  const cluster = new FakeCluster(options);
  const storage = storageOn(cluster);
  await storage.init();
  const t = await createTestApp({ storage });
  toClose.push(t);
  const request = (path: string, body?: unknown) => t.request(path, body === undefined ? {} : { body });
  return { cluster, request };
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

describe('POST /v1/events on the OpenSearch store', () => {
  it('answers 201 only after OpenSearch stored the events, which are then readable', async () => {
    const { request, cluster } = await appOn();
    const res = await request('/v1/events', { events: [upload('evt_os_1'), upload('evt_os_2')] });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0, ids: ['evt_os_1', 'evt_os_2'] });
    // The file-transfer source keeps 120 days: its events live in that class's monthly index.
    expect(cluster.indices.get('trailmark-events-r120d-2026.04')?.docs.size).toBe(2);
    const listed = await (await request('/v1/events?tenant=acme&q=uploaded')).json();
    expect(listed.data.map((e: { id: string }) => e.id).sort()).toEqual(['evt_os_1', 'evt_os_2']);
  });

  it('turns a permanently rejected item into 502 STORAGE_REJECTED naming the event, never a 201', async () => {
    const { request } = await appOn({
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
  });

  it('answers 503 STORAGE_UNAVAILABLE when OpenSearch keeps shedding load (429) past the retries', async () => {
    const { request, cluster } = await appOn({
      bulkFault: () => ({ status: 429, type: 'es_rejected_execution_exception', reason: 'queue full' }),
    });
    const res = await request('/v1/events', upload('evt_shed'));
    expect(res.status).toBe(503);
    expect((await res.json()).error).toMatchObject({
      code: ErrorCode.STORAGE_UNAVAILABLE,
      details: [{ index: 0, message: expect.stringMatching(/queue full.*429 after 3 attempts/) }],
    });
    expect(cluster.allDocs()).toEqual([]);
  });
});

describe('trailmark migrate --to opensearch', () => {
  it('copies the embedded store into the retention-class families with labels, and verifies counts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trailmark-migrate-cli-'));
    const events = contractEvents(60);
    const sqlite = createSqliteStorage({ path: join(dir, 'events.db') });
    await sqlite.init();
    await sqlite.append(events);
    await sqlite.close();
    const cluster = new FakeCluster();
    const lines: string[] = [];
    let report: MigrateResult | undefined;
    const code = await migrateCommand({ dataDir: dir, opensearch: OPENSEARCH } as Config, {
      to: 'opensearch',
      batch: 25,
      openTarget: (options) =>
        createOpenSearchStorage({ ...options, client: cluster.client(), evidenceLog: false }),
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
    const families = new Set([...cluster.indices.keys()].map((name) => name.split('-')[2]));
    // file-transfer keeps 120 days, media-library and central-config 12 months.
    expect(families).toEqual(new Set(['r120d', 'r12m']));
    const check = storageOn(cluster);
    const byLabel = await check.count({ q: 'File uploaded' });
    expect(byLabel).toBe(events.filter((e) => e.action === 'file.uploaded').length);
    await check.close();
  });

  it('refuses to "migrate" a data directory without an embedded store', async () => {
    const errors: string[] = [];
    const code = await migrateCommand(
      { dataDir: mkdtempSync(join(tmpdir(), 'trailmark-empty-')), opensearch: OPENSEARCH } as Config,
      { to: 'opensearch', batch: 100, error: (line) => errors.push(line) },
    );
    expect(code).toBe(2);
    expect(errors[0]).toMatch(/no embedded store at .*events\.db/);
  });
});

describe('openSearchOptions', () => {
  it('hands the adapter the retention policy and action labels the server runs with', () => {
    const options = openSearchOptions(
      { ...OPENSEARCH, username: 'trailmark', password: 'secret', rejectUnauthorized: false },
      plugins,
    );
    expect(options.retention).toBe(plugins.retention);
    expect(options.retention?.sources['file-transfer']).toEqual({ days: 120 });
    expect(options.actionLabel?.('file-transfer', 'file.uploaded')).toBe('File uploaded');
    expect(options).toMatchObject({
      node: 'http://fake-cluster:9200',
      auth: { username: 'trailmark', password: 'secret' },
      tls: { rejectUnauthorized: false },
      indexPrefix: 'trailmark',
    });
  });
});
