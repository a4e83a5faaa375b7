import { parseEventFilter, ValidationError } from '@trailmark/core';
import { Hono } from 'hono';
import { requireScope, tenantScope } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import type { AppDeps } from '../deps.ts';
import { filterOptions } from '../filters.ts';
import { pageParams } from '../http.ts';

/** Reads the admin UI needs beyond the list and the facets; public like every other route. */
export function uiRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get('/count', async (c) => {
    requireScope(c, 'read');
    const { params, limit, cursor } = pageParams(c);
    if (limit || cursor)
      throw new ValidationError('a count is not paged', [
        { path: limit ? 'limit' : 'cursor', message: 'not accepted here' },
      ]);
    const filter = parseEventFilter(params, [], filterOptions(deps.plugins.registry));
    const tenant = tenantScope(c, filter.tenant);
    const count = await deps.storage.count({ ...filter, ...(tenant ? { tenant } : {}) });
    return c.json({ count, exact: true });
  });

  return app;
}
