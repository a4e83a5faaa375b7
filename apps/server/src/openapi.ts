import type { PluginSet } from '@trailmark/core';
import {
  ErrorCode,
  eventInputSchema,
  FILTER_QUERY_NAMES,
  LIMITS,
  PAGE_LIMIT,
  type SCOPES,
} from '@trailmark/core';
import { z } from 'zod';
import type { AppDeps } from './deps.ts';
import { statusOf } from './errors.ts';

/** A node of the OpenAPI document. The document is plain JSON, so an open record is the honest type. */
export type Json = Record<string, unknown>;

const API_VERSION = '1.0.0';
const JSON_TYPE = 'application/json';

export function ref(kind: 'schemas' | 'parameters' | 'responses' | 'headers', name: string): Json {
  return { $ref: `#/components/${kind}/${name}` };
}

// ---------------------------------------------------------------------------------------------
// Examples. Taken from the products Trailmark ships sources for, so the reference reads like real traffic.
// The test feeds these through the real validators, so they cannot drift from the schema unnoticed.
// ---------------------------------------------------------------------------------------------

/** A file-transfer UPLOAD as the product's own backend would send it, already normalized. */
export const uploadEventExample = {
  id: 'ft_01JRW6B9G1UPLOAD0001',
  source: 'file-transfer',
  action: 'file.uploaded',
  source_action: 'UPLOAD',
  occurred_at: '2026-04-14T10:32:15Z',
  actor: { type: 'user', id: 'usr_john', email: 'john@dosya.dev', name: 'John Okafor' },
  targets: [
    {
      type: 'file',
      id: 'fil_8Kq2RenderFinal',
      name: 'render-final.mp4',
      path: '/deliverables/render-final.mp4',
      size_bytes: 13_314_398_618,
      mime_type: 'video/mp4',
      region: 'eu-central-2',
      role: 'primary',
    },
  ],
  outcome: { result: 'success' },
  workspace: { id: 'ws_brand2026', name: 'Brand Campaign 2026' },
  client: {
    ip: '185.23.94.17',
    user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Safari/605.1.15',
    geo: { country_code: 'DE', country: 'Germany' },
    device: { kind: 'browser' },
  },
  request: { region: 'eu-central-2' },
} as const;

/** A media-library rename: `previous_path` is what lets asset history follow /forest/tree.png to its new name. */
export const renameEventExample = {
  id: 'ml_01JRW5Z8K4RENAME0042',
  source: 'media-library',
  action: 'file.renamed',
  source_action: 'FILE_RENAME',
  occurred_at: '2026-04-14T09:12:40Z',
  actor: { type: 'user', id: 'usr_4821', name: 'Maya Chen', email: 'maya@acme.com' },
  targets: [
    {
      type: 'file',
      id: 'ast_9d2f61c0',
      name: 'oak.png',
      path: '/forest/oak.png',
      previous_path: '/forest/tree.png',
      mime_type: 'image/png',
      role: 'primary',
    },
  ],
  outcome: { result: 'success' },
  workspace: { id: 'lib_acme_brand', name: 'Acme brand library' },
  client: { ip: '203.0.113.7', device: { kind: 'browser' } },
  changes: [{ field: 'name', before: 'tree.png', after: 'oak.png' }],
} as const;

/** A denied share-link access: the attempted action is kept, the outcome says it was refused. */
export const deniedEventExample = {
  id: 'ft_01JRW6B9G1BLOCKED008',
  source: 'file-transfer',
  action: 'share_link.accessed',
  source_action: 'BLOCKED',
  occurred_at: '2026-04-14T10:50:17Z',
  actor: { type: 'user', id: 'guest@gmail.com', email: 'guest@gmail.com' },
  targets: [
    {
      type: 'share_link',
      id: 'lnk_Zr7xQ2aB',
      name: 'https://dosya.dev/s/Zr7xQ2aB',
      role: 'primary',
      attributes: { password_protected: true, allowed_domains: 'acme.com' },
    },
    {
      type: 'file',
      id: 'fil_8Kq2RenderFinal',
      name: 'render-final.mp4',
      path: '/deliverables/render-final.mp4',
      role: 'affected',
    },
  ],
  outcome: {
    result: 'denied',
    reason: 'domain_not_allowed',
    message: 'share link is restricted to @acme.com',
  },
  workspace: { id: 'ws_brand2026', name: 'Brand Campaign 2026' },
  client: {
    ip: '172.58.10.4',
    geo: { country_code: 'US', country: 'United States' },
    device: { kind: 'browser' },
  },
  request: { region: 'us-west-1' },
  metadata: { attempted_action: 'ACCESS' },
} as const;

/** The same UPLOAD as the file-transfer service delivers it natively (REST page or webhook body). */
export const fileTransferNativeExample = {
  event_id: '01JRW6B9G1UPLOAD0001',
  timestamp: '2026-04-14T10:32:15Z',
  action: 'UPLOAD',
  user: { id: 'usr_john', email: 'john@dosya.dev', name: 'John Okafor' },
  file: {
    id: 'fil_8Kq2RenderFinal',
    name: 'render-final.mp4',
    size: 13_314_398_618,
    path: '/deliverables/render-final.mp4',
    mime_type: 'video/mp4',
    storage_region: 'eu-central-2',
  },
  ip: '185.23.94.17',
  country_code: 'DE',
  country: 'Germany',
  region: 'eu-central-2',
  device: 'browser',
  result: 'success',
  workspace: { id: 'ws_brand2026', name: 'Brand Campaign 2026' },
} as const;

/** What the store returns for the UPLOAD: tenant and received_at added, category filled from the catalog. */
export const storedEventExample = {
  ...uploadEventExample,
  tenant: 'acme',
  category: 'content',
  occurred_at: '2026-04-14T10:32:15.000Z',
  received_at: '2026-04-14T10:32:15.412Z',
} as const;

// ---------------------------------------------------------------------------------------------
// Errors. Statuses come from errors.ts (the one place codes become statuses), so docs cannot disagree.
// ---------------------------------------------------------------------------------------------

/** When each code is raised; also the source of the errors table in docs/api.md. */
export const ERROR_WHEN: Record<ErrorCode, string> = {
  VALIDATION_FAILED:
    'A body or parameter failed validation (event schema, limit, API key request, settings, missing tenant for the operator). `details` lists every problem with `index` (batch position) and `path`.',
  MALFORMED_JSON:
    'The request body is empty or is not valid JSON, or is declared `Content-Encoding: gzip` but is not valid gzip.',
  PAYLOAD_TOO_LARGE: `The body exceeds TRAILMARK_BODY_LIMIT_BYTES (default 10 MiB) or holds more than ${LIMITS.batchEvents} events.`,
  UNKNOWN_ACTION:
    'Every rejected event names an action its registered source does not declare (and the source does not allow custom actions).',
  UNKNOWN_SOURCE: 'No source plugin with a native mapper has this id (`POST /v1/sources/{source}/events`).',
  UNKNOWN_FILTER: 'A query parameter is not a known filter; typos never silently widen a query.',
  INVALID_FILTER:
    'A filter value is invalid: unknown `result`, unparseable `from`/`to`, `from` not before `to`, `target_path_prefix` not starting with `/`, more than 100 values, `q` over 512 characters.',
  INVALID_CURSOR:
    'The cursor was not issued by this server, was altered, or was issued for other filters, another tenant or another route.',
  UNSUPPORTED_FORMAT: 'The export format is not registered (see `export_formats` in `GET /v1/catalog`).',
  UNSUPPORTED_MEDIA_TYPE:
    'The body is not declared `Content-Type: application/json`, or its `Content-Encoding` is neither `gzip` nor `identity`.',
  UNAUTHENTICATED:
    'No bearer token or session cookie, the token is unknown or revoked, or the session has ended (signed out, idle past TRAILMARK_SESSION_IDLE_HOURS, or past TRAILMARK_SESSION_MAX_HOURS).',
  INVALID_CREDENTIALS:
    'Sign-in refused: the email and password do not match an account. The same answer, status and timing for an unknown email and a wrong password.',
  INVALID_LINK:
    'A setup, invitation or password-reset token is unknown, expired, already used or revoked (one answer for all four).',
  FORBIDDEN:
    "The key or role lacks the right (viewers read only asset history), names another tenant, sends another source than the one it is bound to, sends the reserved source `trailmark` (the server's own audit trail; the operator token cannot either), calls an operator-only endpoint, or manages a person above its role.",
  CSRF_REJECTED:
    'A state-changing request authenticated by the session cookie came without `Sec-Fetch-Site: same-origin` and without an `Origin` equal to the public origin. Bearer-token requests never receive it.',
  NOT_FOUND: 'No such route, event, API key or export job (or it belongs to another tenant).',
  CONFLICT:
    'The resource is not in a state that allows the request (an export job that is not completed yet, or failed), or an event id is already stored with a different body (a same-body resend is an idempotent duplicate instead). `details` names the batch `index` and the stored event.',
  RANGE_NOT_SATISFIABLE:
    'The `Range` header of an export download lies outside the file, or is a `bytes=` value that is not a valid range (`bytes=abc`, `bytes=9-3`). `Content-Range: bytes */<size>` gives the file size.',
  EXPIRED: 'The resource existed but is gone for good: an export file past its `expires_at`.',
  REQUEST_TIMEOUT:
    'The request body did not arrive within TRAILMARK_BODY_TIMEOUT_MS (default 30 s); nothing was stored. The connection is closed.',
  RATE_LIMITED:
    'Too many failed sign-ins for this account (each failure doubles the wait, up to 5 minutes) or from this IP; on `GET /v1/export`, more streamed exports running than TRAILMARK_MAX_EXPORT_STREAMS (default 16) or TRAILMARK_MAX_EXPORT_STREAMS_PER_TENANT (default 4) allow (an export job has no such bound); or, on `GET /v1/events/live`, as many live streams open as the server keeps. Retry after the seconds in Retry-After; nothing is locked for good.',
  OVERLOADED:
    'More events are waiting to be stored than the server holds in memory (TRAILMARK_INGEST_MAX_PENDING_EVENTS), or more request bodies are being received at once than TRAILMARK_MAX_INFLIGHT_BODIES (default 64). Nothing of the request was stored; retry the same events after `Retry-After` seconds.',
  STORAGE_UNAVAILABLE:
    'The event store is unreachable. Nothing was acknowledged; retry the same events with the same ids.',
  STORAGE_REJECTED: 'The event store refused the write. Nothing was acknowledged.',
  INTERNAL: 'Unexpected server error; the server log has the details under the request id.',
  DESTINATION_BLOCKED:
    'A stream destination resolves to a loopback, private, link-local, CGNAT, multicast or metadata address (IPv4, IPv6 or IPv4-mapped), or plain http/tcp goes to an address not allow-listed; TRAILMARK_STREAM_ALLOW_PRIVATE lists ranges to allow.',
};

const ERROR_EXAMPLE: Record<ErrorCode, { message: string; details?: Json[] }> = {
  VALIDATION_FAILED: {
    message: '1 of 2 event(s) rejected; nothing was stored',
    details: [{ index: 1, path: 'targets.0.path', message: 'must be an absolute path starting with /' }],
  },
  MALFORMED_JSON: { message: 'request body is not valid JSON: Unexpected end of JSON input' },
  PAYLOAD_TOO_LARGE: {
    message: `at most ${LIMITS.batchEvents} events per request`,
    details: [{ path: 'events', message: '1500 events; split the batch' }],
  },
  UNKNOWN_ACTION: {
    message: '1 of 1 event(s) rejected; nothing was stored',
    details: [{ index: 0, path: 'action', message: 'unknown action for source "file-transfer"' }],
  },
  UNKNOWN_SOURCE: { message: 'no source plugin "dropbox" accepts native payloads' },
  UNKNOWN_FILTER: {
    message: 'unknown filter: actions',
    details: [{ path: 'actions', message: 'unknown parameter; filters are tenant, source, action, ...' }],
  },
  INVALID_FILTER: {
    message: 'invalid filter',
    details: [{ path: 'from', message: 'must be an ISO 8601 date or date-time, e.g. 2026-04-14T10:32:15Z' }],
  },
  INVALID_CURSOR: {
    message: 'invalid cursor',
    details: [{ path: 'cursor', message: 'not a cursor issued by this server' }],
  },
  UNSUPPORTED_FORMAT: {
    message: 'unsupported export format "xlsx"',
    details: [{ path: 'format', message: 'one of csv, ndjson, ocsf' }],
  },
  UNSUPPORTED_MEDIA_TYPE: {
    message: 'send the body as Content-Type: application/json',
    details: [{ path: 'Content-Type', message: 'got "text/plain"' }],
  },
  UNAUTHENTICATED: { message: 'sign in, or send a bearer token (Authorization: Bearer <token>)' },
  INVALID_CREDENTIALS: { message: 'wrong email or password' },
  INVALID_LINK: { message: 'this link is invalid, expired or already used; ask for a new one' },
  FORBIDDEN: { message: 'this API key lacks the "read" scope' },
  CSRF_REJECTED: {
    message:
      'cross-site request refused: a request authenticated by the session cookie must come from this site',
  },
  NOT_FOUND: { message: 'no event with id "ft_01JRW6B9G1UPLOAD0001"' },
  CONFLICT: {
    message: 'export "exp_01JRWB3M0E4S5K7Y1P9H2C6T8R" is running; download it once completed',
  },
  RANGE_NOT_SATISFIABLE: {
    message: 'range not satisfiable for 6120448 bytes',
    details: [{ path: 'Range', message: 'the file has 6120448 bytes' }],
  },
  EXPIRED: { message: 'export "exp_01JRWB3M0E4S5K7Y1P9H2C6T8R" has expired; create it again' },
  REQUEST_TIMEOUT: { message: 'the request body did not arrive within 30000 ms' },
  RATE_LIMITED: { message: 'too many failed sign-ins; try again in 8 seconds' },
  OVERLOADED: {
    message:
      '100000 events are waiting to be stored; nothing of this request was stored, retry after Retry-After seconds',
  },
  STORAGE_UNAVAILABLE: { message: 'storage is not reachable' },
  STORAGE_REJECTED: { message: 'the event store rejected the write' },
  INTERNAL: { message: 'internal error; see the server log for this request id' },
  DESTINATION_BLOCKED: {
    message:
      'siem.internal resolves to 10.0.0.7 (private); private, loopback, link-local, CGNAT, multicast and metadata addresses are refused unless TRAILMARK_STREAM_ALLOW_PRIVATE lists them',
    details: [{ path: 'config.url', message: 'siem.internal resolves to 10.0.0.7 (private)' }],
  },
};

/** Codes any authenticated /v1 route can answer with. */
const AUTH_ERRORS = [ErrorCode.UNAUTHENTICATED, ErrorCode.FORBIDDEN, ErrorCode.INTERNAL] as const;

/** One response per HTTP status, listing every code that maps to it, with an example per code. */
function errorResponses(codes: readonly ErrorCode[]): Record<string, Json> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = statusOf(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<string, Json> = {};
  for (const [status, list] of [...byStatus.entries()].sort((a, b) => a[0] - b[0])) {
    out[String(status)] = {
      description: list.map((c) => `\`${c}\`: ${ERROR_WHEN[c]}`).join('\n\n'),
      headers: {
        'X-Request-Id': ref('headers', 'RequestId'),
        ...(list.includes(ErrorCode.UNAUTHENTICATED)
          ? { 'WWW-Authenticate': ref('headers', 'WwwAuthenticate') }
          : {}),
        ...(list.includes(ErrorCode.RANGE_NOT_SATISFIABLE)
          ? {
              'Content-Range': {
                description: '`bytes */<size>`: the size of the file.',
                schema: { type: 'string' },
              },
            }
          : {}),
      },
      content: {
        [JSON_TYPE]: {
          schema: ref('schemas', 'ErrorEnvelope'),
          examples: Object.fromEntries(
            list.map((code) => [
              code,
              {
                summary: code,
                value: {
                  error: {
                    code,
                    message: ERROR_EXAMPLE[code].message,
                    request_id: 'req_01JRW6B9G2K7M3Q8ZC4XN5B1VD',
                    ...(ERROR_EXAMPLE[code].details ? { details: ERROR_EXAMPLE[code].details } : {}),
                  },
                },
              },
            ]),
          ),
        },
      },
    };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Event schema: generated from core's zod schema, then given back what JSON Schema cannot infer
// from refinements (the "one of id/path/name" rule, key counts, byte limits) plus descriptions.
// ---------------------------------------------------------------------------------------------

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Drops generator noise: `$schema`, regex copies of `format`, and safe-integer bounds nobody needs to read. */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  const src = node as Json;
  for (const [key, value] of Object.entries(src)) {
    if (key === '$schema') continue;
    if (key === 'pattern' && typeof src.format === 'string') continue;
    if ((key === 'maximum' && value === MAX_SAFE) || (key === 'minimum' && value === -MAX_SAFE)) continue;
    out[key] = tidy(value);
  }
  return out;
}

function at(root: Json, path: string): Json {
  let node: Json = root;
  for (const part of path.split('.')) {
    const next = part === '[]' ? node.items : (node.properties as Json | undefined)?.[part];
    if (next === null || typeof next !== 'object') throw new Error(`openapi: no schema at ${path}`);
    node = next as Json;
  }
  return node;
}

const FIELD_DOCS: Record<string, string> = {
  id: 'Your id for the event (idempotency key). Resending an id already stored for the tenant is reported as a duplicate and writes nothing. Generated (`evt_` + ULID) when absent.',
  tenant:
    'The customer the event belongs to. Implied by an API key (may be repeated if equal); required with the operator token.',
  source: 'The product that emitted the event; a registered source id (see `GET /v1/catalog`) or a new one.',
  action:
    '`noun.verb_past` in lower snake case, e.g. `file.uploaded`. Registered sources accept only their declared actions.',
  source_action: "The product's own name for the operation, kept verbatim (e.g. `UPLOAD`).",
  category: 'Group of the action; filled from the catalog when absent.',
  occurred_at: 'When it happened, ISO 8601 with offset. After 2000-01-01 and at most 24 h in the future.',
  actor: 'Who did it.',
  'actor.id': 'Stable id of the actor (user id, key id, service name; `anonymous` for share-link visitors).',
  'actor.email': 'Stored lower-cased; the `actor` filter matches id or email.',
  'actor.credential': 'How the actor authenticated, e.g. `{ "type": "api_key", "id": "key_live_4f9a" }`.',
  targets: `What it was done to, at most ${LIMITS.targets}. Use an empty array for account-level actions.`,
  'targets.[]': 'A target needs at least one of `id`, `path` or `name`.',
  'targets.[].path': 'Absolute path; asset history follows renames through `path` and `previous_path`.',
  'targets.[].previous_path': 'Path before a rename or move.',
  'targets.[].attributes': `Up to ${LIMITS.attributesKeys} scalar attributes.`,
  outcome: 'Whether it worked.',
  'outcome.reason': 'Machine-readable snake_case reason, e.g. `permission_denied`.',
  workspace: 'The workspace, project or account inside the tenant.',
  client: 'Where the request came from.',
  request: 'The HTTP request that caused the event.',
  'request.request_body': `Any JSON, at most ${LIMITS.bodyBytes} bytes serialized. Secrets are masked on ingest.`,
  'request.response_body': `Any JSON, at most ${LIMITS.bodyBytes} bytes serialized. Secrets are masked on ingest.`,
  'request.redacted_paths': 'JSON pointers of masked values; the server adds the ones it masks itself.',
  changes: `Field-level before/after values, at most ${LIMITS.changes}.`,
  'changes.[].before': `Any JSON, at most ${LIMITS.changeValueBytes} bytes serialized.`,
  'changes.[].after': `Any JSON, at most ${LIMITS.changeValueBytes} bytes serialized.`,
  'changes.[].redacted':
    'Set by the server when the field name looks secret (before/after are then dropped) or a value held secret keys (those are masked).',
  'changes.[].redacted_sides':
    'Set by the server with redacted: which values were masked, before, after or both.',
  metadata: `Up to ${LIMITS.metadataKeys} scalar values (strings up to ${LIMITS.metadataValueChars} characters), searchable by key. Values under secret-looking names are masked on ingest (declared searchable fields excepted).`,
  redacted_paths:
    'JSON pointers from the event root of masked values outside `request` (e.g. `/metadata/api_token`); the server adds the ones it masks itself.',
};

function buildEventInputSchema(): Json {
  const schema = tidy(z.toJSONSchema(eventInputSchema, { unrepresentable: 'any' })) as Json;
  // Refinements are invisible to the generator; restate them so clients can validate before sending.
  at(schema, 'targets.[]').anyOf = [{ required: ['id'] }, { required: ['path'] }, { required: ['name'] }];
  at(schema, 'metadata').maxProperties = LIMITS.metadataKeys;
  at(schema, 'targets.[].attributes').maxProperties = LIMITS.attributesKeys;
  for (const [path, description] of Object.entries(FIELD_DOCS)) at(schema, path).description = description;
  schema.description = `One audit event (schema v1). At most ${LIMITS.eventBytes} bytes serialized; unknown fields are rejected.`;
  return schema;
}

function buildStoredEventSchema(input: Json): Json {
  const properties = { ...(input.properties as Json) };
  properties.id = { ...(properties.id as Json), description: 'Event id: yours, or `evt_` + ULID.' };
  properties.tenant = { ...(properties.tenant as Json), description: 'Tenant the event belongs to.' };
  properties.occurred_at = {
    type: 'string',
    format: 'date-time',
    description: 'When it happened, normalized to UTC with milliseconds.',
  };
  properties.received_at = {
    type: 'string',
    format: 'date-time',
    description: 'When Trailmark accepted the event.',
  };
  return {
    type: 'object',
    description: 'A stored event: what the sender gave, plus what only the platform decides.',
    properties,
    required: [...((input.required as string[] | undefined) ?? []), 'id', 'tenant', 'received_at'],
    additionalProperties: false,
  };
}

let eventSchemas: { input: Json; stored: Json } | undefined;

/** The zod conversion is pure, so it runs once per process rather than per request. */
function eventSchemaPair(): { input: Json; stored: Json } {
  if (!eventSchemas) {
    const input = buildEventInputSchema();
    eventSchemas = { input, stored: buildStoredEventSchema(input) };
  }
  return eventSchemas;
}

// ---------------------------------------------------------------------------------------------
// Component schemas other than the event.
// ---------------------------------------------------------------------------------------------

function componentSchemas(declared: PluginSet['errors'] = new Map()): Record<string, Json> {
  const { input, stored } = eventSchemaPair();
  return {
    EventInput: input,
    Event: stored,
    IngestRequest: {
      description: `One event, a bare array, or \`{ "events": [...] }\`; at most ${LIMITS.batchEvents} events. All or nothing: one invalid event rejects the batch.`,
      oneOf: [
        ref('schemas', 'EventInput'),
        { type: 'array', items: ref('schemas', 'EventInput'), minItems: 1, maxItems: LIMITS.batchEvents },
        {
          type: 'object',
          properties: {
            events: {
              type: 'array',
              items: ref('schemas', 'EventInput'),
              minItems: 1,
              maxItems: LIMITS.batchEvents,
            },
          },
          required: ['events'],
          additionalProperties: false,
        },
      ],
    },
    ErrorCode: {
      type: 'string',
      enum: [...Object.values(ErrorCode), ...declared.keys()],
      description: [
        ...Object.values(ErrorCode).map((c) => `- \`${c}\` (${statusOf(c)}): ${ERROR_WHEN[c]}`),
        ...[...declared.values()].map(
          (d) => `- \`${d.code}\` (${d.status}, declared by the plugin \`${d.plugin}\`): ${d.when}`,
        ),
      ].join('\n'),
    },
    ErrorDetail: {
      type: 'object',
      properties: {
        index: { type: 'integer', minimum: 0, description: 'Position in the batch, for ingest errors.' },
        path: { type: 'string', description: 'Dotted path of the field or the query parameter name.' },
        message: { type: 'string' },
        token: { type: 'string', description: 'For `q`: the offending term as typed.' },
        position: {
          type: 'integer',
          minimum: 0,
          description: 'For `q`: where the offending term starts (0-based character offset).',
        },
      },
      required: ['path', 'message'],
      additionalProperties: false,
    },
    ErrorEnvelope: {
      type: 'object',
      properties: {
        error: {
          type: 'object',
          properties: {
            code: ref('schemas', 'ErrorCode'),
            message: { type: 'string' },
            request_id: {
              type: 'string',
              description: 'Same as the X-Request-Id header; quote it in bug reports.',
            },
            details: { type: 'array', items: ref('schemas', 'ErrorDetail') },
          },
          required: ['code', 'message', 'request_id'],
          additionalProperties: false,
        },
      },
      required: ['error'],
      additionalProperties: false,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Operations.
// ---------------------------------------------------------------------------------------------

/**
 * Who may call an operation, beside its OpenAPI fields: the generated routes (routes/define.ts) and the
 * hand-written paths below decorate their operations from this alike.
 */
export interface OperationMeta {
  /**
   * Scope an API key needs; `admin` keys pass every scope check. `history` is `read` plus the viewer role.
   * Omitted for public routes.
   */
  scope?: (typeof SCOPES)[number] | 'history' | 'operator' | 'session' | 'any';
  errors?: readonly ErrorCode[];
  public?: boolean;
}

interface Operation extends OperationMeta {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: Json[];
  requestBody?: Json;
  responses: Record<string, Json>;
}

const SCOPE_NOTE: Record<NonNullable<Operation['scope']>, string> = {
  ingest: 'Requires the `ingest` scope (or `admin`), or the operator token.',
  read: 'Requires the `read` scope (or `admin`; roles owner, admin, auditor), or the operator.',
  history:
    'Requires the `read` scope (or `admin`; roles owner, admin, auditor), the viewer role (whose only right this is), or the operator.',
  export: 'Requires the `export` scope (or `admin`; roles owner, admin, auditor), or the operator.',
  admin:
    'Requires the `admin` scope (the owner and admin roles) or the operator. Admin keys and people manage their own tenant only.',
  operator: 'Operator token or a signed-in operator only.',
  any: 'Any valid token or session.',
  session: 'A signed-in person (session cookie); API keys and the operator token are refused.',
};

/** The description (with its auth note), security and access extensions of an operation. */
export function operationAccess(meta: OperationMeta, summary?: string): Json {
  const description = [summary, meta.scope ? `**Auth:** ${SCOPE_NOTE[meta.scope]}` : undefined]
    .filter(Boolean)
    .join('\n\n');
  return {
    ...(description ? { description } : {}),
    ...(meta.public ? { security: [] } : {}),
    ...(meta.scope && meta.scope !== 'any' && meta.scope !== 'operator' && meta.scope !== 'session'
      ? { 'x-trailmark-scope': meta.scope === 'history' ? 'read' : meta.scope }
      : {}),
    // Who may call it, machine-readable: the route security matrix test is generated from this.
    'x-trailmark-access': meta.public ? 'public' : (meta.scope ?? 'any'),
  };
}

/** The responses of an operation: each with X-Request-Id, plus one per error status it can answer. */
export function operationResponses(
  meta: OperationMeta,
  responses: Record<string, Json>,
): Record<string, Json> {
  const errors = meta.public ? (meta.errors ?? []) : [...AUTH_ERRORS, ...(meta.errors ?? [])];
  return { ...withRequestId(responses), ...errorResponses(errors) };
}

export function operation(op: Operation): Json {
  const access = operationAccess(op, op.description);
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(access.description ? { description: access.description } : {}),
    tags: op.tags,
    ...access,
    ...(op.parameters?.length ? { parameters: op.parameters } : {}),
    ...(op.requestBody ? { requestBody: op.requestBody } : {}),
    responses: operationResponses(op, op.responses),
  };
}

/** Every response carries X-Request-Id (set by middleware before any route runs). */
function withRequestId(responses: Record<string, Json>): Record<string, Json> {
  return Object.fromEntries(
    Object.entries(responses).map(([status, r]) => [
      status,
      {
        ...r,
        headers: { 'X-Request-Id': ref('headers', 'RequestId'), ...((r.headers as Json | undefined) ?? {}) },
      },
    ]),
  );
}

export function jsonResponse(description: string, schema: Json, example?: unknown): Json {
  return {
    description,
    content: { [JSON_TYPE]: { schema, ...(example === undefined ? {} : { example }) } },
  };
}

export const READ_ERRORS = [
  ErrorCode.UNKNOWN_FILTER,
  ErrorCode.INVALID_FILTER,
  ErrorCode.INVALID_CURSOR,
  ErrorCode.VALIDATION_FAILED,
  ErrorCode.STORAGE_UNAVAILABLE,
] as const;

export const EXPORT_ID_HEADER: Json = {
  description: 'Id of this export (`exp_...`), as in its audit entries.',
  schema: { type: 'string' },
};

export const CONTENT_DISPOSITION: Json = {
  description:
    '`attachment; filename="..."`. The name says what is inside: tenant, the one source/action/workspace if the filters name one, the date range, `-first-<n>-rows` when capped, e.g. `trailmark-acme-file-transfer-2026-04-01_2026-04-14.csv`.',
  schema: { type: 'string' },
};

export const EXPORT_HEADERS: Json = {
  'X-Trailmark-Total-Rows': {
    description: 'Rows matching the filters when the export started (for a download: rows in the file).',
    schema: { type: 'integer', minimum: 0 },
  },
  'X-Trailmark-Row-Limit': {
    description: "The tenant's `max_export_rows`, present only when one applies.",
    schema: { type: 'integer', minimum: 1 },
  },
  'X-Trailmark-Truncated': {
    description: '`true` when the matching rows exceed the row limit and the file stops at it. Always sent.',
    schema: { type: 'string', enum: ['true', 'false'] },
  },
};

/** Content types of the built-in formats; a format plugin may add its own. */
export const EXPORT_CONTENT: Json = {
  'text/csv': { schema: { type: 'string' } },
  'application/x-ndjson': { schema: { type: 'string' } },
  'application/octet-stream': { schema: { type: 'string' } },
};

function paths(): Record<string, Json> {
  return {
    '/healthz': {
      get: operation({
        operationId: 'healthz',
        summary: 'Liveness',
        description: 'Answers as long as the process runs; does not touch storage.',
        tags: ['System'],
        public: true,
        responses: {
          '200': jsonResponse(
            'Alive',
            {
              type: 'object',
              properties: { status: { const: 'ok' } },
              required: ['status'],
            },
            { status: 'ok' },
          ),
        },
      }),
    },
    '/readyz': {
      get: operation({
        operationId: 'readyz',
        summary: 'Readiness',
        description: 'Pings the event store; use it as the load balancer health check.',
        tags: ['System'],
        public: true,
        responses: {
          '200': jsonResponse(
            'Storage reachable',
            {
              type: 'object',
              properties: { status: { const: 'ready' }, storage: { type: 'string' } },
              required: ['status', 'storage'],
            },
            { status: 'ready', storage: 'sqlite' },
          ),
        },
        errors: [ErrorCode.STORAGE_UNAVAILABLE],
      }),
    },
    '/metrics': {
      get: operation({
        operationId: 'metrics',
        summary: 'Prometheus metrics',
        description:
          'HTTP, ingest, duplicate, rejection and retention counters in the Prometheus text format. Not authenticated: restrict it at the network level.',
        tags: ['System'],
        public: true,
        responses: {
          '200': {
            description: 'Prometheus exposition format',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
        },
      }),
    },
    '/v1/openapi.json': {
      get: operation({
        operationId: 'openapi',
        summary: 'This document',
        tags: ['System'],
        public: true,
        responses: { '200': jsonResponse('OpenAPI 3.1 document', { type: 'object' }) },
      }),
    },
  };
}

const DESCRIPTION = `Trailmark stores audit events from many products in one normalized schema and lets you search, follow and export them.

## Authentication

Every \`/v1\` route except \`/v1/openapi.json\` takes \`Authorization: Bearer <token>\`. Two kinds of token exist:

- **Operator token**: the value of \`TRAILMARK_ADMIN_TOKEN\`. Every scope, every tenant. It must name the tenant when it writes (\`tenant\` in each event, \`?tenant=\` on native ingest) and may narrow reads with the \`tenant\` filter.
- **API keys** (\`tmk_...\`): created with \`POST /v1/admin/api-keys\` or \`npm run trailmark -- keys create\`. A key belongs to one tenant and may be bound to one source. Scopes: \`ingest\`, \`read\`, \`export\`, \`admin\` (admin implies the other three, for its own tenant). Reads are always limited to the key's tenant.

## Errors

Every error is \`{"error": {"code", "message", "request_id", "details"?}}\` with a stable code (see the \`ErrorCode\` schema). Every response carries \`X-Request-Id\`.`;

/**
 * A source plugin's own errors come from its mapper, so they are answers of the native ingest route:
 * each is listed under its status there, beside the core codes.
 */
function withDeclaredErrors(all: Record<string, Json>, plugins: PluginSet): Record<string, Json> {
  const native = (all['/v1/sources/{source}/events'] as Json | undefined)?.post as Json | undefined;
  if (!native) return all;
  const responses = native.responses as Record<string, Json>;
  for (const d of plugins.errors.values()) {
    if (!plugins.sources.has(d.plugin)) continue;
    const line = `\`${d.code}\` (the \`${d.plugin}\` plugin): ${d.when}`;
    const status = String(d.status);
    const existing = responses[status];
    responses[status] = existing
      ? { ...existing, description: `${existing.description}\n\n${line}` }
      : {
          description: line,
          headers: { 'X-Request-Id': ref('headers', 'RequestId') },
          content: { [JSON_TYPE]: { schema: ref('schemas', 'ErrorEnvelope') } },
        };
  }
  return all;
}

/** What the routers declared with `@hono/zod-openapi`: the app's own generated document. */
export interface GeneratedDocumentSource {
  getOpenAPI31Document(config: { openapi: string; info: { title: string; version: string } }): unknown;
}

/** Joins `added` into `base` one level down (path -> method, kind -> name); an entry in both throws. */
function joinTwoLevels(
  base: Record<string, Json>,
  added: Record<string, Json> | undefined,
  name: (outer: string, inner: string) => string,
): Record<string, Json> {
  const out = { ...base };
  for (const [outer, entries] of Object.entries(added ?? {})) {
    for (const inner of Object.keys(entries))
      if (out[outer]?.[inner])
        throw new Error(`openapi: ${name(outer, inner)} is both generated and hand-written`);
    out[outer] = { ...out[outer], ...entries };
  }
  return out;
}

/**
 * Generated paths and components joined with the hand-written ones not converted yet. An operation or a
 * component written both ways is a mistake (one would silently win), so it throws.
 */
function mergeGenerated(document: Json, app: GeneratedDocumentSource): Json {
  const generated = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: 'Trailmark API', version: API_VERSION },
  }) as { paths?: Record<string, Json>; components?: Record<string, Json> };
  const paths = joinTwoLevels(document.paths as Record<string, Json>, generated.paths, (p, m) => `${m} ${p}`);
  const components = joinTwoLevels(
    document.components as Record<string, Json>,
    generated.components,
    (kind, name) => `${kind} ${name}`,
  );
  return { ...document, paths, components };
}

/**
 * The OpenAPI 3.1 document served at /v1/openapi.json: what the app's routers generate from their zod
 * schemas, plus the hand-written part for the routes not converted yet.
 */
export function openApiDocument(deps: AppDeps, app: GeneratedDocumentSource): Record<string, unknown> {
  const document = mergeGenerated(handWrittenDocument(deps), app);
  withDeclaredErrors(document.paths as Record<string, Json>, deps.plugins);
  return document;
}

function handWrittenDocument(deps: AppDeps): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Trailmark API',
      version: API_VERSION,
      summary: 'Self-hosted audit log: ingest, search, history and export.',
      description: DESCRIPTION,
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [
      {
        name: 'Ingest',
        description: 'Write events: normalized, or native payloads mapped by a source plugin.',
      },
      { name: 'Query', description: 'Search, facets, asset history and the action catalog.' },
      { name: 'Export', description: 'CSV, NDJSON and OCSF files, streamed or as background jobs.' },
      { name: 'Admin', description: 'API keys, tenant settings and retention.' },
      { name: 'Accounts', description: 'Sign-in, sessions, people, roles and invitations.' },
      {
        name: 'Streams',
        description:
          'Stream destinations (webhook, Slack, Splunk HEC, syslog), their delivery log, dead letters and replay.',
      },
      { name: 'System', description: 'Health, readiness, metrics and this document. Not authenticated.' },
      {
        name: 'Evidence',
        description: 'Tamper-evident log: signed checkpoints, inclusion and consistency proofs.',
      },
    ],
    paths: paths(),
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'tmk_ API key or operator token',
          description:
            'Operator token (TRAILMARK_ADMIN_TOKEN): all tenants and scopes. API key (`tmk_...`): scopes ingest/read/export/admin, bound to one tenant and optionally one source.',
        },
      },
      parameters: {
        Limit: {
          name: 'limit',
          in: 'query',
          required: false,
          description: 'Page size.',
          schema: { type: 'integer', minimum: 1, maximum: PAGE_LIMIT.max, default: PAGE_LIMIT.default },
        },
        Cursor: {
          name: 'cursor',
          in: 'query',
          required: false,
          description: '`next_cursor` of the previous page. Opaque; valid only with the same filters.',
          schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,512}$' },
        },
      },
      headers: {
        RequestId: {
          description: 'Request id (`req_` + ULID); also in error bodies and the server log.',
          schema: { type: 'string' },
        },
        WwwAuthenticate: { description: '`Bearer realm="trailmark"`', schema: { type: 'string' } },
      },
      schemas: componentSchemas(deps.plugins.errors),
    },
  };
}
