import { normalizeEmail } from './derive.ts';
import { ErrorCode, type ErrorDetail, TrailmarkError, ValidationError } from './errors.ts';
import { canonicalEvent } from './evidence.ts';
import { newEventId } from './ids.ts';
import { jsonShapeIssue, MAX_JSON_DEPTH } from './json-shape.ts';
import { dateLike } from './query.ts';
import { isSecretKey, maskUrlSecrets, redactSecrets } from './redact.ts';
import type { ActionRegistry, SearchableField } from './registry.ts';
import { type AuditEvent, type Change, eventInputSchema, LIMITS, type RequestInfo } from './schema.ts';

const serialized = new WeakMap<AuditEvent, string>();

/**
 * The stored JSON form of an event, computed once: ingest measures it for the size limit and the
 * store writes the same string. It is the RFC 8785 canonical form, the very bytes the evidence log's leaf
 * hash covers, so the writer hashes it as stored. Events are treated as immutable after prepareEvents.
 */
export function eventJson(event: AuditEvent): string {
  let json = serialized.get(event);
  if (json === undefined) {
    json = canonicalEvent(event);
    serialized.set(event, json);
  }
  return json;
}

export interface IngestScope {
  /** Tenant fixed by the credential; `undefined` for the operator, who must name it in each event. */
  tenant?: string;
  /** Source fixed by the credential, if the key is bound to one. */
  source?: string;
  /** Only the server's own audit trail sets this: it alone may write the reserved source. */
  system?: boolean;
}

/** Trailmark's own audit trail; no credential may write it, or a key could forge `api_key.revoked`. */
export const RESERVED_SOURCE = 'trailmark';

/** An event's own fields take a few levels (request.request_body, changes.0.before) above a body's bound. */
export const EVENT_MAX_DEPTH = MAX_JSON_DEPTH + 8;

const EARLIEST = Date.parse('2000-01-01T00:00:00Z');
const MAX_FUTURE_MS = 24 * 60 * 60 * 1000;

function zodPath(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join('.');
}

/**
 * Validates raw events and turns them into stored events, all or nothing:
 * one bad event rejects the batch with every problem listed by index and path.
 */
export function prepareEvents(
  inputs: readonly unknown[],
  scope: IngestScope,
  registry: ActionRegistry,
  now: Date = new Date(),
): AuditEvent[] {
  const details: ErrorDetail[] = [];
  let forbidden = false;
  const receivedAt = now.toISOString();
  const out: AuditEvent[] = [];
  for (const [index, raw] of inputs.entries()) {
    // Before the schema: it and secret masking recurse, and objects would silently drop __proto__ keys.
    const shape = jsonShapeIssue(raw, EVENT_MAX_DEPTH);
    if (shape) {
      details.push({ index, path: shape.path || '(event)', message: shape.message });
      continue;
    }
    const parsed = eventInputSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues.slice(0, 20)) {
        details.push({ index, path: zodPath(issue.path) || '(event)', message: issue.message });
      }
      continue;
    }
    const input = parsed.data;
    let tenant = scope.tenant;
    if (scope.tenant === undefined) {
      if (!input.tenant) {
        details.push({ index, path: 'tenant', message: 'required when ingesting with the operator token' });
        continue;
      }
      tenant = input.tenant;
    } else if (input.tenant !== undefined && input.tenant !== scope.tenant) {
      forbidden = true;
      details.push({ index, path: 'tenant', message: 'does not match the tenant of the API key' });
      continue;
    }
    if (input.source === RESERVED_SOURCE && !scope.system) {
      forbidden = true;
      details.push({
        index,
        path: 'source',
        message: `source "${RESERVED_SOURCE}" is reserved for the server's own audit trail`,
      });
      continue;
    }
    if (scope.source !== undefined && input.source !== scope.source) {
      forbidden = true;
      details.push({ index, path: 'source', message: `this API key may only send source "${scope.source}"` });
      continue;
    }
    const occurred = Date.parse(input.occurred_at);
    if (occurred < EARLIEST || occurred > now.getTime() + MAX_FUTURE_MS) {
      details.push({
        index,
        path: 'occurred_at',
        message: 'must be after 2000-01-01 and at most 24 h in the future',
      });
      continue;
    }
    let definition: ReturnType<ActionRegistry['assertKnown']>;
    try {
      definition = registry.assertKnown(input.source, input.action, 'action', index);
    } catch (error) {
      if (error instanceof TrailmarkError && error.details) details.push(...error.details);
      continue;
    }
    const fieldProblems = declaredFieldProblems(registry.source(input.source)?.fields, input.metadata);
    if (fieldProblems.length > 0) {
      details.push(...fieldProblems.map((p) => ({ index, ...p })));
      continue;
    }
    const {
      id,
      tenant: _bodyTenant,
      category,
      actor,
      request,
      changes,
      metadata,
      redacted_paths,
      ...rest
    } = input;
    const declared = registry.source(input.source)?.fields ?? [];
    const masked = metadata ? redactMetadata(metadata, declared, redacted_paths) : undefined;
    const redacted = masked?.paths ?? redacted_paths;
    const event: AuditEvent = {
      id: id ?? newEventId(now.getTime()),
      tenant: tenant as string,
      ...rest,
      ...((category ?? definition?.category) ? { category: category ?? definition?.category } : {}),
      actor: actor.email ? { ...actor, email: normalizeEmail(actor.email) } : actor,
      ...(request ? { request: redactRequest(request) } : {}),
      ...(changes ? { changes: changes.map(redactChange) } : {}),
      ...(masked ? { metadata: masked.metadata } : {}),
      ...(redacted?.length ? { redacted_paths: redacted } : {}),
      occurred_at: new Date(occurred).toISOString(),
      received_at: receivedAt,
    };
    let size: number;
    try {
      size = Buffer.byteLength(eventJson(event), 'utf8');
    } catch {
      // RFC 8785 has no form for a lone UTF-16 surrogate, so such a string cannot be hashed into the log.
      details.push({
        index,
        path: '(event)',
        message: 'strings must be well-formed Unicode (no lone surrogates)',
      });
      continue;
    }
    if (size > LIMITS.eventBytes) {
      details.push({
        index,
        path: '(event)',
        message: `serialized size ${size} exceeds ${LIMITS.eventBytes} bytes`,
      });
      continue;
    }
    out.push(event);
  }
  if (details.length > 0) {
    const onlyUnknownActions = details.every((d) => d.message.startsWith('unknown action'));
    const code = forbidden
      ? ErrorCode.FORBIDDEN
      : onlyUnknownActions
        ? ErrorCode.UNKNOWN_ACTION
        : ErrorCode.VALIDATION_FAILED;
    const failed = new Set(details.map((d) => d.index)).size;
    const reserved = details.find((d) => d.path === 'source' && d.message.includes('reserved'));
    throw new ValidationError(
      `${failed} of ${inputs.length} event(s) rejected${reserved ? ` (${reserved.message})` : ''}; nothing was stored`,
      details.slice(0, 100),
      code,
    );
  }
  return out;
}

/** Platform safety net: secrets in bodies are masked even when a plugin forgot to; the paths are recorded. */
function redactRequest(request: RequestInfo): RequestInfo {
  const endpoint = request.endpoint === undefined ? undefined : maskUrlSecrets(request.endpoint);
  if (request.request_body === undefined && request.response_body === undefined && endpoint === undefined)
    return request;
  const out: RequestInfo = { ...request };
  const paths = new Set(request.redacted_paths ?? []);
  // Credentials in a query string (`/login?token=...`) are as secret as in a body.
  if (endpoint !== undefined) {
    out.endpoint = endpoint;
    paths.add('/endpoint');
  }
  for (const key of ['request_body', 'response_body'] as const) {
    if (request[key] === undefined) continue;
    const masked = redactSecrets(request[key], { base: `/${key}` });
    out[key] = masked.value;
    for (const p of masked.paths) paths.add(p);
  }
  if (paths.size > 0) out.redacted_paths = [...paths];
  return out;
}

/**
 * Metadata is named by the sender, so a secret can land there too (`api_token`, a callback URL with
 * `?code=`): masked like a body, pointers recorded on the event. A declared searchable field is left as
 * sent: its plugin chose to index it, and masking would break its declared type.
 */
function redactMetadata<M extends Record<string, unknown>>(
  metadata: M,
  declared: readonly SearchableField[],
  given: readonly string[] | undefined,
): { metadata: M; paths: string[] } {
  const keep = new Set(declared.map((f) => f.name));
  const candidates = Object.fromEntries(Object.entries(metadata).filter(([key]) => !keep.has(key)));
  const masked = redactSecrets(candidates, { base: '/metadata' });
  const paths = [...new Set([...(given ?? []), ...masked.paths])];
  if (masked.paths.length === 0) return { metadata, paths };
  // Masking only swaps a scalar for the REDACTED string, so the shape stays M.
  const values = masked.value as M;
  // Rebuilt in the sender's key order, so the stored event reads as sent apart from the masks.
  const out = Object.fromEntries(
    Object.keys(metadata).map((key) => [key, Object.hasOwn(values, key) ? values[key] : metadata[key]]),
  ) as M;
  return { metadata: out, paths };
}

/**
 * A change to a secret field keeps neither value; a value holding secret keys inside (a settings object
 * with an `api_key`) keeps the rest with those masked. Either way `redacted_sides` says which side was
 * masked, so "the password was set" (after only) reads differently from "the password was changed".
 */
function redactChange(change: Change): Change {
  const leaf = change.field.split(/[./]/).pop() ?? change.field;
  if (isSecretKey(leaf)) {
    const sides = (['before', 'after'] as const).filter((s) => change[s] !== undefined);
    return { field: change.field, redacted: true, ...(sides.length > 0 ? { redacted_sides: sides } : {}) };
  }
  const out: Change = { ...change };
  const sides: ('before' | 'after')[] = [];
  for (const side of ['before', 'after'] as const) {
    if (change[side] === undefined || change[side] === null || typeof change[side] !== 'object') continue;
    const masked = redactSecrets(change[side]);
    if (masked.paths.length > 0) {
      out[side] = masked.value;
      sides.push(side);
    }
  }
  return sides.length > 0 ? { ...out, redacted: true, redacted_sides: sides } : change;
}

/** JSON with object keys sorted, so two documents compare by content whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      Object.defineProperty(sorted, k, {
        value: (v as Record<string, unknown>)[k],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return sorted;
  });
}

/**
 * Whether a resent event says the same as the stored one: everything but `received_at`, which only
 * records when the platform got it. A same-id event saying something else is a conflict, not a retry.
 */
export function sameEvent(stored: AuditEvent, resent: AuditEvent): boolean {
  const { received_at: _a, ...a } = stored;
  const { received_at: _b, ...b } = resent;
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * A declared searchable field must hold a value of its type when present: an indexed field with a
 * value the index cannot read would be silently unsearchable. Dates must be ISO 8601.
 */
export function declaredFieldProblems(
  fields: readonly SearchableField[] | undefined,
  metadata: Record<string, unknown> | undefined,
): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  for (const field of fields ?? []) {
    const value = metadata?.[field.name];
    if (value === undefined || value === null) continue;
    const ok =
      field.type === 'keyword'
        ? typeof value === 'string'
        : field.type === 'number'
          ? typeof value === 'number' && Number.isFinite(value)
          : field.type === 'boolean'
            ? typeof value === 'boolean'
            : typeof value === 'string' && dateLike.safeParse(value).success;
    if (!ok)
      problems.push({
        path: `metadata.${field.name}`,
        message: `declared as a searchable ${field.type}${field.type === 'date' ? ' (ISO 8601)' : ''}; got ${JSON.stringify(value)}`,
      });
  }
  return problems;
}
