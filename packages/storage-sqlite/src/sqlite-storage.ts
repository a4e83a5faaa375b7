import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type AppendResult,
  type AuditEvent,
  decodeCursor,
  type EventFilter,
  type EventPage,
  encodeCursor,
  eventMatchesFilter,
  type FacetBucket,
  type FacetField,
  filterWindowMs,
  type PageRequest,
  type Partition,
  type PurgeRequest,
  StorageError,
  type StoragePort,
  targetKeysOf,
} from '@trailmark/core';
import Database from 'better-sqlite3';
import { EVENT_MIGRATIONS, migrate } from './migrations.ts';
import { indexTextOf, keyToken, matchExpression, slotOf } from './tokens.ts';

export interface SqliteStorageOptions {
  /** Database file; `:memory:` for throwaway tests. */
  path: string;
  /** Resolves an action's human label so free text finds events by it. */
  actionLabel?: (source: string, action: string) => string | undefined;
  /** Most events committed in one transaction (group commit). */
  maxBatch?: number;
  /** `FULL` (default) makes every acknowledged commit survive power loss. */
  synchronous?: 'FULL' | 'NORMAL';
}

/** 2^20 tiebreak slots per millisecond; seq needs 61 bits, so it is a BigInt in JavaScript. */
const SLOTS = 1 << 20;
const seqFloor = (ms: number) => BigInt(ms) << 20n;
const MAX_SEQ = (1n << 63n) - 1n;

interface Pending {
  events: readonly AuditEvent[];
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

interface Row {
  seq: bigint;
  doc: string;
}

const isSeqCursor = (p: unknown): p is { s: string } =>
  typeof p === 'object' && p !== null && /^[0-9]{1,19}$/.test(String((p as { s?: unknown }).s));

const FACET_COLUMN: Record<Exclude<FacetField, 'target_type'>, { value: string; label?: string }> = {
  action: { value: 'action' },
  actor: { value: 'actor_id', label: 'actor_label' },
  workspace: { value: 'workspace_id', label: 'workspace_name' },
  source: { value: 'source' },
  result: { value: 'result' },
};

export function createSqliteStorage(options: SqliteStorageOptions): SqliteStorage {
  return new SqliteStorage(options);
}

/** The embedded store: one SQLite file in WAL mode, group-committed appends, FTS5 key-token index. */
export class SqliteStorage implements StoragePort {
  readonly name = 'sqlite';
  readonly capabilities = {
    fullText: true,
    facets: true,
    deleteGranularity: 'event',
    pointInTime: false,
  } as const;
  readonly db: Database.Database;
  private readonly queue: Pending[] = [];
  private flushScheduled = false;
  private readonly knownPartitions = new Set<string>();
  private readonly maxBatch: number;
  private readonly actionLabel: (source: string, action: string) => string | undefined;
  private closed = false;

  constructor(options: SqliteStorageOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('cache_size = -65536');
    this.db.pragma('temp_store = MEMORY');
    this.maxBatch = options.maxBatch ?? 10_000;
    this.actionLabel = options.actionLabel ?? (() => undefined);
  }

  async init(): Promise<void> {
    migrate(this.db, EVENT_MIGRATIONS);
    for (const row of this.db.prepare('SELECT tenant, source FROM partitions').all() as Partition[]) {
      this.knownPartitions.add(`${row.tenant}\u0000${row.source}`);
    }
  }

  /**
   * Group commit: appends arriving while a commit is pending share the next transaction, so one
   * fsync covers many requests. The promise resolves only after that transaction committed.
   */
  append(events: readonly AuditEvent[]): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new StorageError('storage is closed'));
    if (events.length === 0) return Promise.resolve({ inserted: [], duplicates: [] });
    return new Promise((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private readonly insertEvent = () =>
    this.db.prepare(
      `INSERT INTO events (seq, id, tenant, source, action, actor_id, actor_label, workspace_id, workspace_name,
         result, target_types, occurred_at, received_at, doc)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant, id) DO NOTHING`,
    );

  private statements?: {
    insert: Database.Statement;
    index: Database.Statement;
    sameEvent: Database.Statement;
    partition: Database.Statement;
  };

  private get stmts() {
    this.statements ??= {
      insert: this.insertEvent(),
      index: this.db.prepare('INSERT INTO event_index (rowid, terms) VALUES (?, ?)'),
      sameEvent: this.db.prepare('SELECT tenant, id FROM events WHERE seq = ?'),
      partition: this.db.prepare('INSERT OR IGNORE INTO partitions (tenant, source) VALUES (?, ?)'),
    };
    return this.statements;
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch: Pending[] = [];
    let size = 0;
    while (
      this.queue.length > 0 &&
      (batch.length === 0 || size + this.queue[0].events.length <= this.maxBatch)
    ) {
      const next = this.queue.shift()!;
      batch.push(next);
      size += next.events.length;
    }
    if (this.queue.length > 0) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    let results: AppendResult[];
    try {
      results = this.db.transaction(() => batch.map((p) => this.writeAll(p.events)))();
    } catch (error) {
      const failure = new StorageError('could not write events', { cause: error });
      for (const p of batch) p.reject(failure);
      return;
    }
    for (const [i, p] of batch.entries()) p.resolve(results[i]);
  }

  private writeAll(events: readonly AuditEvent[]): AppendResult {
    const { insert, index, sameEvent, partition } = this.stmts;
    const inserted: string[] = [];
    const duplicates: string[] = [];
    for (const e of events) {
      const ms = Date.parse(e.occurred_at);
      let slot = slotOf(e.tenant, e.id);
      const actorLabel = e.actor.name ?? e.actor.email ?? null;
      const targetTypes = [...new Set(e.targets.map((t) => t.type))].join(',');
      const doc = JSON.stringify(e);
      for (let attempt = 0; ; attempt++) {
        const seq = seqFloor(ms) + BigInt(slot);
        try {
          const info = insert.run(
            seq,
            e.id,
            e.tenant,
            e.source,
            e.action,
            e.actor.id,
            actorLabel,
            e.workspace?.id ?? null,
            e.workspace?.name ?? null,
            e.outcome.result,
            targetTypes,
            ms,
            Date.parse(e.received_at),
            doc,
          );
          if (info.changes === 0) {
            duplicates.push(e.id);
          } else {
            index.run(seq, indexTextOf(e, this.actionLabel(e.source, e.action)));
            inserted.push(e.id);
            const key = `${e.tenant}\u0000${e.source}`;
            if (!this.knownPartitions.has(key)) {
              partition.run(e.tenant, e.source);
              this.knownPartitions.add(key);
            }
          }
          break;
        } catch (error) {
          if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY' || attempt >= SLOTS)
            throw error;
          // The slot is taken: either by this very event (a retry) or by another event in the same millisecond.
          const holder = sameEvent.get(seq) as { tenant: string; id: string } | undefined;
          if (holder && holder.tenant === e.tenant && holder.id === e.id) {
            duplicates.push(e.id);
            break;
          }
          slot = (slot + 1) % SLOTS;
        }
      }
    }
    return { inserted, duplicates };
  }

  async get(id: string, tenants?: readonly string[]): Promise<AuditEvent | null> {
    const rows = (
      tenants
        ? this.db
            .prepare(
              `SELECT doc FROM events WHERE id = ? AND tenant IN (${tenants.map(() => '?').join(',')})`,
            )
            .all(id, ...tenants)
        : this.db.prepare('SELECT doc FROM events WHERE id = ? LIMIT 1').all(id)
    ) as { doc: string }[];
    return rows.length > 0 ? (JSON.parse(rows[0].doc) as AuditEvent) : null;
  }

  /** Seq bounds [low, high) from the filter's time window and the cursor. */
  private bounds(filter: EventFilter, cursor?: string): { low: bigint; high: bigint } {
    const { from, to } = filterWindowMs(filter);
    let high = to === undefined ? MAX_SEQ : seqFloor(to);
    if (cursor) {
      const after = BigInt(decodeCursor(cursor, isSeqCursor).s);
      if (after < high) high = after;
    }
    return { low: from === undefined ? 0n : seqFloor(from), high };
  }

  private candidates(match: string | undefined, low: bigint, high: bigint, limit: number): Row[] {
    if (match === undefined) {
      return this.db
        .prepare('SELECT seq, doc FROM events WHERE seq >= ? AND seq < ? ORDER BY seq DESC LIMIT ?')
        .safeIntegers(true)
        .all(low, high, limit) as Row[];
    }
    return this.db
      .prepare(
        `SELECT e.seq AS seq, e.doc AS doc FROM events e WHERE e.seq IN (
           SELECT rowid FROM event_index WHERE event_index MATCH ? AND rowid >= ? AND rowid < ?
           ORDER BY rowid DESC LIMIT ?)
         ORDER BY e.seq DESC`,
      )
      .safeIntegers(true)
      .all(match, low, high, limit) as Row[];
  }

  async search(filter: EventFilter, page: PageRequest): Promise<EventPage> {
    const match = matchExpression(filter);
    const { low, high: start } = this.bounds(filter, page.cursor);
    let high = start;
    const found: { seq: bigint; event: AuditEvent }[] = [];
    const want = page.limit + 1;
    // Candidates come from hashed tokens and are re-checked; a rare false positive only costs another round.
    for (let round = 0; round < 50 && found.length < want; round++) {
      const need = want - found.length;
      const rows = this.candidates(match, low, high, need);
      for (const row of rows) {
        const event = JSON.parse(row.doc) as AuditEvent;
        if (eventMatchesFilter(event, filter, this.actionLabel(event.source, event.action))) {
          found.push({ seq: row.seq, event });
        }
      }
      if (rows.length < need) break;
      high = rows[rows.length - 1].seq;
    }
    const pageRows = found.slice(0, page.limit);
    const last = pageRows[pageRows.length - 1];
    return {
      data: pageRows.map((r) => r.event),
      next_cursor: found.length > page.limit && last ? encodeCursor({ s: last.seq.toString() }) : null,
    };
  }

  /** SQL fragment selecting the seqs a filter matches (without re-checking), with its parameters. */
  private matchingSeqs(filter: EventFilter): { sql: string; params: unknown[] } {
    const match = matchExpression(filter);
    const { low, high } = this.bounds(filter);
    if (match === undefined)
      return { sql: 'SELECT seq FROM events WHERE seq >= ? AND seq < ?', params: [low, high] };
    return {
      sql: 'SELECT rowid FROM event_index WHERE event_index MATCH ? AND rowid >= ? AND rowid < ?',
      params: [match, low, high],
    };
  }

  async count(filter: EventFilter): Promise<number> {
    const { sql, params } = this.matchingSeqs(filter);
    const row = this.db.prepare(`SELECT count(*) AS n FROM (${sql})`).get(...params) as { n: number };
    return Number(row.n);
  }

  async facet(filter: EventFilter, field: FacetField, limit: number): Promise<FacetBucket[]> {
    const { sql, params } = this.matchingSeqs(filter);
    if (field === 'target_type') {
      const rows = this.db
        .prepare(
          `SELECT j.value AS value, count(*) AS count FROM events e, json_each('["' || replace(e.target_types, ',', '","') || '"]') j
           WHERE e.seq IN (${sql}) AND e.target_types != '' GROUP BY j.value ORDER BY count DESC, value LIMIT ?`,
        )
        .all(...params, limit) as FacetBucket[];
      return rows;
    }
    const column = FACET_COLUMN[field];
    const label = column.label ? `, max(${column.label}) AS label` : '';
    const rows = this.db
      .prepare(
        `SELECT ${column.value} AS value, count(*) AS count${label} FROM events
         WHERE seq IN (${sql}) AND ${column.value} IS NOT NULL
         GROUP BY ${column.value} ORDER BY count DESC, value LIMIT ?`,
      )
      .all(...params, limit) as { value: string; count: number; label?: string | null }[];
    return rows.map((r) => ({ value: r.value, count: r.count, ...(r.label ? { label: r.label } : {}) }));
  }

  async relatedTargetKeys(
    tenants: readonly string[] | undefined,
    keys: { refs: string[]; paths: string[] },
  ): Promise<{ refs: string[]; paths: string[] }> {
    const refs = new Set<string>();
    const paths = new Set<string>();
    const tokens = [
      ...keys.refs.map((r) => keyToken('targetRef', r)),
      ...keys.paths.map((p) => keyToken('path', p)),
    ];
    if (tokens.length === 0) return { refs: [], paths: [] };
    let match = `(${tokens.map((t) => `"${t}"`).join(' OR ')})`;
    if (tenants) match += ` AND (${tenants.map((t) => `"${keyToken('tenant', t)}"`).join(' OR ')})`;
    const rows = this.db
      .prepare(
        `SELECT doc FROM events WHERE seq IN (
           SELECT rowid FROM event_index WHERE event_index MATCH ? ORDER BY rowid DESC LIMIT 10000)`,
      )
      .all(match) as { doc: string }[];
    const wantedRefs = new Set(keys.refs);
    const wantedPaths = new Set(keys.paths);
    for (const row of rows) {
      const event = JSON.parse(row.doc) as AuditEvent;
      if (tenants && !tenants.includes(event.tenant)) continue;
      for (const target of event.targets) {
        const own = targetKeysOf([target]);
        if (own.refs.some((r) => wantedRefs.has(r)) || own.paths.some((p) => wantedPaths.has(p))) {
          for (const r of own.refs) refs.add(r);
          for (const p of own.paths) paths.add(p);
        }
      }
    }
    return { refs: [...refs], paths: [...paths] };
  }

  async partitions(): Promise<Partition[]> {
    return this.db
      .prepare('SELECT tenant, source FROM partitions ORDER BY tenant, source')
      .all() as Partition[];
  }

  /** Deletes in bounded batches and yields to the event loop between them, so ingest keeps flowing. */
  async purge(request: PurgeRequest): Promise<number> {
    const batchSize = request.batchSize ?? 2000;
    const match = `"${keyToken('tenant', request.tenant)}" AND "${keyToken('source', request.source)}"`;
    const high = seqFloor(Date.parse(request.before));
    const select = this.db
      .prepare(
        `SELECT e.seq AS seq FROM events e WHERE e.seq IN (
           SELECT rowid FROM event_index WHERE event_index MATCH ? AND rowid < ? ORDER BY rowid LIMIT ?)
         AND e.tenant = ? AND e.source = ?`,
      )
      .safeIntegers(true);
    const deleteEvent = this.db.prepare('DELETE FROM events WHERE seq = ?');
    const deleteIndex = this.db.prepare('DELETE FROM event_index WHERE rowid = ?');
    let deleted = 0;
    for (;;) {
      const seqs = (
        select.all(match, high, batchSize, request.tenant, request.source) as { seq: bigint }[]
      ).map((r) => r.seq);
      if (seqs.length === 0) break;
      this.db.transaction(() => {
        for (const seq of seqs) {
          deleteEvent.run(seq);
          deleteIndex.run(seq);
        }
      })();
      deleted += seqs.length;
      await new Promise((resolve) => setImmediate(resolve));
      if (seqs.length < batchSize) break;
    }
    return deleted;
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  /** Online, consistent copy of the database file (safe while ingest continues). */
  async backup(destination: string): Promise<void> {
    await this.db.backup(destination);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Let queued appends commit before the handle goes away: nothing acknowledged is lost on shutdown.
    while (this.queue.length > 0 || this.flushScheduled) await new Promise((r) => setImmediate(r));
    this.closed = true;
    this.db.close();
  }
}
