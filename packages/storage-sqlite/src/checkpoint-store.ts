import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CheckpointKeyRecord, CheckpointRecord, CheckpointStore } from '@trailmark/core';
import Database from 'better-sqlite3';
import { CONTROL_MIGRATIONS, migrate } from './migrations.ts';

/** Checkpoints and signing keys in the control database (its own connection; the migrations are shared). */
export function createSqliteCheckpointStore(options: { path: string }): CheckpointStore & {
  db: Database.Database;
  close(): void;
} {
  mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  migrate(db, CONTROL_MIGRATIONS);
  const columns = 'id, tenant, tree_size, key_id, note, created_at';
  const insert = db.prepare(
    'INSERT INTO checkpoints (tenant, tree_size, key_id, note, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  const all = db.prepare(`SELECT ${columns} FROM checkpoints WHERE tenant = ? ORDER BY id`);
  const newest = db.prepare(`SELECT ${columns} FROM checkpoints WHERE tenant = ? ORDER BY id DESC LIMIT ?`);
  return {
    db,
    add(c) {
      const info = insert.run(c.tenant, c.tree_size, c.key_id, c.note, c.created_at);
      return { id: Number(info.lastInsertRowid), ...c };
    },
    list(tenant, opts = {}) {
      if (opts.limit === undefined) return all.all(tenant) as CheckpointRecord[];
      return (newest.all(tenant, opts.limit) as CheckpointRecord[]).reverse();
    },
    latest(tenant) {
      return newest.get(tenant, 1) as CheckpointRecord | undefined;
    },
    tenants() {
      return db.prepare('SELECT DISTINCT tenant FROM checkpoints ORDER BY tenant').pluck().all() as string[];
    },
    addKey(key: CheckpointKeyRecord) {
      db.prepare(
        'INSERT OR IGNORE INTO checkpoint_keys (key_id, verifier_key, created_at) VALUES (?, ?, ?)',
      ).run(key.key_id, key.verifier_key, key.created_at);
    },
    keys() {
      return db
        .prepare('SELECT key_id, verifier_key, created_at FROM checkpoint_keys ORDER BY created_at')
        .all() as CheckpointKeyRecord[];
    },
    close() {
      db.close();
    },
  };
}
