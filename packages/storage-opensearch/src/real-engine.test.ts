import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@opensearch-project/opensearch';
import { type AuditEvent, outcomeSchema } from '@trailmark/core';
import { contractEvents, fullEvent } from '@trailmark/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { dropLayout } from '../testing/index.ts';
import { indexLayout, monthlyIndex } from './layout.ts';
import { createOpenSearchStorage, type OpenSearchStorage } from './opensearch-storage.ts';
import { eventMapping, indexTemplate, toDocument } from './requests.ts';

/**
 * Where a real OpenSearch engine (the launcher in test/opensearch: `npm run opensearch:start`) answers
 * differently from what the adapter assumed: ISM detection, approximate shard-level facet counts, a bulk
 * whose answer is lost, a dead node in the node list, export paging, mappings of older indices.
 * Runs only with OPENSEARCH_URL (plain HTTP, no auth: the launcher's node).
 */
const url = process.env.OPENSEARCH_URL;
if (!url)
  console.info('storage-opensearch real engine: skipped, OPENSEARCH_URL is not set (no node to test)');

describe.skipIf(!url)('storage-opensearch on a real engine (OPENSEARCH_URL)', () => {
  const node = url ?? '';
  const run = `tm-real-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const prefixes: string[] = [];
  const stores: OpenSearchStorage[] = [];
  // Built even when skipped (the describe body still runs); it connects only when used.
  const admin = new Client({ node: node || 'http://127.0.0.1:9200' });

  function store(options: Partial<Parameters<typeof createOpenSearchStorage>[0]> = {}) {
    const prefix = `${run}-${prefixes.length}`;
    prefixes.push(prefix);
    const storage = createOpenSearchStorage({ node, indexPrefix: prefix, ism: 'auto', ...options });
    stores.push(storage);
    return storage;
  }

  afterAll(async () => {
    for (const s of stores) await s.close();
    for (const prefix of prefixes) await dropLayout(admin, prefix);
    await admin.close();
  });

  it('ISM: detected with _cat/plugins; `require` stops init with the reason when the plugin is absent', async () => {
    const plugins = await admin.transport.request({
      method: 'GET',
      path: '/_cat/plugins',
      querystring: { format: 'json' },
    });
    const hasIsm = (plugins.body as { component: string }[]).some(
      (p) => p.component === 'opensearch-index-management',
    );
    const strict = store({ ism: 'require' });
    if (hasIsm) {
      await strict.init();
      expect(strict.ismInstalled).toBe(true);
    } else {
      await expect(strict.init()).rejects.toThrow(
        /Index Management plugin \(ISM\) is not installed on node\(s\) .+OPENSEARCH_ISM=auto/,
      );
      const warnings: string[] = [];
      const lenient = store({ ism: 'auto', onWarning: (m) => warnings.push(m) });
      await lenient.init();
      expect(lenient.ismInstalled).toBe(false);
      expect(warnings).toEqual([expect.stringMatching(/no retention backstop policy/)]);
    }
  });

  it('facet: exact counts when shard-level top terms would miss the true top value', async () => {
    // Four monthly indices (four shards). Each holds 101 actors with 2 events each, unique to that month,
    // plus actor "spread" once per month: 4 in all, the true top, yet never in any shard's top 100.
    const storage = store();
    await storage.init();
    const events: AuditEvent[] = [];
    const base = contractEvents(1)[0];
    for (let month = 0; month < 4; month++) {
      const at = (n: number) => new Date(Date.UTC(2026, month, 2, 0, 0, n)).toISOString();
      events.push({
        ...base,
        id: `spread-${month}`,
        tenant: 'skew',
        occurred_at: at(0),
        actor: { ...base.actor, id: 'spread' },
      });
      for (let a = 0; a < 101; a++)
        for (let k = 0; k < 2; k++)
          events.push({
            ...base,
            id: `m${month}-a${a}-${k}`,
            tenant: 'skew',
            occurred_at: at(1 + a * 2 + k),
            actor: { ...base.actor, id: `m${month}-actor-${a}` },
          });
    }
    const appended = await storage.append(events);
    expect(appended.inserted).toHaveLength(events.length);
    const facet = await storage.facet({ tenant: ['skew'] }, 'actor', 1);
    expect(facet).toMatchObject({ complete: true, buckets: [{ value: 'spread', count: 4 }] });
  });

  it('export: a point in time paged over more than two pages returns every event once, in order', async () => {
    const storage = store();
    await storage.init();
    const events = contractEvents(95, 7);
    await storage.append(events);
    const ids: string[] = [];
    let pages = 0;
    for await (const page of storage.exportEvents({}, { pageSize: 20 })) {
      pages++;
      ids.push(...page.map((e) => e.id));
    }
    expect(pages).toBe(5);
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await storage.search({}, { limit: 30, ...(cursor ? { cursor } : {}) });
      listed.push(...page.data.map((e) => e.id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(ids).toEqual(listed);
    expect(new Set(ids).size).toBe(events.length);
  });

  it('a bulk whose answer is lost is retried, and the events it stored are reported inserted, not duplicates', async () => {
    // A loopback proxy that forwards the first _bulk to the node, lets it be stored, then drops the
    // connection instead of answering: the adapter cannot know whether it was stored.
    let dropped = 0;
    const target = new URL(node);
    const proxy: Server = createServer((req, res) => {
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          if (req.url?.startsWith('/_bulk') && dropped === 0) {
            dropped++;
            answer.resume();
            answer.on('end', () => req.socket.destroy());
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const port = (proxy.address() as AddressInfo).port;
      const storage = store({ node: `http://127.0.0.1:${port}`, retry: { baseDelayMs: 10, maxDelayMs: 50 } });
      await storage.init();
      const events = contractEvents(10, 3);
      const result = await storage.append(events);
      expect(dropped).toBe(1);
      expect(result).toEqual({ inserted: events.map((e) => e.id), duplicates: [] });
      expect(await storage.count({})).toBe(events.length);
      // A real replay is still a duplicate.
      expect((await storage.append(events)).duplicates).toHaveLength(events.length);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('a list of nodes: a dead node in it is skipped for reads and writes', async () => {
    // Port 1 on loopback: nothing listens there, connections are refused at once.
    const storage = store({ node: ['http://127.0.0.1:1', node], retry: { baseDelayMs: 10, maxDelayMs: 50 } });
    await storage.init();
    const events = contractEvents(30, 5);
    for (let i = 0; i < events.length; i += 5) await storage.append(events.slice(i, i + 5));
    expect(await storage.count({})).toBe(events.length);
    for (let i = 0; i < 4; i++)
      expect((await storage.search({}, { limit: 50 })).data).toHaveLength(events.length);
  });

  it('init() brings indices created by an older mapping up to date (added fields), on the live index', async () => {
    const storage = store();
    const layout = indexLayout(prefixes.at(-1));
    const [event] = contractEvents(1, 11);
    const old = eventMapping() as { properties: Record<string, unknown> };
    // An older release's mapping: no workspace field yet.
    const { workspace: _dropped, ...properties } = old.properties;
    const template = indexTemplate(layout) as { template: { settings: unknown } };
    const index = monthlyIndex(layout, 'r12m', event.occurred_at);
    await admin.transport.request({
      method: 'PUT',
      path: `/${index}`,
      body: {
        settings: template.template.settings,
        mappings: { ...old, properties },
        aliases: { [layout.readAlias]: {} },
      },
    });
    await storage.init();
    const withWorkspace = { ...event, workspace: { id: 'ws-new', name: 'New' } };
    expect((await storage.append([withWorkspace])).inserted).toEqual([event.id]);
    expect((await storage.search({ workspace: ['ws-new'] }, { limit: 5 })).data.map((e) => e.id)).toEqual([
      event.id,
    ]);
  });

  it('a refresh interval applies to the template and, at init, to the indices that already exist', async () => {
    const before = store();
    await before.init();
    const [event, next] = contractEvents(2, 12);
    expect((await before.append([event])).inserted).toEqual([event.id]);
    const prefix = prefixes.at(-1) ?? '';
    const layout = indexLayout(prefix);
    type Settings = Record<string, { settings: { index: { refresh_interval?: string } } }>;
    const intervals = async () =>
      Object.values(
        (await admin.transport.request({ method: 'GET', path: `/${layout.pattern}/_settings` }))
          .body as Settings,
      ).map((s) => s.settings.index.refresh_interval);
    expect(await intervals()).toEqual(['1s']);

    const after = createOpenSearchStorage({
      node,
      indexPrefix: prefix,
      ism: 'auto',
      refreshInterval: '300ms',
    });
    stores.push(after);
    await after.init();
    expect(await intervals()).toEqual(['300ms']);
    const template = (
      await admin.transport.request({ method: 'GET', path: `/_index_template/${layout.template}` })
    ).body as {
      index_templates: { index_template: { template: { settings: Settings[string]['settings'] } } }[];
    };
    expect(template.index_templates[0]?.index_template.template.settings.index.refresh_interval).toBe(
      '300ms',
    );
    // Only the setting changed: the event written before is found, and a new one is searchable on answer.
    expect((await after.append([next])).inserted).toEqual([next.id]);
    expect((await after.search({}, { limit: 5 })).data.map((e) => e.id).sort()).toEqual(
      [event.id, next.id].sort(),
    );
  });

  it('fits every document into the strict mapping, and the engine refuses what it does not map', async () => {
    const storage = store();
    await storage.init();
    const full = fullEvent();
    const events = [full, ...contractEvents(60, 17)];
    expect((await storage.append(events)).inserted).toHaveLength(events.length);
    expect(await storage.get(full.id)).toEqual(full);
    const index = monthlyIndex(indexLayout(prefixes.at(-1)), 'r12m', full.occurred_at);
    const refused = async (doc: Record<string, unknown>) => {
      const res = await admin.transport.request(
        { method: 'PUT', path: `/${index}/_doc/probe`, body: doc },
        { ignore: [400] },
      );
      return `${res.statusCode} ${JSON.stringify(res.body)}`;
    };
    expect(await refused({ ...toDocument(full), surprise: 1 })).toMatch(/^400 .*strict_dynamic_mapping/);
    expect(await refused({ ...toDocument(full), client: { ip: 'not-an-ip' } })).toMatch(/^400 .*client\.ip/);
  });

  it('a field declared later is re-derived for the events already stored, in the background; bodies unchanged', async () => {
    const before = store();
    await before.init();
    const events = contractEvents(40, 21).map((e, i) => ({
      ...e,
      id: `evt_later_${i}`,
      metadata: { ...e.metadata, share_link_id: `lnk_${i % 4}`, bytes: i * 10 },
    }));
    expect((await before.append(events)).inserted).toHaveLength(40);
    const erased = await before.erase(events[0].tenant, [events[0].id]);
    expect(erased).toBe(1);
    const stored = await Promise.all(events.slice(1).map((e) => before.get(e.id)));
    await before.close();

    const fields = [
      { name: 'share_link_id', type: 'keyword' as const },
      { name: 'bytes', type: 'number' as const },
    ];
    const prefix = prefixes.at(-1) ?? '';
    const infos: string[] = [];
    const after = createOpenSearchStorage({
      node,
      indexPrefix: prefix,
      ism: 'auto',
      fields,
      onInfo: (m) => infos.push(m),
    });
    stores.push(after);
    await after.init();
    const result = await after.searchFieldsReady();
    expect(result.documents).toBe(39);
    expect(result.indices).toBeGreaterThan(0);
    expect(infos.join('\n')).toMatch(
      /re-deriving the search fields of \d+ index\(es\)[\s\S]*re-derived for 39 event/,
    );
    const want = events
      .slice(1)
      .filter((e) => e.metadata.share_link_id === 'lnk_1')
      .map((e) => e.id);
    const found = await after.search(
      { attr: { share_link_id: { type: 'keyword', values: ['lnk_1'] } } },
      { limit: 100 },
    );
    expect(found.data.map((e) => e.id).sort()).toEqual([...want].sort());
    expect(await after.count({ attr: { bytes: { type: 'number', gte: '100', lte: '190' } } })).toBe(10);
    // The erased event stayed erased (its conditional re-write found no document), bodies are as stored.
    expect(await after.get(events[0].id)).toBeNull();
    expect(await Promise.all(events.slice(1).map((e) => after.get(e.id)))).toEqual(stored);

    const again = createOpenSearchStorage({
      node,
      indexPrefix: prefix,
      ism: 'auto',
      fields,
      onInfo: (m) => infos.push(m),
    });
    stores.push(again);
    await again.init();
    expect(await again.searchFieldsReady()).toEqual({ indices: 0, documents: 0 });
  });

  it('outcome.status_code: the schema accepts exactly the range the `integer` mapping stores', async () => {
    const storage = store();
    await storage.init();
    const [event] = contractEvents(1, 13);
    const at = (status_code: number) => ({ ...event, outcome: { ...event.outcome, status_code } });
    expect(outcomeSchema.safeParse(at(2_147_483_647).outcome).success).toBe(true);
    expect((await storage.append([at(2_147_483_647)])).inserted).toEqual([event.id]);
    // One past the mapping's range: ingest refuses it first; the engine itself refuses it too (400).
    expect(outcomeSchema.safeParse(at(2_147_483_648).outcome).success).toBe(false);
    await expect(storage.append([{ ...at(3_000_000_000), id: 'too-big' }])).rejects.toMatchObject({
      code: 'STORAGE_REJECTED',
      details: [expect.objectContaining({ path: 'outcome.status_code' })],
    });
  });
});
