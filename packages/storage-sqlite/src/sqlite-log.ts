import {
  type AuditEvent,
  type EventLog,
  eventLeafHash,
  type LeafRemoval,
  type LogLeaf,
  toHex,
} from '@trailmark/core';
import type Database from 'better-sqlite3';

interface LeafRow {
  log_index: number;
  event_id: string;
  leaf_hash: Uint8Array;
  removed: string | null;
  removed_at: number | null;
}

export function toLogLeaf(row: LeafRow): LogLeaf {
  return {
    index: Number(row.log_index),
    event_id: row.event_id,
    hash: toHex(row.leaf_hash),
    ...(row.removed ? { removed: row.removed as LeafRemoval } : {}),
    ...(row.removed_at !== null ? { removed_at: new Date(Number(row.removed_at)).toISOString() } : {}),
  };
}

/** The log as read from the main connection; leaves are only ever appended by the writer thread. */
export function createSqliteLog(
  db: Database.Database,
  erase: (tenant: string, ids: readonly string[]) => Promise<number>,
): EventLog {
  // Prepared on first use: the table exists only once init() ran the migrations.
  let statements:
    | { size: Database.Statement; range: Database.Statement; byEvent: Database.Statement }
    | undefined;
  const prepared = () =>
    (statements ??= {
      size: db.prepare('SELECT coalesce(max(log_index) + 1, 0) FROM log_leaves WHERE tenant = ?').pluck(),
      range: db.prepare(
        `SELECT log_index, event_id, leaf_hash, removed, removed_at FROM log_leaves
         WHERE tenant = ? AND log_index >= ? AND log_index < ? ORDER BY log_index`,
      ),
      byEvent: db.prepare(
        'SELECT log_index, event_id, leaf_hash, removed, removed_at FROM log_leaves WHERE tenant = ? AND event_id = ?',
      ),
    });
  return {
    async treeSize(tenant) {
      return Number(prepared().size.get(tenant));
    },
    async leaves(tenant, from, to) {
      return (prepared().range.all(tenant, from, to) as LeafRow[]).map(toLogLeaf);
    },
    async leafOf(tenant, eventId) {
      const row = prepared().byEvent.get(tenant, eventId) as LeafRow | undefined;
      return row ? toLogLeaf(row) : null;
    },
    async storedIds(tenant) {
      return db.prepare('SELECT id FROM events WHERE tenant = ?').pluck().all(tenant) as string[];
    },
    erase,
  };
}

/**
 * Events stored before the log existed (a database from an earlier version) get their leaves once, in
 * storage order, before the writer starts. Their documents may predate the canonical form, so the leaf is
 * computed from the parsed event, as a verifier does.
 */
export function backfillLeaves(db: Database.Database): number {
  const missing = db.prepare(
    `SELECT e.tenant AS tenant, e.id AS id, e.doc AS doc FROM events e
     WHERE NOT EXISTS (SELECT 1 FROM log_leaves l WHERE l.tenant = e.tenant AND l.event_id = e.id)
     ORDER BY e.seq LIMIT 10000`,
  );
  const last = db.prepare('SELECT max(log_index) FROM log_leaves WHERE tenant = ?').pluck();
  const insert = db.prepare(
    'INSERT INTO log_leaves (tenant, log_index, event_id, leaf_hash) VALUES (?, ?, ?, ?)',
  );
  let added = 0;
  for (;;) {
    const rows = missing.all() as { tenant: string; id: string; doc: string }[];
    if (rows.length === 0) return added;
    const next = new Map<string, number>();
    db.transaction(() => {
      for (const row of rows) {
        const index = next.get(row.tenant) ?? ((last.get(row.tenant) as number | null) ?? -1) + 1;
        const event = JSON.parse(row.doc) as AuditEvent;
        insert.run(row.tenant, index, row.id, eventLeafHash(event, index));
        next.set(row.tenant, index + 1);
      }
    })();
    added += rows.length;
  }
}
