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

export interface ControlStore {
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
