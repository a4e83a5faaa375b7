import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type {
  ApiKeyRecord,
  ControlStore,
  ExportJobRecord,
  RetentionRunRecord,
  Scope,
  TenantSettings,
} from '@trailmark/core';
import Database from 'better-sqlite3';
import { CONTROL_MIGRATIONS, migrate } from './migrations.ts';

interface ApiKeyRow {
  id: string;
  tenant: string;
  name: string;
  scopes: string;
  source: string | null;
  prefix: string;
  hash: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

function toApiKey(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    name: row.name,
    scopes: JSON.parse(row.scopes) as Scope[],
    prefix: row.prefix,
    hash: row.hash,
    created_at: row.created_at,
    ...(row.source ? { source: row.source } : {}),
    ...(row.revoked_at ? { revoked_at: row.revoked_at } : {}),
    ...(row.last_used_at ? { last_used_at: row.last_used_at } : {}),
  };
}

/** API keys, export jobs, retention runs and tenant settings in SQLite (may share the events file). */
export function createSqliteControlStore(options: { path: string }): ControlStore {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  migrate(db, CONTROL_MIGRATIONS);
  return {
    createApiKey(r) {
      db.prepare(
        `INSERT INTO api_keys (id, tenant, name, scopes, source, prefix, hash, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        r.id,
        r.tenant,
        r.name,
        JSON.stringify(r.scopes),
        r.source ?? null,
        r.prefix,
        r.hash,
        r.created_at,
      );
    },
    findApiKeyByHash(hash) {
      const row = db.prepare('SELECT * FROM api_keys WHERE hash = ?').get(hash) as ApiKeyRow | undefined;
      return row ? toApiKey(row) : undefined;
    },
    getApiKey(id) {
      const row = db.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as ApiKeyRow | undefined;
      return row ? toApiKey(row) : undefined;
    },
    listApiKeys(tenant) {
      const rows = (
        tenant
          ? db.prepare('SELECT * FROM api_keys WHERE tenant = ? ORDER BY created_at').all(tenant)
          : db.prepare('SELECT * FROM api_keys ORDER BY tenant, created_at').all()
      ) as ApiKeyRow[];
      return rows.map(toApiKey);
    },
    revokeApiKey(id, at) {
      return (
        db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id)
          .changes > 0
      );
    },
    touchApiKey(id, at) {
      db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(at, id);
    },
    saveExportJob(job: ExportJobRecord) {
      db.prepare(
        `INSERT INTO export_jobs (id, tenant, created_at, doc) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`,
      ).run(job.id, job.tenant ?? null, job.created_at, JSON.stringify(job));
    },
    getExportJob(id) {
      const row = db.prepare('SELECT doc FROM export_jobs WHERE id = ?').get(id) as
        | { doc: string }
        | undefined;
      return row ? (JSON.parse(row.doc) as ExportJobRecord) : undefined;
    },
    listExportJobs(tenant, limit = 100) {
      const rows = (
        tenant
          ? db
              .prepare('SELECT doc FROM export_jobs WHERE tenant = ? ORDER BY created_at DESC LIMIT ?')
              .all(tenant, limit)
          : db.prepare('SELECT doc FROM export_jobs ORDER BY created_at DESC LIMIT ?').all(limit)
      ) as { doc: string }[];
      return rows.map((r) => JSON.parse(r.doc) as ExportJobRecord);
    },
    deleteExportJob(id) {
      db.prepare('DELETE FROM export_jobs WHERE id = ?').run(id);
    },
    recordRetentionRun(run: RetentionRunRecord) {
      db.prepare('INSERT INTO retention_runs (id, started_at, doc) VALUES (?, ?, ?)').run(
        run.id,
        run.started_at,
        JSON.stringify(run),
      );
    },
    listRetentionRuns(limit) {
      const rows = db
        .prepare('SELECT doc FROM retention_runs ORDER BY started_at DESC LIMIT ?')
        .all(limit) as {
        doc: string;
      }[];
      return rows.map((r) => JSON.parse(r.doc) as RetentionRunRecord);
    },
    getTenantSettings(tenant) {
      const row = db.prepare('SELECT doc FROM tenant_settings WHERE tenant = ?').get(tenant) as
        | { doc: string }
        | undefined;
      return row ? (JSON.parse(row.doc) as TenantSettings) : {};
    },
    setTenantSettings(tenant, settings) {
      db.prepare(
        'INSERT INTO tenant_settings (tenant, doc) VALUES (?, ?) ON CONFLICT (tenant) DO UPDATE SET doc = excluded.doc',
      ).run(tenant, JSON.stringify(settings));
    },
    close() {
      db.close();
    },
  };
}
