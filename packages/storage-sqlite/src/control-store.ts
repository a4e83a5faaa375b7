import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type ApiKeyRecord,
  type ControlStore,
  ErrorCode,
  type ExportJobRecord,
  type LinkRecord,
  type RetentionRunRecord,
  type Role,
  type Scope,
  type SessionRecord,
  type TenantSettings,
  TrailmarkError,
  type UserRecord,
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
  created_by: string | null;
}

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: string;
  tenant: string | null;
  password_hash: string | null;
  created_at: string;
  updated_at: string;
}

function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role as Role,
    ...(row.tenant ? { tenant: row.tenant } : {}),
    ...(row.password_hash ? { password_hash: row.password_hash } : {}),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

interface SessionRow {
  id: string;
  user_id: string;
  secret_hash: string;
  created_at: string;
  last_verified_at: string;
  expires_at: string;
  user_agent: string | null;
  ip: string | null;
}

function toSession(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    user_id: row.user_id,
    secret_hash: row.secret_hash,
    created_at: row.created_at,
    last_verified_at: row.last_verified_at,
    expires_at: row.expires_at,
    ...(row.user_agent ? { user_agent: row.user_agent } : {}),
    ...(row.ip ? { ip: row.ip } : {}),
  };
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
    ...(row.created_by ? { created_by: row.created_by } : {}),
    ...(row.revoked_at ? { revoked_at: row.revoked_at } : {}),
    ...(row.last_used_at ? { last_used_at: row.last_used_at } : {}),
  };
}

/** API keys, export jobs, retention runs, tenant settings, users, sessions and one-time links in SQLite (may share the events file). */
export function createSqliteControlStore(options: { path: string }): ControlStore {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  migrate(db, CONTROL_MIGRATIONS);
  const markLink = (id: string, field: 'used_at' | 'revoked_at', at: string): boolean => {
    const row = db.prepare('SELECT doc FROM links WHERE id = ?').get(id) as { doc: string } | undefined;
    if (!row) return false;
    const link = JSON.parse(row.doc) as LinkRecord;
    if (link.used_at || link.revoked_at) return false;
    db.prepare('UPDATE links SET doc = ? WHERE id = ?').run(JSON.stringify({ ...link, [field]: at }), id);
    return true;
  };
  return {
    createApiKey(r) {
      db.prepare(
        `INSERT INTO api_keys (id, tenant, name, scopes, source, prefix, hash, created_at, created_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        r.id,
        r.tenant,
        r.name,
        JSON.stringify(r.scopes),
        r.source ?? null,
        r.prefix,
        r.hash,
        r.created_at,
        r.created_by ?? null,
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
    createUser(u) {
      try {
        db.prepare(
          `INSERT INTO users (id, email, email_lower, name, role, tenant, password_hash, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          u.id,
          u.email,
          u.email.toLowerCase(),
          u.name,
          u.role,
          u.tenant ?? null,
          u.password_hash ?? null,
          u.created_at,
          u.updated_at,
        );
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
          throw new TrailmarkError(ErrorCode.CONFLICT, 'a user with this email already exists', [
            { path: 'email', message: 'taken' },
          ]);
        }
        throw error;
      }
    },
    getUser(id) {
      const row = db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
      return row ? toUser(row) : undefined;
    },
    findUserByEmail(email) {
      const row = db.prepare('SELECT * FROM users WHERE email_lower = ?').get(email.toLowerCase()) as
        | UserRow
        | undefined;
      return row ? toUser(row) : undefined;
    },
    listUsers(tenant) {
      const rows = (
        tenant
          ? db.prepare('SELECT * FROM users WHERE tenant = ? ORDER BY created_at, id').all(tenant)
          : db.prepare('SELECT * FROM users ORDER BY tenant, created_at, id').all()
      ) as UserRow[];
      return rows.map(toUser);
    },
    countUsers(filter = {}) {
      const row = db
        .prepare(
          `SELECT count(*) AS n FROM users
           WHERE (@tenant IS NULL OR tenant = @tenant) AND (@role IS NULL OR role = @role)`,
        )
        .get({ tenant: filter.tenant ?? null, role: filter.role ?? null }) as { n: number };
      return row.n;
    },
    updateUser(id, patch, at) {
      const current = db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
      if (!current) return false;
      db.prepare('UPDATE users SET name = ?, role = ?, password_hash = ?, updated_at = ? WHERE id = ?').run(
        patch.name ?? current.name,
        patch.role ?? current.role,
        patch.password_hash ?? current.password_hash,
        at,
        id,
      );
      return true;
    },
    deleteUser(id) {
      return db.transaction(() => {
        db.prepare('DELETE FROM sessions WHERE user_id = ?').run(id);
        return db.prepare('DELETE FROM users WHERE id = ?').run(id).changes > 0;
      })();
    },
    createSession(s) {
      db.prepare(
        `INSERT INTO sessions (id, user_id, secret_hash, created_at, last_verified_at, expires_at, user_agent, ip)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        s.id,
        s.user_id,
        s.secret_hash,
        s.created_at,
        s.last_verified_at,
        s.expires_at,
        s.user_agent ?? null,
        s.ip ?? null,
      );
    },
    getSession(id) {
      const row = db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRow | undefined;
      return row ? toSession(row) : undefined;
    },
    listSessions(userId) {
      const rows = db
        .prepare('SELECT * FROM sessions WHERE user_id = ? ORDER BY last_verified_at DESC')
        .all(userId) as SessionRow[];
      return rows.map(toSession);
    },
    touchSession(id, patch) {
      db.prepare(
        `UPDATE sessions SET last_verified_at = ?, ip = coalesce(?, ip), user_agent = coalesce(?, user_agent)
         WHERE id = ?`,
      ).run(patch.last_verified_at, patch.ip ?? null, patch.user_agent ?? null, id);
    },
    deleteSession(id) {
      return db.prepare('DELETE FROM sessions WHERE id = ?').run(id).changes > 0;
    },
    deleteUserSessions(userId, keep) {
      return db.prepare('DELETE FROM sessions WHERE user_id = ? AND id IS NOT ?').run(userId, keep ?? null)
        .changes;
    },
    deleteExpiredSessions(now, idleBefore) {
      return db
        .prepare('DELETE FROM sessions WHERE expires_at <= ? OR last_verified_at < ?')
        .run(now, idleBefore).changes;
    },
    createLink(link) {
      db.prepare('INSERT INTO links (id, kind, tenant, created_at, doc) VALUES (?, ?, ?, ?, ?)').run(
        link.id,
        link.kind,
        link.tenant ?? null,
        link.created_at,
        JSON.stringify(link),
      );
    },
    getLink(id) {
      const row = db.prepare('SELECT doc FROM links WHERE id = ?').get(id) as { doc: string } | undefined;
      return row ? (JSON.parse(row.doc) as LinkRecord) : undefined;
    },
    listLinks(filter) {
      const rows = db
        .prepare(
          'SELECT doc FROM links WHERE kind = @kind AND (@tenant IS NULL OR tenant = @tenant) ORDER BY created_at DESC',
        )
        .all({ kind: filter.kind, tenant: filter.tenant ?? null }) as { doc: string }[];
      return rows.map((r) => JSON.parse(r.doc) as LinkRecord);
    },
    useLink(id, at) {
      // One transaction: of two requests with the same link, exactly one marks it used.
      return db.transaction(() => markLink(id, 'used_at', at))();
    },
    revokeLink(id, at) {
      return db.transaction(() => markLink(id, 'revoked_at', at))();
    },
    close() {
      db.close();
    },
  };
}
