import { type AssetRef, type AuditEvent, assetHistory, parseLimit, ValidationError } from '@trailmark/core';
import { Hono } from 'hono';
import { requireHistoryAccess } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import type { AppDeps } from '../deps.ts';
import { readFilter } from '../filters.ts';

/** Asset history: the read side beyond the plain list. */
export function queryRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

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
