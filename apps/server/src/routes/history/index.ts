import { z } from '@hono/zod-openapi';
import {
  type AssetRef,
  type AuditEvent,
  assetHistory,
  parseLimit,
  queryValue,
  ValidationError,
} from '@trailmark/core';
import type { AppDeps } from '../../deps.ts';
import { filterQuery, readFilter } from '../../filters.ts';
import { READ_ERRORS } from '../../openapi/errors.ts';
import { storedEventExample } from '../../openapi/examples.ts';
import { createRouter, defineRoute, json } from '../define.ts';
import { eventRef, PAGE_PARAMETERS } from '../read-schemas.ts';

const instant = z.string().openapi({ format: 'date-time' });

const assetRefSchema = z
  .union([
    z.strictObject({ target_type: z.string(), target_id: z.string() }),
    z.strictObject({ target_path: z.string() }),
  ])
  .openapi('AssetRef');

const historyAssetSchema = z
  .strictObject({
    key: z.string().openapi({
      description: '`type:id`, or `path:<first path>@<first event id>` for an asset known by path only.',
    }),
    target: assetRefSchema.optional(),
    paths: z.array(z.strictObject({ path: z.string(), from: instant })).openapi({
      description:
        'Every path it held, first to last, with the time it came to hold it (renames, moves, its folder moved).',
    }),
    path: z.string().optional().openapi({ description: 'Its path now; absent once deleted.' }),
    deleted: z.boolean(),
    first_at: instant,
    last_at: instant,
    event_count: z.int().openapi({ description: "Its events, before the request's other filters." }),
  })
  .openapi('HistoryAsset', {
    description:
      'One asset the history found: with an id, the one it names; for a path, each asset that ever held it (a path freed by a deletion or a rename and taken again names a new asset).',
  });

const historyPageSchema = z
  .strictObject({
    asset: assetRefSchema,
    assets: z.array(historyAssetSchema).openapi({
      description: 'In the order they came to hold the path asked for (by id: the one asset).',
    }),
    truncated: z.boolean().openapi({
      description:
        'True when the lineage had more than 10,000 candidate events; the oldest beyond were not read.',
    }),
    data: z.array(eventRef),
    next_cursor: z.string().nullable(),
  })
  .openapi('HistoryPage');

/** A parameter of its own, given once (readFilter refuses a repeat, naming it). */
const own = (description: string) => queryValue().optional().meta({ description, type: 'string' });

/** The history of one asset across renames and moves (mounted at /v1). */
export function historyRoutes(deps: AppDeps) {
  const app = createRouter();

  const history = defineRoute(
    { scope: 'history', errors: READ_ERRORS },
    {
      method: 'get',
      path: '/',
      operationId: 'assetHistory',
      summary: 'History of one asset across renames and moves',
      description:
        'Name the asset by `target_path`, or by `target_type` with `target_id`. Trailmark follows every id and path the asset had (rename and move events carry both, a folder move carries what is under it) and is time-aware: a path names the asset that held it at that time, so a file created at a path after the previous one was deleted, or renamed onto a freed path, is another asset. By id the answer is that asset; by path it is each asset that ever held the path, listed separately in `assets` (in the order they came to hold it), with their events together in `data`, newest first. Other filters narrow `data`.',
      tags: ['Query'],
      parameters: PAGE_PARAMETERS,
      request: {
        // The asset is named by the route's own parameters, not the filters of the same names.
        query: filterQuery(deps)
          .omit({ target_type: true, target_id: true, target_path: true })
          .extend({
            target_path: own('Current or former path of the asset, e.g. `/forest/tree.png`.'),
            target_type: own('Type of the asset; with `target_id`.'),
            target_id: own('Stable id of the asset; with `target_type`.'),
            asset: own(
              'Only the events of one of the assets a path held: its `key` from `assets` (e.g. `file:g2`). 400 naming the keys when it is not one of them.',
            ),
          }),
      },
      responses: {
        200: json('A page of the asset history', historyPageSchema, {
          asset: { target_type: 'file', target_id: 'fil_8Kq2RenderFinal' },
          assets: [
            {
              key: 'file:fil_8Kq2RenderFinal',
              target: { target_type: 'file', target_id: 'fil_8Kq2RenderFinal' },
              paths: [{ path: '/Brand Campaign 2026/render-final.mp4', from: '2026-04-14T10:32:15Z' }],
              path: '/Brand Campaign 2026/render-final.mp4',
              deleted: false,
              first_at: '2026-04-14T10:32:15Z',
              last_at: '2026-04-14T10:32:15Z',
              event_count: 1,
            },
          ],
          truncated: false,
          data: [storedEventExample],
          next_cursor: null,
        }),
      },
    },
  );

  app.openapi(history, async (c) => {
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
    return c.json(
      {
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
      },
      200,
    );
  });

  return app;
}
