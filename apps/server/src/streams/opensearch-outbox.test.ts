import { randomBytes } from 'node:crypto';
import { Client } from '@opensearch-project/opensearch';
import { createPluginSet, type StoragePort } from '@trailmark/core';
import { createOpenSearchStorage } from '@trailmark/storage-opensearch';
import { dropLayout, FakeCluster } from '@trailmark/storage-opensearch/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../env.ts';
import { defaultPlugins } from '../plugins.ts';
import { openSearchOptions } from '../storage.ts';
import { createTestApp, type TestApp } from '../testing.ts';
import { type HttpReceiver, startHttpReceiver } from './test-receivers.ts';

/**
 * With events in OpenSearch the store cannot write the stream log in its own transaction, so the ingest
 * path writes it (control.db) after OpenSearch acknowledged and before the client is acknowledged. An
 * acknowledged event is therefore always queued; when the outbox write fails, the client gets an error,
 * retries, and its events (now duplicates in OpenSearch) are queued then. Run on the emulator here.
 */
const OPENSEARCH: NonNullable<Config['opensearch']> = {
  urls: ['http://fake-cluster:9200'],
  rejectUnauthorized: true,
  indexPrefix: 'trailmark',
  ism: 'require',
};
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()?.close();
});

const plugins = createPluginSet(defaultPlugins);
const emulated = (): StoragePort =>
  createOpenSearchStorage({
    ...openSearchOptions(OPENSEARCH, plugins),
    client: new FakeCluster().client(),
    evidenceLog: false,
    retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 },
    sleep: async () => {},
  });

async function setup(
  storage: StoragePort = emulated(),
): Promise<{ t: TestApp; r: HttpReceiver; id: string }> {
  await storage.init();
  const t = await createTestApp({ storage, streams: { allowPrivate: '127.0.0.1' } });
  open.push(t);
  const r = await startHttpReceiver();
  open.push(r);
  const res = await t.request('/v1/streams/destinations', {
    body: {
      tenant: 'acme',
      name: 'siem',
      kind: 'webhook',
      config: { url: `${r.url}/hook` },
      filter: { source: ['stream-test'] },
    },
  });
  expect(res.status).toBe(201);
  return { t, r, id: ((await res.json()) as { id: string }).id };
}

const events = (ids: string[]) =>
  ids.map((id) => ({
    id,
    tenant: 'acme',
    source: 'stream-test',
    action: 'record.written',
    occurred_at: '2026-04-01T00:00:00Z',
    actor: { type: 'service', id: 'svc' },
    targets: [{ type: 'record', id }],
    outcome: { result: 'success' },
  }));

async function drain(t: TestApp, id: string) {
  for (let i = 0; i < 50; i++) if ((await t.deps.streams!.dispatcher.step(id)).kind === 'idle') return;
}
const delivered = (r: HttpReceiver) =>
  r.requests.flatMap((x) => (JSON.parse(x.body) as { data: { id: string }[] }).data.map((e) => e.id));

describe('stream outbox with OpenSearch', () => {
  it('queues every acknowledged event in the control-database outbox and delivers it', async () => {
    const { t, r, id } = await setup();
    expect(t.deps.streams!.log.fedByIngest).toBe(true);
    const res = await t.request('/v1/events', { body: { events: events(['os_1', 'os_2', 'os_3']) } });
    expect(res.status).toBe(201);
    await drain(t, id);
    expect(delivered(r)).toEqual(['os_1', 'os_2', 'os_3']);
  });

  it('answers an error when the outbox write fails (no acknowledgement), and the retry queues the events', async () => {
    const { t, r, id } = await setup();
    const log = t.deps.streams!.log;
    const append = log.append?.bind(log);
    let failOnce = true;
    log.append = (list) => {
      if (failOnce) {
        failOnce = false;
        throw new Error('disk I/O error');
      }
      append?.(list);
    };
    const batch = { events: events(['os_a', 'os_b']) };
    const first = await t.request('/v1/events', { body: batch });
    expect(first.status).toBeGreaterThanOrEqual(500);
    // Stored in OpenSearch, not acknowledged: the sender retries the same events.
    const retry = await t.request('/v1/events', { body: batch });
    expect(retry.status).toBeLessThan(300);
    expect(((await retry.json()) as { duplicates: number }).duplicates).toBe(2);
    await drain(t, id);
    expect(delivered(r)).toEqual(['os_a', 'os_b']);
  });
});

/** The same on a real node (`npm run opensearch:start`), when OPENSEARCH_URL names one; own index prefix. */
const url = process.env.OPENSEARCH_URL;
describe.skipIf(!url)('stream outbox on a real OpenSearch node (OPENSEARCH_URL)', () => {
  const prefix = `tm-stream-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  afterAll(async () => {
    const admin = new Client({ node: url ?? 'http://127.0.0.1:9200' });
    await dropLayout(admin, prefix);
    await admin.close();
  });

  it('delivers every acknowledged event, including the retry of a request whose outbox write failed', async () => {
    const storage = createOpenSearchStorage(
      openSearchOptions(
        { urls: [url ?? ''], rejectUnauthorized: true, indexPrefix: prefix, ism: 'auto' },
        plugins,
      ),
    );
    const { t, r, id } = await setup(storage);
    const log = t.deps.streams!.log;
    const append = log.append?.bind(log);
    let failOnce = true;
    log.append = (list) => {
      if (failOnce) {
        failOnce = false;
        throw new Error('disk I/O error');
      }
      append?.(list);
    };
    const first = { events: events(['osr_1', 'osr_2']) };
    expect((await t.request('/v1/events', { body: first })).status).toBeGreaterThanOrEqual(500);
    expect((await t.request('/v1/events', { body: first })).status).toBeLessThan(300);
    expect((await t.request('/v1/events', { body: { events: events(['osr_3']) } })).status).toBe(201);
    await drain(t, id);
    expect(delivered(r)).toEqual(['osr_1', 'osr_2', 'osr_3']);
  }, 60_000);
});
