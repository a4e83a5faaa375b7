import { z } from '@hono/zod-openapi';
import {
  type DestinationRecord,
  destinationInputSchema,
  destinationPatchSchema,
  ErrorCode,
  parseLimit,
  REDACTED,
  TENANT_PATTERN,
  TrailmarkError,
  ValidationError,
} from '@trailmark/core';
import type { Context } from 'hono';
import { auditAct } from '../../accounts/audit.ts';
import { parseWith } from '../../accounts/validate.ts';
import { principalLabel, requireScope, tenantOf } from '../../auth.ts';
import type { AppEnv, Principal } from '../../context.ts';
import type { AppDeps } from '../../deps.ts';
import { oneQuery, readJson } from '../../http.ts';
import type { StreamService } from '../../streams/service.ts';
import { createRouter, defineRoute, firstValue, json } from '../define.ts';

/** A time range (`to` left out: up to now), or everything after the receiver's last sequence. */
const replaySchema = z
  .strictObject({
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    after_sequence: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.after_sequence !== undefined && (r.from !== undefined || r.to !== undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['after_sequence'],
        message: 'give either "from" (and "to") or "after_sequence", not both',
      });
    else if (r.after_sequence === undefined && r.from === undefined)
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'required (or "after_sequence")' });
    else if (r.from !== undefined && r.to !== undefined && Date.parse(r.from) >= Date.parse(r.to))
      ctx.addIssue({ code: 'custom', path: ['to'], message: '"from" must be before "to"' });
  });
const deadReplaySchema = z.strictObject({
  message_ids: z.array(z.string().min(1).max(64)).max(1000).optional(),
});
const rotateSchema = z.strictObject({
  overlap_hours: z
    .number()
    .min(0)
    .max(24 * 30)
    .optional(),
});
const STATUSES = ['pending', 'delivered', 'dead'] as const;

// ---------------------------------------------------------------------------------------------
// Schemas and examples of the document. The request schemas are core's, with descriptions added.
// ---------------------------------------------------------------------------------------------

const AUDIT_NOTE = 'Recorded in the `trailmark` source with secrets masked.';
const MANAGE_ERRORS = [ErrorCode.NOT_FOUND, ErrorCode.MALFORMED_JSON, ErrorCode.VALIDATION_FAILED] as const;
const timestamp = z.iso.datetime();
const nullableTime = z.iso.datetime().nullable();
const anyObject = z.record(z.string(), z.unknown());

// Core's schemas were made before @hono/zod-openapi extended zod, so they carry zod's own `.meta()`,
// which the generator reads as well (`id` names the component).
const streamFilter = destinationPatchSchema.shape.filter.unwrap().meta({
  id: 'StreamFilter',
  description: 'Which events the destination receives: any value of a list matches, fields combine with AND.',
});

const input = destinationInputSchema.shape;
const destinationInput = destinationInputSchema
  .extend({
    // Checked before the schema (readCreateBody), against the caller's own tenant.
    tenant: z.string().optional().openapi({
      pattern: TENANT_PATTERN.source,
      description: 'Operator only; others create in their own tenant.',
    }),
    kind: input.kind.meta({ enum: ['webhook', 'slack', 'splunk-hec', 'syslog'] }),
    config: input.config.meta({
      description:
        'webhook `{url}`; slack `{channel?}`; splunk-hec `{url, index?, sourcetype?, source?, host?}`; syslog `{host, port?, tls?, ca?, facility?, app_name?}`.',
    }),
    secrets: input.secrets.meta({
      description:
        'Encrypted at rest, never returned in full. webhook `{signing_secret?}` (generated when absent); slack `{webhook_url}`; splunk-hec `{token}`; syslog none.',
    }),
    filter: streamFilter.default({}),
    checkpoints: input.checkpoints.meta({
      description:
        "Also receive each signed checkpoint of the tenant's evidence log, as a `checkpoint.signed` message (not a stored event) whose `metadata.note` is the signed note: a copy outside the operator's reach.",
    }),
  })
  .openapi('StreamDestinationInput');

const destinationPatch = destinationPatchSchema
  .extend({
    secrets: destinationPatchSchema.shape.secrets.meta({
      description: 'Fields given replace the stored ones; others are kept.',
    }),
    filter: streamFilter.optional(),
  })
  .openapi('StreamDestinationPatch');

const destinationSchema = z
  .object({
    id: z.string().regex(/^dst_/),
    tenant: z.string(),
    name: z.string(),
    kind: z.string(),
    config: anyObject,
    secrets: anyObject.openapi({ description: 'Masked: the last four characters at most.' }),
    filter: streamFilter,
    enabled: z.boolean(),
    checkpoints: z.boolean(),
    state: z.enum(['active', 'disabled', 'paused_failing', 'paused_gone', 'paused_unauthorized']),
    health: z.object({
      failing_since: nullableTime,
      last_success_at: nullableTime,
      last_error: z.string().nullable(),
      queued_messages: z.int(),
      queued_events: z.int(),
      dead_letters: z.int(),
      lag_seconds: z.number().min(0).openapi({
        description: 'Age of the oldest event not yet delivered to this destination; 0 when none waits.',
      }),
    }),
    created_at: timestamp.optional(),
    updated_at: timestamp.optional(),
  })
  .openapi('StreamDestination');

const messageSchema = z
  .object({
    id: z.string().regex(/^msg_/).openapi({ description: 'The `webhook-id`: the same on every attempt.' }),
    destination_id: z.string(),
    sequence: z.int().openapi({ description: 'Increasing per destination.' }),
    status: z.enum(STATUSES),
    origin: z.enum(['live', 'replay', 'test', 'checkpoint']),
    event_count: z.int(),
    event_ids: z.array(z.string()).optional(),
    attempts: z.int(),
    created_at: timestamp.optional(),
    first_attempt_at: timestamp.optional(),
    next_attempt_at: z
      .int()
      .optional()
      .openapi({ description: 'Epoch ms of the next attempt while pending.' }),
    last_status: z.int().optional(),
    last_error: z.string().optional(),
    last_response: z
      .string()
      .optional()
      .openapi({ description: 'Start of the receiver answer (size-capped).' }),
    delivered_at: timestamp.optional(),
    dead_at: timestamp.optional(),
  })
  .openapi('StreamMessage');

const attemptSchema = z
  .object({
    message_id: z.string(),
    destination_id: z.string(),
    sequence: z.int(),
    attempt: z.int(),
    at: timestamp,
    outcome: z.enum(['delivered', 'retry', 'reject', 'gone', 'unauthorized', 'exhausted']),
    status_code: z.int().optional(),
    latency_ms: z.int(),
    error: z.string().optional(),
  })
  .openapi('StreamAttempt');

const destinationExample = {
  id: 'dst_01JRWC0M3S5T7V9X1Z3B5D7F9H',
  tenant: 'acme',
  name: 'SIEM webhook',
  kind: 'webhook',
  config: { url: 'https://siem.acme.example/hooks/trailmark' },
  secrets: { signing_secret: '••••Gk0=' },
  filter: { result: ['denied', 'failure'] },
  enabled: true,
  checkpoints: false,
  state: 'active',
  health: {
    failing_since: null,
    last_success_at: '2026-04-14T10:32:16.020Z',
    last_error: null,
    queued_messages: 0,
    queued_events: 0,
    dead_letters: 0,
    lag_seconds: 0,
  },
  created_at: '2026-04-14T10:00:00.000Z',
  updated_at: '2026-04-14T10:00:00.000Z',
};

const messageExample = {
  id: 'msg_01JRWC4Q8E2K5M7P9R1T3V5X7Z',
  destination_id: destinationExample.id,
  sequence: 42,
  status: 'dead',
  origin: 'live',
  event_count: 1,
  event_ids: ['ft_01JRW6B9G1UPLOAD0001'],
  attempts: 1,
  created_at: '2026-04-14T10:32:15.500Z',
  first_attempt_at: '2026-04-14T10:32:15.510Z',
  next_attempt_at: 0,
  last_status: 400,
  last_error: 'HTTP 400',
  last_response: '{"error":"unknown field"}',
  dead_at: '2026-04-14T10:32:15.600Z',
};

const attemptExample = {
  message_id: messageExample.id,
  destination_id: destinationExample.id,
  sequence: 42,
  attempt: 1,
  at: '2026-04-14T10:32:15.600Z',
  outcome: 'reject',
  status_code: 400,
  latency_ms: 87,
  error: 'HTTP 400',
};

const jsonBody = <T>(schema: T, examples?: Record<string, { value: unknown }>) => ({
  required: true,
  content: { 'application/json': { schema, ...(examples ? { examples } : {}) } },
});
const list = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });

// Any string: an id of another tenant, or none, is 404 like an unknown one.
const destinationId = z.object({ id: z.string().openapi({ description: 'Destination id (`dst_...`).' }) });
/** `limit` and the others are read by the handler (given once, strictly), so the schema only documents. */
const limit = firstValue(z.string().optional()).openapi({
  type: 'integer',
  minimum: 1,
  maximum: 1000,
  default: 100,
});
const tags = ['Streams'];

const listStreamKinds = defineRoute(
  { scope: 'read' },
  {
    method: 'get',
    path: '/kinds',
    operationId: 'listStreamKinds',
    summary: 'Destination kinds this server can stream to',
    tags,
    responses: {
      200: json('Installed stream plugins', list(anyObject), {
        data: [{ kind: 'webhook', name: 'Webhook', description: 'Any HTTPS endpoint...', max_batch: 100 }],
      }),
    },
  },
);

const listStreamDestinations = defineRoute(
  { scope: 'read' },
  {
    method: 'get',
    path: '/destinations',
    operationId: 'listStreamDestinations',
    summary: 'List stream destinations with their health',
    tags,
    request: {
      query: z.object({
        tenant: firstValue(z.string().optional()).openapi({ description: 'Operator: one tenant.' }),
      }),
    },
    responses: {
      200: json('Destinations', list(destinationSchema), { data: [destinationExample] }),
    },
  },
);

/** The tenant to create in: the caller's own, or for the operator the one named. */
function createTenant(principal: Principal, named: unknown): string {
  const own = tenantOf(principal);
  if (own !== undefined) {
    if (named !== undefined && named !== own)
      throw new TrailmarkError(ErrorCode.FORBIDDEN, 'you manage your own tenant only', [
        { path: 'tenant', message: `you belong to tenant "${own}"` },
      ]);
    return own;
  }
  if (typeof named !== 'string' || !TENANT_PATTERN.test(named))
    throw new ValidationError('the operator must name the tenant', [
      { path: 'tenant', message: 'add "tenant"' },
    ]);
  return named;
}

/**
 * The tenant is checked before the rest of the body, as a 403 or the operator's 400 naming it. What the
 * schema then sees is the body as an object (anything else is an empty one, missing every field).
 */
async function readCreateBody(c: Context<AppEnv>): Promise<unknown> {
  const body = await readJson(c);
  const fields = (typeof body === 'object' && body !== null ? { ...body } : {}) as Record<string, unknown>;
  createTenant(c.get('principal'), fields.tenant);
  return fields;
}

const createStreamDestination = defineRoute(
  {
    scope: 'admin',
    invalid: 'invalid stream destination',
    readBody: readCreateBody,
    errors: [...MANAGE_ERRORS, ErrorCode.UNSUPPORTED_MEDIA_TYPE, ErrorCode.DESTINATION_BLOCKED],
  },
  {
    method: 'post',
    path: '/destinations',
    operationId: 'createStreamDestination',
    summary: 'Create a stream destination',
    description: `Receives events stored from now on (replay sends older ones). The address is refused (422 \`DESTINATION_BLOCKED\`) when it resolves to a loopback, private, link-local, CGNAT, multicast or metadata address not allow-listed by TRAILMARK_STREAM_ALLOW_PRIVATE. ${AUDIT_NOTE}`,
    tags,
    request: {
      body: jsonBody(destinationInput, {
        webhook: {
          value: {
            name: 'SIEM webhook',
            kind: 'webhook',
            config: { url: 'https://siem.acme.example/hooks/trailmark' },
            filter: { result: ['denied', 'failure'] },
          },
        },
        splunk: {
          value: {
            name: 'Splunk',
            kind: 'splunk-hec',
            config: { url: 'https://splunk.acme.example:8088', index: 'audit' },
            secrets: { token: '11111111-2222-3333-4444-555555555555' },
          },
        },
      }),
    },
    responses: { 201: json('Created', destinationSchema, destinationExample) },
  },
);

const getStreamDestination = defineRoute(
  { scope: 'read', errors: [ErrorCode.NOT_FOUND] },
  {
    method: 'get',
    path: '/destinations/{id}',
    operationId: 'getStreamDestination',
    summary: 'One stream destination',
    tags,
    request: { params: destinationId },
    responses: { 200: json('The destination', destinationSchema, destinationExample) },
  },
);

const updateStreamDestination = defineRoute(
  {
    scope: 'admin',
    invalid: 'invalid stream destination change',
    errors: [...MANAGE_ERRORS, ErrorCode.DESTINATION_BLOCKED],
  },
  {
    method: 'patch',
    path: '/destinations/{id}',
    operationId: 'updateStreamDestination',
    summary: 'Change a destination (name, config, secrets, filter, enabled)',
    description: AUDIT_NOTE,
    tags,
    request: { params: destinationId, body: jsonBody(destinationPatch) },
    responses: { 200: json('Changed', destinationSchema, destinationExample) },
  },
);

const deleteStreamDestination = defineRoute(
  { scope: 'admin', errors: [ErrorCode.NOT_FOUND] },
  {
    method: 'delete',
    path: '/destinations/{id}',
    operationId: 'deleteStreamDestination',
    summary: 'Delete a destination, its queue and delivery log',
    description: AUDIT_NOTE,
    tags,
    request: { params: destinationId },
    responses: { 204: { description: 'Deleted.' } },
  },
);

const resumeStreamDestination = defineRoute(
  { scope: 'admin', errors: [ErrorCode.NOT_FOUND] },
  {
    method: 'post',
    path: '/destinations/{id}/resume',
    operationId: 'resumeStreamDestination',
    summary: 'Resume a destination paused by a 410 or a long failure',
    description: `The next pending message is sent at once. ${AUDIT_NOTE}`,
    tags,
    request: { params: destinationId },
    responses: { 200: json('Resumed', destinationSchema, destinationExample) },
  },
);

/**
 * The optional body of a rotation, documented from its schema. The handler reads it (an empty body is
 * the default rotation), so the route declares no zod body that a validator would read first.
 */
const rotateBodyDoc = (() => {
  const { $schema: _draft, ...schema } = z.toJSONSchema(rotateSchema) as Record<string, unknown>;
  return schema;
})();

const rotateStreamSecret = defineRoute(
  { scope: 'admin', errors: [ErrorCode.NOT_FOUND, ErrorCode.CONFLICT, ErrorCode.VALIDATION_FAILED] },
  {
    method: 'post',
    path: '/destinations/{id}/rotate-secret',
    operationId: 'rotateStreamSecret',
    summary: 'Rotate a webhook signing secret',
    description: `The new secret signs at once; the old one signs beside it until \`previous_until\` (default 24 h), so receivers switch without rejecting a message. The new secret is shown only here. ${AUDIT_NOTE}`,
    tags,
    request: {
      params: destinationId,
      body: { required: false, content: { 'application/json': { schema: rotateBodyDoc } } },
    },
    responses: {
      200: json('Rotated', z.object({ signing_secret: z.string(), previous_until: timestamp }), {
        signing_secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        previous_until: '2026-04-15T10:00:00.000Z',
      }),
    },
  },
);

const testStreamDestination = defineRoute(
  { scope: 'admin', errors: [ErrorCode.NOT_FOUND] },
  {
    method: 'post',
    path: '/destinations/{id}/test',
    operationId: 'testStreamDestination',
    summary: 'Send a test event through the queue',
    description: `A synthetic \`stream_destination.tested\` event (not stored) goes through the same queue, retries and signing. ${AUDIT_NOTE}`,
    tags,
    request: { params: destinationId },
    responses: {
      202: json(
        'Queued',
        z.object({ message_id: z.string(), sequence: z.int().optional(), event: anyObject.optional() }),
        {
          message_id: messageExample.id,
          sequence: 43,
          event: { id: 'evt_01JRWC4Q8E2K5M7P9R1T3V5X7Z', action: 'stream_destination.tested' },
        },
      ),
    },
  },
);

const getStreamHealth = defineRoute(
  { scope: 'read', errors: [ErrorCode.NOT_FOUND] },
  {
    method: 'get',
    path: '/destinations/{id}/health',
    operationId: 'getStreamHealth',
    summary: 'Health of a destination',
    tags,
    request: { params: destinationId },
    responses: {
      200: json('Health', anyObject, {
        id: destinationExample.id,
        state: 'active',
        ...destinationExample.health,
      }),
    },
  },
);

const listStreamDeliveries = defineRoute(
  { scope: 'read', errors: [ErrorCode.NOT_FOUND, ErrorCode.VALIDATION_FAILED] },
  {
    method: 'get',
    path: '/destinations/{id}/deliveries',
    operationId: 'listStreamDeliveries',
    summary: 'Delivery log: every attempt, newest first (kept 7 days)',
    tags,
    request: {
      params: destinationId,
      query: z.object({
        limit,
        since: firstValue(z.string().optional()).openapi({ format: 'date-time' }),
      }),
    },
    responses: { 200: json('Attempts', list(attemptSchema), { data: [attemptExample] }) },
  },
);

const listStreamMessages = defineRoute(
  { scope: 'read', errors: [ErrorCode.NOT_FOUND, ErrorCode.VALIDATION_FAILED] },
  {
    method: 'get',
    path: '/destinations/{id}/messages',
    operationId: 'listStreamMessages',
    summary: 'Messages of a destination, newest first',
    tags,
    request: {
      params: destinationId,
      query: z.object({
        status: firstValue(z.string().optional()).openapi({ enum: [...STATUSES] }),
        limit,
      }),
    },
    responses: { 200: json('Messages', list(messageSchema), { data: [messageExample] }) },
  },
);

const listStreamDeadLetters = defineRoute(
  { scope: 'read', errors: [ErrorCode.NOT_FOUND, ErrorCode.VALIDATION_FAILED] },
  {
    method: 'get',
    path: '/destinations/{id}/dead-letters',
    operationId: 'listStreamDeadLetters',
    summary: 'Dead letters: rejected (4xx) or exhausted messages, with the last answer',
    tags,
    request: { params: destinationId, query: z.object({ limit }) },
    responses: { 200: json('Dead letters', list(messageSchema), { data: [messageExample] }) },
  },
);

const replayStreamDeadLetters = defineRoute(
  { scope: 'admin', invalid: 'invalid replay', errors: [...MANAGE_ERRORS] },
  {
    method: 'post',
    path: '/destinations/{id}/dead-letters/replay',
    operationId: 'replayStreamDeadLetters',
    summary: 'Queue dead letters again (all, or the ids given)',
    description: `They keep their message id and sequence, so receivers de-duplicate them. ${AUDIT_NOTE}`,
    tags,
    request: { params: destinationId, body: jsonBody(deadReplaySchema) },
    responses: {
      202: json('Queued', z.object({ replayed: z.array(z.string()) }), { replayed: [messageExample.id] }),
    },
  },
);

const replayStreamRange = defineRoute(
  { scope: 'admin', invalid: 'invalid replay range', errors: [...MANAGE_ERRORS] },
  {
    method: 'post',
    path: '/destinations/{id}/replay',
    operationId: 'replayStreamRange',
    summary: 'Re-send a time range, or everything after a sequence (a SIEM that was down)',
    description: `Either a time range: events matching the destination's filter with \`from <= occurred_at < to\`, oldest first, at most 50,000 per request (split longer ranges); without \`to\`, everything from \`from\` on. Or a cursor: \`after_sequence\`, the last sequence the receiver processed, re-sends the stored events of every later message of this destination (delivered or dead-lettered; pending ones are on their way), in sequence order; 409 \`CONFLICT\` when those messages are past the delivery log's 7 days. Both go through the same queue under new sequences. ${AUDIT_NOTE}`,
    tags,
    request: {
      params: destinationId,
      body: jsonBody(replaySchema, {
        day: { value: { from: '2026-04-14T00:00:00Z', to: '2026-04-15T00:00:00Z' } },
        cursor: { value: { after_sequence: 4711 } },
      }),
    },
    responses: {
      202: json(
        'Queued',
        z.object({
          events: z.int(),
          messages: z.int(),
          truncated: z.boolean(),
          from_sequence: z
            .int()
            .optional()
            .openapi({ description: 'with after_sequence: the first sequence re-sent' }),
        }),
        { events: 1200, messages: 12, truncated: false },
      ),
    },
  },
);

/** Secrets never reach the audit trail: the request body keeps only that secrets were sent. */
function auditedBody(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || !('secrets' in body)) return body;
  return { ...(body as Record<string, unknown>), secrets: REDACTED };
}

/** One strict `limit` (decimal digits, given once), as on every other listing route. */
function limitOf(c: Context<AppEnv>, fallback: number, max: number): number {
  return parseLimit(c.req.queries('limit'), max, fallback);
}

/**
 * Stream destinations of a tenant: owners and admins (and admin keys) manage them, auditors and read
 * keys see them (secrets always masked). Another tenant's destination is "not found".
 */
export function streamRoutes(deps: AppDeps) {
  const app = createRouter();
  const service = (): StreamService => {
    if (!deps.streams)
      throw new TrailmarkError(ErrorCode.NOT_FOUND, 'streaming is not enabled on this server');
    return deps.streams;
  };

  const audit = async (
    c: Context<AppEnv>,
    principal: Principal,
    d: Pick<DestinationRecord, 'id' | 'tenant' | 'name' | 'kind'>,
    action: string,
    extra: { requestBody?: unknown; metadata?: Record<string, string | number | boolean> } = {},
  ) =>
    auditAct(c, deps, d.tenant, {
      action,
      actor: principalLabel(principal),
      targets: [{ type: 'stream_destination', id: d.id, name: d.name }],
      outcome: { result: 'success' },
      metadata: { kind: d.kind, ...extra.metadata },
      ...(extra.requestBody !== undefined ? { requestBody: auditedBody(extra.requestBody) } : {}),
    });

  app.openapi(listStreamKinds, (c) => {
    requireScope(c, 'read');
    return c.json({ data: service().kinds() }, 200);
  });

  app.openapi(listStreamDestinations, (c) => {
    const principal = requireScope(c, 'read');
    const requested = oneQuery(c, 'tenant');
    const own = tenantOf(principal);
    if (own !== undefined && requested !== undefined && requested !== own)
      throw new TrailmarkError(ErrorCode.FORBIDDEN, 'you can only read your own tenant', [
        { path: 'tenant', message: `you belong to tenant "${own}"` },
      ]);
    return c.json({ data: service().list(own ?? requested) }, 200);
  });

  app.openapi(createStreamDestination, async (c) => {
    const principal = requireScope(c, 'admin');
    // The body as sent, for the audit entry (secrets masked); the validated one is what acts.
    const body = await readJson(c);
    const { tenant: named, ...input } = c.req.valid('json');
    const tenant = createTenant(principal, named);
    const creator = principal.kind === 'api_key' ? undefined : principal.user?.id;
    const created = await service().create(tenant, input, creator);
    await audit(c, principal, created, 'stream_destination.created', { requestBody: body });
    return c.json(created, 201);
  });

  app.openapi(getStreamDestination, (c) => {
    const principal = requireScope(c, 'read');
    return c.json(service().get(c.req.valid('param').id, tenantOf(principal)), 200);
  });

  app.openapi(updateStreamDestination, async (c) => {
    const principal = requireScope(c, 'admin');
    const body = await readJson(c);
    const updated = await service().update(c.req.valid('param').id, tenantOf(principal), c.req.valid('json'));
    await audit(c, principal, updated, 'stream_destination.updated', { requestBody: body });
    return c.json(updated, 200);
  });

  app.openapi(deleteStreamDestination, async (c) => {
    const principal = requireScope(c, 'admin');
    const removed = service().delete(c.req.valid('param').id, tenantOf(principal));
    await audit(c, principal, removed, 'stream_destination.deleted');
    return c.body(null, 204);
  });

  app.openapi(resumeStreamDestination, async (c) => {
    const principal = requireScope(c, 'admin');
    const resumed = service().resume(c.req.valid('param').id, tenantOf(principal));
    await audit(c, principal, resumed, 'stream_destination.resumed');
    return c.json(resumed, 200);
  });

  app.openapi(rotateStreamSecret, async (c) => {
    const principal = requireScope(c, 'admin');
    // The body is optional; one that was sent is read like any other (so an untyped one is a 415, never
    // ignored with its overlap_hours).
    const empty = (await c.req.arrayBuffer()).byteLength === 0;
    const body = empty ? {} : await readJson(c);
    const { overlap_hours } = parseWith(rotateSchema, body, 'invalid rotation');
    const s = service();
    const d = s.record(c.req.valid('param').id, tenantOf(principal));
    const rotated = s.rotateSecret(
      d.id,
      d.tenant,
      overlap_hours === undefined ? undefined : overlap_hours * 3600_000,
    );
    await audit(c, principal, d, 'stream_destination.secret_rotated', {
      metadata: { previous_until: rotated.previous_until },
    });
    return c.json(rotated, 200);
  });

  app.openapi(testStreamDestination, async (c) => {
    const principal = requireScope(c, 'admin');
    const s = service();
    const d = s.record(c.req.valid('param').id, tenantOf(principal));
    const sent = s.sendTest(d.id, d.tenant, principalLabel(principal));
    await audit(c, principal, d, 'stream_destination.tested');
    return c.json(sent, 202);
  });

  app.openapi(getStreamHealth, (c) => {
    const principal = requireScope(c, 'read');
    const d = service().get(c.req.valid('param').id, tenantOf(principal));
    return c.json({ id: d.id, state: d.state, ...d.health }, 200);
  });

  app.openapi(listStreamDeliveries, (c) => {
    const principal = requireScope(c, 'read');
    const since = oneQuery(c, 'since');
    if (since !== undefined && Number.isNaN(Date.parse(since)))
      throw new ValidationError('invalid since', [{ path: 'since', message: 'an ISO 8601 time' }]);
    const data = service().attempts(
      c.req.valid('param').id,
      tenantOf(principal),
      limitOf(c, 100, 1000),
      since === undefined ? undefined : new Date(since).toISOString(),
    );
    return c.json({ data }, 200);
  });

  app.openapi(listStreamMessages, (c) => {
    const principal = requireScope(c, 'read');
    const status = oneQuery(c, 'status');
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status))
      throw new ValidationError('invalid status', [{ path: 'status', message: STATUSES.join(' | ') }]);
    const data = service().messages(
      c.req.valid('param').id,
      tenantOf(principal),
      status as (typeof STATUSES)[number] | undefined,
      limitOf(c, 100, 1000),
    );
    return c.json({ data }, 200);
  });

  app.openapi(listStreamDeadLetters, (c) => {
    const principal = requireScope(c, 'read');
    const data = service().messages(
      c.req.valid('param').id,
      tenantOf(principal),
      'dead',
      limitOf(c, 100, 1000),
    );
    return c.json({ data }, 200);
  });

  app.openapi(replayStreamDeadLetters, async (c) => {
    const principal = requireScope(c, 'admin');
    const { message_ids } = c.req.valid('json');
    const s = service();
    const d = s.record(c.req.valid('param').id, tenantOf(principal));
    const replayed = s.replayDead(d.id, d.tenant, message_ids);
    await audit(c, principal, d, 'stream_destination.replayed', {
      metadata: { dead_letters: replayed.length },
    });
    return c.json({ replayed }, 202);
  });

  app.openapi(replayStreamRange, async (c) => {
    const principal = requireScope(c, 'admin');
    const body = await readJson(c);
    const range = c.req.valid('json');
    const s = service();
    const d = s.record(c.req.valid('param').id, tenantOf(principal));
    const result =
      range.after_sequence !== undefined
        ? await s.replayFromSequence(d.id, d.tenant, range.after_sequence)
        : await s.replayRange(d.id, d.tenant, {
            from: range.from as string,
            ...(range.to !== undefined ? { to: range.to } : {}),
          });
    await audit(c, principal, d, 'stream_destination.replayed', {
      requestBody: body,
      metadata: { events: result.events, truncated: result.truncated },
    });
    return c.json(result, 202);
  });

  return app;
}
