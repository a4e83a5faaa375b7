import {
  type AuditEvent,
  type EventLog,
  eventLeafHash,
  type LeafRemoval,
  type LogLeaf,
  toHex,
} from '@trailmark/core';
import type Database from 'better-sqlite3';

interface ChunkRow {
  first_index: number;
  count: number;
  hashes: Uint8Array;
  event_ids: string;
}

interface Removal {
  removed: string;
  removed_at: number;
}

/**
 * Leaves are kept in chunks (one per tenant and commit, see migrations.ts); these read them back one leaf
 * at a time. A chunk whose parts disagree (count, hashes, ids) yields what it has, so damage shows up in
 * verification instead of breaking the read.
 */
function leavesOf(chunk: ChunkRow, removal: (id: string) => Removal | undefined): LogLeaf[] {
  const ids = chunk.event_ids.split('\n');
  const out: LogLeaf[] = [];
  for (let k = 0; k < Number(chunk.count); k++) {
    const id = ids[k] ?? '';
    const removed = removal(id);
    out.push({
      index: Number(chunk.first_index) + k,
      event_id: id,
      hash: toHex(chunk.hashes.subarray(k * 32, k * 32 + 32)),
      ...(removed
        ? {
            removed: removed.removed as LeafRemoval,
            removed_at: new Date(Number(removed.removed_at)).toISOString(),
          }
        : {}),
    });
  }
  return out;
}

/** The log as read from the main connection; only the writer thread appends to it. */
export function createSqliteLog(
  db: Database.Database,
  erase: (tenant: string, ids: readonly string[]) => Promise<number>,
): EventLog {
  // Prepared on first use: the tables exist only once init() ran the migrations.
  let statements:
    | {
        size: Database.Statement;
        range: Database.Statement;
        byEvent: Database.Statement;
        removal: Database.Statement;
      }
    | undefined;
  const prepared = () =>
    (statements ??= {
      size: db
        .prepare('SELECT coalesce(max(first_index + count), 0) FROM log_chunks WHERE tenant = ?')
        .pluck(),
      range: db.prepare(
        `SELECT first_index, count, hashes, event_ids FROM log_chunks
         WHERE tenant = ? AND first_index < ? AND first_index + count > ? ORDER BY first_index`,
      ),
      // A scan of the tenant's chunks (about one per commit): cheap next to a proof, and it costs ingest nothing.
      byEvent: db.prepare(
        `SELECT first_index, count, hashes, event_ids FROM log_chunks
         WHERE tenant = ? AND instr(char(10) || event_ids || char(10), ?) > 0`,
      ),
      removal: db.prepare('SELECT removed, removed_at FROM log_removals WHERE tenant = ? AND event_id = ?'),
    });
  const removalOf = (tenant: string) => (id: string) =>
    prepared().removal.get(tenant, id) as Removal | undefined;
  return {
    async treeSize(tenant) {
      return Number(prepared().size.get(tenant));
    },
    async leaves(tenant, from, to) {
      const chunks = prepared().range.all(tenant, to, from) as ChunkRow[];
      return chunks
        .flatMap((c) => leavesOf(c, removalOf(tenant)))
        .filter((l) => l.index >= from && l.index < to)
        .sort((a, b) => a.index - b.index);
    },
    async leafOf(tenant, eventId) {
      for (const chunk of prepared().byEvent.all(tenant, `\n${eventId}\n`) as ChunkRow[]) {
        const leaf = leavesOf(chunk, removalOf(tenant)).find((l) => l.event_id === eventId);
        if (leaf) return leaf;
      }
      return null;
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
  const logged = new Set<string>();
  for (const row of db.prepare('SELECT tenant, event_ids FROM log_chunks').iterate() as Iterable<{
    tenant: string;
    event_ids: string;
  }>)
    for (const id of row.event_ids.split('\n')) logged.add(`${row.tenant}\n${id}`);
  const end = db
    .prepare('SELECT coalesce(max(first_index + count), 0) FROM log_chunks WHERE tenant = ?')
    .pluck();
  const insert = db.prepare(
    'INSERT INTO log_chunks (tenant, first_index, count, hashes, event_ids) VALUES (?, ?, ?, ?, ?)',
  );
  const missing = (
    db.prepare('SELECT tenant, id, doc FROM events ORDER BY seq').all() as {
      tenant: string;
      id: string;
      doc: string;
    }[]
  ).filter((r) => !logged.has(`${r.tenant}\n${r.id}`));
  for (let i = 0; i < missing.length; i += 10_000) {
    const chunks = new Map<string, { first: number; hashes: Uint8Array[]; ids: string[] }>();
    for (const row of missing.slice(i, i + 10_000)) {
      let chunk = chunks.get(row.tenant);
      if (!chunk) {
        chunk = { first: Number(end.get(row.tenant)), hashes: [], ids: [] };
        chunks.set(row.tenant, chunk);
      }
      chunk.hashes.push(eventLeafHash(JSON.parse(row.doc) as AuditEvent, chunk.first + chunk.ids.length));
      chunk.ids.push(row.id);
    }
    db.transaction(() => {
      for (const [tenant, c] of chunks)
        insert.run(tenant, c.first, c.ids.length, Buffer.concat(c.hashes), c.ids.join('\n'));
    })();
  }
  return missing.length;
}
