/**
 * The OpenAPI 3.1 document's metadata (title, description, tags, security schemes, shared components),
 * joined with the operations every router generates from its zod schemas. The parts it is made of live
 * in openapi/: examples, error responses, the event schema components, operation decorations.
 */
import { PAGE_LIMIT, type PluginSet } from '@trailmark/core';
import type { AppDeps } from './deps.ts';
import { componentSchemas } from './openapi/components.ts';
import { JSON_TYPE, type Json, ref } from './openapi/json.ts';

const API_VERSION = '1.0.0';

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
        throw new Error(`openapi: ${name(outer, inner)} is both generated and in the metadata`);
    out[outer] = { ...out[outer], ...entries };
  }
  return out;
}

/**
 * The generated paths and components joined with the metadata's shared components (the event schema,
 * errors, page parameters). A component defined both ways is a mistake (one would silently win), so it
 * throws.
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
 * The OpenAPI 3.1 document served at /v1/openapi.json: every operation as the app's routers generate it
 * from their zod schemas, in the document metadata below.
 */
export function openApiDocument(deps: AppDeps, app: GeneratedDocumentSource): Record<string, unknown> {
  const document = mergeGenerated(documentMetadata(deps), app);
  withDeclaredErrors(document.paths as Record<string, Json>, deps.plugins);
  return document;
}

function documentMetadata(deps: AppDeps): Json {
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
    paths: {},
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
