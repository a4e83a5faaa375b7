import type Database from 'better-sqlite3';

export interface Migration {
  name: string;
  sql: string;
}

/** Applies named migrations once each, in order, inside one transaction per migration. */
export function migrate(db: Database.Database, migrations: readonly Migration[]): string[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  const applied = new Set(
    db
      .prepare('SELECT name FROM schema_migrations')
      .all()
      .map((r) => (r as { name: string }).name),
  );
  const done: string[] = [];
  for (const m of migrations) {
    if (applied.has(m.name)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)').run(
        m.name,
        new Date().toISOString(),
      );
    })();
    done.push(m.name);
  }
  return done;
}

/**
 * Events: `seq` (the rowid) is occurred_at in ms << 20 | a 20-bit slot, so rowid order IS time order.
 * Every FTS5 and range query then reads newest-first in rowid order without sorting, and keyset paging
 * is a rowid seek. The only B-tree index besides the rowid is (tenant, id), which makes ingest idempotent.
 */
export const EVENT_MIGRATIONS: readonly Migration[] = [
  {
    name: 'events-001-initial',
    sql: `
      CREATE TABLE events (
        seq          INTEGER PRIMARY KEY,
        id           TEXT NOT NULL,
        tenant       TEXT NOT NULL,
        source       TEXT NOT NULL,
        action       TEXT NOT NULL,
        actor_id     TEXT NOT NULL,
        actor_label  TEXT,
        workspace_id TEXT,
        workspace_name TEXT,
        result       TEXT NOT NULL,
        target_types TEXT NOT NULL,
        occurred_at  INTEGER NOT NULL,
        received_at  INTEGER NOT NULL,
        doc          TEXT NOT NULL
      );
      CREATE UNIQUE INDEX events_tenant_id ON events (tenant, id);
      CREATE VIRTUAL TABLE event_index USING fts5(
        terms, content='', contentless_delete=1, detail=none,
        tokenize="unicode61 remove_diacritics 2 tokenchars '_'"
      );
      CREATE TABLE partitions (tenant TEXT NOT NULL, source TEXT NOT NULL, PRIMARY KEY (tenant, source)) WITHOUT ROWID;
    `,
  },
  {
    // Lets free-text prefixes expand to the indexed words they cover (see matchExpression).
    name: 'events-002-vocabulary',
    sql: `CREATE VIRTUAL TABLE event_vocab USING fts5vocab(event_index, row);`,
  },
  {
    // fts5vocab counts a word's whole doclist to list it (19 ms for a common word at 8M events), so the
    // free-text vocabulary gets a plain table that a prefix lookup reads as a B-tree range.
    //
    // Facet counts per day and per month (UTC) are kept next to the events, in the same transaction, so a
    // facet over a tenant and a window sums a few rows per month and day instead of reading every event
    // (27 s for a big tenant's whole history at 8M events). `event_facet_keys` is the one definition of
    // what is counted: the writer adds the keys of new events, purge subtracts those of deleted ones, and
    // this migration counts what already exists. The day and month of an event are virtual columns:
    // computed when read, free on insert.
    name: 'events-003-words-and-facet-counts',
    sql: `
      CREATE TABLE event_words (word TEXT PRIMARY KEY) WITHOUT ROWID;
      INSERT INTO event_words SELECT term FROM event_vocab WHERE substr(term, 1, 1) != '_';
      DROP TABLE event_vocab;
      ALTER TABLE events ADD COLUMN occurred_day INTEGER GENERATED ALWAYS AS (occurred_at / 86400000) VIRTUAL;
      ALTER TABLE events ADD COLUMN occurred_month INTEGER GENERATED ALWAYS AS (
        CAST(strftime('%Y', occurred_at / 1000, 'unixepoch') AS INTEGER) * 12
        + CAST(strftime('%m', occurred_at / 1000, 'unixepoch') AS INTEGER) - 1) VIRTUAL;
      CREATE VIEW event_facet_keys AS
        SELECT seq, 'action' AS field, tenant, occurred_day AS day, occurred_month AS month, source,
               action AS value, NULL AS label FROM events
        UNION ALL
        SELECT seq, 'actor', tenant, occurred_day, occurred_month, source, actor_id, actor_label FROM events
        UNION ALL
        SELECT seq, 'workspace', tenant, occurred_day, occurred_month, source, workspace_id, workspace_name
          FROM events WHERE workspace_id IS NOT NULL
        UNION ALL
        SELECT seq, 'source', tenant, occurred_day, occurred_month, source, source, NULL FROM events
        UNION ALL
        SELECT seq, 'result', tenant, occurred_day, occurred_month, source, result, NULL FROM events
        UNION ALL
        SELECT e.seq, 'target_type', e.tenant, e.occurred_day, e.occurred_month, e.source, j.value, NULL
          FROM events e, json_each('["' || replace(e.target_types, ',', '","') || '"]') j
          WHERE e.target_types != '';
      CREATE TABLE facet_days (
        field  TEXT NOT NULL,
        tenant TEXT NOT NULL,
        day    INTEGER NOT NULL,
        source TEXT NOT NULL,
        value  TEXT NOT NULL,
        label  TEXT,
        count  INTEGER NOT NULL,
        PRIMARY KEY (field, tenant, day, source, value)
      ) WITHOUT ROWID;
      CREATE TABLE facet_months (
        field  TEXT NOT NULL,
        tenant TEXT NOT NULL,
        month  INTEGER NOT NULL,
        source TEXT NOT NULL,
        value  TEXT NOT NULL,
        label  TEXT,
        count  INTEGER NOT NULL,
        PRIMARY KEY (field, tenant, month, source, value)
      ) WITHOUT ROWID;
      INSERT INTO facet_days (field, tenant, day, source, value, label, count)
        SELECT field, tenant, day, source, value, max(label), count(*) FROM event_facet_keys
        GROUP BY field, tenant, day, source, value;
      INSERT INTO facet_months (field, tenant, month, source, value, label, count)
        SELECT field, tenant, month, source, value, max(label), count(*) FROM event_facet_keys
        GROUP BY field, tenant, month, source, value;
    `,
  },
  {
    // The per-tenant Merkle log (evidence). The writer thread appends, in the transaction that stores the
    // events, one chunk per tenant and commit: consecutive leaves (32-byte hashes, concatenated) and their
    // event ids (newline-separated); a row per leaf would cost a third of ingest. A leaf outlives its
    // event: retention and erasure delete the body and record why in log_removals.
    name: 'events-004-log-leaves',
    sql: `
      CREATE TABLE log_chunks (
        tenant      TEXT NOT NULL,
        first_index INTEGER NOT NULL,
        count       INTEGER NOT NULL,
        hashes      BLOB NOT NULL,
        event_ids   TEXT NOT NULL,
        PRIMARY KEY (tenant, first_index)
      ) WITHOUT ROWID;
      CREATE TABLE log_removals (
        tenant     TEXT NOT NULL,
        event_id   TEXT NOT NULL,
        removed    TEXT NOT NULL,
        removed_at INTEGER NOT NULL,
        PRIMARY KEY (tenant, event_id)
      ) WITHOUT ROWID;
    `,
  },
  {
    // The stream log: every stored event in commit order, written by a trigger in the very transaction
    // that stores the event (the outbox of issue 15). `seq` orders by occurred time, so it cannot be the
    // cursor; AUTOINCREMENT positions are never reused, even after the newest entry was pruned. Only the
    // event's rowid and tenant are kept: a destination's read skips other tenants' entries without
    // touching their events (no index: a window of positions is scanned), then reads the documents.
    name: 'events-005-stream-log',
    sql: `
      CREATE TABLE stream_log (
        position INTEGER PRIMARY KEY AUTOINCREMENT,
        event_seq INTEGER NOT NULL,
        tenant TEXT NOT NULL
      );
      CREATE TRIGGER events_stream_log AFTER INSERT ON events BEGIN
        INSERT INTO stream_log (event_seq, tenant) VALUES (new.seq, new.tenant);
      END;
    `,
  },
  {
    // A narrow copy of the seqs (the rowid), so counts and histograms read a range of seqs without the
    // documents the table's own b-tree holds: ~20 bytes per event, built at ~1M events/s on upgrade.
    name: 'events-007-seq-index',
    sql: 'CREATE INDEX events_seq ON events (seq);',
  },
];

/** The two granularities of facet counts: the table and its period column. */
export const FACET_PERIODS = [
  { table: 'facet_days', period: 'day' },
  { table: 'facet_months', period: 'month' },
] as const;

/**
 * Subtracts the facet keys of the events listed in the temporary table `counted_seqs` from the counts
 * of one granularity; purge runs it for each batch it deletes, in the same transaction.
 */
export function facetCountsSubtractSql(period: (typeof FACET_PERIODS)[number]): string {
  const { table, period: column } = period;
  return `INSERT INTO ${table} (field, tenant, ${column}, source, value, label, count)
    SELECT field, tenant, ${column}, source, value, NULL, -count(*) FROM event_facet_keys
    WHERE seq IN (SELECT seq FROM temp.counted_seqs)
    GROUP BY field, tenant, ${column}, source, value
    ON CONFLICT DO UPDATE SET count = count + excluded.count`;
}

export const COUNTED_SEQS_SQL = 'CREATE TEMP TABLE IF NOT EXISTS counted_seqs (seq INTEGER PRIMARY KEY)';

export const CONTROL_MIGRATIONS: readonly Migration[] = [
  {
    name: 'control-001-initial',
    sql: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        name TEXT NOT NULL,
        scopes TEXT NOT NULL,
        source TEXT,
        prefix TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked_at TEXT,
        last_used_at TEXT
      );
      CREATE INDEX api_keys_tenant ON api_keys (tenant);
      CREATE TABLE export_jobs (id TEXT PRIMARY KEY, tenant TEXT, created_at TEXT NOT NULL, doc TEXT NOT NULL);
      CREATE INDEX export_jobs_tenant ON export_jobs (tenant, created_at);
      CREATE TABLE retention_runs (id TEXT PRIMARY KEY, started_at TEXT NOT NULL, doc TEXT NOT NULL);
      CREATE TABLE tenant_settings (tenant TEXT PRIMARY KEY, doc TEXT NOT NULL);
    `,
  },
  {
    // People, browser sessions and one-time links. Secrets are stored only as SHA-256 (tokens) or
    // argon2id (passwords); email uniqueness is case-insensitive through the lower-cased column.
    name: 'control-002-accounts',
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL,
        email_lower TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        tenant TEXT,
        password_hash TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX users_tenant ON users (tenant);
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        secret_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_verified_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        user_agent TEXT,
        ip TEXT
      );
      CREATE INDEX sessions_user ON sessions (user_id);
      CREATE TABLE links (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        tenant TEXT,
        created_at TEXT NOT NULL,
        doc TEXT NOT NULL
      );
      CREATE INDEX links_kind_tenant ON links (kind, tenant, created_at);
      ALTER TABLE api_keys ADD COLUMN created_by TEXT;
    `,
  },
  {
    // Streaming: destinations, their messages (queue, delivery log, dead letters) and attempts; and the
    // stream outbox used when events live in OpenSearch (written by the ingest path before its ack).
    name: 'control-003-streams',
    sql: `
      CREATE TABLE stream_destinations (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        created_at TEXT NOT NULL,
        doc TEXT NOT NULL
      );
      CREATE INDEX stream_destinations_tenant ON stream_destinations (tenant, created_at);
      CREATE TABLE stream_messages (
        id TEXT PRIMARY KEY,
        destination_id TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        events TEXT,
        doc TEXT NOT NULL,
        UNIQUE (destination_id, sequence)
      );
      CREATE INDEX stream_messages_status ON stream_messages (destination_id, status, sequence);
      CREATE TABLE stream_attempts (
        destination_id TEXT NOT NULL,
        at TEXT NOT NULL,
        doc TEXT NOT NULL
      );
      CREATE INDEX stream_attempts_destination ON stream_attempts (destination_id, at);
      CREATE TABLE stream_outbox (
        position INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant TEXT NOT NULL,
        event_id TEXT NOT NULL,
        doc TEXT NOT NULL,
        UNIQUE (tenant, event_id)
      );
      CREATE INDEX stream_outbox_tenant ON stream_outbox (tenant, position);
    `,
  },
  {
    // Signed checkpoints of each tenant's evidence log, all kept, and every public key that signed one.
    name: 'control-004-checkpoints',
    sql: `
      CREATE TABLE checkpoints (
        id         INTEGER PRIMARY KEY,
        tenant     TEXT NOT NULL,
        tree_size  INTEGER NOT NULL,
        key_id     TEXT NOT NULL,
        note       TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX checkpoints_tenant ON checkpoints (tenant, id);
      CREATE TABLE checkpoint_keys (key_id TEXT PRIMARY KEY, verifier_key TEXT NOT NULL, created_at TEXT NOT NULL);
    `,
  },
];
