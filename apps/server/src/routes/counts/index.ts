import { z } from '@hono/zod-openapi';
import type { AppDeps } from '../../deps.ts';
import { filterQuery, readFilter } from '../../filters.ts';
import { READ_ERRORS } from '../../openapi/errors.ts';
import { createRouter, defineRoute, json } from '../define.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
export const HISTOGRAM_MAX_BUCKETS = 200;
const NICE_INTERVALS = [
  MINUTE,
  5 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  7 * DAY,
  30 * DAY,
];

const instant = z.string().openapi({ format: 'date-time' });

/** How many events match, and how they spread over time: the admin UI's numbers above the table. */
export function countRoutes(deps: AppDeps) {
  const app = createRouter();
  const query = filterQuery(deps);

  const count = defineRoute(
    { scope: 'read', errors: READ_ERRORS },
    {
      method: 'get',
      path: '/count',
      operationId: 'countEvents',
      summary: 'Count the events that match',
      description:
        'How many events match the filters of `GET /v1/events` (the admin UI shows it above the table). `limit` and `cursor` are refused. `exact` is true when the store counted every match.',
      tags: ['Query'],
      request: { query },
      responses: {
        200: json('The count', z.object({ count: z.int().min(0), exact: z.boolean() }), {
          count: 18342,
          exact: true,
        }),
      },
    },
  );

  const histogram = defineRoute(
    { scope: 'read', errors: READ_ERRORS },
    {
      method: 'get',
      path: '/histogram',
      operationId: 'histogram',
      summary: 'Events over time',
      description:
        'How many events match the filters of `GET /v1/events` per time bucket, counted by the store (SQLite GROUP BY, OpenSearch date_histogram). The interval is the smallest of 1, 5, 15, 30 minutes, 1, 3, 6, 12 hours, 1, 7, 30 days that gives at most 200 buckets between `from` and `to` (default now); without `from` it is one day. Buckets start at multiples of the interval since the Unix epoch (UTC), oldest first; empty buckets are left out. `limit` and `cursor` are refused.',
      tags: ['Query'],
      request: { query },
      responses: {
        200: json(
          'Buckets',
          z.object({
            interval_ms: z.int().min(1),
            from: instant.optional(),
            to: instant,
            buckets: z.array(z.object({ start: instant, count: z.int().min(1) })),
          }),
          {
            interval_ms: 3600000,
            from: '2026-04-14T00:00:00.000Z',
            to: '2026-04-15T00:00:00.000Z',
            buckets: [
              { start: '2026-04-14T09:00:00.000Z', count: 412 },
              { start: '2026-04-14T10:00:00.000Z', count: 977 },
            ],
          },
        ),
      },
    },
  );

  app.openapi(count, async (c) => {
    const { filter } = await readFilter(c, deps, { paging: 'none', what: 'a count' });
    return c.json({ count: await deps.storage.count(filter), exact: true }, 200);
  });

  /**
   * Events per time bucket for the filters, counted by the store. The interval is the smallest "nice"
   * one giving at most HISTOGRAM_MAX_BUCKETS over [from, to]; without `from`, a day.
   */
  app.openapi(histogram, async (c) => {
    const { filter } = await readFilter(c, deps, { paging: 'none', what: 'a histogram' });
    const to = filter.to ?? new Date().toISOString();
    const span = filter.from ? Date.parse(to) - Date.parse(filter.from) : undefined;
    const interval =
      span === undefined
        ? DAY
        : (NICE_INTERVALS.find((ms) => span / ms <= HISTOGRAM_MAX_BUCKETS) ?? NICE_INTERVALS.at(-1)!);
    const buckets = await deps.storage.histogram(filter, interval);
    return c.json({ interval_ms: interval, ...(filter.from ? { from: filter.from } : {}), to, buckets }, 200);
  });

  return app;
}
