import { ErrorCode, LIMITS } from '@trailmark/core';
import { statusOf } from '../errors.ts';
import { JSON_TYPE, type Json, ref } from './json.ts';

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
export const AUTH_ERRORS = [ErrorCode.UNAUTHENTICATED, ErrorCode.FORBIDDEN, ErrorCode.INTERNAL] as const;

/** One response per HTTP status, listing every code that maps to it, with an example per code. */
export function errorResponses(codes: readonly ErrorCode[]): Record<string, Json> {
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

export const READ_ERRORS = [
  ErrorCode.UNKNOWN_FILTER,
  ErrorCode.INVALID_FILTER,
  ErrorCode.INVALID_CURSOR,
  ErrorCode.VALIDATION_FAILED,
  ErrorCode.STORAGE_UNAVAILABLE,
] as const;
