/** The public HTTP API, as the UI uses it. Every call goes through `api`, which knows how we sign in. */

export interface Target {
  type: string;
  id?: string;
  name?: string;
  path?: string;
  previous_path?: string;
  size_bytes?: number;
  mime_type?: string;
  region?: string;
  role?: string;
  attributes?: Record<string, unknown>;
}

export interface AuditEvent {
  id: string;
  tenant: string;
  source: string;
  action: string;
  source_action?: string;
  category?: string;
  occurred_at: string;
  received_at: string;
  actor: {
    type: string;
    id: string;
    name?: string;
    email?: string;
    credential?: { type: string; id?: string; name?: string };
  };
  targets: Target[];
  outcome: { result: string; reason?: string; message?: string; status_code?: number };
  workspace?: { id: string; name?: string };
  client?: {
    ip?: string;
    user_agent?: string;
    geo?: { country_code?: string; country?: string; region?: string; city?: string };
    device?: { kind: string; name?: string };
  };
  request?: {
    id?: string;
    method?: string;
    endpoint?: string;
    api_operation?: string;
    status?: number;
    region?: string;
    request_body?: unknown;
    response_body?: unknown;
    redacted_paths?: string[];
  };
  changes?: { field: string; before?: unknown; after?: unknown; redacted?: boolean }[];
  metadata?: Record<string, unknown>;
  /** Pointers of values masked outside `request`, e.g. `/metadata/api_token`. */
  redacted_paths?: string[];
}

export interface EventPage {
  data: AuditEvent[];
  next_cursor: string | null;
}

/** One asset an asset history found (GET /v1/history `assets`). */
export interface HistoryAsset {
  key: string;
  target?: { target_type: string; target_id: string };
  paths: { path: string; from: string }[];
  path?: string;
  deleted: boolean;
  first_at: string;
  last_at: string;
  event_count: number;
}

export interface HistoryPage extends EventPage {
  assets: HistoryAsset[];
  truncated: boolean;
}

export interface CatalogAction {
  action: string;
  source_action?: string;
  label: string;
  description?: string;
  category: string;
}

export interface Catalog {
  sources: {
    id: string;
    name: string;
    description?: string;
    retention?: { days?: number; months?: number };
    actions: CatalogAction[];
    fields?: { name: string; label: string; type: 'keyword' | 'number' | 'boolean' | 'date' }[];
  }[];
  /** Every qualifier of the search box's query language and the filter it stands for. */
  query_qualifiers: { qualifier: string; filter: string }[];
  export_formats: { id: string; name: string }[];
}

export interface FacetBucket {
  value: string;
  label?: string;
  count: number;
}

export type Role = 'owner' | 'admin' | 'auditor' | 'viewer' | 'operator';

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  tenant: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'trailmark.token';

/** An API token typed on the sign-in page lives for this tab only; password sign-in uses the session cookie. */
export const auth = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  setToken(token: string | null) {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** Listeners told when the server says the session is gone, so the app can return to sign-in. */
const unauthenticated = new Set<() => void>();
export function onUnauthenticated(fn: () => void): () => void {
  unauthenticated.add(fn);
  return () => unauthenticated.delete(fn);
}

export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = auth.token();
  if (token) headers.set('Authorization', `Bearer ${token}`);
  if (init.body && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  const res = await fetch(path, { ...init, headers, credentials: 'same-origin' });
  if (!res.ok) {
    let code = 'HTTP_ERROR';
    let message = `${init.method ?? 'GET'} ${path.split('?')[0]} failed with HTTP ${res.status}`;
    let details: { path: string; message: string }[] = [];
    try {
      const body = (await res.json()) as {
        error?: { code: string; message: string; details?: { path: string; message: string }[] };
      };
      if (body.error) {
        code = body.error.code;
        message = body.error.message;
        details = body.error.details ?? [];
      }
    } catch {
      // Not JSON: keep the generic message.
    }
    if (res.status === 401 && !path.startsWith('/v1/auth/')) for (const fn of unauthenticated) fn();
    throw new ApiError(res.status, code, message, details);
  }
  return res;
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await request(path, init);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** Who is signed in: the session's user, or for an API token a stand-in the token's scopes decide. */
export async function whoAmI(): Promise<User> {
  try {
    const me = await api<{ user: User }>('/v1/auth/me');
    return me.user;
  } catch (err) {
    // /v1/auth/me answers only sessions (401 for a bearer token, 404 on servers without accounts): with an
    // API token, prove it with the catalog instead.
    if (err instanceof ApiError && (err.status === 404 || err.status === 401) && auth.token()) {
      await api('/v1/catalog');
      return { id: 'token', email: '', name: 'API token', role: 'operator', tenant: null };
    }
    throw err;
  }
}

export function download(blob: Blob, fileName: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Settings: what GET /v1/users, /v1/users/invitations, /v1/admin/api-keys and /v1/auth/sessions return. */
export interface Member extends User {
  created_at: string;
}

export interface Invitation {
  id: string;
  email?: string;
  role?: Role;
  tenant: string | null;
  created_by: string;
  created_at: string;
  expires_at: string;
  status: 'pending' | 'used' | 'revoked' | 'expired';
}

export interface ApiKey {
  id: string;
  tenant: string;
  name: string;
  scopes: string[];
  source?: string;
  created_by?: string;
  prefix: string;
  created_at: string;
  revoked_at?: string;
  last_used_at?: string;
}

export interface SessionInfo {
  id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip?: string;
  user_agent?: string;
  current?: boolean;
}

export interface ExportJob {
  id: string;
  status: 'queued' | 'running' | 'completed' | 'failed' | 'expired';
  format: string;
  filters: Record<string, unknown>;
  rows_written: number;
  rows_estimate: number;
  progress: number;
  bytes: number;
  file_name: string;
  created_by: string;
  error?: string;
  created_at: string;
  completed_at?: string;
  expires_at: string;
  download_url: string;
}

/** An error as one readable line: the server's message and each field it names. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError)
    return [err.message, ...err.details.map((d) => `${d.path}: ${d.message}`)].join(' — ');
  return err instanceof Error ? err.message : String(err);
}
