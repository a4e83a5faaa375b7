import {
  ErrorCode,
  type ExportJobRecord,
  FILTER_PARAMS,
  isFilterParam,
  jsonShapeIssue,
  type QueryParams,
  TrailmarkError,
  ValidationError,
} from '@trailmark/core';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { principalLabel, requireScope, tenantOf } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import type { AppDeps } from '../deps.ts';
import { auditExport, type ExportRequestInfo } from '../exports/audit.ts';
import { exportFileSize, isExpired, jobView } from '../exports/jobs.ts';
import { bodyFiltersToParams, type ExportPlan, planExport, resolveFormat } from '../exports/plan.ts';
import { fileRangeStream, parseRange } from '../exports/range.ts';
import { scopedFilter } from '../filters.ts';
import { oneQuery, readJson } from '../http.ts';

const jobBodySchema = z.strictObject({
  format: z.string().min(1).max(32),
  filters: z
    .record(z.string().max(64), z.union([z.string().max(2048), z.array(z.string().max(2048)).max(100)]))
    .optional(),
  bom: z.boolean().optional(),
});

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

/**
 * Filter names of a job body, checked on the parsed JSON itself: a record schema would drop a
 * `__proto__` key silently and so widen the export to the whole tenant.
 */
function assertKnownFilterKeys(raw: unknown): void {
  const filters = (raw as { filters?: unknown } | null)?.filters;
  if (filters !== null && typeof filters === 'object' && !Array.isArray(filters)) {
    const unknown = Object.keys(filters).filter((k) => !isFilterParam(k));
    if (unknown.length > 0) {
      throw new ValidationError(
        `unknown filter: ${unknown.join(', ')}`,
        unknown.map((k) => ({
          path: k,
          message: `unknown filter; filters are ${FILTER_PARAMS.join(', ')}, <name>! (not) and attr.<name>`,
        })),
        ErrorCode.UNKNOWN_FILTER,
      );
    }
  }
  const rest = jsonShapeIssue(raw);
  if (rest) throw new ValidationError('the request body is refused', [rest]);
}

export function exportRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.post('/exports', async (c) => {
    const principal = requireScope(c, 'export');
    const raw = await readJson(c, { allowProtoKeys: true });
    assertKnownFilterKeys(raw);
    const parsed = jobBodySchema.safeParse(raw);
    if (!parsed.success) {
      throw new ValidationError(
        'invalid export request',
        parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message })),
      );
    }
    const { format, filters, bom } = parsed.data;
    const plan = await planFor(c, deps, bodyFiltersToParams(filters ?? {}), format, bom ?? false);
    const job = deps.exportJobs.create({
      plan,
      principal,
      createdBy: principalLabel(principal).id,
      request: requestOf(c),
    });
    c.header('Location', `/v1/exports/${job.id}`);
    rowHeaders(c, plan);
    return c.json(jobView(job), 202);
  });

  app.get('/exports', (c) => {
    const principal = requireScope(c, 'export');
    const tenant = tenantOf(principal) ?? oneQuery(c, 'tenant');
    return c.json({ data: deps.control.listExportJobs(tenant).map((job) => jobView(job)) });
  });

  /** Another tenant's job is indistinguishable from a missing one. */
  function jobFor(c: Context<AppEnv>): ExportJobRecord {
    const principal = requireScope(c, 'export');
    const id = c.req.param('id') ?? '';
    const job = deps.control.getExportJob(id);
    const own = tenantOf(principal);
    if (!job || (own !== undefined && job.tenant !== own)) {
      throw new TrailmarkError(ErrorCode.NOT_FOUND, `no export "${id}"`, [
        { path: 'id', message: 'no export job with this id' },
      ]);
    }
    return job;
  }

  app.get('/exports/:id', (c) => c.json(jobView(jobFor(c))));

  app.delete('/exports/:id', async (c) => {
    await deps.exportJobs.remove(jobFor(c));
    return c.body(null, 204);
  });

  app.get('/exports/:id/download', async (c) => {
    const job = jobFor(c);
    const principal = c.get('principal');
    if (isExpired(job))
      throw new TrailmarkError(ErrorCode.EXPIRED, `export "${job.id}" has expired; create it again`);
    if (job.status === 'failed') {
      throw new TrailmarkError(
        ErrorCode.CONFLICT,
        `export "${job.id}" failed and has no file; create it again`,
        [{ path: 'status', message: job.error ?? 'failed' }],
      );
    }
    if (job.status !== 'completed') {
      throw new TrailmarkError(
        ErrorCode.CONFLICT,
        `export "${job.id}" is ${job.status}; download it once completed`,
        [{ path: 'status', message: `${job.rows_written} of about ${job.rows_estimate} rows written` }],
      );
    }
    const size = await exportFileSize(job);
    if (size === undefined || !job.file_path) {
      throw new TrailmarkError(ErrorCode.EXPIRED, `the file of export "${job.id}" is gone; create it again`);
    }
    // The file never changes once completed, so id and size identify its bytes.
    const etag = `"${job.id}-${size}"`;
    const format = deps.plugins.exportFormats.get(job.format);
    c.header('Content-Type', format?.contentType ?? 'application/octet-stream');
    c.header('Content-Disposition', attachment(job.file_name));
    c.header('Accept-Ranges', 'bytes');
    c.header('ETag', etag);
    c.header('Cache-Control', 'private, no-cache');
    c.header('X-Trailmark-Total-Rows', String(job.rows_written));
    if (job.row_limit !== undefined) c.header('X-Trailmark-Row-Limit', String(job.row_limit));
    c.header('X-Trailmark-Truncated', String(job.truncated ?? false));
    const ifRange = c.req.header('if-range');
    // A resumed download of a file that changed must start over: If-Range with a stale validator (or a
    // date, which we never issue) means the whole file, whatever Range says (RFC 9110 §13.1.5).
    const range =
      ifRange && ifRange !== etag ? { kind: 'full' as const } : parseRange(c.req.header('range'), size);
    if (range.kind === 'unsatisfiable' || range.kind === 'invalid') {
      c.header('Content-Range', `bytes */${size}`);
      throw new TrailmarkError(
        ErrorCode.RANGE_NOT_SATISFIABLE,
        range.kind === 'invalid' ? 'invalid Range header' : `range not satisfiable for ${size} bytes`,
        [
          {
            path: 'Range',
            message:
              range.kind === 'invalid'
                ? 'one range: bytes=<first>-<last>, bytes=<first>- or bytes=-<suffix length>'
                : `the file has ${size} bytes`,
          },
        ],
      );
    }
    const start = range.kind === 'partial' ? range.start : 0;
    const end = range.kind === 'partial' ? range.end : size - 1;
    // Resumed parts of one download are not separate downloads: only a read from byte 0 is audited,
    // and a HEAD (a download manager probing the size) reads nothing.
    if (start === 0 && c.req.method !== 'HEAD') {
      await auditExport(deps, {
        action: 'export.downloaded',
        principal,
        id: job.id,
        fileName: job.file_name,
        format: job.format,
        params: job.filters,
        scope: job.tenant ? [job.tenant] : (job.filters.tenant ?? []),
        rowsByTenant: new Map(
          Object.entries(job.rows_by_tenant ?? (job.tenant ? { [job.tenant]: job.rows_written } : {})),
        ),
        outcome: { result: 'success' },
        request: requestOf(c),
      });
    }
    c.header('Content-Length', String(Math.max(0, end - start + 1)));
    if (range.kind === 'partial') {
      c.header('Content-Range', `bytes ${start}-${end}/${size}`);
      return c.body(fileRangeStream(job.file_path, start, end), 206);
    }
    if (size === 0) return c.body(null, 200);
    return c.body(fileRangeStream(job.file_path, start, end), 200);
  });

  return app;
}
