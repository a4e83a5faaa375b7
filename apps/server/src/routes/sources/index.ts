import { z } from '@hono/zod-openapi';
import { ErrorCode, RESERVED_SOURCE, TrailmarkError, ValidationError } from '@trailmark/core';
import { requireScope } from '../../auth.ts';
import type { AppDeps } from '../../deps.ts';
import { asBatch, oneQuery, readJson } from '../../http.ts';
import { fileTransferNativeExample } from '../../openapi/examples.ts';
import { createRouter, defineRoute, firstValue } from '../define.ts';
import { INGEST_ERRORS, ingestResponses, NATIVE_INGEST_REQUEST } from '../ingest-schemas.ts';

const ingestNative = defineRoute(
  { scope: 'ingest', errors: [...INGEST_ERRORS, ErrorCode.UNKNOWN_SOURCE] },
  {
    method: 'post',
    path: '/{source}/events',
    operationId: 'ingestNative',
    summary: 'Ingest native payloads of a source',
    description: [
      "Send the product's own audit entries (webhook bodies, API pages) unchanged: the source plugin validates them against its native schema, maps them to events and ingests them like `POST /v1/events` (same batch forms, limits, idempotency and durability).",
      "With the operator token add `?tenant=<id>`; with an API key the tenant is the key's, and a key bound to another source is refused.",
    ].join('\n\n'),
    tags: ['Ingest'],
    request: {
      // Any id: one without a native mapper is 404 UNKNOWN_SOURCE, whatever its spelling.
      params: z.object({
        source: z
          .string()
          .openapi({ description: 'Source id with a native mapper (see `GET /v1/catalog`).' }),
      }),
      query: z.object({
        // Checked with the events it names (VALIDATION_FAILED per event), as for POST /v1/events.
        tenant: firstValue(z.string().optional()).openapi({
          description: 'Required with the operator token, ignored for API keys.',
        }),
      }),
      body: {
        required: true,
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/NativeIngestRequest' },
            examples: {
              fileTransferUpload: {
                summary: 'file-transfer UPLOAD as delivered',
                value: fileTransferNativeExample,
              },
            },
          },
        },
      },
    },
    responses: ingestResponses(),
  },
);

/** Native payloads in, normalized events out: the source plugin maps, the engine validates and stores. */
export function sourceRoutes(deps: AppDeps) {
  const app = createRouter();
  app.openAPIRegistry.registerComponent('schemas', 'NativeIngestRequest', NATIVE_INGEST_REQUEST);

  app.openapi(ingestNative, async (c) => {
    const principal = requireScope(c, 'ingest');
    const sourceId = c.req.valid('param').source;
    if (sourceId === RESERVED_SOURCE) {
      throw new TrailmarkError(
        ErrorCode.FORBIDDEN,
        `source "${RESERVED_SOURCE}" is reserved for the server's own audit trail`,
        [{ path: 'source', message: 'reserved' }],
      );
    }
    const plugin = deps.plugins.sources.get(sourceId);
    if (!plugin?.map) {
      throw new TrailmarkError(
        ErrorCode.UNKNOWN_SOURCE,
        `no source plugin "${sourceId}" accepts native payloads`,
      );
    }
    let tenant: string | undefined;
    if (principal.kind === 'operator') {
      tenant = oneQuery(c, 'tenant');
      if (!tenant) {
        throw new ValidationError('the operator must name the tenant', [
          { path: 'tenant', message: 'add ?tenant=<id> to the URL' },
        ]);
      }
    } else {
      tenant = principal.tenant;
      if (principal.kind === 'api_key' && principal.key.source && principal.key.source !== sourceId) {
        throw new TrailmarkError(
          ErrorCode.FORBIDDEN,
          `this API key may only send source "${principal.key.source}"`,
        );
      }
    }
    const result = await deps.ingestNative(sourceId, asBatch(await readJson(c)), { tenant });
    return c.json(result, result.accepted > 0 ? 201 : 200);
  });

  return app;
}
