import { type QueryParams, ValidationError } from '@trailmark/core';
import { Hono } from 'hono';
import { requireScope } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import type { AppDeps } from '../deps.ts';
import { auditExport } from '../exports/audit.ts';
import { attachment, planFor, requestOf, rowHeaders } from '../exports/http.ts';
import { parseBom } from '../exports/plan.ts';
import { exportStream } from '../exports/stream.ts';

const EXPORT_OPTIONS = ['format', 'bom'] as const;

/** Takes `format` and `bom` out of the query string; each may be given once. */
function exportOptions(params: QueryParams): { format?: string; bom: boolean } {
  const repeated = EXPORT_OPTIONS.filter((name) => (params[name]?.length ?? 0) > 1);
  if (repeated.length > 0) {
    throw new ValidationError(
      `${repeated.join(' and ')} may be given once`,
      repeated.map((name) => ({ path: name, message: 'given more than once' })),
    );
  }
  const format = params.format?.[0];
  const bom = parseBom(params.bom?.[0]);
  for (const name of EXPORT_OPTIONS) delete params[name];
  return { ...(format === undefined ? {} : { format }), bom };
}

/** The streamed export (mounted at /v1); the export jobs are routes/exports/index.ts. */
export function exportRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  /**
   * Streams the whole filtered view. Headers go out before the rows, so the row count and any truncation
   * are decided up front from storage.count and stated in headers: a capped export is never silent.
   */
  app.get('/export', async (c) => {
    const principal = requireScope(c, 'export');
    const params = { ...c.req.queries() } as QueryParams;
    const { format, bom } = exportOptions(params);
    const plan = await planFor(c, deps, params, format, bom);
    const request = requestOf(c);
    // Released when the stream ends in any way (completed, client gone, failed).
    const release = deps.exportSlots.take(plan.filter.tenant);
    const body = exportStream(deps, plan, async ({ summary, reason }) => {
      release();
      // Audited when the stream ends, with the rows that really went out; the export never contains its
      // own audit entry, and a client that hangs up midway is recorded as such.
      await auditExport(deps, {
        action: 'export.created',
        principal,
        id: plan.id,
        fileName: plan.fileName,
        format: plan.format.id,
        params: plan.params,
        scope: plan.filter.tenant ?? [],
        rowsByTenant: summary.rows === 0 ? new Map() : summary.tenants,
        outcome:
          reason === 'completed'
            ? { result: 'success' }
            : { result: 'failure', reason: reason === 'cancelled' ? 'client_closed' : 'export_failed' },
        extra: { mode: 'stream', truncated: summary.truncated, total_rows: plan.total },
        request,
      });
    });
    c.header('Content-Type', plan.format.contentType);
    c.header('Content-Disposition', attachment(plan.fileName));
    c.header('Cache-Control', 'no-store');
    rowHeaders(c, plan);
    return c.body(body, 200);
  });

  return app;
}
