import type Database from 'better-sqlite3';
import type { Damage } from '../src/evidence/verify.ts';
import type { TestApp } from './index.ts';

/**
 * What the tamper tests of both stores share (tamper.test.ts on SQLite, tamper-opensearch.test.ts on a real
 * OpenSearch node): a seeded random source, single-character changes, the checkpoints' flips (they live in
 * the control database on either store) and the rule for "the report names this damage".
 */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export const tamperEvent = (i: number, tenant: string) => ({
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

export const TAMPER_TENANTS = ['acme', 'globex'] as const;

/** Two tenants, events in batches with a checkpoint after each, the oldest of acme purged, one of globex erased. */
export async function seedTamperFixture(t: TestApp, perTenant: number, batches: number): Promise<void> {
  const evidence = t.deps.evidence;
  if (!evidence) throw new Error('the store keeps no evidence log');
  for (let b = 0; b < batches; b++) {
    for (const tenant of TAMPER_TENANTS) {
      const from = (b * perTenant) / batches;
      const inputs = Array.from({ length: perTenant / batches }, (_, k) => tamperEvent(from + k, tenant));
      await t.deps.ingest(inputs, {});
      await evidence.checkpoint(tenant);
    }
  }
  await t.deps.storage.purge({ tenant: 'acme', source: 'billing-app', before: '2026-03-02T00:00:00Z' });
  await t.deps.storage.log?.erase('globex', [`evt_t_globex_${String(perTenant / 3).padStart(4, '0')}`]);
  await evidence.checkpoint('acme');
}

const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));

/** The text with one character replaced by another printable one. */
export function flipChar(text: string, rnd: () => number): string {
  const at = Math.floor(rnd() * text.length);
  let c = text[at] as string;
  while (c === text[at]) c = PRINTABLE[Math.floor(rnd() * PRINTABLE.length)] as string;
  return text.slice(0, at) + c + text.slice(at + 1);
}

export interface Flip {
  what: string;
  /** The damaged leaf (tenant, event id, log index) or checkpoint; a report naming either the id or the index of the leaf counts. */
  names: { tenant?: string; event_id?: string; log_index?: number; checkpoint_id?: number };
  undo: () => unknown;
}

export const named = (damage: Damage[], names: Flip['names']) =>
  damage.some((d) =>
    names.checkpoint_id !== undefined
      ? d.checkpoint_id === names.checkpoint_id
      : d.tenant === names.tenant && (d.event_id === names.event_id || d.log_index === names.log_index),
  );

export interface TamperLeaf {
  tenant: string;
  log_index: number;
  event_id: string;
  removed?: string;
}

export async function allLeaves(t: TestApp): Promise<TamperLeaf[]> {
  const log = t.deps.storage.log;
  if (!log) return [];
  const out: TamperLeaf[] = [];
  for (const tenant of TAMPER_TENANTS) {
    const size = await log.treeSize(tenant);
    for (const l of await log.leaves(tenant, 0, size))
      out.push({
        tenant,
        log_index: l.index,
        event_id: l.event_id,
        ...(l.removed ? { removed: l.removed } : {}),
      });
  }
  return out;
}

/** One stored column of a checkpoint changed (the signed note, its size, key id, time or tenant). */
export function flipCheckpoint(db: Database.Database, id: number, rnd: () => number): Flip {
  const row = db.prepare('SELECT * FROM checkpoints WHERE id = ?').get(id) as Record<string, string | number>;
  const field = (['note', 'note', 'tree_size', 'key_id', 'created_at', 'tenant'] as const)[
    Math.floor(rnd() * 6)
  ] as 'note' | 'tree_size' | 'key_id' | 'created_at' | 'tenant';
  const value = row[field] as string | number;
  const altered =
    field === 'tree_size' ? (value as number) ^ (1 << Math.floor(rnd() * 8)) : flipChar(String(value), rnd);
  const set = db.prepare(`UPDATE checkpoints SET ${field} = ? WHERE id = ?`);
  set.run(altered, id);
  return {
    what: `checkpoint.${field} of ${id}`,
    names: { checkpoint_id: id },
    undo: () => {
      set.run(value, id);
    },
  };
}

/** Every kind of change a thousand-flip run must have exercised. */
export const FLIP_KINDS = [
  'checkpoint.created_at',
  'checkpoint.key_id',
  'checkpoint.note',
  'checkpoint.tenant',
  'checkpoint.tree_size',
  'doc',
  'event_id',
  'leaf_hash',
  'log_index',
].sort();
