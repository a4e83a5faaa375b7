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
    // free-text vocabulary gets a plain table that a prefix lookup reads as a B-tree range. Facet counts
    // by day (`facet_days`) are kept next to the events in the same transaction, so a facet over a tenant
    // and a window sums a few rows per day instead of reading every event (27 s for a big tenant's whole
    // history at 8M). `event_facet_keys` is the one definition of what is counted: the writer adds the
    // keys of new events, purge subtracts those of deleted ones, and this migration counts what exists.
    name: 'events-003-words-and-facet-days',
    sql: `
      CREATE TABLE event_words (word TEXT PRIMARY KEY) WITHOUT ROWID;
      INSERT INTO event_words SELECT term FROM event_vocab WHERE substr(term, 1, 1) != '_';
      DROP TABLE event_vocab;
      CREATE VIEW event_facet_keys AS
        SELECT seq, 'action' AS field, tenant, occurred_at / 86400000 AS day, source, action AS value,
               NULL AS label FROM events
        UNION ALL
        SELECT seq, 'actor', tenant, occurred_at / 86400000, source, actor_id, actor_label FROM events
        UNION ALL
        SELECT seq, 'workspace', tenant, occurred_at / 86400000, source, workspace_id, workspace_name
          FROM events WHERE workspace_id IS NOT NULL
        UNION ALL
        SELECT seq, 'source', tenant, occurred_at / 86400000, source, source, NULL FROM events
        UNION ALL
        SELECT seq, 'result', tenant, occurred_at / 86400000, source, result, NULL FROM events
        UNION ALL
        SELECT e.seq, 'target_type', e.tenant, e.occurred_at / 86400000, e.source, j.value, NULL
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
      INSERT INTO facet_days (field, tenant, day, source, value, label, count)
        SELECT field, tenant, day, source, value, max(label), count(*) FROM event_facet_keys
        GROUP BY field, tenant, day, source, value;
    `,
  },
];

/**
 * Adds (or with `sign` -1 subtracts) the facet keys of the events listed in the temporary table
 * `counted_seqs` to the day counts. The writer runs it for each commit's new events, purge for each
 * deleted batch, so counts change in the same transaction as the events they count.
 */
export function facetDaysUpsertSql(sign: 1 | -1): string {
  return `INSERT INTO facet_days (field, tenant, day, source, value, label, count)
    SELECT field, tenant, day, source, value, max(label), ${sign} * count(*) FROM event_facet_keys
    WHERE seq IN (SELECT seq FROM temp.counted_seqs)
    GROUP BY field, tenant, day, source, value
    ON CONFLICT DO UPDATE SET count = count + excluded.count${sign > 0 ? ', label = coalesce(excluded.label, label)' : ''}`;
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
];
