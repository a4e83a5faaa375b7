import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type AuditEvent,
  type DestinationRecord,
  eventJson,
  type StreamAttemptRecord,
  type StreamLog,
  type StreamLogEntry,
  type StreamMessageRecord,
  type StreamStore,
} from '@trailmark/core';
import Database from 'better-sqlite3';
import { CONTROL_MIGRATIONS, migrate } from './migrations.ts';

const parseEntries = (rows: { position: number; doc: string }[]): StreamLogEntry[] =>
  rows.map((r) => ({ position: r.position, event: JSON.parse(r.doc) as AuditEvent }));

/**
 * The embedded store's stream log: `stream_log` is filled by a trigger inside the writer's transaction
 * (events-005), so an event is queued for streaming exactly when it is stored. Read here through the
 * store's own read connection; pruned from it too (the writer only ever inserts).
 */
export function createEventsStreamLog(db: Database.Database): StreamLog {
  const read = db.prepare(
    `SELECT l.position AS position, e.doc AS doc FROM stream_log l JOIN events e ON e.seq = l.event_seq
     WHERE l.position > ? AND l.position <= ? AND l.tenant = ? ORDER BY l.position LIMIT ?`,
  );
  const head = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'stream_log'").pluck();
  const prune = db.prepare('DELETE FROM stream_log WHERE position <= ?');
  const count = db
    .prepare(
      `SELECT count(*) FROM (SELECT 1 FROM stream_log l JOIN events e ON e.seq = l.event_seq
       WHERE l.position > ? AND l.tenant = ? LIMIT ?)`,
    )
    .pluck();
  const oldest = db
    .prepare(
      `SELECT e.received_at FROM stream_log l JOIN events e ON e.seq = l.event_seq
       WHERE l.position > ? AND l.tenant = ? ORDER BY l.position LIMIT 1`,
    )
    .pluck();
  return {
    fedByIngest: false,
    backlog: (tenant, after, cap) => {
      const n = Number(count.get(after, tenant, cap));
      const ms = n > 0 ? (oldest.get(after, tenant) as number | undefined) : undefined;
      return { count: n, ...(ms !== undefined ? { oldest_received_at: new Date(ms).toISOString() } : {}) };
    },
    read: (tenant, after, through, limit) =>
      parseEntries(read.all(after, through, tenant, limit) as { position: number; doc: string }[]),
    head: () => Number(head.get() ?? 0),
    prune: (through) => prune.run(through).changes,
  };
}

/**
 * The stream log for stores that cannot write it in their own transaction (OpenSearch): a table in
 * control.db that the ingest path appends to after the store acknowledged and before the client is
 * acknowledged. A retried request (its events now duplicates) appends them again, ignored while the
 * earlier entry is still there; so every acknowledged event is in the log.
 */
export function createControlStreamLog(db: Database.Database): StreamLog {
  const insert = db.prepare('INSERT OR IGNORE INTO stream_outbox (tenant, event_id, doc) VALUES (?, ?, ?)');
  const append = db.transaction((events: readonly AuditEvent[]) => {
    for (const e of events) insert.run(e.tenant, e.id, eventJson(e));
  });
  const read = db.prepare(
    `SELECT position, doc FROM stream_outbox WHERE tenant = ? AND position > ? AND position <= ?
     ORDER BY position LIMIT ?`,
  );
  const head = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'stream_outbox'").pluck();
  const prune = db.prepare('DELETE FROM stream_outbox WHERE position <= ?');
  const count = db
    .prepare('SELECT count(*) FROM (SELECT 1 FROM stream_outbox WHERE tenant = ? AND position > ? LIMIT ?)')
    .pluck();
  const oldest = db
    .prepare('SELECT doc FROM stream_outbox WHERE tenant = ? AND position > ? ORDER BY position LIMIT 1')
    .pluck();
  return {
    fedByIngest: true,
    backlog: (tenant, after, cap) => {
      const n = Number(count.get(tenant, after, cap));
      const doc = n > 0 ? (oldest.get(tenant, after) as string | undefined) : undefined;
      const at = doc ? (JSON.parse(doc) as AuditEvent).received_at : undefined;
      return { count: n, ...(at ? { oldest_received_at: at } : {}) };
    },
    append: (events) => append(events),
    read: (tenant, after, through, limit) =>
      parseEntries(read.all(tenant, after, through, limit) as { position: number; doc: string }[]),
    head: () => Number(head.get() ?? 0),
    prune: (through) => prune.run(through).changes,
  };
}

type MessageDoc = Omit<
  StreamMessageRecord,
  'id' | 'destination_id' | 'sequence' | 'status' | 'created_at' | 'events'
>;

interface MessageRow {
  id: string;
  destination_id: string;
  sequence: number;
  status: StreamMessageRecord['status'];
  created_at: string;
  events: string | null;
  doc: string;
}

function toMessage(row: MessageRow, withEvents = true): StreamMessageRecord {
  const doc = JSON.parse(row.doc) as MessageDoc;
  return {
    id: row.id,
    destination_id: row.destination_id,
    sequence: row.sequence,
    status: row.status,
    created_at: row.created_at,
    ...doc,
    ...(withEvents && row.events ? { events: JSON.parse(row.events) as AuditEvent[] } : {}),
  };
}

function messageDoc(m: StreamMessageRecord): string {
  const { id: _i, destination_id: _d, sequence: _s, status: _st, created_at: _c, events: _e, ...doc } = m;
  return JSON.stringify(doc);
}

export interface SqliteStreamStore extends StreamStore {
  /** The control-database stream log (for stores that cannot write their own). */
  outbox: StreamLog;
  close(): void;
}

/** Destinations, messages and attempts in control.db, on a connection of their own. */
export function createSqliteStreamStore(options: { path: string }): SqliteStreamStore {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  migrate(db, CONTROL_MIGRATIONS);

  const getDestination = (id: string): DestinationRecord | undefined => {
    const row = db.prepare('SELECT doc FROM stream_destinations WHERE id = ?').get(id) as
      | { doc: string }
      | undefined;
    return row ? (JSON.parse(row.doc) as DestinationRecord) : undefined;
  };
  const saveDestination = (d: DestinationRecord) =>
    db.prepare('UPDATE stream_destinations SET doc = ? WHERE id = ?').run(JSON.stringify(d), d.id);
  const getMessageRow = db.prepare('SELECT * FROM stream_messages WHERE id = ?');
  const insertMessage = db.prepare(
    `INSERT INTO stream_messages (id, destination_id, sequence, status, created_at, events, doc)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );

  const enqueue = db.transaction(
    (
      destinationId: string,
      batches: Parameters<StreamStore['enqueue']>[1],
      cursor: number | undefined,
      at: string,
    ): StreamMessageRecord[] => {
      const d = getDestination(destinationId);
      if (!d) return [];
      const stored: StreamMessageRecord[] = [];
      for (const batch of batches) {
        const m: StreamMessageRecord = {
          id: batch.id,
          destination_id: destinationId,
          sequence: d.next_sequence++,
          status: 'pending',
          origin: batch.origin,
          event_count: batch.events.length,
          event_ids: batch.events.map((e) => e.id),
          attempts: 0,
          created_at: at,
          next_attempt_at: 0,
        };
        insertMessage.run(
          m.id,
          m.destination_id,
          m.sequence,
          m.status,
          m.created_at,
          JSON.stringify(batch.events),
          messageDoc(m),
        );
        stored.push({ ...m, events: batch.events });
      }
      if (cursor !== undefined) d.cursor = Math.max(d.cursor, cursor);
      saveDestination(d);
      return stored;
    },
  );

  return {
    outbox: createControlStreamLog(db),
    createDestination(d) {
      db.prepare('INSERT INTO stream_destinations (id, tenant, created_at, doc) VALUES (?, ?, ?, ?)').run(
        d.id,
        d.tenant,
        d.created_at,
        JSON.stringify(d),
      );
    },
    getDestination(id, tenant) {
      const d = getDestination(id);
      return d && (tenant === undefined || d.tenant === tenant) ? d : undefined;
    },
    listDestinations(tenant) {
      const rows = (
        tenant === undefined
          ? db.prepare('SELECT doc FROM stream_destinations ORDER BY created_at, id').all()
          : db
              .prepare('SELECT doc FROM stream_destinations WHERE tenant = ? ORDER BY created_at, id')
              .all(tenant)
      ) as { doc: string }[];
      return rows.map((r) => JSON.parse(r.doc) as DestinationRecord);
    },
    updateDestination: db.transaction((id: string, patch: Partial<DestinationRecord>) => {
      const d = getDestination(id);
      if (!d) return;
      const next = { ...d, ...patch, id: d.id, tenant: d.tenant } as DestinationRecord;
      for (const [k, v] of Object.entries(patch))
        if (v === undefined) delete (next as unknown as Record<string, unknown>)[k];
      saveDestination(next);
    }),
    deleteDestination: db.transaction((id: string) => {
      db.prepare('DELETE FROM stream_destinations WHERE id = ?').run(id);
      db.prepare('DELETE FROM stream_messages WHERE destination_id = ?').run(id);
      db.prepare('DELETE FROM stream_attempts WHERE destination_id = ?').run(id);
    }),
    nextPending(destinationId) {
      const row = db
        .prepare(
          "SELECT * FROM stream_messages WHERE destination_id = ? AND status = 'pending' ORDER BY sequence LIMIT 1",
        )
        .get(destinationId) as MessageRow | undefined;
      return row ? toMessage(row) : undefined;
    },
    enqueue: (destinationId, batches, cursor, at) => enqueue(destinationId, batches, cursor, at),
    updateMessage(id, patch) {
      const row = getMessageRow.get(id) as MessageRow | undefined;
      if (!row) return;
      const next = { ...toMessage(row, false), ...patch } as StreamMessageRecord;
      for (const [k, v] of Object.entries(patch))
        if (v === undefined) delete (next as unknown as Record<string, unknown>)[k];
      // Delivered messages keep their ids for the delivery log; their events are not needed any more.
      const events = next.status === 'delivered' ? null : row.events;
      db.prepare('UPDATE stream_messages SET status = ?, events = ?, doc = ? WHERE id = ?').run(
        next.status,
        patch.events ? JSON.stringify(patch.events) : events,
        messageDoc(next),
        id,
      );
    },
    getMessage(id) {
      const row = getMessageRow.get(id) as MessageRow | undefined;
      return row ? toMessage(row) : undefined;
    },
    listMessages(destinationId, { status, limit, before_sequence }) {
      const where = ['destination_id = ?'];
      const params: unknown[] = [destinationId];
      if (status) {
        where.push('status = ?');
        params.push(status);
      }
      if (before_sequence !== undefined) {
        where.push('sequence < ?');
        params.push(before_sequence);
      }
      const rows = db
        .prepare(`SELECT * FROM stream_messages WHERE ${where.join(' AND ')} ORDER BY sequence DESC LIMIT ?`)
        .all(...params, limit) as MessageRow[];
      return rows.map((r) => toMessage(r, false));
    },
    countMessages(destinationId, status) {
      const rows = db
        .prepare('SELECT doc FROM stream_messages WHERE destination_id = ? AND status = ?')
        .all(destinationId, status) as { doc: string }[];
      let events = 0;
      for (const r of rows) events += (JSON.parse(r.doc) as MessageDoc).event_count;
      return { messages: rows.length, events };
    },
    recordAttempt(a) {
      db.prepare('INSERT INTO stream_attempts (destination_id, at, doc) VALUES (?, ?, ?)').run(
        a.destination_id,
        a.at,
        JSON.stringify(a),
      );
    },
    listAttempts(destinationId, { limit, since }) {
      const rows = (
        since
          ? db
              .prepare(
                'SELECT doc FROM stream_attempts WHERE destination_id = ? AND at >= ? ORDER BY at DESC, rowid DESC LIMIT ?',
              )
              .all(destinationId, since, limit)
          : db
              .prepare(
                'SELECT doc FROM stream_attempts WHERE destination_id = ? ORDER BY at DESC, rowid DESC LIMIT ?',
              )
              .all(destinationId, limit)
      ) as { doc: string }[];
      return rows.map((r) => JSON.parse(r.doc) as StreamAttemptRecord);
    },
    pruneHistory(before) {
      const a = db.prepare('DELETE FROM stream_attempts WHERE at < ?').run(before).changes;
      const m = db
        .prepare("DELETE FROM stream_messages WHERE status = 'delivered' AND created_at < ?")
        .run(before).changes;
      return a + m;
    },
    atomically: (fn) => db.transaction(fn)(),
    close() {
      db.close();
    },
  };
}
