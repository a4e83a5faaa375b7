import { z } from '@hono/zod-openapi';
import { ErrorCode, LIMITS, parseLimit, queryValue, TrailmarkError } from '@trailmark/core';
import { auditView } from '../../accounts/view-audit.ts';
import { requireScope, tenantScope } from '../../auth.ts';
import type { AppDeps } from '../../deps.ts';
import { filterQuery, readFilter } from '../../filters.ts';
import { asBatch, readJson } from '../../http.ts';
import { READ_ERRORS } from '../../openapi/errors.ts';
import {
  deniedEventExample,
  renameEventExample,
  storedEventExample,
  uploadEventExample,
} from '../../openapi/examples.ts';
import { createRouter, defineRoute, json } from '../define.ts';
import { INGEST_ERRORS, ingestResponses } from '../ingest-schemas.ts';
import { eventRef, PAGE_PARAMETERS } from '../read-schemas.ts';

const eventPageSchema = z
  .strictObject({
    data: z.array(eventRef).openapi({ description: 'Newest first by `occurred_at`.' }),
    next_cursor: z.string().nullable().openapi({
      description: 'Pass as `cursor` with the same filters for the next page; `null` on the last page.',
    }),
  })
  .openapi('EventPage');

/** Ingest, search and one event by id (mounted at /v1). */
export function eventRoutes(deps: AppDeps) {
  const app = createRouter();

  const ingest = defineRoute(
    { scope: 'ingest', errors: INGEST_ERRORS },
    {
      method: 'post',
      path: '/',
      operationId: 'ingestEvents',
      summary: 'Ingest events',
      description: [
        `Send one event, an array, or \`{ "events": [...] }\` with at most ${LIMITS.batchEvents} events.`,
        'The batch is validated as a whole: if any event is invalid nothing is stored and the error lists every problem by `index` and `path`.',
        'Ingest is idempotent by `id`: resending an id already stored for the tenant counts as a duplicate and writes nothing, so retry freely after a timeout or a 5xx.',
        'A 2xx response is sent only after the events are durable.',
        'With an API key the tenant comes from the key (and the source too, if the key is bound to one); with the operator token each event must carry `tenant`.',
      ].join('\n\n'),
      tags: ['Ingest'],
      request: {
        // Documented by reference, not validated here: the engine validates the batch (every problem by
        // index and path, UNKNOWN_ACTION, ...) after readJson's media type, gzip and depth checks.
        body: {
          required: true,
          content: {
            'application/json': {
              schema: { $ref: '#/components/schemas/IngestRequest' },
              examples: {
                single: { summary: 'One file-transfer upload', value: uploadEventExample },
                batch: {
                  summary: 'A batch',
                  value: { events: [uploadEventExample, renameEventExample, deniedEventExample] },
                },
              },
            },
          },
        },
      },
      responses: ingestResponses(),
    },
  );

  app.openapi(ingest, async (c) => {
    const principal = requireScope(c, 'ingest');
    const items = asBatch(await readJson(c));
    const scope =
      principal.kind === 'operator'
        ? {}
        : {
            tenant: principal.tenant,
            ...(principal.kind === 'api_key' && principal.key.source ? { source: principal.key.source } : {}),
          };
    const result = await deps.ingest(items, scope);
    return c.json(result, result.accepted > 0 ? 201 : 200);
  });

  const search = defineRoute(
    { scope: 'read', errors: READ_ERRORS },
    {
      method: 'get',
      path: '/',
      operationId: 'listEvents',
      summary: 'Search events',
      description:
        'Newest first by `occurred_at`. Filters combine with AND; the values of one list filter combine with OR. Page with `next_cursor` until it is `null`, keeping the same filters.',
      tags: ['Query'],
      parameters: PAGE_PARAMETERS,
      request: { query: filterQuery(deps) },
      responses: {
        200: json('A page of events', eventPageSchema, {
          data: [storedEventExample],
          next_cursor: 'eyJ2IjoxLCJwIjpbMTc3NjE2MjczNTAwMCwxMjM0NV19',
        }),
      },
    },
  );

  app.openapi(search, async (c) => {
    const { filter, tenant, limit, cursor } = await readFilter(c, deps);
    const binding = { route: 'events', filter };
    const found = await deps.storage.search(filter, {
      limit: parseLimit(limit),
      ...(cursor ? { cursor: deps.cursors.open(cursor, binding) } : {}),
    });
    const page = { ...found, next_cursor: deps.cursors.seal(found.next_cursor, binding) };
    await auditView(c, deps, { kind: 'search', tenants: tenant, query: new URL(c.req.url).search });
    return c.json(page, 200);
  });

  const getEvent = defineRoute(
    { scope: 'read', errors: [ErrorCode.NOT_FOUND, ErrorCode.STORAGE_UNAVAILABLE] },
    {
      method: 'get',
      path: '/{id}',
      operationId: 'getEvent',
      summary: 'Get one event',
      tags: ['Query'],
      request: {
        // Documented bounds only: an id that no event has, however long, is a 404 as before.
        params: z.object({ id: z.string().openapi({ description: 'Event id.', maxLength: 64 }) }),
        query: z.object({
          // Read by tenantScope, which checks a tenant credential's own tenant (403 otherwise).
          tenant: queryValue()
            .optional()
            .meta({
              description:
                'Operator token: narrow the lookup to these tenants (ids are unique per tenant, so the same id may exist in several). API keys always read their own tenant.',
              type: 'array',
              items: { type: 'string' },
              param: { style: 'form', explode: true },
            }),
        }),
      },
      responses: { 200: json('The event', eventRef, storedEventExample) },
    },
  );

  app.openapi(getEvent, async (c) => {
    const { id } = c.req.valid('param');
    const tenant = tenantScope(c, c.req.queries('tenant'));
    const event = await deps.storage.get(id, tenant);
    if (!event) throw new TrailmarkError(ErrorCode.NOT_FOUND, `no event with id "${id}"`);
    await auditView(c, deps, { kind: 'event', tenants: [event.tenant], eventId: event.id });
    return c.json(event, 200);
  });

  return app;
}
