import { Hono } from 'hono';
import { requireScope } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import type { AppDeps } from '../deps.ts';
import { readFilter } from '../filters.ts';

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

/** Reads the admin UI needs beyond the list and the facets; public like every other route. */
export function uiRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get('/count', async (c) => {
    requireScope(c, 'read');
    const { filter } = await readFilter(c, deps, { paging: 'none', what: 'a count' });
    const count = await deps.storage.count(filter);
    return c.json({ count, exact: true });
  });

  /**
   * Events per time bucket for the filters, counted by the store. The interval is the smallest "nice"
   * one giving at most HISTOGRAM_MAX_BUCKETS over [from, to]; without `from`, a day.
   */
  app.get('/histogram', async (c) => {
    requireScope(c, 'read');
    const { filter } = await readFilter(c, deps, { paging: 'none', what: 'a histogram' });
    const to = filter.to ?? new Date().toISOString();
    const span = filter.from ? Date.parse(to) - Date.parse(filter.from) : undefined;
    const interval =
      span === undefined
        ? DAY
        : (NICE_INTERVALS.find((ms) => span / ms <= HISTOGRAM_MAX_BUCKETS) ?? NICE_INTERVALS.at(-1)!);
    const buckets = await deps.storage.histogram(filter, interval);
    return c.json({ interval_ms: interval, ...(filter.from ? { from: filter.from } : {}), to, buckets });
  });

  return app;
}
