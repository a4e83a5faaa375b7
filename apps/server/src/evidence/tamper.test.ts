import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SqliteStorage } from '@trailmark/storage-sqlite';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testing.ts';
import { type Damage, verifyEvidence } from './verify.ts';

/**
 * The "done when" test of the evidence log on SQLite: single-byte changes anywhere in the stored data
 * (bodies, leaf hashes, log indexes, checkpoints) are all detected, each naming the exact event or
 * checkpoint; so are deletion, reordering, insertion in the past and a rolled-back log.
 */
const apps: TestApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const event = (i: number, tenant: string) => ({
  id: `evt_t_${tenant}_${String(i).padStart(4, '0')}`,
  tenant,
  source: 'billing-app',
  action: 'invoice.paid',
  occurred_at: new Date(Date.parse('2026-03-01T00:00:00Z') + i * 3_600_000).toISOString(),
  actor: { type: 'user', id: `u-${i % 7}`, name: `Person ${i % 7}` },
  targets: [{ type: 'invoice', id: `inv-${i}`, name: `Invoice ${i}` }],
  outcome: { result: 'success' },
  metadata: { amount: i * 3, note: `payment number ${i}` },
});

/** Two tenants, events in batches with a checkpoint after each, some purged and one erased. */
async function fixture(perTenant = 300, batches = 6) {
  const t = await createTestApp();
  apps.push(t);
  const evidence = t.deps.evidence!;
  for (let b = 0; b < batches; b++) {
    for (const tenant of ['acme', 'globex']) {
      const from = (b * perTenant) / batches;
      const inputs = Array.from({ length: perTenant / batches }, (_, k) => event(from + k, tenant));
      await t.deps.ingest(inputs, {});
      await evidence.checkpoint(tenant);
    }
  }
  await t.deps.storage.purge({ tenant: 'acme', source: 'billing-app', before: '2026-03-02T00:00:00Z' });
  await t.deps.storage.log!.erase('globex', [`evt_t_globex_${String(perTenant / 3).padStart(4, '0')}`]);
  await evidence.checkpoint('acme');
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

const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
function flipChar(text: string, rnd: () => number): string {
  const at = Math.floor(rnd() * text.length);
  let c = text[at] as string;
  while (c === text[at]) c = PRINTABLE[Math.floor(rnd() * PRINTABLE.length)] as string;
  return text.slice(0, at) + c + text.slice(at + 1);
}

interface Flip {
  what: string;
  names: { event_id?: string; checkpoint_id?: number };
  undo: () => void;
}

const named = (damage: Damage[], names: Flip['names']) =>
  damage.some((d) =>
    names.event_id !== undefined ? d.event_id === names.event_id : d.checkpoint_id === names.checkpoint_id,
  );

describe('trailmark verify on SQLite', () => {
  it('finds nothing wrong in an intact store, after retention purge and an erasure', async () => {
    const { verify } = await fixture(60, 3);
    const result = await verify();
    expect(result.damage).toEqual([]);
    expect(result.tenants.find((r) => r.tenant === 'acme')?.removed).toBeGreaterThan(0);
    expect(result.tenants.find((r) => r.tenant === 'globex')?.removed).toBe(1);
  });

  it('detects 1,000 single-byte changes at random places, naming the exact event or checkpoint each time', async () => {
    const { events, control, verify } = await fixture();
    const rnd = random(2026);
    const rounds = 10;
    const perRound = 100;
    let detected = 0;
    const kinds = new Map<string, number>();
    for (let round = 0; round < rounds; round++) {
      const present = events
        .prepare(`SELECT l.tenant, l.log_index, l.event_id FROM log_leaves l WHERE l.removed IS NULL`)
        .all() as { tenant: string; log_index: number; event_id: string }[];
      const removedLeaves = events
        .prepare('SELECT tenant, log_index, event_id FROM log_leaves WHERE removed IS NOT NULL')
        .all() as { tenant: string; log_index: number; event_id: string }[];
      const checkpoints = control.prepare('SELECT id FROM checkpoints').pluck().all() as number[];
      const usedEvents = new Set<string>();
      const usedCheckpoints = new Set<number>();
      const flips: Flip[] = [];
      // Flips in one round are independent only if no leaf moves into a place another one left.
      const vacated = new Set<string>();
      while (flips.length < perRound) {
        const roll = rnd();
        if (roll < 0.75) {
          const pool = roll < 0.7 ? present : removedLeaves;
          const leaf = pool[Math.floor(rnd() * pool.length)]!;
          const key = `${leaf.tenant}/${leaf.event_id}`;
          if (usedEvents.has(key)) continue;
          // Bodies and hashes of removed leaves have nothing to compare with but the checkpoints: only their positions are flipped here.
          const field =
            pool === removedLeaves
              ? 'log_index'
              : (['doc', 'leaf_hash', 'log_index'] as const)[Math.floor(rnd() * 3)]!;
          const flip = flipEventField(events, leaf, field, rnd, vacated);
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
      for (const flip of flips.reverse()) flip.undo();
      expect((await verify()).damage).toEqual([]);
    }
    expect(detected).toBe(rounds * perRound);
    // Every category was exercised.
    expect([...kinds.keys()].sort()).toEqual(
      [
        'checkpoint.created_at',
        'checkpoint.key_id',
        'checkpoint.note',
        'checkpoint.tenant',
        'checkpoint.tree_size',
        'doc',
        'leaf_hash',
        'log_index',
      ].sort(),
    );
    control.close();
  }, 300_000);

  it('detects a deleted event, a deleted leaf and reordered leaves, naming each event', async () => {
    const { events, verify } = await fixture(60, 3);
    events.prepare("DELETE FROM events WHERE id = 'evt_t_acme_0040'").run();
    events.prepare("DELETE FROM log_leaves WHERE tenant = 'globex' AND event_id = 'evt_t_globex_0010'").run();
    const [a, b] = ['evt_t_globex_0024', 'evt_t_globex_0025'];
    // Reorder: the two leaves swap places (positions), hashes and all.
    const move = events.prepare(
      "UPDATE log_leaves SET log_index = ? WHERE tenant = 'globex' AND event_id = ?",
    );
    const indexOf = (id: string) =>
      events
        .prepare("SELECT log_index FROM log_leaves WHERE tenant = 'globex' AND event_id = ?")
        .pluck()
        .get(id) as number;
    const [ia, ib] = [indexOf(a), indexOf(b)];
    move.run(-1, a);
    move.run(ia, b);
    move.run(ib, a);
    const { damage } = await verify();
    const kindOf = (id: string) => damage.filter((d) => d.event_id === id).map((d) => d.kind);
    expect(kindOf('evt_t_acme_0040')).toContain('body_missing');
    expect(kindOf('evt_t_globex_0010')).toContain('not_in_log');
    expect(damage.some((d) => d.kind === 'leaf_missing' && d.tenant === 'globex')).toBe(true);
    expect(kindOf(a)).toContain('body_altered');
    expect(kindOf(b)).toContain('body_altered');
  });

  it('detects a log rolled back to fewer leaves than a checkpoint signed', async () => {
    const { events, verify } = await fixture(60, 3);
    events.prepare("DELETE FROM log_leaves WHERE tenant = 'acme' AND log_index >= 50").run();
    events.prepare("DELETE FROM events WHERE tenant = 'acme' AND id >= 'evt_t_acme_0050'").run();
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
  leaf: { tenant: string; log_index: number; event_id: string },
  field: 'doc' | 'leaf_hash' | 'log_index',
  rnd: () => number,
  vacated: Set<string>,
): Flip | undefined {
  const names = { event_id: leaf.event_id };
  if (field === 'doc') {
    const doc = db
      .prepare('SELECT doc FROM events WHERE tenant = ? AND id = ?')
      .pluck()
      .get(leaf.tenant, leaf.event_id) as string;
    const set = db.prepare('UPDATE events SET doc = ? WHERE tenant = ? AND id = ?');
    set.run(flipChar(doc, rnd), leaf.tenant, leaf.event_id);
    return { what: `doc of ${leaf.event_id}`, names, undo: () => set.run(doc, leaf.tenant, leaf.event_id) };
  }
  if (field === 'leaf_hash') {
    const hash = db
      .prepare('SELECT leaf_hash FROM log_leaves WHERE tenant = ? AND event_id = ?')
      .pluck()
      .get(leaf.tenant, leaf.event_id) as Buffer;
    const altered = Buffer.from(hash);
    const at = Math.floor(rnd() * altered.length);
    altered[at] = (altered[at] as number) ^ (1 + Math.floor(rnd() * 255));
    const set = db.prepare('UPDATE log_leaves SET leaf_hash = ? WHERE tenant = ? AND event_id = ?');
    set.run(altered, leaf.tenant, leaf.event_id);
    return {
      what: `leaf_hash of ${leaf.event_id}`,
      names,
      undo: () => set.run(hash, leaf.tenant, leaf.event_id),
    };
  }
  const index = db
    .prepare('SELECT log_index FROM log_leaves WHERE tenant = ? AND event_id = ?')
    .pluck()
    .get(leaf.tenant, leaf.event_id) as number;
  const set = db.prepare('UPDATE log_leaves SET log_index = ? WHERE tenant = ? AND event_id = ?');
  for (let attempt = 0; attempt < 20; attempt++) {
    const altered = index ^ (1 << Math.floor(rnd() * 12));
    if (vacated.has(`${leaf.tenant}/${altered}`)) continue;
    try {
      set.run(altered, leaf.tenant, leaf.event_id);
    } catch {
      continue; // that index is taken: flip another bit
    }
    vacated.add(`${leaf.tenant}/${index}`);
    return {
      what: `log_index of ${leaf.event_id} (${index} -> ${altered})`,
      names,
      undo: () => set.run(index, leaf.tenant, leaf.event_id),
    };
  }
  return undefined;
}

function flipCheckpoint(db: Database.Database, id: number, rnd: () => number): Flip {
  const row = db.prepare('SELECT * FROM checkpoints WHERE id = ?').get(id) as Record<string, string | number>;
  const field = (['note', 'note', 'tree_size', 'key_id', 'created_at', 'tenant'] as const)[
    Math.floor(rnd() * 6)
  ]!;
  const value = row[field] as string | number;
  const altered =
    field === 'tree_size' ? (value as number) ^ (1 << Math.floor(rnd() * 8)) : flipChar(String(value), rnd);
  const set = db.prepare(`UPDATE checkpoints SET ${field} = ? WHERE id = ?`);
  set.run(altered, id);
  return {
    what: `checkpoint.${field} of ${id}`,
    names: { checkpoint_id: id },
    undo: () => set.run(value, id),
  };
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
