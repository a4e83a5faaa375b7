import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  type AppendResult,
  type AuditEvent,
  decodeCursor,
  type EventFilter,
  type EventPage,
  encodeCursor,
  eventJson,
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
  /** Database file (a real file: the writer thread opens its own connection to it). */
  path: string;
  /** Resolves an action's human label so free text finds events by it. */
  actionLabel?: (source: string, action: string) => string | undefined;
  /** Most events committed in one transaction (group commit). */
  maxBatch?: number;
  /** `FULL` (default) makes every acknowledged commit survive power loss. */
  synchronous?: 'FULL' | 'NORMAL';
}

/** 2^20 tiebreak slots per millisecond; seq needs 61 bits, so it is a BigInt in JavaScript. */
const seqFloor = (ms: number) => BigInt(ms) << 20n;
const MAX_SEQ = (1n << 63n) - 1n;

interface Pending {
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

/** What the writer thread receives per event: everything precomputed, so it only runs SQL. */
type WriterRow = [
  ms: number,
  slot: number,
  id: string,
  tenant: string,
  source: string,
  action: string,
  actorId: string,
  actorLabel: string | null,
  workspaceId: string | null,
  workspaceName: string | null,
  result: string,
  targetTypes: string,
  receivedMs: number,
  doc: string,
  terms: string,
];

type WriterMessage =
  | { type: 'ready' }
  | { type: 'closed' }
  | { type: 'done'; id: number; result: AppendResult }
  | { type: 'failed'; id: number; message: string; code?: string };

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
  private writer?: Worker;
  private writerFailure?: Error;
  private readonly pending = new Map<number, Pending>();
  private nextRequest = 1;
  private readonly path: string;
  private readonly synchronous: 'FULL' | 'NORMAL';
  private readonly maxBatch: number;
  private readonly actionLabel: (source: string, action: string) => string | undefined;
  private closed = false;

  constructor(options: SqliteStorageOptions) {
    if (options.path === ':memory:')
      throw new StorageError('the embedded store needs a file: the writer runs on its own thread');
    mkdirSync(dirname(options.path), { recursive: true });
    this.path = options.path;
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('cache_size = -65536');
    this.db.pragma('temp_store = MEMORY');
    this.synchronous = options.synchronous ?? 'FULL';
    this.db.pragma(`synchronous = ${this.synchronous}`);
    this.maxBatch = options.maxBatch ?? 10_000;
    this.actionLabel = options.actionLabel ?? (() => undefined);
  }

  async init(): Promise<void> {
    migrate(this.db, EVENT_MIGRATIONS);
    if (this.writer) return;
    const writer = new Worker(new URL('./sqlite-writer.mjs', import.meta.url), {
      workerData: { path: this.path, synchronous: this.synchronous, maxBatch: this.maxBatch },
    });
    this.writer = writer;
    await new Promise<void>((resolve, reject) => {
      const onReady = (m: WriterMessage) => {
        if (m.type === 'ready') {
          writer.off('error', reject);
          resolve();
        }
      };
      writer.once('message', onReady);
      writer.once('error', reject);
    });
    writer.on('message', (m: WriterMessage) => this.onWriterMessage(m));
    writer.on('error', (error) => this.failWriter(error));
    writer.on('exit', (code) => {
      if (!this.closed) this.failWriter(new Error(`writer thread exited with code ${code}`));
    });
    // An idle writer must not keep a finished process alive; it is ref'ed while appends are in flight.
    writer.unref();
  }

  private onWriterMessage(m: WriterMessage): void {
    if (m.type !== 'done' && m.type !== 'failed') return;
    const waiting = this.pending.get(m.id);
    if (!waiting) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.writer?.unref();
    if (m.type === 'done') waiting.resolve(m.result);
    else waiting.reject(new StorageError(`could not write events: ${m.message}`));
  }

  private failWriter(error: Error): void {
    this.writerFailure = error;
    for (const waiting of this.pending.values())
      waiting.reject(new StorageError('the writer thread failed', { cause: error }));
    this.pending.clear();
  }

  private toRow(e: AuditEvent): WriterRow {
    return [
      Date.parse(e.occurred_at),
      slotOf(e.tenant, e.id),
      e.id,
      e.tenant,
      e.source,
      e.action,
      e.actor.id,
      e.actor.name ?? e.actor.email ?? null,
      e.workspace?.id ?? null,
      e.workspace?.name ?? null,
      e.outcome.result,
      [...new Set(e.targets.map((t) => t.type))].join(','),
      Date.parse(e.received_at),
      eventJson(e),
      indexTextOf(e, this.actionLabel(e.source, e.action)),
    ];
  }

  /**
   * Resolves only after the writer thread committed the transaction holding these events (group commit:
   * appends arriving while a commit runs share the next one, so one fsync covers many requests).
   */
  append(events: readonly AuditEvent[]): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new StorageError('storage is closed'));
    if (this.writerFailure)
      return Promise.reject(new StorageError('the writer thread failed', { cause: this.writerFailure }));
    if (!this.writer) return Promise.reject(new StorageError('storage is not initialized'));
    if (events.length === 0) return Promise.resolve({ inserted: [], duplicates: [] });
    const rows = events.map((e) => this.toRow(e));
    const id = this.nextRequest++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.writer!.ref();
      this.pending.set(id, { resolve, reject });
      this.writer!.postMessage({ type: 'append', id, rows });
    });
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

  private expandStatement?: Database.Statement;

  /** The indexed words starting with a free-text prefix, or undefined when there are too many to list. */
  private expandPrefix(prefix: string): string[] | undefined {
    this.expandStatement ??= this.db.prepare(
      'SELECT term FROM event_vocab WHERE term >= ? AND term < ? LIMIT 201',
    );
    const words = (this.expandStatement.all(prefix, `${prefix}\u{10ffff}`) as { term: string }[]).map(
      (r) => r.term,
    );
    return words.length > 200 ? undefined : words;
  }

  private match(filter: EventFilter, tooManyWords: 'prefix' | 'skip' = 'prefix'): string | undefined {
    return matchExpression(filter, (prefix) => this.expandPrefix(prefix), tooManyWords);
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
    const match = this.match(filter, 'skip');
    const { low, high: start } = this.bounds(filter, page.cursor);
    let high = start;
    const found: { seq: bigint; event: AuditEvent }[] = [];
    const want = page.limit + 1;
    let exhausted = false;
    // Candidates come from hashed tokens (and possibly a skipped short prefix) and are re-checked. The scan
    // is bounded per request: a page may then come back short, but its cursor continues where the scan stopped.
    for (let round = 0; round < 20 && found.length < want; round++) {
      const need = round === 0 ? want : Math.max(want - found.length, 200);
      const rows = this.candidates(match, low, high, need);
      for (const row of rows) {
        const event = JSON.parse(row.doc) as AuditEvent;
        if (eventMatchesFilter(event, filter, this.actionLabel(event.source, event.action))) {
          found.push({ seq: row.seq, event });
          if (found.length === want) break;
        }
      }
      if (rows.length < need) {
        exhausted = found.length < want;
        break;
      }
      high = rows[rows.length - 1].seq;
    }
    const pageRows = found.slice(0, page.limit);
    const last = pageRows[pageRows.length - 1];
    let next: bigint | undefined;
    if (found.length > page.limit && last) next = last.seq;
    else if (!exhausted && found.length < want) next = high;
    return {
      data: pageRows.map((r) => r.event),
      next_cursor: next === undefined ? null : encodeCursor({ s: next.toString() }),
    };
  }

  /** SQL fragment selecting the seqs a filter matches (without re-checking), with its parameters. */
  private matchingSeqs(filter: EventFilter): { sql: string; params: unknown[] } {
    const match = this.match(filter);
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
    const writer = this.writer;
    // The writer commits everything already sent before it closes: nothing acknowledged is lost on shutdown.
    if (writer && !this.writerFailure) {
      await new Promise<void>((resolve) => {
        writer.on('message', (m: WriterMessage) => {
          if (m.type === 'closed') resolve();
        });
        writer.once('exit', () => resolve());
        writer.ref();
        writer.postMessage({ type: 'close' });
      });
      while (this.pending.size > 0) await new Promise((r) => setImmediate(r));
    }
    this.closed = true;
    await writer?.terminate();
    this.db.close();
  }
}
