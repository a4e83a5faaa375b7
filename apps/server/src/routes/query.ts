import {
  type AssetRef,
  assetHistoryFilter,
  ErrorCode,
  FACET_FIELDS,
  type FacetField,
  parseEventFilter,
  parseLimit,
  TrailmarkError,
  ValidationError,
} from '@trailmark/core';
import { Hono } from 'hono';
import { requireScope, tenantScope } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import type { AppDeps } from '../deps.ts';
import { pageParams } from '../http.ts';

/** Facets, asset history and the action catalog: the read side beyond the plain list. */
export function queryRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get('/facets', async (c) => {
    requireScope(c, 'read');
    const { params, limit, cursor } = pageParams(c);
    if (cursor)
      throw new ValidationError('facets are not paged', [{ path: 'cursor', message: 'not accepted here' }]);
    const field = params.field?.[0];
    delete params.field;
    if (!field || !(FACET_FIELDS as readonly string[]).includes(field)) {
      throw new ValidationError('invalid facet field', [
        { path: 'field', message: `one of ${FACET_FIELDS.join(', ')}` },
      ]);
    }
    const filter = parseEventFilter(params);
    const tenant = tenantScope(c, filter.tenant);
    const buckets = await deps.storage.facet(
      { ...filter, ...(tenant ? { tenant } : {}) },
      field as FacetField,
      Math.min(parseLimit(limit ?? ['50']), 1000),
    );
    const registry = deps.plugins.registry;
    return c.json({
      field,
      buckets: buckets.map((b) => {
        // One source filtered: its own wording ("An asset was deleted"); otherwise the first registered label.
        const only = filter.source?.length === 1 ? filter.source[0] : undefined;
        const label =
          field === 'action'
            ? ((only ? registry.action(only, b.value)?.label : undefined) ?? registry.labelAnySource(b.value))
            : b.label;
        return { value: b.value, ...(label ? { label } : {}), count: b.count };
      }),
    });
  });

  app.get('/history', async (c) => {
    requireScope(c, 'read');
    const { params, limit, cursor } = pageParams(c);
    const type = params.target_type?.[0];
    const id = params.target_id?.[0];
    const path = params.target_path?.[0];
    delete params.target_type;
    delete params.target_id;
    delete params.target_path;
    let asset: AssetRef;
    if (path && !type && !id) asset = { target_path: path };
    else if (type && id && !path) asset = { target_type: type, target_id: id };
    else {
      throw new ValidationError('name one asset', [
        { path: 'target_path', message: 'give target_path, or target_type with target_id' },
      ]);
    }
    const filter = parseEventFilter(params);
    const tenant = tenantScope(c, filter.tenant);
    const scoped = await assetHistoryFilter(
      deps.storage,
      { ...filter, ...(tenant ? { tenant } : {}) },
      asset,
    );
    const page = await deps.storage.search(scoped, {
      limit: parseLimit(limit),
      ...(cursor ? { cursor } : {}),
    });
    return c.json({ asset, ...page });
  });

  app.get('/catalog', (c) => {
    const principal = c.get('principal');
    if (!principal) throw new TrailmarkError(ErrorCode.UNAUTHENTICATED, 'missing bearer token');
    const retention = deps.plugins.retention;
    return c.json({
      sources: deps.plugins.registry.list().map((s) => ({
        id: s.id,
        name: s.name,
        ...(s.description ? { description: s.description } : {}),
        allow_custom_actions: s.allowCustomActions,
        retention: retention.sources[s.id] ?? retention.default,
        actions: s.actions,
      })),
      export_formats: [...deps.plugins.exportFormats.values()].map((f) => ({
        id: f.id,
        name: f.name,
        content_type: f.contentType,
      })),
    });
  });

  return app;
}
