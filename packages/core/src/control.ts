/**
 * Control data: API keys, export jobs, retention runs and tenant settings. Small, transactional and
 * always kept on the Trailmark server (SQLite) whichever store holds the events.
 */
export const SCOPES = ['ingest', 'read', 'export', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKeyRecord {
  id: string;
  tenant: string;
  name: string;
  scopes: Scope[];
  source?: string;
  /** The user who created the key (unset for keys made with the operator token or the CLI). */
  created_by?: string;
  /** First characters of the key, shown in listings so people can tell keys apart. */
  prefix: string;
  /** SHA-256 of the full key, hex. The key itself is shown once and never stored. */
  hash: string;
  created_at: string;
  revoked_at?: string;
  last_used_at?: string;
}

export type ExportJobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'expired';

export interface ExportJobRecord {
  id: string;
  tenant?: string;
  created_by: string;
  format: string;
  filters: Record<string, string[]>;
  status: ExportJobStatus;
  rows_written: number;
  rows_estimate: number;
  bytes: number;
  /** When a tenant row cap applied: the cap, and whether the result hit it. */
  row_limit?: number;
  truncated?: boolean;
  /** Rows per tenant in the finished file: a download is audited in each of these tenants. */
  rows_by_tenant?: Record<string, number>;
  file_path?: string;
  file_name: string;
  error?: string;
  created_at: string;
  updated_at: string;
  completed_at?: string;
  expires_at: string;
}

export interface RetentionRunRecord {
  id: string;
  started_at: string;
  finished_at: string;
  deleted: number;
  tasks: { tenant: string; source: string; before: string; retention: string; deleted: number }[];
}

export interface TenantSettings {
  /** Maximum rows one export may contain; unset means unlimited. */
  max_export_rows?: number;
}

export interface ControlStore extends UserStore {
  createApiKey(record: ApiKeyRecord): void;
  findApiKeyByHash(hash: string): ApiKeyRecord | undefined;
  getApiKey(id: string): ApiKeyRecord | undefined;
  listApiKeys(tenant?: string): ApiKeyRecord[];
  revokeApiKey(id: string, at: string): boolean;
  touchApiKey(id: string, at: string): void;
  saveExportJob(job: ExportJobRecord): void;
  getExportJob(id: string): ExportJobRecord | undefined;
  listExportJobs(tenant?: string, limit?: number): ExportJobRecord[];
  deleteExportJob(id: string): void;
  recordRetentionRun(run: RetentionRunRecord): void;
  listRetentionRuns(limit: number): RetentionRunRecord[];
  getTenantSettings(tenant: string): TenantSettings;
  setTenantSettings(tenant: string, settings: TenantSettings): void;
  close(): void;
}

/**
 * People. `operator` works across all tenants (tenant unset); every other role belongs to one tenant.
 * What each role may do is decided in one place on the server (`ROLE_SCOPES` and the route checks).
 */
export const ROLES = ['owner', 'admin', 'auditor', 'viewer', 'operator'] as const;
export type Role = (typeof ROLES)[number];
export const TENANT_ROLES = ['owner', 'admin', 'auditor', 'viewer'] as const satisfies readonly Role[];

export interface UserRecord {
  id: string;
  /** As typed at creation; uniqueness is case-insensitive (the store compares lower case). */
  email: string;
  name: string;
  role: Role;
  /** Unset for operators. */
  tenant?: string;
  /** PHC string (argon2id); unset until the person chooses a password through a one-time link. */
  password_hash?: string;
  created_at: string;
  updated_at: string;
}

/** A browser session (Lucia's current guide): the token is `<id>.<secret>`, only SHA-256(secret) is kept. */
export interface SessionRecord {
  id: string;
  user_id: string;
  /** SHA-256 of the secret half of the token, hex. */
  secret_hash: string;
  created_at: string;
  /** Bumped at most hourly; the inactivity timeout counts from here. */
  last_verified_at: string;
  /** Absolute end, whatever the activity. */
  expires_at: string;
  user_agent?: string;
  ip?: string;
}

/**
 * One-time links: the first-owner setup link, invitations and password resets share one shape.
 * The link carries `<id>.<secret>`; only SHA-256(secret) is stored.
 */
export type LinkKind = 'setup' | 'invitation' | 'password_reset';
export interface LinkRecord {
  id: string;
  kind: LinkKind;
  secret_hash: string;
  /** Invitations: the tenant and role offered; setup: unset (the first person chooses). */
  tenant?: string;
  role?: Role;
  email?: string;
  /** Password resets: whose password. */
  user_id?: string;
  /** User id, `operator` or `cli`. */
  created_by: string;
  created_at: string;
  expires_at: string;
  used_at?: string;
  revoked_at?: string;
}

export interface UserStore {
  /** Throws a CONFLICT TrailmarkError when the email (case-insensitive) is taken. */
  createUser(user: UserRecord): void;
  getUser(id: string): UserRecord | undefined;
  findUserByEmail(email: string): UserRecord | undefined;
  listUsers(tenant?: string): UserRecord[];
  countUsers(filter?: { tenant?: string; role?: Role }): number;
  updateUser(
    id: string,
    patch: Partial<Pick<UserRecord, 'name' | 'role' | 'password_hash'>>,
    at: string,
  ): boolean;
  deleteUser(id: string): boolean;
  createSession(session: SessionRecord): void;
  getSession(id: string): SessionRecord | undefined;
  listSessions(userId: string): SessionRecord[];
  touchSession(id: string, patch: { last_verified_at: string; ip?: string; user_agent?: string }): void;
  deleteSession(id: string): boolean;
  /** Ends every session of a user except `keep`; returns how many ended. */
  deleteUserSessions(userId: string, keep?: string): number;
  /** Drops sessions past their absolute end or idle since before `idleBefore`. */
  deleteExpiredSessions(now: string, idleBefore: string): number;
  createLink(link: LinkRecord): void;
  getLink(id: string): LinkRecord | undefined;
  listLinks(filter: { kind: LinkKind; tenant?: string }): LinkRecord[];
  /** Marks a link used if it is still unused and unrevoked; false when someone was first. */
  useLink(id: string, at: string): boolean;
  revokeLink(id: string, at: string): boolean;
}
