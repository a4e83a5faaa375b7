import { z } from '@hono/zod-openapi';
import { ErrorCode, type QueryParams, queryValue, ValidationError } from '@trailmark/core';
import { requireScope } from '../../auth.ts';
import type { AppDeps } from '../../deps.ts';
import { auditExport } from '../../exports/audit.ts';
import { attachment, planFor, requestOf, rowHeaders } from '../../exports/http.ts';
import { parseBom } from '../../exports/plan.ts';
import { exportStream } from '../../exports/stream.ts';
import { filterQuery } from '../../filters.ts';
import { CONTENT_DISPOSITION, EXPORT_HEADERS, EXPORT_ID_HEADER } from '../../openapi/export-headers.ts';
import { createRouter, defineRoute } from '../define.ts';

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

/** The streamed export of a filtered view (mounted at /v1); the export jobs are routes/exports/index.ts. */
export function streamExportRoutes(deps: AppDeps) {
  const app = createRouter();

  const streamExport = defineRoute(
    {
      scope: 'export',
      errors: [
        ErrorCode.UNSUPPORTED_FORMAT,
        ErrorCode.UNKNOWN_FILTER,
        ErrorCode.INVALID_FILTER,
        ErrorCode.VALIDATION_FAILED,
        ErrorCode.STORAGE_UNAVAILABLE,
        ErrorCode.RATE_LIMITED,
      ],
    },
    {
      method: 'get',
      path: '/',
      operationId: 'streamExport',
      summary: 'Stream an export',
      description: [
        'Streams every event matching the filters as a file, in constant memory (keyset pages of 1000 events, read only as fast as the client reads), newest first. Takes exactly the filters of `GET /v1/events`; `limit` and `cursor` do not apply (`UNKNOWN_FILTER`): the whole view is exported.',
        "`csv`: RFC 4180, UTF-8, CRLF, a header row and a fixed, documented column set with nested fields flattened (plugins/export/README.md). Every text cell starting with `=`, `+`, `-`, `@`, tab, CR or NUL (also after leading single quotes, and the full-width forms) gets one `'` prefixed, as OWASP recommends against CSV injection; removing that one quote gives the stored value back. `ndjson`: one stored event per line, as `GET /v1/events` returns it.",
        'The row count is decided before the first byte and sent in headers. When a tenant in scope has `max_export_rows`, the file stops at that many rows (the newest ones), `X-Trailmark-Truncated: true` says so and the file name ends in `-first-<n>-rows`; a capped export is never silent. An operator export that names no tenant is not capped.',
        'Each export is recorded as `export.created` in the `trailmark` source of every tenant in it when the stream ends (who, filters, format, rows, request id). For very large exports prefer `POST /v1/exports`, which survives a dropped connection and can be resumed.',
      ].join('\n\n'),
      tags: ['Export'],
      request: {
        // `format` and `bom` are checked by exportOptions and resolveFormat, with their codes, as before.
        query: filterQuery(deps).extend({
          format: z.unknown().optional().meta({
            description:
              'File format (default `csv`); see `export_formats` in `GET /v1/catalog`. Given once.',
            $ref: '#/components/schemas/ExportFormat',
          }),
          bom: queryValue()
            .optional()
            .meta({
              description: 'Prefix a UTF-8 byte order mark (for CSV opened in Excel). Given once.',
              type: 'string',
              enum: ['true', '1', 'false', '0'],
            }),
        }),
      },
      responses: {
        200: {
          description: 'The file, streamed; `Content-Disposition: attachment` names it.',
          headers: {
            ...EXPORT_HEADERS,
            'X-Trailmark-Export-Id': EXPORT_ID_HEADER,
            'Content-Disposition': CONTENT_DISPOSITION,
          },
          // The built-in formats' types; a format plugin may add its own (octet-stream covers it).
          content: {
            'text/csv': { schema: z.string() },
            'application/x-ndjson': { schema: z.string() },
            'application/octet-stream': { schema: z.string() },
          },
        },
      },
    },
  );

  /**
   * Streams the whole filtered view. Headers go out before the rows, so the row count and any truncation
   * are decided up front from storage.count and stated in headers: a capped export is never silent.
   */
  app.openapi(streamExport, async (c) => {
    // Checked already by the route's guard; called again for the principal it returns.
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
