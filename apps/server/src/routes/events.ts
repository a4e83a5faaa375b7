import { ErrorCode, parseLimit, TrailmarkError } from '@trailmark/core';
import { Hono } from 'hono';
import { auditView } from '../accounts/view-audit.ts';
import { requireScope, tenantScope } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import type { AppDeps } from '../deps.ts';
import { readFilter } from '../filters.ts';
import { asBatch, readJson } from '../http.ts';

export function eventRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.post('/events', async (c) => {
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

  app.get('/events', async (c) => {
    requireScope(c, 'read');
    const { filter, tenant, limit, cursor } = await readFilter(c, deps);
    const binding = { route: 'events', filter };
    const found = await deps.storage.search(filter, {
      limit: parseLimit(limit),
      ...(cursor ? { cursor: deps.cursors.open(cursor, binding) } : {}),
    });
    const page = { ...found, next_cursor: deps.cursors.seal(found.next_cursor, binding) };
    await auditView(c, deps, { kind: 'search', tenants: tenant, query: new URL(c.req.url).search });
    return c.json(page);
  });

  app.get('/events/:id', async (c) => {
    requireScope(c, 'read');
    const tenant = tenantScope(c, c.req.queries('tenant'));
    const event = await deps.storage.get(c.req.param('id'), tenant);
    if (!event) throw new TrailmarkError(ErrorCode.NOT_FOUND, `no event with id "${c.req.param('id')}"`);
    await auditView(c, deps, { kind: 'event', tenants: [event.tenant], eventId: event.id });
    return c.json(event);
  });

  return app;
}
