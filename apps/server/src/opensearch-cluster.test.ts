import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@opensearch-project/opensearch';
import { createPluginSet } from '@trailmark/core';
import { createOpenSearchStorage, indexLayout, monthlyIndex } from '@trailmark/storage-opensearch';
import { dropLayout } from '@trailmark/storage-opensearch/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testing/index.ts';
import { verifyEvidence } from './evidence/verify.ts';
import { listen } from './listen.ts';
import { defaultPlugins } from './plugins.ts';
import { openSearchOptions } from './storage.ts';

/**
 * A node dies, nothing acknowledged is lost (`npm run test:opensearch-cluster`, on the three-node cluster of
 * `npm run opensearch:start -- --nodes 3`). Four writers ingest through the server's HTTP listener while a
 * reader counts; the node holding the primary of this month's index is killed with SIGKILL, writing goes
 * on, the node is started again; then the same with the elected cluster manager. Afterwards every
 * acknowledged event is stored exactly once, refused requests re-sent store no second copy, every read was
 * complete or failed (never short), and the evidence log has one leaf per event without a gap.
 *
 * What an acknowledgement means here: OpenSearch answered the bulk item 201 after writing it to the
 * primary and every in-sync replica, each fsyncing its translog (`index.translog.durability: request`);
 * `wait_for_active_shards` is 1 (the default), so writes go on with one copy while a node is down.
 */
const urls = process.env.OPENSEARCH_CLUSTER_URLS?.split(',').filter(Boolean) ?? [];
if (urls.length === 0)
  console.info('cluster kill test: skipped, OPENSEARCH_CLUSTER_URLS is not set (no three-node cluster)');

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const runDir = resolve(process.env.OPENSEARCH_RUN_DIR ?? join(root, '.opensearch'));
const WRITERS = 4;
const BATCH = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Phase {
  acknowledged: number;
  refused: number;
  reads: { complete: number; failed: number; short: number };
}

describe.skipIf(urls.length === 0)('a three-node cluster loses a node (OPENSEARCH_CLUSTER_URLS)', () => {
  const prefix = `tm-kill-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const admin = new Client({ node: urls });
  let t: TestApp | undefined;
  let server: ReturnType<typeof listen> | undefined;

  afterAll(async () => {
    if (server) await new Promise<void>((r) => server?.close(() => r()));
    await t?.close();
    await dropLayout(admin, prefix);
    await admin.close();
  });

  const cat = async (path: string) =>
    (await admin.transport.request({ method: 'GET', path, querystring: { format: 'json' } })).body as Record<
      string,
      string
    >[];
  const nodePid = (name: string) => {
    const state = JSON.parse(readFileSync(join(runDir, 'nodes.json'), 'utf8')) as {
      nodes: { index: number; pid: number }[];
    };
    const node = state.nodes.find((n) => `n${n.index}` === name);
    if (!node) throw new Error(`node ${name} is not in ${runDir}/nodes.json`);
    return { index: node.index, pid: node.pid };
  };
  const green = async () => {
    const health = await admin.transport.request({
      method: 'GET',
      path: '/_cluster/health',
      querystring: { wait_for_status: 'green', wait_for_nodes: String(urls.length), timeout: '180s' },
    });
    expect((health.body as { status: string }).status).toBe('green');
  };
  const restart = (index: number) =>
    new Promise<void>((ok, fail) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(root, 'scripts/opensearch.ts'),
          'start',
          '--nodes',
          String(urls.length),
          '--only',
          String(index),
        ],
        { stdio: 'inherit', env: process.env },
      );
      child.on('exit', (code) =>
        code === 0 ? ok() : fail(new Error(`restart of n${index} exited ${code}`)),
      );
    });

  it('keeps every acknowledged event exactly once when the primary holder, then the cluster manager, is killed', async () => {
    const storage = createOpenSearchStorage(
      openSearchOptions(
        { urls, rejectUnauthorized: true, indexPrefix: prefix, ism: 'auto' },
        createPluginSet(defaultPlugins),
      ),
    );
    await storage.init();
    t = await createTestApp({ storage });
    server = listen(t.app.fetch, 0, '127.0.0.1');
    await new Promise<void>((r) => server?.once('listening', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const ingestKey = t.key('acme', ['ingest']);
    const readKey = t.key('acme', ['read']);
    const acknowledged = new Set<string>();
    const refusedBatches: string[][] = [];
    let sequence = 0;
    let running = true;
    let phase: Phase = { acknowledged: 0, refused: 0, reads: { complete: 0, failed: 0, short: 0 } };
    const event = (id: string) => ({
      id,
      source: 'file-transfer',
      action: 'file.uploaded',
      occurred_at: new Date().toISOString(),
      actor: { type: 'user', id: 'u-1', email: 'ana@acme.test' },
      targets: [{ type: 'file', id: `f-${id}`, path: `/inbox/${id}.pdf` }],
      outcome: { result: 'success' },
    });
    const send = async (ids: string[]) => {
      try {
        const res = await fetch(`${base}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ events: ids.map(event) }),
          signal: AbortSignal.timeout(120_000),
        });
        const body = (await res.json().catch(() => ({}))) as { duplicates?: number };
        // 200: every event was already stored (a refused request had stored them); 201: some were new.
        return res.status === 200 || res.status === 201 ? { duplicates: body.duplicates ?? 0 } : undefined;
      } catch {
        return undefined;
      }
    };
    const writer = async (w: number) => {
      while (running) {
        const ids = Array.from(
          { length: BATCH },
          () => `evt_kill_${w}_${String(sequence++).padStart(6, '0')}`,
        );
        if (await send(ids)) {
          for (const id of ids) acknowledged.add(id);
          phase.acknowledged += ids.length;
        } else {
          refusedBatches.push(ids);
          phase.refused++;
          await sleep(200);
        }
      }
    };
    const reader = async () => {
      while (running) {
        const before = acknowledged.size;
        try {
          const res = await fetch(`${base}/v1/count?tenant=acme`, {
            headers: { authorization: `Bearer ${readKey}` },
            signal: AbortSignal.timeout(60_000),
          });
          if (res.status !== 200) {
            await res.arrayBuffer();
            phase.reads.failed++;
          } else {
            const { count } = (await res.json()) as { count: number };
            if (count < before) phase.reads.short++;
            else phase.reads.complete++;
          }
        } catch {
          phase.reads.failed++;
        }
        await sleep(250);
      }
    };

    const workers = [...Array.from({ length: WRITERS }, (_, w) => writer(w)), reader()];
    const report: string[] = [];
    const scenario = async (name: string, victim: () => Promise<string>) => {
      await green();
      await sleep(3000);
      const node = await victim();
      const { index, pid } = nodePid(node);
      phase = { acknowledged: 0, refused: 0, reads: { complete: 0, failed: 0, short: 0 } };
      process.kill(pid, 'SIGKILL');
      await sleep(20_000);
      const during = phase;
      phase = { acknowledged: 0, refused: 0, reads: { complete: 0, failed: 0, short: 0 } };
      await restart(index);
      await green();
      await sleep(3000);
      report.push(
        `${name} (${node}) killed for 20 s: ${during.acknowledged} events acknowledged, ${during.refused} requests refused, reads ${during.reads.complete} complete / ${during.reads.failed} failed / ${during.reads.short} short; after restart ${phase.acknowledged} acknowledged`,
      );
      expect(during.reads.short).toBe(0);
      expect(phase.reads.short).toBe(0);
    };

    try {
      await sleep(2000);
      const month = monthlyIndex(indexLayout(prefix), 'r120d', new Date().toISOString());
      await scenario('primary holder', async () => {
        const shards = await cat(`/_cat/shards/${month}`);
        const primary = shards.find((s) => s.prirep === 'p' && s.state === 'STARTED');
        if (!primary) throw new Error(`no started primary of ${month}`);
        return primary.node as string;
      });
      await scenario('cluster manager', async () => {
        const [manager] = await cat('/_cat/cluster_manager');
        return manager?.node as string;
      });
    } finally {
      running = false;
      await Promise.all(workers);
    }

    // Refused requests are re-sent: their events were stored or not, never twice.
    let resent = 0;
    let storedBeforeRefusal = 0;
    for (const ids of refusedBatches) {
      const answer = await send(ids);
      expect(answer, `re-send of ${ids[0]}..`).toBeDefined();
      storedBeforeRefusal += answer?.duplicates ?? 0;
      for (const id of ids) acknowledged.add(id);
      resent++;
    }
    const layout = indexLayout(prefix);
    await admin.indices.refresh({ index: `${layout.readAlias},${layout.log}` });
    const search = async (body: Record<string, unknown>) =>
      (
        await admin.transport.request({
          method: 'POST',
          path: `/${layout.readAlias}/_search`,
          body,
          querystring: { allow_partial_search_results: 'false' },
        })
      ).body as {
        hits: { total: { value: number } };
        aggregations?: { twice?: { buckets: unknown[] } };
      };
    const stored = await search({
      size: 0,
      track_total_hits: true,
      aggs: { twice: { terms: { field: 'id', min_doc_count: 2, size: 10 } } },
    });
    const total = stored.hits.total.value;
    const twice = stored.aggregations?.twice?.buckets.length ?? -1;
    let lost = 0;
    const ids = [...acknowledged];
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      const found = await search({ size: 0, track_total_hits: true, query: { terms: { id: chunk } } });
      lost += chunk.length - found.hits.total.value;
    }
    const evidence = await verifyEvidence({
      log: storage.log!,
      storage,
      checkpoints: t.deps.evidence!.checkpoints,
      origin: t.deps.evidence!.origin,
    });
    console.info(
      [
        ...report,
        `in all: ${acknowledged.size} events acknowledged (${resent} refused requests re-sent, which found ${storedBeforeRefusal} of their events already stored), ${total} stored, ${lost} lost, ${twice} stored twice; evidence log: ${evidence.tenants[0]?.tree_size ?? 0} leaves, ${evidence.damage.length} problems`,
      ].join('\n'),
    );
    expect(lost).toBe(0);
    expect(twice).toBe(0);
    expect(total).toBe(acknowledged.size);
    expect(evidence.damage).toEqual([]);
  }, 600_000);
});
