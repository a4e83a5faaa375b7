import { z } from '@hono/zod-openapi';
import {
  type AuditEvent,
  attributeValue,
  type EventFilter,
  FACET_FIELDS,
  type FacetBucket,
  type FacetField,
  type FacetResult,
  iterateEvents,
  PAGE_LIMIT,
  parseLimit,
  queryValue,
  SCANNED_FACET_FIELDS,
  SCANNED_FACET_MAX_EVENTS,
  type ScannedFacetField,
  type SearchableField,
  scannedFacetValue,
  topBuckets,
  ValidationError,
} from '@trailmark/core';
import { auditView } from '../../accounts/view-audit.ts';
import type { AppDeps } from '../../deps.ts';
import { filterQuery, readFilter } from '../../filters.ts';
import { READ_ERRORS } from '../../openapi/errors.ts';
import { createRouter, defineRoute, json } from '../define.ts';

const ALL_FACET_FIELDS = [...FACET_FIELDS, ...SCANNED_FACET_FIELDS] as const;

/**
 * Counts a client or request field over the newest SCANNED_FACET_MAX_EVENTS matching events (stores do
 * not keep counts for these fields); a broader filter gets counts over those, marked incomplete.
 */
async function scannedFacet(
  deps: AppDeps,
  filter: EventFilter,
  bucketOf: (event: AuditEvent) => { value: string; label?: string } | undefined,
  limit: number,
): Promise<FacetResult> {
  const counts = new Map<string, FacetBucket>();
  let read = 0;
  let complete = true;
  scan: for await (const page of iterateEvents(deps.storage, filter)) {
    for (const event of page) {
      if (read === SCANNED_FACET_MAX_EVENTS) {
        complete = false;
        break scan;
      }
      read++;
      const hit = bucketOf(event);
      if (!hit) continue;
      const bucket = counts.get(hit.value) ?? {
        value: hit.value,
        ...(hit.label ? { label: hit.label } : {}),
        count: 0,
      };
      bucket.count++;
      counts.set(hit.value, bucket);
    }
  }
  const buckets = topBuckets(counts.values(), limit);
  return complete ? { buckets, complete } : { buckets, complete, counted: read };
}

/** The bucket a declared field's value falls in: its canonical form (the one `attr.<name>=` takes). */
function attributeFacetValue(event: AuditEvent, field: SearchableField): { value: string } | undefined {
  const raw = event.metadata?.[field.name];
  if (raw === undefined || raw === null) return undefined;
  const parsed = attributeValue(field.type, String(raw));
  if (
    'error' in parsed ||
    typeof raw !== (field.type === 'date' || field.type === 'keyword' ? 'string' : field.type)
  )
    return undefined;
  return { value: parsed.value };
}

const facetResponseSchema = z
  .strictObject({
    // A declared field answers as `attr.<name>`; the document names the built-in ones.
    field: z.string().openapi({ enum: [...ALL_FACET_FIELDS] }),
    buckets: z
      .array(
        z.strictObject({
          value: z.string(),
          label: z.string().optional().openapi({
            description: 'Human label (actions: from the catalog; countries: the country name).',
          }),
          count: z.int().min(0),
        }),
      )
      .openapi({ description: 'Most frequent values first.' }),
    complete: z.boolean().openapi({
      description:
        'True when every matching event was counted. A filter on tenant, source and time alone is always complete (answered from monthly and daily counts); a broader filter on a very large log counts the newest events only, and says so here.',
    }),
    counted: z.int().min(0).optional().openapi({
      description: 'Only when `complete` is false: how many of the newest matching events the counts cover.',
    }),
  })
  .openapi('FacetResponse');

/** Event counts by the values of one field (mounted at /v1). */
export function facetRoutes(deps: AppDeps) {
  const app = createRouter();

  const facets = defineRoute(
    { scope: 'read', errors: READ_ERRORS },
    {
      method: 'get',
      path: '/',
      operationId: 'facets',
      summary: 'Count events by a field',
      description: `The most frequent values of one field among the events that match the filters. \`ip\`, \`country\` (client country code, labelled with the country name), \`region\` (the server region that handled the request) and \`device\` are counted over the newest ${SCANNED_FACET_MAX_EVENTS} matching events at most; the other fields over every match, except that the embedded store counts the newest 100,000 when a filter beyond tenant, source and time matches more. A partial count always says so: \`complete: false\` and \`counted\`.`,
      tags: ['Query'],
      request: {
        // `field` and `limit` are checked by the handler (readFilter and parseLimit), as before.
        query: filterQuery(deps).extend({
          field: queryValue()
            .optional()
            .meta({
              description:
                'A field, or `attr.<name>` of a declared searchable field (GET /v1/catalog lists them); client and declared fields are counted over the newest matching events.',
              type: 'string',
              anyOf: [
                { type: 'string', enum: [...ALL_FACET_FIELDS] },
                { type: 'string', pattern: '^attr\\.[a-z][a-z0-9_]{0,63}$' },
              ],
              param: { required: true },
            }),
          limit: queryValue().optional().meta({
            description: 'Number of buckets.',
            type: 'integer',
            minimum: 1,
            maximum: PAGE_LIMIT.max,
            default: 50,
          }),
        }),
      },
      responses: {
        200: json('Buckets', facetResponseSchema, {
          field: 'action',
          complete: true,
          buckets: [
            { value: 'file.downloaded', label: 'File downloaded', count: 5120 },
            { value: 'file.uploaded', label: 'File uploaded', count: 1873 },
            { value: 'share_link.created', label: 'Share link created', count: 402 },
          ],
        }),
      },
    },
  );

  app.openapi(facets, async (c) => {
    const {
      filter: scoped,
      tenant,
      limit,
      own,
    } = await readFilter(c, deps, {
      own: ['field'],
      paging: 'limit',
      what: 'facets',
    });
    const field = own.field;
    // A declared searchable field (attr.<name>) is counted like the client fields: over the newest events.
    const declared = field?.startsWith('attr.') ? deps.plugins.registry.field(field.slice(5)) : undefined;
    if (!field || (!declared && !(ALL_FACET_FIELDS as readonly string[]).includes(field))) {
      throw new ValidationError('invalid facet field', [
        {
          path: 'field',
          message: `one of ${ALL_FACET_FIELDS.join(', ')}, or attr.<name> of a declared field (${deps.plugins.registry
            .fields()
            .map((f) => f.name)
            .join(', ')})`,
        },
      ]);
    }
    const bucketLimit = Math.min(parseLimit(limit ?? ['50']), 1000);
    const { buckets, ...coverage } = declared
      ? await scannedFacet(deps, scoped, (event) => attributeFacetValue(event, declared), bucketLimit)
      : (SCANNED_FACET_FIELDS as readonly string[]).includes(field)
        ? await scannedFacet(
            deps,
            scoped,
            (event) => scannedFacetValue(event, field as ScannedFacetField),
            bucketLimit,
          )
        : await deps.storage.facet(scoped, field as FacetField, bucketLimit);
    const registry = deps.plugins.registry;
    await auditView(c, deps, { kind: 'facets', tenants: tenant, query: new URL(c.req.url).search });
    return c.json(
      {
        field,
        ...coverage,
        buckets: buckets.map((b) => {
          // One source filtered: its own wording ("An asset was deleted"); otherwise the first registered label.
          const only = scoped.source?.length === 1 ? scoped.source[0] : undefined;
          const label =
            field === 'action'
              ? ((only ? registry.action(only, b.value)?.label : undefined) ??
                registry.labelAnySource(b.value))
              : b.label;
          return { value: b.value, ...(label ? { label } : {}), count: b.count };
        }),
      },
      200,
    );
  });

  return app;
}
