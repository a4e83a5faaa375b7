import { z } from 'zod';
import type { DeclaredError, ErrorDetail } from './errors.ts';
import type { AuditEvent } from './schema.ts';
import { OUTCOME_RESULTS } from './schema.ts';

/**
 * Stream plugins: how events leave Trailmark for a SIEM, a chat or a monitoring tool. A plugin is pure:
 * it validates a destination's settings and turns a batch of events into the request(s) to send. The
 * server owns everything with I/O and state (the outbox, the queue per destination, retries, SSRF-safe
 * sockets), so every kind gets the same delivery guarantees.
 */

/** One delivery message: a batch of events for one destination, identified once and kept across retries. */
export interface StreamBatch {
  /** Stable across attempts of this message (the `webhook-id`): receivers de-duplicate on it. */
  messageId: string;
  /** Monotonically increasing per destination: receivers order and detect gaps with it. */
  sequence: number;
  events: readonly AuditEvent[];
}

/** What the server tells an encoder besides the batch: time of this attempt and links back to Trailmark. */
export interface StreamEncodeContext {
  /** This attempt's time (signatures and syslog headers carry it); injected so encoding is deterministic. */
  now: Date;
  /** Absolute URL of the event in the admin UI, when a public URL is known. */
  eventUrl?: (event: AuditEvent) => string | undefined;
  /** Human label of an action, from the registry. */
  actionLabel?: (source: string, action: string) => string | undefined;
  /** Name of this Trailmark instance as it appears to receivers (syslog HOSTNAME, Splunk host). */
  host: string;
}

export interface HttpStreamRequest {
  transport: 'http';
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
  /** HTTPS only: verify the receiver's certificate against this PEM bundle instead of the system CAs. */
  ca?: string;
}

/** Bytes to write on one TCP (or TLS) connection; each message already framed (RFC 6587 octet counting). */
export interface SocketStreamRequest {
  transport: 'socket';
  host: string;
  port: number;
  tls: boolean;
  /** TLS only: verify the receiver's certificate against this PEM bundle instead of the system CAs. */
  ca?: string;
  data: string;
}

export type StreamRequest = HttpStreamRequest | SocketStreamRequest;

/**
 * Where a destination sends to, for SSRF checks before any socket opens and for display; `field` is
 * the input path that holds it (errors point there).
 */
export type StreamEndpoint =
  | { kind: 'url'; url: string; field: string }
  | { kind: 'socket'; host: string; port: number; tls: boolean; field: string };

export interface StreamPluginDefinition<Config = unknown, Secrets = unknown> {
  /** The destination `kind` ("webhook", "slack", ...). Lower case, digits and dashes. */
  id: string;
  name: string;
  description: string;
  /** Settings shown back in full (URL, host, sourcetype, ...). */
  configSchema: z.ZodType<Config>;
  /** Credentials: encrypted at rest, never returned in full. Omitted when the kind has none. */
  secretsSchema?: z.ZodType<Secrets>;
  /** Largest number of events one message carries. */
  maxBatch: number;
  /** Least time between two messages to one destination (Slack allows about one per second). */
  minIntervalMs?: number;
  /** Where messages go (Slack's URL is itself a secret, so secrets are passed too). */
  endpoint(config: Config, secrets: Secrets): StreamEndpoint;
  /** Pure: same batch, config, secrets and context, same request. */
  encode(batch: StreamBatch, config: Config, secrets: Secrets, context: StreamEncodeContext): StreamRequest;
  /** Secrets as listings show them: enough to tell two apart, never enough to use. */
  maskSecrets?(secrets: Secrets): Record<string, unknown>;
  /**
   * Fills in secrets an admin did not send (a webhook signing secret), from injected random bytes so
   * the plugin stays pure.
   */
  completeSecrets?(secrets: Partial<Secrets> | undefined, randomBytes: (n: number) => Uint8Array): Secrets;
  /** The plugin's own error codes (see DeclaredError). */
  errors?: readonly DeclaredError[];
}

export interface StreamPlugin<Config = unknown, Secrets = unknown>
  extends StreamPluginDefinition<Config, Secrets> {
  readonly kind: 'stream';
}

export function defineStreamPlugin<Config, Secrets = undefined>(
  definition: StreamPluginDefinition<Config, Secrets>,
): StreamPlugin<Config, Secrets> {
  return { kind: 'stream', ...definition };
}

/**
 * A stream plugin with its config types erased, so different kinds fit one list (methods are declared
 * as methods, so a typed plugin is assignable). Callers pass what the plugin's schemas have parsed.
 */
export type AnyStreamPlugin = StreamPlugin<unknown, unknown>;

/** Shows the last four characters of a secret, the rest as dots. */
export function maskSecret(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value.length <= 8 ? '••••' : `••••${value.slice(-4)}`;
}

/**
 * Which events a destination receives: the search model's list filters (any value of a list matches,
 * different fields combine with AND). Free text is not offered: a stream filter is evaluated per event.
 */
const streamFilterObject = z.strictObject({
  source: z.array(z.string().min(1).max(64)).max(50).optional(),
  action: z.array(z.string().min(1).max(128)).max(200).optional(),
  result: z.array(z.enum(OUTCOME_RESULTS)).max(4).optional(),
  workspace: z.array(z.string().min(1).max(256)).max(200).optional(),
});
export const streamFilterSchema = streamFilterObject.default({});
export type StreamFilter = z.infer<typeof streamFilterSchema>;

export function streamFilterMatches(filter: StreamFilter, event: AuditEvent): boolean {
  if (filter.source && !filter.source.includes(event.source)) return false;
  if (filter.action && !filter.action.includes(event.action)) return false;
  if (filter.result && !filter.result.includes(event.outcome.result)) return false;
  if (filter.workspace && !filter.workspace.includes(event.workspace?.id ?? '')) return false;
  return true;
}

export const DESTINATION_NAME_MAX = 128;

/** What an admin sends to create a destination; `config` and `secrets` are checked by the kind's plugin. */
export const destinationInputSchema = z.strictObject({
  name: z.string().min(1).max(DESTINATION_NAME_MAX),
  kind: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/),
  config: z.record(z.string(), z.unknown()),
  secrets: z.record(z.string(), z.unknown()).optional(),
  filter: streamFilterSchema,
  enabled: z.boolean().default(true),
  /** Also receive each signed checkpoint of the tenant's evidence log, so a copy lives off this machine. */
  checkpoints: z.boolean().default(false),
});
export type DestinationInput = z.infer<typeof destinationInputSchema>;

export const destinationPatchSchema = z.strictObject({
  name: z.string().min(1).max(DESTINATION_NAME_MAX).optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  secrets: z.record(z.string(), z.unknown()).optional(),
  // Without the create schema's default: a patch that leaves the filter out keeps it (zod applies an
  // inner default even under optional(), which turned "pause" into "pause and receive every event").
  filter: streamFilterObject.optional(),
  enabled: z.boolean().optional(),
  checkpoints: z.boolean().optional(),
});
export type DestinationPatch = z.infer<typeof destinationPatchSchema>;

/** Zod issues as the error details every API answers with (field path + message). */
export function zodDetails(error: z.ZodError, prefix = ''): ErrorDetail[] {
  return error.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter(Boolean).join('.'),
    message: i.message,
  }));
}

/* ------------------------------------------------------------------------------------------------ */
/* Retry policy: pure, so the schedule is tested without sockets or a real clock.                    */
/* ------------------------------------------------------------------------------------------------ */

/**
 * Caps of the delay before each retry, after the first attempt (which is immediate): the Standard
 * Webhooks / Svix schedule. The wait is drawn with "full jitter" (uniform in [0, cap], AWS Architecture
 * Blog) so failing destinations do not retry in lockstep; past the list the last cap repeats, and a
 * message is given up only once RETRY_WINDOW_MS has passed since its first attempt, so retries always
 * span more than 24 hours whatever the draws.
 */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3600_000,
  5 * 3600_000,
  10 * 3600_000,
];

/** How long a message is retried from its first attempt before it is dead-lettered. */
export const RETRY_WINDOW_MS = 28 * 3600_000;

/** Shortest wait between attempts, so a zero draw does not hammer a receiver. */
export const RETRY_MIN_DELAY_MS = 1_000;

/** Most a receiver's `Retry-After` may push the next attempt out (it cannot park a destination for days). */
export const RETRY_AFTER_MAX_MS = 6 * 3600_000;

export type DeliveryOutcome =
  | { kind: 'delivered' }
  /** Try again later (5xx, 408, 409, 425, 429, timeouts, refused connections, resets). */
  | { kind: 'retry'; retryAfterMs?: number }
  /** The receiver will never accept this message: dead-letter it now, with its answer. */
  | { kind: 'reject' }
  /** 410 Gone: the receiver asks us to stop; the destination is paused. */
  | { kind: 'gone' }
  /**
   * 401/403: the destination's credentials are refused (a revoked Splunk HEC token, a rotated webhook
   * key). Every message would fail alike, so the destination is paused with its queue kept, rather than
   * dead-lettering the whole stream one message at a time.
   */
  | { kind: 'unauthorized' };

const RETRYABLE_4XX = new Set([408, 409, 425, 429]);

/** Classifies an HTTP answer. 3xx counts as a failure (redirects are never followed) and is retried. */
export function classifyHttpStatus(
  status: number,
  retryAfter?: string | null,
  now = Date.now(),
): DeliveryOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 410) return { kind: 'gone' };
  if (status === 401 || status === 403) return { kind: 'unauthorized' };
  if (status >= 400 && status < 500 && !RETRYABLE_4XX.has(status)) return { kind: 'reject' };
  const after = parseRetryAfter(retryAfter, now);
  return after === undefined ? { kind: 'retry' } : { kind: 'retry', retryAfterMs: after };
}

/** `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or invalid. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^[0-9]{1,10}$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, RETRY_AFTER_MAX_MS);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), RETRY_AFTER_MAX_MS);
}

/**
 * When to try again after `failedAttempts` failed attempts, `elapsedMs` after the first one; undefined
 * when the retry window is over (dead-letter). `random` is in [0, 1) and injected; a receiver's
 * Retry-After is honored when it asks for longer.
 */
export function nextRetryDelay(
  failedAttempts: number,
  elapsedMs: number,
  random: number,
  retryAfterMs?: number,
  schedule: readonly number[] = RETRY_SCHEDULE_MS,
  windowMs: number = RETRY_WINDOW_MS,
): number | undefined {
  if (elapsedMs >= windowMs) return undefined;
  const cap = schedule[Math.min(failedAttempts, schedule.length) - 1] ?? schedule[0] ?? RETRY_MIN_DELAY_MS;
  const jittered = Math.max(RETRY_MIN_DELAY_MS, Math.floor(cap * random));
  const delay = retryAfterMs !== undefined ? Math.max(jittered, retryAfterMs) : jittered;
  // The last attempt lands at the end of the window rather than past it.
  return Math.min(delay, Math.max(RETRY_MIN_DELAY_MS, windowMs - elapsedMs));
}

/* ------------------------------------------------------------------------------------------------ */
/* Outbox ports: the stream log (what was stored, in commit order) and the delivery state.           */
/* ------------------------------------------------------------------------------------------------ */

/** One stored event at its position in the stream log (positions increase in commit order, never reused). */
export interface StreamLogEntry {
  position: number;
  event: AuditEvent;
}

/**
 * The stream log: every stored event in commit order. The embedded store writes it in the very
 * transaction that stores the events (a trigger); a store that cannot (OpenSearch) gets it written by the
 * ingest path into control.db after the store acknowledged and before the client is acknowledged.
 */
export interface StreamLog {
  /** True when the ingest path must call `append` (the store does not write the log itself). */
  readonly fedByIngest: boolean;
  append?(events: readonly AuditEvent[]): void;
  /** Entries of one tenant with after < position <= through, oldest first, at most `limit`. */
  read(tenant: string, after: number, through: number, limit: number): StreamLogEntry[];
  /** The newest position (0 when empty). */
  head(): number;
  /** Entries of a tenant after a position (counted up to `cap`), and when the oldest of them was received. */
  backlog(tenant: string, after: number, cap: number): { count: number; oldest_received_at?: string };
  /** Forgets entries at or before a position (every destination is past it). */
  prune(through: number): number;
}

export type StreamMessageStatus = 'pending' | 'delivered' | 'dead';
export type StreamMessageOrigin = 'live' | 'replay' | 'test' | 'checkpoint';

export interface StreamMessageRecord {
  id: string;
  destination_id: string;
  sequence: number;
  status: StreamMessageStatus;
  origin: StreamMessageOrigin;
  /** Kept until delivered (and for dead letters, so they can be replayed). */
  events?: AuditEvent[];
  event_count: number;
  event_ids: string[];
  attempts: number;
  created_at: string;
  first_attempt_at?: string;
  /** Epoch ms of the next attempt, while pending. */
  next_attempt_at: number;
  last_status?: number;
  last_error?: string;
  /** Start of the receiver's last answer (size-capped), for dead letters. */
  last_response?: string;
  delivered_at?: string;
  dead_at?: string;
}

export interface StreamAttemptRecord {
  message_id: string;
  destination_id: string;
  sequence: number;
  attempt: number;
  at: string;
  outcome: 'delivered' | 'retry' | 'reject' | 'gone' | 'unauthorized' | 'exhausted';
  status_code?: number;
  latency_ms: number;
  error?: string;
}

export type DestinationPause = 'failing' | 'gone' | 'unauthorized';

export interface DestinationRecord {
  id: string;
  tenant: string;
  name: string;
  kind: string;
  config: Record<string, unknown>;
  /** Encrypted secrets (AES-256-GCM envelope); the store never sees them in clear. */
  secrets_sealed?: string;
  filter: StreamFilter;
  /** The admin's switch. */
  enabled: boolean;
  /** Receives the tenant's signed checkpoints too (off unless asked for). */
  checkpoints?: boolean;
  /** Set by the dispatcher: 410 Gone, or failing for too long. An admin's resume clears it. */
  paused_reason?: DestinationPause;
  /** Stream log position up to which events were turned into messages. */
  cursor: number;
  /** Sequence the next message gets. */
  next_sequence: number;
  failing_since?: string;
  last_success_at?: string;
  last_error?: string;
  created_at: string;
  updated_at: string;
  created_by?: string;
}

/** Delivery state in control.db: destinations, their messages (the queue and the dead letters), attempts. */
export interface StreamStore {
  createDestination(record: DestinationRecord): void;
  getDestination(id: string, tenant?: string): DestinationRecord | undefined;
  listDestinations(tenant?: string): DestinationRecord[];
  updateDestination(id: string, patch: Partial<Omit<DestinationRecord, 'id' | 'tenant'>>): void;
  deleteDestination(id: string): void;
  /** The lowest-sequence pending message of a destination. */
  nextPending(destinationId: string): StreamMessageRecord | undefined;
  /**
   * Atomically: appends messages (each takes the destination's next sequence) and moves its cursor.
   * Returns the messages as stored.
   */
  enqueue(
    destinationId: string,
    batches: { events: AuditEvent[]; origin: StreamMessageOrigin; id: string }[],
    cursor: number | undefined,
    at: string,
  ): StreamMessageRecord[];
  updateMessage(
    id: string,
    patch: Partial<Omit<StreamMessageRecord, 'id' | 'destination_id' | 'sequence'>>,
  ): void;
  getMessage(id: string): StreamMessageRecord | undefined;
  listMessages(
    destinationId: string,
    options: { status?: StreamMessageStatus; limit: number; before_sequence?: number },
  ): StreamMessageRecord[];
  countMessages(destinationId: string, status: StreamMessageStatus): { messages: number; events: number };
  recordAttempt(attempt: StreamAttemptRecord): void;
  listAttempts(destinationId: string, options: { limit: number; since?: string }): StreamAttemptRecord[];
  /** Drops attempts and delivered messages older than a cut-off (the delivery log is kept for a bounded time). */
  pruneHistory(before: string): number;
  /** Runs several writes as one transaction (one commit, one fsync). */
  atomically<T>(fn: () => T): T;
}
