import {
  type AssetRef,
  type AuditEvent,
  assetHistory,
  attributeValue,
  type EventFilter,
  FACET_FIELDS,
  type FacetBucket,
  type FacetField,
  type FacetResult,
  iterateEvents,
  parseLimit,
  SCANNED_FACET_FIELDS,
  SCANNED_FACET_MAX_EVENTS,
  type ScannedFacetField,
  type SearchableField,
  scannedFacetValue,
  topBuckets,
  ValidationError,
} from '@trailmark/core';
import { Hono } from 'hono';
import { auditView } from '../accounts/view-audit.ts';
import { requireHistoryAccess, requireScope } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import type { AppDeps } from '../deps.ts';
import { readFilter } from '../filters.ts';

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

/** Facets and asset history: the read side beyond the plain list. */
export function queryRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get('/facets', async (c) => {
    requireScope(c, 'read');
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
    return c.json({
      field,
      ...coverage,
      buckets: buckets.map((b) => {
        // One source filtered: its own wording ("An asset was deleted"); otherwise the first registered label.
        const only = scoped.source?.length === 1 ? scoped.source[0] : undefined;
        const label =
          field === 'action'
            ? ((only ? registry.action(only, b.value)?.label : undefined) ?? registry.labelAnySource(b.value))
            : b.label;
        return { value: b.value, ...(label ? { label } : {}), count: b.count };
      }),
    });
  });

  app.get('/history', async (c) => {
    requireHistoryAccess(c);
    const { filter, limit, cursor, own } = await readFilter(c, deps, {
      own: ['target_type', 'target_id', 'target_path', 'asset'],
    });
    const { target_type: type, target_id: id, target_path: path, asset: only } = own;
    let asset: AssetRef;
    if (path && !type && !id) asset = { target_path: path };
    else if (type && id && !path) asset = { target_type: type, target_id: id };
    else {
      throw new ValidationError('name one asset', [
        { path: 'target_path', message: 'give target_path, or target_type with target_id' },
      ]);
    }
    const history = await assetHistory(deps.storage, filter, asset);
    // `asset`: one of the assets a path held, by the key this answer gives it.
    let events = history.events;
    if (only) {
      const chosen = history.assets.find((a) => a.key === only);
      if (!chosen)
        throw new ValidationError('no such asset in this history', [
          {
            path: 'asset',
            message: `not one of ${history.assets.map((a) => a.key).join(', ') || '(none)'}`,
          },
        ]);
      const ids = new Set(chosen.event_ids);
      events = events.filter((e) => ids.has(e.id));
    }
    // Paged in memory over the exact history (bounded by RELATED_KEYS_MAX_EVENTS): the cursor is the sort
    // key of the last event sent, sealed and bound to the asset asked for.
    const binding = { route: 'history', asset, only: only ?? null, filter };
    const after = cursor ? deps.cursors.open(cursor, binding) : undefined;
    const sortKey = (e: AuditEvent) => `${e.occurred_at}|${e.received_at}|${e.id}`;
    const start = after === undefined ? 0 : events.findIndex((e) => sortKey(e) < after);
    const size = parseLimit(limit);
    const data = start < 0 ? [] : events.slice(start, start + size);
    const more = start >= 0 && start + size < events.length;
    const last = data.at(-1);
    return c.json({
      asset,
      assets: history.assets.map((a) => ({
        key: a.key,
        ...(a.ref ? { target: a.ref } : {}),
        paths: a.held,
        ...(a.path ? { path: a.path } : {}),
        deleted: a.deleted,
        first_at: a.first_at,
        last_at: a.last_at,
        event_count: a.event_ids.length,
      })),
      truncated: history.truncated,
      data,
      next_cursor: more && last ? deps.cursors.seal(sortKey(last), binding) : null,
    });
  });

  return app;
}
