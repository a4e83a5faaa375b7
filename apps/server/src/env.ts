import { resolve } from 'node:path';
import { z } from 'zod';

/** The only place the process environment is read. Everything else receives a typed Config. */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  TRAILMARK_DATA_DIR: z.string().default('./data'),
  TRAILMARK_ADMIN_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  TRAILMARK_DEMO: z.enum(['on', 'off']).default('on'),
  TRAILMARK_DEMO_EVENTS: z.coerce.number().int().min(0).default(200_000),
  TRAILMARK_STORAGE: z.enum(['sqlite', 'opensearch']).default('sqlite'),
  TRAILMARK_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  TRAILMARK_BODY_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  TRAILMARK_MAX_INFLIGHT_BODIES: z.coerce.number().int().min(1).default(64),
  TRAILMARK_INGEST_MAX_PENDING_EVENTS: z.coerce.number().int().min(1000).default(100_000),
  TRAILMARK_RETENTION_INTERVAL_MINUTES: z.coerce.number().int().min(0).default(60),
  TRAILMARK_EXPORT_TTL_HOURS: z.coerce.number().int().min(1).default(24),
  TRAILMARK_MAX_EXPORT_STREAMS: z.coerce.number().int().min(1).default(16),
  TRAILMARK_MAX_EXPORT_STREAMS_PER_TENANT: z.coerce.number().int().min(1).default(4),
  TRAILMARK_CHECKPOINT_INTERVAL_MINUTES: z.coerce.number().int().min(0).default(60),
  TRAILMARK_CHECKPOINT_KEY: z.string().optional(),
  TRAILMARK_CHECKPOINT_ORIGIN: z
    .string()
    .regex(/^[^\s+]{1,200}$/, 'no spaces or +')
    .default('trailmark'),
  TRAILMARK_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  TRAILMARK_TRUST_PROXY: z.enum(['on', 'off', 'true', 'false', '1', '0']).default('off'),
  TRAILMARK_SESSION_IDLE_HOURS: z.coerce
    .number()
    .min(1)
    .max(24 * 90)
    .default(12),
  TRAILMARK_SESSION_MAX_HOURS: z.coerce
    .number()
    .min(1)
    .max(24 * 400)
    .default(24 * 7),
  TRAILMARK_INVITE_TTL_HOURS: z.coerce
    .number()
    .min(0.25)
    .max(24 * 30)
    .default(72),
  // Stream destinations: CIDR ranges (comma-separated) or "on" that may be reached although private.
  TRAILMARK_STREAM_ALLOW_PRIVATE: z.string().optional(),
  // Encrypts stream destination credentials: 32 bytes as base64/hex, or a 32+ character passphrase.
  TRAILMARK_SECRET_KEY: z.string().min(32, 'use 32 random bytes (base64 or hex)').optional(),
  // One node URL, or several nodes of one cluster separated by commas (the client fails over between them).
  OPENSEARCH_URL: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().url()).min(1))
    .optional(),
  OPENSEARCH_USERNAME: z.string().optional(),
  OPENSEARCH_PASSWORD: z.string().optional(),
  OPENSEARCH_TLS_REJECT_UNAUTHORIZED: z.enum(['true', 'false']).default('true'),
  OPENSEARCH_CA_FILE: z.string().optional(),
  OPENSEARCH_INDEX_PREFIX: z.string().default('trailmark'),
  // ISM backstop policies: require (default) stops start-up without the Index Management plugin, auto
  // warns and relies on the retention purge, off never touches ISM.
  OPENSEARCH_ISM: z.enum(['require', 'auto', 'off']).default('require'),
  // How soon an event becomes searchable (the event indices' refresh_interval, default 1s). An ingest
  // request is answered once its events are searchable, so this also bounds its latency.
  OPENSEARCH_REFRESH_INTERVAL: z
    .string()
    .regex(/^([1-9][0-9]*(ms|s))?$/, 'a duration such as 500ms or 1s')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Sessions, cookies and one-time links (see README "People, roles and sessions"). */
export interface AccountsConfig {
  /** The origin browsers use (scheme://host[:port]); CSRF checks compare Origin with it. */
  publicUrl?: string;
  /** Believe X-Forwarded-Proto / X-Forwarded-For (only behind a proxy that sets them). */
  trustProxy: boolean;
  sessionIdleMs: number;
  sessionMaxMs: number;
  inviteTtlMs: number;
}

export const DEFAULT_ACCOUNTS: AccountsConfig = {
  trustProxy: false,
  sessionIdleMs: 12 * 3600_000,
  sessionMaxMs: 7 * 24 * 3600_000,
  inviteTtlMs: 72 * 3600_000,
};

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  adminToken?: string;
  /** True when no admin token was configured and one was generated for this run. */
  adminTokenGenerated: boolean;
  demo: boolean;
  demoEvents: number;
  storage: 'sqlite' | 'opensearch';
  bodyLimitBytes: number;
  /** Time a request body may take to arrive before a 408. */
  bodyTimeoutMs: number;
  /** Request bodies received at once before a 503. */
  maxInflightBodies: number;
  /** Events accepted but not yet committed before ingest answers 503 OVERLOADED. */
  maxPendingEvents: number;
  retentionIntervalMinutes: number;
  exportTtlHours: number;
  /** Streamed exports at once, overall and per tenant. */
  exportStreams: { total: number; perTenant: number };
  /** Evidence log checkpoints: how often each tenant's log is signed (0 = only on demand), the key, the origin. */
  checkpoints: { intervalMinutes: number; key?: string; origin: string };
  accounts: AccountsConfig;
  opensearch?: {
    /** One or more nodes of one cluster. */
    urls: string[];
    username?: string;
    password?: string;
    rejectUnauthorized: boolean;
    caFile?: string;
    indexPrefix: string;
    ism: 'require' | 'auto' | 'off';
    refreshInterval?: string;
  };
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  /** Streaming (see README "Streaming"). */
  streams?: StreamsConfig;
}

export interface StreamsConfig {
  /** Raw TRAILMARK_STREAM_ALLOW_PRIVATE: `on`, or CIDR ranges; unset allows no private address. */
  allowPrivate?: string;
  /** TRAILMARK_SECRET_KEY; unset: a generated key kept in the data directory. */
  secretKey?: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Compose passes `${NAME:-}` as an empty string: an empty setting means "not set", not "set to ''".
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(given);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.TRAILMARK_STORAGE === 'opensearch' && !e.OPENSEARCH_URL) {
    throw new Error('invalid environment:\n  OPENSEARCH_URL: required when TRAILMARK_STORAGE=opensearch');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.TRAILMARK_DATA_DIR),
    ...(e.TRAILMARK_ADMIN_TOKEN ? { adminToken: e.TRAILMARK_ADMIN_TOKEN } : {}),
    adminTokenGenerated: false,
    demo: e.TRAILMARK_DEMO === 'on',
    demoEvents: e.TRAILMARK_DEMO_EVENTS,
    storage: e.TRAILMARK_STORAGE,
    bodyLimitBytes: e.TRAILMARK_BODY_LIMIT_BYTES,
    bodyTimeoutMs: e.TRAILMARK_BODY_TIMEOUT_MS,
    maxInflightBodies: e.TRAILMARK_MAX_INFLIGHT_BODIES,
    maxPendingEvents: e.TRAILMARK_INGEST_MAX_PENDING_EVENTS,
    retentionIntervalMinutes: e.TRAILMARK_RETENTION_INTERVAL_MINUTES,
    exportTtlHours: e.TRAILMARK_EXPORT_TTL_HOURS,
    exportStreams: {
      total: e.TRAILMARK_MAX_EXPORT_STREAMS,
      perTenant: e.TRAILMARK_MAX_EXPORT_STREAMS_PER_TENANT,
    },
    checkpoints: {
      intervalMinutes: e.TRAILMARK_CHECKPOINT_INTERVAL_MINUTES,
      ...(e.TRAILMARK_CHECKPOINT_KEY ? { key: e.TRAILMARK_CHECKPOINT_KEY } : {}),
      origin: e.TRAILMARK_CHECKPOINT_ORIGIN,
    },
    accounts: {
      ...(e.TRAILMARK_PUBLIC_URL ? { publicUrl: new URL(e.TRAILMARK_PUBLIC_URL).origin } : {}),
      trustProxy: ['on', 'true', '1'].includes(e.TRAILMARK_TRUST_PROXY),
      sessionIdleMs: e.TRAILMARK_SESSION_IDLE_HOURS * 3600_000,
      sessionMaxMs: e.TRAILMARK_SESSION_MAX_HOURS * 3600_000,
      inviteTtlMs: e.TRAILMARK_INVITE_TTL_HOURS * 3600_000,
    },
    ...(e.OPENSEARCH_URL
      ? {
          opensearch: {
            urls: e.OPENSEARCH_URL,
            ...(e.OPENSEARCH_USERNAME ? { username: e.OPENSEARCH_USERNAME } : {}),
            ...(e.OPENSEARCH_PASSWORD ? { password: e.OPENSEARCH_PASSWORD } : {}),
            rejectUnauthorized: e.OPENSEARCH_TLS_REJECT_UNAUTHORIZED === 'true',
            ...(e.OPENSEARCH_CA_FILE ? { caFile: e.OPENSEARCH_CA_FILE } : {}),
            indexPrefix: e.OPENSEARCH_INDEX_PREFIX,
            ism: e.OPENSEARCH_ISM,
            ...(e.OPENSEARCH_REFRESH_INTERVAL ? { refreshInterval: e.OPENSEARCH_REFRESH_INTERVAL } : {}),
          },
        }
      : {}),
    logLevel: e.LOG_LEVEL,
    streams: {
      ...(e.TRAILMARK_STREAM_ALLOW_PRIVATE ? { allowPrivate: e.TRAILMARK_STREAM_ALLOW_PRIVATE } : {}),
      ...(e.TRAILMARK_SECRET_KEY ? { secretKey: e.TRAILMARK_SECRET_KEY } : {}),
    },
  };
}
