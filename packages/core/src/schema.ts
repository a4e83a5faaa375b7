import { z } from 'zod';
import { EVENT_ID_PATTERN } from './ids.ts';
import { jsonShapeIssue, MAX_JSON_DEPTH } from './json-shape.ts';

/**
 * Event schema v1. snake_case on the wire and in storage, so no mapping layer exists anywhere.
 * Every string, array and map is bounded: mapping, index size and exports stay predictable,
 * and oversize input is rejected with the field path instead of being silently cut.
 */
export const LIMITS = {
  eventBytes: 128 * 1024,
  bodyBytes: 16 * 1024,
  changeValueBytes: 2 * 1024,
  targets: 32,
  changes: 50,
  metadataKeys: 40,
  metadataValueChars: 1000,
  attributesKeys: 20,
  batchEvents: 1000,
} as const;

export const ACTION_PATTERN = /^[a-z][a-z0-9_]{0,39}(\.[a-z][a-z0-9_]{0,39}){1,2}$/;
export const SOURCE_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;
export const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
export const NOUN_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
export const CODE_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

export const OUTCOME_RESULTS = ['success', 'failure', 'denied', 'error'] as const;
export type OutcomeResult = (typeof OUTCOME_RESULTS)[number];
export const ACTOR_TYPES = ['user', 'api_key', 'service', 'system', 'anonymous', 'integration'] as const;
export const DEVICE_KINDS = [
  'browser',
  'cli',
  'sdk',
  'api',
  'mobile',
  'desktop',
  'server',
  'unknown',
] as const;
export const TARGET_ROLES = ['primary', 'affected', 'related', 'source', 'destination', 'parent'] as const;

const text = (max: number) => z.string().min(1).max(max);
const scalar = z.union([z.string().max(LIMITS.metadataValueChars), z.number(), z.boolean(), z.null()]);
const metadataKey = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'keys are 1-64 of A-Z a-z 0-9 _ . -');
const absolutePath = z.string().min(1).max(2048).regex(/^\//, 'must be an absolute path starting with /');

/** Any JSON value whose serialized form stays under `maxBytes`. Bodies are stored, never indexed. */
function boundedJson(maxBytes: number) {
  return z.unknown().superRefine((value, ctx) => {
    if (value === undefined) return;
    // Depth first and without recursion: JSON.stringify and secret masking below both recurse.
    const shape = jsonShapeIssue(value, MAX_JSON_DEPTH);
    if (shape) {
      ctx.addIssue({ code: 'custom', message: `${shape.path ? `${shape.path}: ` : ''}${shape.message}` });
      return;
    }
    const size = Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
    if (size > maxBytes)
      ctx.addIssue({ code: 'custom', message: `serialized size ${size} bytes exceeds ${maxBytes}` });
  });
}

function boundedRecord(maxKeys: number) {
  return z
    .record(metadataKey, scalar)
    .refine((r) => Object.keys(r).length <= maxKeys, { message: `at most ${maxKeys} keys` });
}

export const actorSchema = z.strictObject({
  type: z.enum(ACTOR_TYPES),
  id: text(256),
  name: text(256).optional(),
  email: z.email().max(320).optional(),
  credential: z
    .strictObject({
      type: z.string().regex(CODE_PATTERN),
      id: text(256).optional(),
      name: text(256).optional(),
    })
    .optional(),
});

export const targetSchema = z
  .strictObject({
    type: z.string().regex(NOUN_PATTERN, 'lower snake case noun'),
    id: text(256).optional(),
    name: text(512).optional(),
    path: absolutePath.optional(),
    previous_path: absolutePath.optional(),
    size_bytes: z.number().int().nonnegative().optional(),
    mime_type: text(128).optional(),
    region: text(64).optional(),
    version: text(64).optional(),
    role: z.enum(TARGET_ROLES).optional(),
    attributes: boundedRecord(LIMITS.attributesKeys).optional(),
  })
  .refine((t) => t.id !== undefined || t.path !== undefined || t.name !== undefined, {
    message: 'a target needs at least one of id, path or name',
  });

export const outcomeSchema = z.strictObject({
  result: z.enum(OUTCOME_RESULTS),
  reason: z.string().regex(CODE_PATTERN, 'snake_case code').optional(),
  message: text(1024).optional(),
  // A 32-bit integer: the OpenSearch mapping is `integer`, and a larger value is refused there (400).
  status_code: z.number().int().min(-2_147_483_648).max(2_147_483_647).optional(),
});

export const clientSchema = z.strictObject({
  ip: z.union([z.ipv4(), z.ipv6()]).optional(),
  user_agent: text(1024).optional(),
  geo: z
    .strictObject({
      country_code: z
        .string()
        .regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2')
        .optional(),
      country: text(128).optional(),
      region: text(128).optional(),
      city: text(128).optional(),
    })
    .optional(),
  device: z.strictObject({ kind: z.enum(DEVICE_KINDS), name: text(128).optional() }).optional(),
});

export const requestSchema = z.strictObject({
  id: text(128).optional(),
  method: z
    .string()
    .regex(/^[A-Z]{1,16}$/, 'upper-case HTTP method')
    .optional(),
  endpoint: text(512).optional(),
  api_operation: text(256).optional(),
  status: z.number().int().min(100).max(599).optional(),
  region: text(64).optional(),
  request_body: boundedJson(LIMITS.bodyBytes).optional(),
  response_body: boundedJson(LIMITS.bodyBytes).optional(),
  redacted_paths: z.array(z.string().max(512)).max(100).optional(),
});

export const changeSchema = z.strictObject({
  field: text(256),
  before: boundedJson(LIMITS.changeValueBytes).optional(),
  after: boundedJson(LIMITS.changeValueBytes).optional(),
  redacted: z.boolean().optional(),
  /** Which values were masked (set by ingest): `before`, `after` or both. */
  redacted_sides: z
    .array(z.enum(['before', 'after']))
    .max(2)
    .optional(),
});

const eventFields = {
  id: z.string().regex(EVENT_ID_PATTERN, 'ids are 1-64 of A-Z a-z 0-9 _ . : -').optional(),
  tenant: z.string().regex(TENANT_PATTERN, 'tenant ids are 1-128 of A-Z a-z 0-9 _ . -').optional(),
  source: z.string().regex(SOURCE_PATTERN, 'lower-case source id'),
  action: z.string().regex(ACTION_PATTERN, 'noun.verb_past in lower snake case'),
  source_action: text(128).optional(),
  category: z.string().regex(CODE_PATTERN).optional(),
  occurred_at: z.iso.datetime({ offset: true }),
  actor: actorSchema,
  targets: z.array(targetSchema).max(LIMITS.targets),
  outcome: outcomeSchema,
  workspace: z.strictObject({ id: text(256), name: text(256).optional() }).optional(),
  client: clientSchema.optional(),
  request: requestSchema.optional(),
  changes: z.array(changeSchema).max(LIMITS.changes).optional(),
  metadata: boundedRecord(LIMITS.metadataKeys).optional(),
  /** JSON pointers from the event root of values masked outside `request` (metadata); ingest adds its own. */
  redacted_paths: z.array(z.string().max(512)).max(100).optional(),
};

/** What a sender (or a source plugin's mapper) produces. */
export const eventInputSchema = z.strictObject(eventFields);
export type EventInput = z.input<typeof eventInputSchema>;

export type Actor = z.infer<typeof actorSchema>;
export type Target = z.infer<typeof targetSchema>;
export type Outcome = z.infer<typeof outcomeSchema>;
export type Client = z.infer<typeof clientSchema>;
export type RequestInfo = z.infer<typeof requestSchema>;
export type Change = z.infer<typeof changeSchema>;

/** A stored event: everything the sender gave, plus what only the platform decides. */
export type AuditEvent = Omit<z.infer<typeof eventInputSchema>, 'id' | 'tenant' | 'category'> & {
  id: string;
  tenant: string;
  category?: string;
  occurred_at: string;
  received_at: string;
};
