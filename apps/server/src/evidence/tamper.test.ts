import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SqliteStorage } from '@trailmark/storage-sqlite';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/index.ts';
import {
  allLeaves,
  tamperEvent as event,
  FLIP_KINDS,
  type Flip,
  flipChar,
  flipCheckpoint,
  named,
  random,
  seedTamperFixture,
  type TamperLeaf,
} from '../../testing/tamper-kit.ts';
import { verifyEvidence } from './verify.ts';

/**
 * The "done when" test of the evidence log on SQLite: single-byte changes anywhere in the stored data
 * (bodies, leaf hashes, log indexes, checkpoints) are all detected, each naming the exact event or
 * checkpoint; so are deletion, reordering, insertion in the past and a rolled-back log.
 * tamper-opensearch.test.ts does the same on a real OpenSearch node.
 */
const apps: TestApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

/** Two tenants, events in batches with a checkpoint after each, some purged and one erased. */
async function fixture(perTenant = 300, batches = 6) {
  const t = await createTestApp();
  apps.push(t);
  await seedTamperFixture(t, perTenant, batches);
  const evidence = t.deps.evidence!;
  const events = (t.deps.storage as SqliteStorage).db;
  const control = new Database(join(t.dir, 'control.db'));
  const verify = () =>
    verifyEvidence({
      log: t.deps.storage.log!,
      storage: t.deps.storage,
      checkpoints: evidence.checkpoints,
      origin: evidence.origin,
    });
  return { t, events, control, verify };
}

interface ChunkRow {
  first_index: number;
  count: number;
  hashes: Buffer;
  event_ids: string;
}

/** Where each leaf sits (its chunk, its position in it), read once at the start of a round. */
function chunkMap(db: Database.Database): Map<string, { chunk: ChunkRow; k: number }> {
  const map = new Map<string, { chunk: ChunkRow; k: number }>();
  for (const chunk of db.prepare('SELECT * FROM log_chunks').all() as (ChunkRow & { tenant: string })[])
    for (let k = 0; k < chunk.count; k++) map.set(`${chunk.tenant}/${chunk.first_index + k}`, { chunk, k });
  return map;
}

describe('trailmark verify on SQLite', () => {
  it('finds nothing wrong in an intact store, after retention purge and an erasure', async () => {
    const { verify } = await fixture(60, 3);
    const result = await verify();
    expect(result.damage).toEqual([]);
    expect(result.tenants.find((r) => r.tenant === 'acme')?.removed).toBeGreaterThan(0);
    expect(result.tenants.find((r) => r.tenant === 'globex')?.removed).toBe(1);
  });

  it('detects 1,000 single-byte changes at random places, naming the exact event or checkpoint each time', async () => {
    const { t, events, control, verify } = await fixture();
    const rnd = random(2026);
    const rounds = 10;
    const perRound = 100;
    let detected = 0;
    const kinds = new Map<string, number>();
    for (let round = 0; round < rounds; round++) {
      const all = await allLeaves(t);
      const present = all.filter((l) => !l.removed);
      const removedLeaves = all.filter((l) => l.removed);
      const checkpoints = control.prepare('SELECT id FROM checkpoints').pluck().all() as number[];
      const usedEvents = new Set<string>();
      const usedCheckpoints = new Set<number>();
      const flips: Flip[] = [];
      // Flips in one round are independent only if no leaf moves into a place another one left.
      const vacated = new Set<string>();
      const chunks = chunkMap(events);
      while (flips.length < perRound) {
        const roll = rnd();
        if (roll < 0.75) {
          const pool = roll < 0.7 ? present : removedLeaves;
          const leaf = pool[Math.floor(rnd() * pool.length)]!;
          const key = `${leaf.tenant}/${leaf.event_id}`;
          if (usedEvents.has(key)) continue;
          // A removed leaf has no body to check its hash or position against (only the checkpoint roots, which
          // name the range, not the leaf): the event id it records is what is flipped for it.
          const field =
            pool === removedLeaves
              ? 'event_id'
              : (['doc', 'leaf_hash', 'log_index', 'event_id'] as const)[Math.floor(rnd() * 4)]!;
          const flip = flipEventField(events, leaf, field, rnd, vacated, chunks);
          if (!flip) continue;
          usedEvents.add(key);
          flips.push(flip);
        } else {
          const id = checkpoints[Math.floor(rnd() * checkpoints.length)]!;
          if (usedCheckpoints.has(id)) continue;
          usedCheckpoints.add(id);
          flips.push(flipCheckpoint(control, id, rnd));
        }
      }
      const { damage } = await verify();
      for (const flip of flips) {
        expect(named(damage, flip.names), `${flip.what} was not detected`).toBe(true);
        detected++;
        kinds.set(flip.what.split(' ')[0] as string, (kinds.get(flip.what.split(' ')[0] as string) ?? 0) + 1);
      }
      for (const flip of flips.reverse()) await flip.undo();
      expect((await verify()).damage).toEqual([]);
    }
    expect(detected).toBe(rounds * perRound);
    // Every category was exercised.
    expect([...kinds.keys()].sort()).toEqual(FLIP_KINDS);
    control.close();
  }, 300_000);

  it('detects a deleted event, a deleted leaf and reordered leaves, naming each event', async () => {
    const { events, verify } = await fixture(60, 3);
    events.prepare("DELETE FROM events WHERE id = 'evt_t_acme_0040'").run();
    const [a, b] = ['evt_t_globex_0024', 'evt_t_globex_0025'];
    /** Rewrites the chunk holding an event: `edit` gets its ids and hashes (one per leaf). */
    const rewrite = (id: string, edit: (ids: string[], hashes: Buffer[]) => void) => {
      const chunk = events
        .prepare(
          "SELECT * FROM log_chunks WHERE tenant = 'globex' AND instr(char(10) || event_ids || char(10), ?) > 0",
        )
        .get(`\n${id}\n`) as ChunkRow;
      const ids = chunk.event_ids.split('\n');
      const hashes = ids.map((_, k) => chunk.hashes.subarray(k * 32, k * 32 + 32));
      edit(ids, hashes);
      events
        .prepare(
          "UPDATE log_chunks SET event_ids = ?, hashes = ?, count = ? WHERE tenant = 'globex' AND first_index = ?",
        )
        .run(ids.join('\n'), Buffer.concat(hashes), ids.length, chunk.first_index);
    };
    // A deleted leaf.
    rewrite('evt_t_globex_0010', (ids, hashes) => {
      const k = ids.indexOf('evt_t_globex_0010');
      ids.splice(k, 1);
      hashes.splice(k, 1);
    });
    // Reordered: two leaves swap places, hashes and all.
    rewrite(a, (ids, hashes) => {
      const [ka, kb] = [ids.indexOf(a), ids.indexOf(b)];
      [ids[ka], ids[kb]] = [b, a];
      [hashes[ka], hashes[kb]] = [hashes[kb] as Buffer, hashes[ka] as Buffer];
    });
    const { damage } = await verify();
    const kindOf = (id: string) => damage.filter((d) => d.event_id === id).map((d) => d.kind);
    expect(kindOf('evt_t_acme_0040')).toContain('body_missing');
    expect(kindOf('evt_t_globex_0010')).toContain('not_in_log');
    expect(damage.some((d) => d.kind === 'leaf_missing' && d.tenant === 'globex')).toBe(true);
    expect(kindOf(a)).toContain('body_altered');
    expect(kindOf(b)).toContain('body_altered');
  });

  it('detects a stored key id changed to text that still reads as the same number', async () => {
    const { control, verify } = await fixture(30, 2);
    const { id, key_id: keyId } = control.prepare('SELECT id, key_id FROM checkpoints LIMIT 1').get() as {
      id: number;
      key_id: string;
    };
    // Each of these parses to the same value with parseInt(…, 16), which the check once used.
    const variants = [
      ` ${keyId}`,
      `${keyId}z`,
      `0${keyId}`,
      ...(/[a-f]/.test(keyId) ? [keyId.toUpperCase()] : []),
    ];
    for (const altered of variants) {
      control.prepare('UPDATE checkpoints SET key_id = ? WHERE id = ?').run(altered, id);
      const { damage } = await verify();
      expect(
        damage.some((d) => d.kind === 'checkpoint_record_altered' && d.checkpoint_id === id),
        JSON.stringify(altered),
      ).toBe(true);
    }
    control.prepare('UPDATE checkpoints SET key_id = ? WHERE id = ?').run(keyId, id);
    expect((await verify()).damage).toEqual([]);
    control.close();
  });

  it('detects a log rolled back to fewer leaves than a checkpoint signed', async () => {
    const { events, verify } = await fixture(60, 3);
    events.prepare("DELETE FROM log_chunks WHERE tenant = 'acme' AND first_index >= 40").run();
    events.prepare("DELETE FROM events WHERE tenant = 'acme' AND id >= 'evt_t_acme_0040'").run();
    const { damage } = await verify();
    expect(damage.some((d) => d.kind === 'checkpoint_beyond_log' && d.tenant === 'acme')).toBe(true);
  });

  it('detects an insertion in the past: without a leaf, and with a forged leaf appended after a checkpoint', async () => {
    const { t, verify } = await fixture(60, 3);
    const old = { ...event(999, 'acme'), id: 'evt_t_backdated' };
    const stored = { ...old, received_at: '2026-03-01T00:00:00.000Z' };
    // Through the store itself: it appends a correct leaf at the end, as an attacker with the store could.
    await t.deps.storage.append([stored as never]);
    await (
      t.deps.storage as SqliteStorage
    ).db.exec(`INSERT INTO events (seq, id, tenant, source, action, actor_id, result, target_types, occurred_at, received_at, doc)
      SELECT seq + 1, 'evt_t_sneaked', tenant, source, action, actor_id, result, target_types, occurred_at, received_at, replace(doc, 'evt_t_backdated', 'evt_t_sneaked') FROM events WHERE id = 'evt_t_backdated'`);
    const { damage } = await verify();
    expect(damage.filter((d) => d.event_id === 'evt_t_backdated').map((d) => d.kind)).toContain('backdated');
    expect(damage.filter((d) => d.event_id === 'evt_t_sneaked').map((d) => d.kind)).toContain('not_in_log');
  });
});

function flipEventField(
  db: Database.Database,
  leaf: TamperLeaf,
  field: 'doc' | 'leaf_hash' | 'log_index' | 'event_id',
  rnd: () => number,
  vacated: Set<string>,
  chunks: Map<string, { chunk: ChunkRow; k: number }>,
): Flip | undefined {
  const names = { tenant: leaf.tenant, event_id: leaf.event_id, log_index: leaf.log_index };
  if (field === 'doc') {
    const doc = db
      .prepare('SELECT doc FROM events WHERE tenant = ? AND id = ?')
      .pluck()
      .get(leaf.tenant, leaf.event_id) as string;
    const set = db.prepare('UPDATE events SET doc = ? WHERE tenant = ? AND id = ?');
    set.run(flipChar(doc, rnd), leaf.tenant, leaf.event_id);
    return { what: `doc of ${leaf.event_id}`, names, undo: () => set.run(doc, leaf.tenant, leaf.event_id) };
  }
  const place = chunks.get(`${leaf.tenant}/${leaf.log_index}`);
  if (!place) return undefined;
  const { chunk, k } = place;
  const key = `${leaf.tenant}/${chunk.first_index}`;
  // One change per chunk and round, so the changes of a round stay independent of each other.
  if (vacated.has(key)) return undefined;
  const where = [leaf.tenant, chunk.first_index] as const;
  if (field === 'leaf_hash') {
    const altered = Buffer.from(chunk.hashes);
    const at = k * 32 + Math.floor(rnd() * 32);
    altered[at] = (altered[at] as number) ^ (1 + Math.floor(rnd() * 255));
    const set = db.prepare('UPDATE log_chunks SET hashes = ? WHERE tenant = ? AND first_index = ?');
    set.run(altered, ...where);
    vacated.add(key);
    return { what: `leaf_hash of ${leaf.event_id}`, names, undo: () => set.run(chunk.hashes, ...where) };
  }
  if (field === 'event_id') {
    const ids = chunk.event_ids.split('\n');
    ids[k] = flipChar(ids[k] as string, rnd);
    const set = db.prepare('UPDATE log_chunks SET event_ids = ? WHERE tenant = ? AND first_index = ?');
    set.run(ids.join('\n'), ...where);
    vacated.add(key);
    return { what: `event_id of ${leaf.event_id}`, names, undo: () => set.run(chunk.event_ids, ...where) };
  }
  // The log index: the chunk's first index (every leaf in it moves).
  const set = db.prepare('UPDATE log_chunks SET first_index = ? WHERE tenant = ? AND first_index = ?');
  for (let attempt = 0; attempt < 20; attempt++) {
    const altered = chunk.first_index ^ (1 << Math.floor(rnd() * 12));
    if (
      [...vacated].some(
        (v) => v.startsWith(`${leaf.tenant}/`) && Math.abs(Number(v.split('/')[1]) - altered) < 64,
      )
    )
      continue;
    try {
      set.run(altered, ...where);
    } catch {
      continue; // that index is taken: flip another bit
    }
    vacated.add(key);
    vacated.add(`${leaf.tenant}/${altered}`);
    return {
      what: `log_index of ${leaf.event_id} (chunk at ${chunk.first_index} -> ${altered})`,
      names,
      undo: () => set.run(chunk.first_index, leaf.tenant, altered),
    };
  }
  return undefined;
}

describe('the trailmark verify command', () => {
  const cli = new URL('../cli.ts', import.meta.url).pathname;
  const run = async (dir: string) => {
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', cli, 'verify'], {
        env: {
          ...process.env,
          TRAILMARK_DATA_DIR: dir,
          TRAILMARK_CHECKPOINT_ORIGIN: 'trailmark.test',
          LOG_LEVEL: 'silent',
        },
      });
      return { code: 0, stdout };
    } catch (error) {
      const e = error as { code: number; stdout: string };
      return { code: e.code, stdout: e.stdout };
    }
  };

  it('exits 0 on an intact store and 1 naming the event and the damage after a change', async () => {
    const { t, events, control } = await fixture(30, 3);
    control.close();
    const ok = await run(t.dir);
    expect(ok.stdout).toContain('valid: no damage found');
    expect(ok.code).toBe(0);
    events
      .prepare(
        "UPDATE events SET doc = replace(doc, 'payment number 27', 'payment number 28') WHERE id = 'evt_t_acme_0027'",
      )
      .run();
    const bad = await run(t.dir);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/INVALID acme: body_altered: event evt_t_acme_0027 \(log index \d+\)/);
  }, 60_000);
});
