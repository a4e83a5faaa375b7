import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from '@opensearch-project/opensearch';
import { type AuditEvent, createPluginSet } from '@trailmark/core';
import { createOpenSearchStorage, DERIVED_FIELDS, indexLayout } from '@trailmark/storage-opensearch';
import { dropLayout } from '@trailmark/storage-opensearch/testing';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/index.ts';
import {
  allLeaves,
  FLIP_KINDS,
  type Flip,
  flipChar,
  flipCheckpoint,
  named,
  random,
  seedTamperFixture,
  type TamperLeaf,
  tamperEvent,
} from '../../testing/tamper-kit.ts';
import { defaultPlugins } from '../plugins.ts';
import { openSearchOptions } from '../storage.ts';
import { verifyEvidence } from './verify.ts';

/**
 * The tamper test of tamper.test.ts on a real OpenSearch node (`npm run test:opensearch`): single changes in
 * the stored event documents, the log's leaf documents and the checkpoints, each found by `verify` naming
 * the event or checkpoint; then deletion, reordering, insertion in the past and a rolled-back log.
 */
const url = process.env.OPENSEARCH_URL;
if (!url) console.info('tamper test on OpenSearch: skipped, OPENSEARCH_URL is not set (no node to test)');

type Source = Record<string, unknown>;

describe.skipIf(!url)('trailmark verify on a real OpenSearch node', () => {
  const run = `tm-tamper-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const prefixes: string[] = [];
  const apps: TestApp[] = [];
  const admin = new Client({ node: url ?? 'http://127.0.0.1:9200' });
  const plugins = createPluginSet(defaultPlugins);

  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
  });
  afterAll(async () => {
    for (const prefix of prefixes) await dropLayout(admin, prefix);
    await admin.close();
  });

  const request = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) => {
    const response = await admin.transport.request({
      method,
      path,
      ...(body !== undefined ? { body: body as Record<string, unknown> } : {}),
      // Writes are visible to the next read at once.
      ...(method === 'GET' || path.endsWith('/_search') ? {} : { querystring: { refresh: 'true' } }),
    });
    return response.body as Record<string, unknown>;
  };

  async function fixture(perTenant: number, batches: number) {
    const indexPrefix = `${run}-${prefixes.length}`;
    prefixes.push(indexPrefix);
    const storage = createOpenSearchStorage(
      openSearchOptions({ urls: [url ?? ''], rejectUnauthorized: true, indexPrefix, ism: 'auto' }, plugins),
    );
    await storage.init();
    const t = await createTestApp({ storage });
    apps.push(t);
    await seedTamperFixture(t, perTenant, batches);
    const layout = indexLayout(indexPrefix);
    const evidence = t.deps.evidence!;
    const control = new Database(join(t.dir, 'control.db'));
    const verify = () =>
      verifyEvidence({
        log: storage.log!,
        storage,
        checkpoints: evidence.checkpoints,
        origin: evidence.origin,
      });
    /** The stored document of an event: its index, `_id` and source (derived fields included). */
    const eventDoc = async (tenant: string, id: string) => {
      const body = await request('POST', `/${layout.readAlias}/_search`, {
        query: { ids: { values: [`${tenant}:${id}`] } },
      });
      const [hit] = (body.hits as { hits: { _index: string; _id: string; _source: Source }[] }).hits;
      if (!hit) throw new Error(`no document for ${tenant}:${id}`);
      return hit;
    };
    const leafDocPath = (tenant: string, index: number) =>
      `/${layout.log}/_doc/${encodeURIComponent(`${tenant}:${index}`)}`;
    const readLeafDoc = async (tenant: string, index: number) =>
      (await request('GET', leafDocPath(tenant, index)))._source as Source;
    const writeLeafDoc = (tenant: string, index: number, source: Source) =>
      request('PUT', leafDocPath(tenant, index), source);
    return { t, storage, layout, control, verify, eventDoc, readLeafDoc, writeLeafDoc };
  }
  type Fixture = Awaited<ReturnType<typeof fixture>>;

  /** Paths of the values an event is read back with (derived fields left out: they are index data). */
  function valuePaths(source: Source): (string | number)[][] {
    const out: (string | number)[][] = [];
    const walk = (value: unknown, path: (string | number)[]) => {
      if (typeof value === 'string' || typeof value === 'number') out.push(path);
      else if (Array.isArray(value)) for (const [i, v] of value.entries()) walk(v, [...path, i]);
      else if (value && typeof value === 'object')
        for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    };
    for (const [k, v] of Object.entries(source))
      if (!(DERIVED_FIELDS as readonly string[]).includes(k)) walk(v, [k]);
    return out;
  }

  async function flipDoc(f: Fixture, leaf: TamperLeaf, rnd: () => number): Promise<Flip | undefined> {
    const doc = await f.eventDoc(leaf.tenant, leaf.event_id);
    const paths = valuePaths(doc._source);
    // Some changes are refused by the mapping (a date that no longer parses): another place is tried.
    for (let attempt = 0; attempt < 10; attempt++) {
      const path = paths[Math.floor(rnd() * paths.length)] as (string | number)[];
      const altered = structuredClone(doc._source);
      let parent = altered as Record<string | number, unknown>;
      for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
      const last = path.at(-1) as string | number;
      const value = parent[last];
      parent[last] =
        typeof value === 'number' ? value + 1 + Math.floor(rnd() * 9) : flipChar(String(value), rnd);
      try {
        await request('PUT', `/${doc._index}/_doc/${encodeURIComponent(doc._id)}`, altered);
      } catch {
        continue;
      }
      return {
        what: `doc of ${leaf.event_id} at ${path.join('.')}`,
        names: { tenant: leaf.tenant, event_id: leaf.event_id, log_index: leaf.log_index },
        undo: () => request('PUT', `/${doc._index}/_doc/${encodeURIComponent(doc._id)}`, doc._source),
      };
    }
    return undefined;
  }

  async function flipLeaf(
    f: Fixture,
    leaf: TamperLeaf,
    field: 'leaf_hash' | 'log_index' | 'event_id',
    rnd: () => number,
    taken: Set<string>,
    used: Set<string>,
    size: number,
  ): Promise<Flip | undefined> {
    const names = { tenant: leaf.tenant, event_id: leaf.event_id, log_index: leaf.log_index };
    const original = await f.readLeafDoc(leaf.tenant, leaf.log_index);
    const altered = { ...original };
    if (field === 'leaf_hash') {
      const hash = String(original.hash);
      const at = Math.floor(rnd() * hash.length);
      const digit = '0123456789abcdef'.replace(hash[at] as string, '');
      altered.hash = hash.slice(0, at) + digit[Math.floor(rnd() * digit.length)] + hash.slice(at + 1);
    } else if (field === 'event_id') {
      altered.event_id = flipChar(String(original.event_id), rnd);
      // Renamed onto another event's id, the change shows through that event's leaf: leave it alone this round.
      if (used.has(`${leaf.tenant}/${altered.event_id}`)) return undefined;
      used.add(`${leaf.tenant}/${altered.event_id}`);
    } else {
      // The leaf's stored index moves; no other change of the round may touch the index it moves to.
      const index = Number(original.index) ^ (1 << Math.floor(rnd() * 10));
      if (taken.has(`${leaf.tenant}/${index}`) || index > size + 64) return undefined;
      taken.add(`${leaf.tenant}/${index}`);
      altered.index = index;
    }
    await f.writeLeafDoc(leaf.tenant, leaf.log_index, altered);
    return {
      what: `${field} of ${leaf.event_id} (${String(original[field === 'leaf_hash' ? 'hash' : field === 'log_index' ? 'index' : 'event_id'])} -> ${String(altered[field === 'leaf_hash' ? 'hash' : field === 'log_index' ? 'index' : 'event_id'])})`,
      names,
      undo: () => f.writeLeafDoc(leaf.tenant, leaf.log_index, original),
    };
  }

  it('finds nothing wrong in an intact store, after retention purge and an erasure', async () => {
    const { verify } = await fixture(60, 3);
    const result = await verify();
    expect(result.damage).toEqual([]);
    expect(result.tenants.find((r) => r.tenant === 'acme')?.removed).toBeGreaterThan(0);
    expect(result.tenants.find((r) => r.tenant === 'globex')?.removed).toBe(1);
  }, 120_000);

  it('detects 1,000 single changes at random places, naming the exact event or checkpoint each time', async () => {
    const f = await fixture(150, 5);
    const rnd = random(2027);
    const rounds = 10;
    const perRound = 100;
    let detected = 0;
    const kinds = new Map<string, number>();
    for (let round = 0; round < rounds; round++) {
      const all = await allLeaves(f.t);
      const sizes = new Map<string, number>();
      for (const l of all) sizes.set(l.tenant, Math.max(sizes.get(l.tenant) ?? 0, l.log_index + 1));
      const present = all.filter((l) => !l.removed);
      const removedLeaves = all.filter((l) => l.removed);
      const checkpoints = f.control.prepare('SELECT id FROM checkpoints').pluck().all() as number[];
      const used = new Set<string>();
      const taken = new Set(all.map((l) => `${l.tenant}/${l.log_index}`));
      const flips: Flip[] = [];
      while (flips.length < perRound) {
        const roll = rnd();
        let flip: Flip | undefined;
        if (roll < 0.75) {
          const pool = roll < 0.7 ? present : removedLeaves;
          const leaf = pool[Math.floor(rnd() * pool.length)] as TamperLeaf;
          const key = `${leaf.tenant}/${leaf.event_id}`;
          if (used.has(key)) continue;
          const field =
            pool === removedLeaves
              ? 'event_id'
              : (['doc', 'leaf_hash', 'log_index', 'event_id'] as const)[Math.floor(rnd() * 4)];
          flip =
            field === 'doc'
              ? await flipDoc(f, leaf, rnd)
              : await flipLeaf(f, leaf, field as 'leaf_hash', rnd, taken, used, sizes.get(leaf.tenant) ?? 0);
          if (flip) used.add(key);
        } else {
          const id = checkpoints[Math.floor(rnd() * checkpoints.length)] as number;
          if (used.has(`checkpoint/${id}`)) continue;
          used.add(`checkpoint/${id}`);
          flip = flipCheckpoint(f.control, id, rnd);
        }
        if (flip) flips.push(flip);
      }
      const { damage } = await f.verify();
      for (const flip of flips) {
        expect(
          named(damage, flip.names),
          `${flip.what} (${JSON.stringify(flip.names)}) was not detected; found ${JSON.stringify(damage.filter((d) => d.tenant === flip.names.tenant && (d.log_index === flip.names.log_index || d.event_id?.endsWith(String(flip.names.log_index)))))}`,
        ).toBe(true);
        detected++;
        const kind = flip.what.split(' ')[0] as string;
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
      for (const flip of flips.reverse()) await flip.undo();
      expect((await f.verify()).damage).toEqual([]);
    }
    expect(detected).toBe(rounds * perRound);
    expect([...kinds.keys()].sort()).toEqual(FLIP_KINDS);
    console.info(
      `tamper on OpenSearch: ${detected} of ${rounds * perRound} changes detected and named (${[...kinds]
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')})`,
    );
    f.control.close();
  }, 600_000);

  it('detects a deleted event, a deleted leaf and reordered leaves, naming each event', async () => {
    const f = await fixture(60, 3);
    const gone = await f.eventDoc('acme', 'evt_t_acme_0040');
    await request('DELETE', `/${gone._index}/_doc/${encodeURIComponent(gone._id)}`);
    const leafOf = async (id: string) => (await f.storage.log!.leafOf('globex', id))!;
    const deleted = await leafOf('evt_t_globex_0010');
    await request('DELETE', `/${f.layout.log}/_doc/${encodeURIComponent(`globex:${deleted.index}`)}`);
    // Reordered: two leaves swap places, hashes and all.
    const [a, b] = [await leafOf('evt_t_globex_0024'), await leafOf('evt_t_globex_0025')];
    const [docA, docB] = [await f.readLeafDoc('globex', a.index), await f.readLeafDoc('globex', b.index)];
    await f.writeLeafDoc('globex', a.index, { ...docB, index: a.index, key: docA.key });
    await f.writeLeafDoc('globex', b.index, { ...docA, index: b.index, key: docB.key });
    const { damage } = await f.verify();
    const kindOf = (id: string) => damage.filter((d) => d.event_id === id).map((d) => d.kind);
    expect(kindOf('evt_t_acme_0040')).toContain('body_missing');
    expect(kindOf('evt_t_globex_0010')).toContain('not_in_log');
    expect(damage.some((d) => d.kind === 'leaf_missing' && d.log_index === deleted.index)).toBe(true);
    expect(kindOf(a.event_id)).toContain('body_altered');
    expect(kindOf(b.event_id)).toContain('body_altered');
  }, 120_000);

  it('detects a log rolled back to fewer leaves than a checkpoint signed', async () => {
    const f = await fixture(60, 3);
    await request('POST', `/${f.layout.log}/_delete_by_query`, {
      query: { bool: { filter: [{ term: { tenant: 'acme' } }, { range: { index: { gte: 40 } } }] } },
    });
    const { damage } = await f.verify();
    expect(damage.some((d) => d.kind === 'checkpoint_beyond_log' && d.tenant === 'acme')).toBe(true);
  }, 120_000);

  it('detects an insertion in the past: without a leaf, and with a leaf appended after a checkpoint', async () => {
    const f = await fixture(60, 3);
    const backdated = {
      ...tamperEvent(999, 'acme'),
      id: 'evt_t_backdated',
      received_at: '2026-03-01T00:00:00.000Z',
    } as AuditEvent;
    // Through the store itself: it appends a correct leaf at the end, as an attacker with the store could.
    await f.storage.append([backdated]);
    const copy = await f.eventDoc('acme', 'evt_t_backdated');
    await request('PUT', `/${copy._index}/_doc/${encodeURIComponent('acme:evt_t_sneaked')}`, {
      ...copy._source,
      id: 'evt_t_sneaked',
      doc_key: 'acme:evt_t_sneaked',
    });
    const { damage } = await f.verify();
    expect(damage.filter((d) => d.event_id === 'evt_t_backdated').map((d) => d.kind)).toContain('backdated');
    expect(damage.filter((d) => d.event_id === 'evt_t_sneaked').map((d) => d.kind)).toContain('not_in_log');
  }, 120_000);
});
