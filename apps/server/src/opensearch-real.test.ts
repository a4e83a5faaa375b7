import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@opensearch-project/opensearch';
import {
  checkpointOfNote,
  createPluginSet,
  parseVerifierKey,
  verifyConsistency,
  verifyInclusion,
  verifyNote,
} from '@trailmark/core';
import { createOpenSearchStorage } from '@trailmark/storage-opensearch';
import { dropLayout } from '@trailmark/storage-opensearch/testing';
import { createSqliteStorage } from '@trailmark/storage-sqlite';
import { contractEvents } from '@trailmark/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../testing/index.ts';
import type { Config } from './env.ts';
import type { MigrateResult } from './migrate.ts';
import { migrateCommand } from './migrate-command.ts';
import { defaultPlugins } from './plugins.ts';
import { openSearchOptions } from './storage.ts';

/**
 * The server and the CLI migration on a real OpenSearch node (`npm run opensearch:start`; runs with
 * `npm run test:opensearch`, skipped without OPENSEARCH_URL). Each test uses its own index prefix.
 */
const url = process.env.OPENSEARCH_URL;
if (!url) console.info('server on OpenSearch: skipped, OPENSEARCH_URL is not set (no node to test)');

describe.skipIf(!url)('the server and migrate on a real OpenSearch node (OPENSEARCH_URL)', () => {
  const run = `tm-srv-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const prefixes: string[] = [];
  const plugins = createPluginSet(defaultPlugins);
  // Built even when skipped (the describe body still runs); it connects only when used.
  const admin = new Client({ node: url ?? 'http://127.0.0.1:9200' });
  const config = (): NonNullable<Config['opensearch']> => {
    const indexPrefix = `${run}-${prefixes.length}`;
    prefixes.push(indexPrefix);
    return { urls: [url ?? ''], rejectUnauthorized: true, indexPrefix, ism: 'auto' };
  };
  const indices = async (prefix: string): Promise<string[]> => {
    const listed = await admin.transport.request(
      {
        method: 'GET',
        path: `/_cat/indices/${prefix}-events-*`,
        querystring: { format: 'json', h: 'index' },
      },
      { ignore: [404] },
    );
    return (Array.isArray(listed.body) ? listed.body : []).map((row: { index: string }) => row.index).sort();
  };

  afterAll(async () => {
    for (const prefix of prefixes) await dropLayout(admin, prefix);
    await admin.close();
  });

  it('POST /v1/events answers 201 after the node stored the events, which GET /v1/events then lists', async () => {
    const options = config();
    const storage = createOpenSearchStorage(openSearchOptions(options, plugins));
    await storage.init();
    const t = await createTestApp({ storage });
    try {
      const upload = (id: string) => ({
        id,
        tenant: 'acme',
        source: 'file-transfer',
        action: 'file.uploaded',
        occurred_at: '2026-04-14T10:32:15Z',
        actor: { type: 'user', id: 'u-1', email: 'ana@acme.test' },
        targets: [{ type: 'file', id: `f-${id}`, path: `/inbox/${id}.pdf` }],
        outcome: { result: 'success' },
      });
      const res = await t.request('/v1/events', { body: { events: [upload('evt_r1'), upload('evt_r2')] } });
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ accepted: 2, duplicates: 0, ids: ['evt_r1', 'evt_r2'] });
      const again = await t.request('/v1/events', { body: { events: [upload('evt_r1')] } });
      expect(await again.json()).toMatchObject({ accepted: 0, duplicates: 1 });
      // file-transfer keeps 120 days: its events live in that class's monthly index.
      expect(await indices(options.indexPrefix)).toEqual([`${options.indexPrefix}-events-r120d-2026.04`]);
      const listed = await (await t.request('/v1/events?tenant=acme&q=uploaded')).json();
      expect(listed.data.map((e: { id: string }) => e.id).sort()).toEqual(['evt_r1', 'evt_r2']);
    } finally {
      await t.close();
    }
  }, 60_000);

  it('serves inclusion and consistency proofs that verify against the signed checkpoint, before and after a purge', async () => {
    const storage = createOpenSearchStorage(openSearchOptions(config(), plugins));
    await storage.init();
    const t = await createTestApp({ storage });
    const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
    try {
      const event = (id: string, day: number) => ({
        id,
        source: 'billing-app',
        action: 'invoice.paid',
        occurred_at: `2026-04-${String(day).padStart(2, '0')}T10:00:00Z`,
        actor: { type: 'user', id: 'u-1' },
        targets: [{ type: 'invoice', id: `inv-${id}` }],
        outcome: { result: 'success' },
      });
      const ingest = t.key('acme', ['ingest']);
      const reader = t.key('acme', ['read']);
      for (let batch = 0; batch < 3; batch++) {
        const events = Array.from({ length: 4 }, (_, k) => event(`evt_p${batch}_${k}`, 1 + batch * 4 + k));
        expect((await t.request('/v1/events', { token: ingest, body: { events } })).status).toBe(201);
      }
      const key = parseVerifierKey(
        (await (await t.request('/v1/checkpoints/public-key', { token: reader })).json()).current,
      );
      const prove = async (id: string) => {
        const res = await t.request(`/v1/proofs/inclusion?id=${id}`, { token: reader });
        expect(res.status).toBe(200);
        const body = await res.json();
        expect(verifyNote(body.checkpoint.note, [key!]).ok).toBe(true);
        const signed = checkpointOfNote(body.checkpoint.note)!;
        const leaf = bytes(Buffer.from(body.leaf_hash, 'hex').toString('base64'));
        expect(verifyInclusion(leaf, body.log_index, signed.size, body.proof.map(bytes), signed.root)).toBe(
          true,
        );
        return { body, signed };
      };
      const before = await prove('evt_p1_2');
      expect(before.body).toMatchObject({ log_index: 6, tree_size: 12 });
      // Retention removes the oldest bodies; their leaves stay, so later proofs and consistency still hold.
      await storage.purge({ tenant: 'acme', source: 'billing-app', before: '2026-04-05T00:00:00Z' });
      const purged = await prove('evt_p0_1');
      expect(purged.body.removed).toBe('purged');
      expect((await t.request('/v1/events', { token: ingest, body: event('evt_p3_0', 20) })).status).toBe(
        201,
      );
      const after = await prove('evt_p3_0');
      expect(after.body).toMatchObject({ log_index: 12, tree_size: 13 });
      const res = await t.request('/v1/proofs/consistency?from=12&to=13', { token: reader });
      const consistency = await res.json();
      expect(
        verifyConsistency(12, 13, before.signed.root, after.signed.root, consistency.proof.map(bytes)),
      ).toBe(true);
    } finally {
      await t.close();
    }
  }, 120_000);

  it('trailmark migrate --to opensearch copies a real events.db and its evidence log, and verifies the counts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trailmark-migrate-real-'));
    const all = contractEvents(240);
    const sqlite = createSqliteStorage({ path: join(dir, 'events.db') });
    await sqlite.init();
    await sqlite.append(all);
    // Removed bodies keep their leaves: the copied log has them too, marked, so old roots still hold.
    const victim = all.find((e) => e.tenant === 'globex') as (typeof all)[number];
    expect(await sqlite.log!.erase('globex', [victim.id])).toBe(1);
    const tenants = [...new Set(all.map((e) => e.tenant))];
    const leavesOf = async (log: NonNullable<typeof sqlite.log>) => {
      const out: Record<string, unknown[]> = {};
      for (const tenant of tenants)
        out[tenant] = (await log.leaves(tenant, 0, await log.treeSize(tenant))).map((l) => [
          l.index,
          l.event_id,
          l.hash,
          l.removed ?? null,
        ]);
      return out;
    };
    const sourceLeaves = await leavesOf(sqlite.log!);
    await sqlite.close();
    const events = all.filter((e) => e !== victim);
    const options = config();
    let report: MigrateResult | undefined;
    const code = await migrateCommand({ dataDir: dir, opensearch: options } as Config, {
      to: 'opensearch',
      batch: 100,
      progress: () => {},
      report: (r) => {
        report = r;
      },
    });
    expect(code).toBe(0);
    expect(report).toEqual({
      copied: 239,
      duplicates: 0,
      sourceCount: 239,
      targetCount: 239,
      leaves: 240,
      verified: true,
    });
    const families = new Set((await indices(options.indexPrefix)).map((name) => name.split('-').at(-2)));
    expect(families).toEqual(new Set(['r120d', 'r12m']));
    const check = createOpenSearchStorage(openSearchOptions(options, plugins));
    expect(await check.count({ q: 'File uploaded' })).toBe(
      events.filter((e) => e.action === 'file.uploaded').length,
    );
    expect(await leavesOf(check.log!)).toEqual(sourceLeaves);
    await check.close();
  }, 120_000);
});
