import { randomBytes } from 'node:crypto';
import { Client } from '@opensearch-project/opensearch';
import { createPluginSet, type StoragePort } from '@trailmark/core';
import { createOpenSearchStorage } from '@trailmark/storage-opensearch';
import { dropLayout } from '@trailmark/storage-opensearch/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/index.ts';
import { type HttpReceiver, startHttpReceiver } from '../../testing/stream-receivers.ts';
import { defaultPlugins } from '../plugins.ts';
import { openSearchOptions } from '../storage.ts';

/**
 * With events in OpenSearch the store cannot write the stream log in its own transaction, so the ingest
 * path writes it (control.db) after OpenSearch acknowledged and before the client is acknowledged. An
 * acknowledged event is therefore always queued; when the outbox write fails, the client gets an error,
 * retries, and its events (now duplicates in OpenSearch) are queued then. On a real node (OPENSEARCH_URL,
 * `npm run opensearch:start`), each test under its own index prefix.
 */
const url = process.env.OPENSEARCH_URL;
if (!url) console.info('stream outbox on OpenSearch: skipped, OPENSEARCH_URL is not set (no node to test)');
const run = `tm-stream-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const prefixes: string[] = [];
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()?.close();
});
afterAll(async () => {
  if (!url) return;
  const admin = new Client({ node: url });
  for (const prefix of prefixes) await dropLayout(admin, prefix);
  await admin.close();
});

const plugins = createPluginSet(defaultPlugins);
function realNode(): StoragePort {
  const prefix = `${run}-${prefixes.length}`;
  prefixes.push(prefix);
  return createOpenSearchStorage({
    ...openSearchOptions(
      { urls: [url ?? ''], rejectUnauthorized: true, indexPrefix: prefix, ism: 'auto' },
      plugins,
    ),
    onWarning: () => {},
  });
}

async function setup(
  storage: StoragePort = realNode(),
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

describe.skipIf(!url)('stream outbox on a real OpenSearch node (OPENSEARCH_URL)', { timeout: 60_000 }, () => {
  it('queues every acknowledged event in the control-database outbox and delivers it', async () => {
    const { t, r, id } = await setup();
    expect(t.deps.streams!.log.fedByIngest).toBe(true);
    const res = await t.request('/v1/events', { body: { events: events(['os_1', 'os_2', 'os_3']) } });
    expect(res.status).toBe(201);
    await drain(t, id);
    expect(delivered(r)).toEqual(['os_1', 'os_2', 'os_3']);
  });

  it('delivers every acknowledged event, including the retry of a request whose outbox write failed', async () => {
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
    const first = { events: events(['osr_1', 'osr_2']) };
    expect((await t.request('/v1/events', { body: first })).status).toBeGreaterThanOrEqual(500);
    // Stored in OpenSearch, not acknowledged: the sender retries the same events, now duplicates there.
    const retry = await t.request('/v1/events', { body: first });
    expect(retry.status).toBeLessThan(300);
    expect(((await retry.json()) as { duplicates: number }).duplicates).toBe(2);
    expect((await t.request('/v1/events', { body: { events: events(['osr_3']) } })).status).toBe(201);
    await drain(t, id);
    expect(delivered(r)).toEqual(['osr_1', 'osr_2', 'osr_3']);
  });
});
