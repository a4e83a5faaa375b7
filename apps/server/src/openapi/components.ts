import { ErrorCode, eventInputSchema, LIMITS, type PluginSet } from '@trailmark/core';
import { z } from 'zod';
import { statusOf } from '../errors.ts';
import { ERROR_WHEN } from './errors.ts';
import { type Json, ref } from './json.ts';

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
  id: 'Your idempotency key: 1–64 of `A-Z a-z 0-9 _ . : -`, starting with a letter or digit. Resending an id already stored for the tenant is reported as a duplicate and writes nothing. Generated as `evt_` + ULID when absent.',
  tenant:
    'The customer the event belongs to. Implied by an API key (may be repeated if equal); required with the operator token.',
  source:
    'The product: lower case, digits, dashes (`file-transfer`); a registered source id (see `GET /v1/catalog`) or a new one.',
  action:
    '`noun.verb_past` in lower snake case: `file.uploaded`, `member.role_changed`. A registered source accepts only the actions it declares (see `GET /v1/catalog`); an unregistered source is accepted as is.',
  source_action: "The product's own name for the operation, kept verbatim (`UPLOAD`, `FILE_RENAME`).",
  category: 'Group of the action; filled from the catalog when absent.',
  occurred_at:
    'When it happened: ISO 8601 with an offset. After 2000-01-01, at most 24 h in the future. Stored in UTC.',
  actor:
    'Who did it: `type` (`user`, `api_key`, `service`, `system`, `anonymous`, `integration`) and `id`; optional `name`, `email` (stored lower-cased) and `credential` (`{type, id?, name?}`).',
  'actor.id': 'Stable id of the actor (user id, key id, service name; `anonymous` for share-link visitors).',
  'actor.email': 'Stored lower-cased; the `actor` filter matches id or email.',
  'actor.credential': 'How the actor authenticated, e.g. `{ "type": "api_key", "id": "key_live_4f9a" }`.',
  targets: `What it was done to: 0–${LIMITS.targets} objects of a \`type\` and at least one of \`id\`, \`path\`, \`name\`; optional \`previous_path\`, \`size_bytes\`, \`mime_type\`, \`region\`, \`version\`, \`role\` (\`primary\`, \`affected\`, \`related\`, \`source\`, \`destination\`, \`parent\`) and \`attributes\`. Use an empty array for account-level actions.`,
  'targets.[]': 'A target needs at least one of `id`, `path` or `name`.',
  'targets.[].path': 'Absolute path; asset history follows renames through `path` and `previous_path`.',
  'targets.[].previous_path': 'Path before a rename or move.',
  'targets.[].attributes': `Up to ${LIMITS.attributesKeys} scalar attributes.`,
  outcome:
    'Whether it worked: `result` (`success`, `failure`, `denied`, `error`); optional `reason` (snake_case), `message`, `status_code`.',
  'outcome.reason': 'Machine-readable snake_case reason, e.g. `permission_denied`.',
  workspace: '`{ id, name? }`: the workspace, project or account inside the tenant.',
  client:
    'Where the request came from: `ip` (v4 or v6), `user_agent`, `geo` (`country_code`, `country`, `region`, `city`), `device` (`kind`, `name?`).',
  request:
    'The HTTP request that caused the event: `id`, `method`, `endpoint`, `api_operation`, `status`, `region`, `request_body`, `response_body`, `redacted_paths`.',
  'request.request_body': `Any JSON, at most ${LIMITS.bodyBytes} bytes serialized. Secrets are masked on ingest.`,
  'request.response_body': `Any JSON, at most ${LIMITS.bodyBytes} bytes serialized. Secrets are masked on ingest.`,
  'request.redacted_paths': 'JSON pointers of masked values; the server adds the ones it masks itself.',
  changes: `Field-level before/after values: up to ${LIMITS.changes} \`{ field, before?, after? }\`.`,
  'changes.[].before': `Any JSON, at most ${LIMITS.changeValueBytes} bytes serialized.`,
  'changes.[].after': `Any JSON, at most ${LIMITS.changeValueBytes} bytes serialized.`,
  'changes.[].redacted':
    'Set by the server when the field name looks secret (before/after are then dropped) or a value held secret keys (those are masked).',
  'changes.[].redacted_sides':
    'Set by the server with redacted: which values were masked, before, after or both.',
  metadata: `Up to ${LIMITS.metadataKeys} scalar values (strings up to ${LIMITS.metadataValueChars} characters), stored and shown. **Not indexed**: neither filters nor free text find them, except the keys a source declares as searchable fields (\`attr.<name>\`), which must then hold a value of the declared type. Values under secret-looking names are masked on ingest (declared searchable fields excepted).`,
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

export function componentSchemas(declared: PluginSet['errors'] = new Map()): Record<string, Json> {
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
