/** What the streamed export and the export jobs answer alike: the plan of a request and its headers. */
import type { QueryParams } from '@trailmark/core';
import type { Context } from 'hono';
import type { AppEnv } from '../context.ts';
import type { AppDeps } from '../deps.ts';
import { scopedFilter } from '../filters.ts';
import type { ExportRequestInfo } from './audit.ts';
import { type ExportPlan, planExport, resolveFormat } from './plan.ts';

/** `attachment` always, so a browser never renders an export inline; the name is [a-z0-9._-] only. */
export function attachment(fileName: string): string {
  return `attachment; filename="${fileName}"`;
}

/**
 * Builds a plan from filters the way GET /v1/events reads them, with the caller's tenant scope applied.
 * `params` holds filters only: the query-string options (`format`, `bom`) are taken out by the caller, so
 * a job body with `filters: { format: ... }` is an unknown filter rather than silently ignored.
 */
export async function planFor(
  c: Context<AppEnv>,
  deps: AppDeps,
  params: QueryParams,
  format: string | undefined,
  bom: boolean,
): Promise<ExportPlan> {
  const exportFormat = resolveFormat(deps, format);
  const { filter } = await scopedFilter(c, deps, params);
  return planExport(deps, { format: exportFormat, bom, filter });
}

/** The row count and the cap, stated before any row: a capped export is never silent. */
export function rowHeaders(c: Context<AppEnv>, plan: ExportPlan): void {
  c.header('X-Trailmark-Export-Id', plan.id);
  c.header('X-Trailmark-Total-Rows', String(plan.total));
  if (plan.rowLimit !== undefined) c.header('X-Trailmark-Row-Limit', String(plan.rowLimit));
  c.header('X-Trailmark-Truncated', String(plan.truncated));
}

export function requestOf(c: Context<AppEnv>): ExportRequestInfo {
  const client = c.get('clientRequestId');
  return {
    id: c.get('requestId'),
    method: c.req.method,
    endpoint: c.req.path,
    ...(client ? { clientId: client } : {}),
  };
}
