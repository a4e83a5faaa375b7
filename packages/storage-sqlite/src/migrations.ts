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
];

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
