import { z } from '@hono/zod-openapi';
import {
  ErrorCode,
  type ExportJobRecord,
  FILTER_PARAMS,
  FILTER_QUERY_NAMES,
  isFilterParam,
  jsonShapeIssue,
  TrailmarkError,
  ValidationError,
} from '@trailmark/core';
import type { Context } from 'hono';
import { principalLabel, requireScope, tenantOf } from '../../auth.ts';
import type { AppEnv } from '../../context.ts';
import type { AppDeps } from '../../deps.ts';
import { auditExport } from '../../exports/audit.ts';
import { attachment, planFor, requestOf, rowHeaders } from '../../exports/http.ts';
import { exportFileSize, isExpired, jobView } from '../../exports/jobs.ts';
import { bodyFiltersToParams } from '../../exports/plan.ts';
import { fileRangeStream, parseRange } from '../../exports/range.ts';
import { oneQuery, readJson } from '../../http.ts';
import {
  CONTENT_DISPOSITION,
  EXPORT_CONTENT,
  EXPORT_HEADERS,
  EXPORT_ID_HEADER,
} from '../../openapi/export-headers.ts';
import type { Json } from '../../openapi/json.ts';
import { createRouter, defineRoute, firstValue, json } from '../define.ts';

const exportJobExample = {
  id: 'exp_01JRWB3M0E4S5K7Y1P9H2C6T8R',
  status: 'completed',
  format: 'csv',
  filters: {
    tenant: ['acme'],
    source: ['file-transfer'],
    action: ['file.uploaded', 'file.deleted'],
    from: ['2026-04-01T00:00:00.000Z'],
  },
  rows_written: 18_204,
  rows_estimate: 18_204,
  progress: 1,
  bytes: 6_120_448,
  file_name: 'trailmark-acme-file-transfer-2026-04-01_2026-04-14.csv',
  created_by: 'key_01JRWA0K5T8M2Q4ZC7XN3B6V9D',
  created_at: '2026-04-14T10:32:15.000Z',
  updated_at: '2026-04-14T10:32:19.000Z',
  completed_at: '2026-04-14T10:32:19.000Z',
  expires_at: '2026-04-15T10:32:19.000Z',
  download_url: '/v1/exports/exp_01JRWB3M0E4S5K7Y1P9H2C6T8R/download',
};

/** A job right after POST /v1/exports: nothing written yet. */
const { completed_at: _completedAt, ...finishedFields } = exportJobExample;
const queuedExportJobExample = {
  ...finishedFields,
  status: 'queued',
  rows_written: 0,
  progress: 0,
  bytes: 0,
};

// The shared OpenAPI objects of openapi.ts are plain JSON; the route config types them.
type Headers = Record<string, { description?: string; schema: Json }>;
const exportHeaders = EXPORT_HEADERS as Headers;
const exportContent = EXPORT_CONTENT as Record<string, { schema: Json }>;

const timestamp = z.iso.datetime();

const exportJobSchema = z
  .strictObject({
    id: z.string(),
    status: z.enum(['queued', 'running', 'completed', 'failed', 'expired']).openapi({
      description: '`expired`: the file is gone; the record stays listed for a week.',
    }),
    format: z.string(),
    filters: z.record(z.string(), z.array(z.string())).openapi({
      description: 'The effective filters, tenant scope included, as query parameters.',
    }),
    rows_written: z.int().min(0),
    rows_estimate: z.int().min(0).openapi({
      description: 'Rows the file will hold: those matching when the job was created, at most `row_limit`.',
    }),
    progress: z
      .number()
      .min(0)
      .max(1)
      .openapi({ description: '`rows_written / rows_estimate`, 1 once completed.' }),
    row_limit: z.int().optional().openapi({ description: "The tenant's `max_export_rows` when it applied." }),
    truncated: z.boolean().optional().openapi({
      description:
        'Present when `row_limit` is: true when more rows match than the limit, so the file stops at it. Set from the count when the job is created, exact once it is completed.',
    }),
    bytes: z.int().min(0),
    file_name: z.string(),
    created_by: z.string().openapi({ description: 'API key id, or `operator`.' }),
    error: z.string().optional(),
    created_at: timestamp,
    updated_at: timestamp,
    completed_at: timestamp.optional(),
    expires_at: timestamp.openapi({
      description: 'The file is deleted after this (TRAILMARK_EXPORT_TTL_HOURS).',
    }),
    download_url: z.string().openapi({ description: 'Relative URL of the file once `completed`.' }),
  })
  .openapi('ExportJob');

/**
 * The filters of a job body: the shape only. Names and values are the filters of GET /v1/events, checked
 * by the same parser (assertKnownFilterKeys, then scopedFilter), with their own codes and messages.
 */
const exportFiltersSchema = z
  .record(z.string().max(64), z.union([z.string().max(2048), z.array(z.string().max(2048)).max(100)]))
  .openapi('ExportFilters', {
    description:
      'The same filters as `GET /v1/events`, as a map of filter name to a value or a list of values.',
    // JSON Schema 2020-12 (OpenAPI 3.1), which the metadata type leaves out.
    ...({ propertyNames: { enum: [...FILTER_QUERY_NAMES] } } as object),
  });

/** Registered formats, documented from the plugins; an unknown one is UNSUPPORTED_FORMAT from the plan. */
function exportFormatSchema(formats: readonly string[]) {
  return z
    .string()
    .min(1)
    .max(32)
    .openapi('ExportFormat', {
      enum: [...(formats.length > 0 ? formats : ['csv', 'ndjson', 'ocsf'])],
      description:
        'Registered export formats. Built in: `csv` (one row per event, spreadsheet-friendly) and `ndjson` (one stored event per line); the OCSF plugin adds `ocsf` (OCSF 1.8 events, one per line).',
    });
}

const exportId = z.object({
  // Any string: an unknown id, or another tenant's, is 404 naming `id`.
  id: z.string().openapi({ description: 'Export job id (`exp_...`).', pattern: '^exp_' }),
});

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

/** The body of POST /v1/exports: `__proto__` keys are kept so that the filter check names them. */
async function readJobBody(c: Context<AppEnv>): Promise<unknown> {
  const raw = await readJson(c, { allowProtoKeys: true });
  assertKnownFilterKeys(raw);
  return raw;
}

function exportRouteDefs(formats: readonly string[]) {
  const createExport = defineRoute(
    {
      scope: 'export',
      invalid: 'invalid export request',
      readBody: readJobBody,
      errors: [
        ErrorCode.MALFORMED_JSON,
        ErrorCode.UNSUPPORTED_MEDIA_TYPE,
        ErrorCode.REQUEST_TIMEOUT,
        ErrorCode.OVERLOADED,
        ErrorCode.VALIDATION_FAILED,
        ErrorCode.UNSUPPORTED_FORMAT,
        ErrorCode.UNKNOWN_FILTER,
        ErrorCode.INVALID_FILTER,
        ErrorCode.STORAGE_UNAVAILABLE,
      ],
    },
    {
      method: 'post',
      path: '/',
      operationId: 'createExport',
      summary: 'Start an export job',
      description:
        'Writes the file in the background (two jobs run at a time, the rest queue). `filters` are the filters of `GET /v1/events`, nothing else. Poll `GET /v1/exports/{id}` for `status` and progress (`rows_written` of `rows_estimate`) until it is `completed`, then download it before `expires_at`. A tenant cap (`max_export_rows`) is stated at once: in the headers of this response and in `row_limit` and `truncated` of the job.',
      tags: ['Export'],
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z
                .strictObject({
                  format: exportFormatSchema(formats),
                  filters: exportFiltersSchema.optional(),
                  bom: z
                    .boolean()
                    .optional()
                    .openapi({ description: 'Prefix a UTF-8 byte order mark (CSV in Excel).' }),
                })
                .openapi('CreateExportRequest'),
              examples: {
                uploadsCsv: {
                  summary: 'April uploads and deletions as CSV',
                  value: {
                    format: 'csv',
                    filters: {
                      source: 'file-transfer',
                      action: ['file.uploaded', 'file.deleted'],
                      from: '2026-04-01',
                    },
                    bom: true,
                  },
                },
              },
            },
          },
        },
      },
      responses: {
        202: {
          ...json('Job accepted', exportJobSchema, queuedExportJobExample),
          headers: {
            Location: { description: 'URL of the job.', schema: { type: 'string' } },
            ...exportHeaders,
            'X-Trailmark-Export-Id': EXPORT_ID_HEADER as Headers[string],
          },
        },
      },
    },
  );

  const listExports = defineRoute(
    { scope: 'export' },
    {
      method: 'get',
      path: '/',
      operationId: 'listExports',
      summary: 'List export jobs',
      description:
        "An API key sees its tenant's jobs; the operator sees all, or one tenant's with `?tenant=`. Expired jobs stay listed for a week.",
      tags: ['Export'],
      request: {
        query: z.object({
          tenant: firstValue(z.string().optional()).openapi({
            description: 'Operator token: only this tenant. Ignored for API keys.',
          }),
        }),
      },
      responses: {
        200: json('Jobs', z.strictObject({ data: z.array(exportJobSchema) }), { data: [exportJobExample] }),
      },
    },
  );

  const getExport = defineRoute(
    { scope: 'export', errors: [ErrorCode.NOT_FOUND] },
    {
      method: 'get',
      path: '/{id}',
      operationId: 'getExport',
      summary: 'Get an export job',
      tags: ['Export'],
      request: { params: exportId },
      responses: { 200: json('The job', exportJobSchema, exportJobExample) },
    },
  );

  const deleteExport = defineRoute(
    { scope: 'export', errors: [ErrorCode.NOT_FOUND] },
    {
      method: 'delete',
      path: '/{id}',
      operationId: 'deleteExport',
      summary: 'Delete an export job and its file',
      description: 'A running job is stopped first.',
      tags: ['Export'],
      request: { params: exportId },
      responses: { 204: { description: 'Deleted' } },
    },
  );

  const downloadExport = defineRoute(
    {
      scope: 'export',
      errors: [ErrorCode.NOT_FOUND, ErrorCode.CONFLICT, ErrorCode.EXPIRED, ErrorCode.RANGE_NOT_SATISFIABLE],
    },
    {
      method: 'get',
      path: '/{id}/download',
      operationId: 'downloadExport',
      summary: 'Download the file of a completed export',
      description:
        'Supports a single `Range: bytes=...` (with `If-Range` on the ETag) so an interrupted download of a large file resumes where it stopped. A range outside the file, or a `bytes=` value that is not a valid range, is `416` with `Content-Range: bytes */<size>`; another range unit, or several ranges, get the whole file (`200`). Only a download from byte 0 is recorded as `export.downloaded` (a `HEAD` is not).',
      tags: ['Export'],
      request: { params: exportId },
      // Read by the handler (parseRange answers 416 with its own detail), so documented, not validated.
      parameters: [
        {
          name: 'Range',
          in: 'header',
          required: false,
          description: 'One byte range: `bytes=1048576-`, `bytes=0-999` or the suffix `bytes=-500`.',
          schema: { type: 'string' },
        },
        {
          name: 'If-Range',
          in: 'header',
          required: false,
          description: 'The ETag of an earlier response; if it no longer matches, the whole file is sent.',
          schema: { type: 'string' },
        },
      ],
      responses: {
        200: {
          description: 'The whole file',
          headers: {
            ...exportHeaders,
            'Accept-Ranges': { schema: { type: 'string', const: 'bytes' } },
            ETag: { schema: { type: 'string' } },
            'Content-Disposition': CONTENT_DISPOSITION as Headers[string],
          },
          content: exportContent,
        },
        206: {
          description: 'The requested range',
          headers: {
            'Content-Range': { description: '`bytes start-end/size`', schema: { type: 'string' } },
            ETag: { schema: { type: 'string' } },
          },
          content: exportContent,
        },
      },
    },
  );

  return { createExport, listExports, getExport, deleteExport, downloadExport };
}

/** Export jobs: created, polled, downloaded (resumably) and deleted (mounted at /v1/exports). */
export function exportJobRoutes(deps: AppDeps) {
  const app = createRouter();
  const routes = exportRouteDefs([...deps.plugins.exportFormats.keys()]);

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

  app.openapi(routes.createExport, async (c) => {
    const principal = requireScope(c, 'export');
    const { format, filters, bom } = c.req.valid('json');
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

  app.openapi(routes.listExports, (c) => {
    const principal = requireScope(c, 'export');
    const tenant = tenantOf(principal) ?? oneQuery(c, 'tenant');
    return c.json({ data: deps.control.listExportJobs(tenant).map((job) => jobView(job)) }, 200);
  });

  app.openapi(routes.getExport, (c) => c.json(jobView(jobFor(c)), 200));

  app.openapi(routes.deleteExport, async (c) => {
    await deps.exportJobs.remove(jobFor(c));
    return c.body(null, 204);
  });

  app.openapi(routes.downloadExport, async (c) => {
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
