/** What both ingest routes (normalized and native) answer, declared once for both. */
import { z } from '@hono/zod-openapi';
import { ErrorCode, LIMITS } from '@trailmark/core';

/** What an ingest route can refuse with, besides the auth errors every route has. */
export const INGEST_ERRORS = [
  ErrorCode.CONFLICT,
  ErrorCode.REQUEST_TIMEOUT,
  ErrorCode.MALFORMED_JSON,
  ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  ErrorCode.VALIDATION_FAILED,
  ErrorCode.PAYLOAD_TOO_LARGE,
  ErrorCode.UNKNOWN_ACTION,
  ErrorCode.OVERLOADED,
  ErrorCode.STORAGE_UNAVAILABLE,
  ErrorCode.STORAGE_REJECTED,
] as const;

export const ingestResultSchema = z
  .strictObject({
    accepted: z.int().min(0).openapi({ description: 'Events written by this request.' }),
    duplicates: z
      .int()
      .min(0)
      .openapi({ description: 'Events whose id was already stored for the tenant; nothing was rewritten.' }),
    ids: z.array(z.string()).openapi({
      description: 'The id of every event in request order, including duplicates and generated ids.',
    }),
  })
  .openapi('IngestResult', {
    description:
      'Returned only after the events are durable (SQLite: committed with fsync; OpenSearch: acknowledged by the cluster).',
  });

/** 201 when something was written, 200 when every event was a duplicate (an idempotent retry). */
export function ingestResponses() {
  return {
    201: {
      description: 'At least one event was written. The events are durable before this response is sent.',
      content: {
        'application/json': {
          schema: ingestResultSchema,
          example: { accepted: 1, duplicates: 0, ids: ['ft_01JRW6B9G1UPLOAD0001'] },
        },
      },
    },
    200: {
      description:
        'Every event was a duplicate of one already stored (an idempotent retry); nothing was written.',
      content: {
        'application/json': {
          schema: ingestResultSchema,
          example: { accepted: 0, duplicates: 1, ids: ['ft_01JRW6B9G1UPLOAD0001'] },
        },
      },
    },
  } as const;
}

/**
 * The body of native ingest, documented but not validated here: the shape is the product's own and its
 * source plugin validates it (after `readJson`'s media type, gzip and depth checks).
 */
export const NATIVE_INGEST_REQUEST = {
  description: `One native payload of the source, a bare array, or \`{ "events": [...] }\`; at most ${LIMITS.batchEvents} payloads. The shape is the product's own; see the source plugin.`,
  oneOf: [
    { type: 'object' as const },
    { type: 'array' as const, items: { type: 'object' as const }, minItems: 1, maxItems: LIMITS.batchEvents },
  ],
};
