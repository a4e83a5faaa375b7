/** Export routes: every bad request is a 4xx with a code and the field at fault, never a 5xx. */
import { existsSync } from 'node:fs';
import { ErrorCode, type ExportJobRecord } from '@trailmark/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { body, errorOf, exportSuite, type JobView, type Json } from '../../../testing/export-suite.ts';
import type { TestApp } from '../../../testing/index.ts';

const suite = exportSuite();
const { waitForJob } = suite;
let t: TestApp;
beforeAll(() => {
  t = suite.t;
});

describe('errors: 4xx with a code and the field at fault, never 5xx', () => {
  let jobId: string;
  beforeAll(async () => {
    const res = await t.request('/v1/exports', { token: t.key('acme', ['export']), body: { format: 'csv' } });
    jobId = ((await res.json()) as JobView).id;
    await t.deps.exportJobs.drain();
  });

  interface BadRequest {
    what: string;
    method?: string;
    path: string;
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
    status: number;
    code: ErrorCode;
    /** The `details[].path` that must name the culprit. */
    field?: string;
  }

  const cases = (): BadRequest[] => {
    const download = `/v1/exports/${jobId}/download`;
    const job = (body: unknown) => ({ method: 'POST', path: '/v1/exports', body });
    return [
      {
        what: 'unknown format',
        path: '/v1/export?format=xlsx',
        status: 400,
        code: ErrorCode.UNSUPPORTED_FORMAT,
        field: 'format',
      },
      {
        what: 'format twice',
        path: '/v1/export?format=csv&format=ndjson',
        status: 400,
        code: ErrorCode.VALIDATION_FAILED,
        field: 'format',
      },
      {
        what: 'bom twice',
        path: '/v1/export?bom=true&bom=false',
        status: 400,
        code: ErrorCode.VALIDATION_FAILED,
        field: 'bom',
      },
      {
        what: 'bad bom',
        path: '/v1/export?bom=maybe',
        status: 400,
        code: ErrorCode.VALIDATION_FAILED,
        field: 'bom',
      },
      {
        what: 'unknown filter',
        path: '/v1/export?acton=file.deleted',
        status: 400,
        code: ErrorCode.UNKNOWN_FILTER,
        field: 'acton',
      },
      {
        what: 'limit is not a filter',
        path: '/v1/export?limit=10',
        status: 400,
        code: ErrorCode.UNKNOWN_FILTER,
        field: 'limit',
      },
      {
        what: 'cursor is not a filter',
        path: '/v1/export?cursor=abc',
        status: 400,
        code: ErrorCode.UNKNOWN_FILTER,
        field: 'cursor',
      },
      {
        what: 'bad date',
        path: '/v1/export?from=yesterday',
        status: 400,
        code: ErrorCode.INVALID_FILTER,
        field: 'from',
      },
      {
        what: 'bad result',
        path: '/v1/export?result=maybe',
        status: 400,
        code: ErrorCode.INVALID_FILTER,
        field: 'result',
      },
      {
        what: 'bad prefix',
        path: '/v1/export?target_path_prefix=forest',
        status: 400,
        code: ErrorCode.INVALID_FILTER,
        field: 'target_path_prefix',
      },
      {
        what: 'job: unknown format',
        ...job({ format: 'pdf' }),
        status: 400,
        code: ErrorCode.UNSUPPORTED_FORMAT,
        field: 'format',
      },
      { what: 'job: no format', ...job({}), status: 400, code: ErrorCode.VALIDATION_FAILED, field: 'format' },
      {
        what: 'job: unknown field',
        ...job({ format: 'csv', limit: 5 }),
        status: 400,
        code: ErrorCode.VALIDATION_FAILED,
        field: '(body)',
      },
      {
        what: 'job: filter of the wrong type',
        ...job({ format: 'csv', filters: { action: 5 } }),
        status: 400,
        code: ErrorCode.VALIDATION_FAILED,
        field: 'filters.action',
      },
      {
        what: 'job: unknown filter',
        ...job({ format: 'csv', filters: { acton: 'x' } }),
        status: 400,
        code: ErrorCode.UNKNOWN_FILTER,
        field: 'acton',
      },
      {
        what: 'job: format is not a filter',
        ...job({ format: 'csv', filters: { format: 'ndjson' } }),
        status: 400,
        code: ErrorCode.UNKNOWN_FILTER,
        field: 'format',
      },
      {
        what: 'job: from after to',
        ...job({ format: 'csv', filters: { from: '2026-04-02', to: '2026-04-01' } }),
        status: 400,
        code: ErrorCode.INVALID_FILTER,
        field: 'to',
      },
      {
        what: 'job: broken JSON',
        method: 'POST',
        path: '/v1/exports',
        rawBody: '{"format":',
        headers: { 'content-type': 'application/json' },
        status: 400,
        code: ErrorCode.MALFORMED_JSON,
      },
      {
        what: 'unknown job',
        path: '/v1/exports/exp_nope',
        status: 404,
        code: ErrorCode.NOT_FOUND,
        field: 'id',
      },
      {
        what: 'unknown job: download',
        path: '/v1/exports/exp_nope/download',
        status: 404,
        code: ErrorCode.NOT_FOUND,
        field: 'id',
      },
      {
        what: 'unknown job: delete',
        method: 'DELETE',
        path: '/v1/exports/exp_nope',
        status: 404,
        code: ErrorCode.NOT_FOUND,
        field: 'id',
      },
      {
        what: 'range that is not a range',
        path: download,
        headers: { range: 'bytes=abc' },
        status: 416,
        code: ErrorCode.RANGE_NOT_SATISFIABLE,
        field: 'Range',
      },
      {
        what: 'range backwards',
        path: download,
        headers: { range: 'bytes=500-100' },
        status: 416,
        code: ErrorCode.RANGE_NOT_SATISFIABLE,
        field: 'Range',
      },
      {
        what: 'range past the end',
        path: download,
        headers: { range: 'bytes=999999999-' },
        status: 416,
        code: ErrorCode.RANGE_NOT_SATISFIABLE,
        field: 'Range',
      },
    ];
  };

  it('answers each bad request with its documented status, code and field path', async () => {
    const key = t.key('acme', ['export']);
    for (const bad of cases()) {
      const { what, method, path, body, rawBody, headers } = bad;
      const res = await t.request(path, { method, token: key, body, rawBody, headers });
      expect(res.status, what).toBe(bad.status);
      const error = await errorOf(res);
      expect(error.code, what).toBe(bad.code);
      if (bad.field)
        expect(
          error.details?.map((d) => d.path),
          what,
        ).toContain(bad.field);
    }
  });

  it('sends the whole file for a Range it may ignore: another unit, or several ranges', async () => {
    const key = t.key('acme', ['export']);
    const path = `/v1/exports/${jobId}/download`;
    const size = (await (await t.request(path, { token: key })).arrayBuffer()).byteLength;
    for (const range of ['items=0-9', 'bytes=0-9,20-29']) {
      const res = await t.request(path, { token: key, headers: { range } });
      expect(res.status, range).toBe(200);
      expect((await res.arrayBuffer()).byteLength, range).toBe(size);
    }
  });
});

describe('export jobs', () => {
  it('answers 409 while not completed, 410 once expired, and deletes', async () => {
    const key = t.key('acme', ['export']);
    const now = new Date().toISOString();
    const running: ExportJobRecord = {
      id: 'exp_test_running',
      tenant: 'acme',
      created_by: 'test',
      format: 'csv',
      filters: {},
      status: 'running',
      rows_written: 5,
      rows_estimate: 10,
      bytes: 0,
      file_name: 'x.csv',
      created_at: now,
      updated_at: now,
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    };
    t.deps.control.saveExportJob(running);
    const busy = await t.request('/v1/exports/exp_test_running/download', { token: key });
    expect(busy.status).toBe(409);
    expect(await errorOf(busy)).toMatchObject({
      code: ErrorCode.CONFLICT,
      details: [{ path: 'status', message: '5 of about 10 rows written' }],
    });
    expect((await body(await t.request('/v1/exports/exp_test_running', { token: key }))).progress).toBe(0.5);
    t.deps.control.saveExportJob({ ...running, status: 'failed', error: 'the export failed' });
    const failed = await t.request('/v1/exports/exp_test_running/download', { token: key });
    expect(failed.status).toBe(409);
    expect((await errorOf(failed)).message).toContain('create it again');
    t.deps.control.deleteExportJob(running.id);

    const created = (await body(
      await t.request('/v1/exports', { token: key, body: { format: 'ndjson' } }),
    )) as JobView;
    const done = await waitForJob(`/v1/exports/${created.id}`, key);
    expect(done.status).toBe('completed');
    const record = t.deps.control.getExportJob(created.id)!;
    expect(existsSync(record.file_path!)).toBe(true);
    // Past its expiry the file is refused at once, and the sweeper removes it.
    t.deps.control.saveExportJob({ ...record, expires_at: new Date(Date.now() - 1000).toISOString() });
    const expired = await t.request(`/v1/exports/${created.id}/download`, { token: key });
    expect(expired.status).toBe(410);
    expect(((await body(expired)).error as Json).code).toBe(ErrorCode.EXPIRED);
    expect((await body(await t.request(`/v1/exports/${created.id}`, { token: key }))).status).toBe('expired');
    const swept = await t.deps.exportJobs.sweep();
    expect(swept.expired).toBeGreaterThanOrEqual(1);
    expect(existsSync(record.file_path!)).toBe(false);
    expect(t.deps.control.getExportJob(created.id)?.status).toBe('expired');

    const other = (await body(
      await t.request('/v1/exports', { token: key, body: { format: 'csv' } }),
    )) as JobView;
    await t.deps.exportJobs.drain();
    const path = t.deps.control.getExportJob(other.id)!.file_path!;
    expect((await t.request(`/v1/exports/${other.id}`, { token: key, method: 'DELETE' })).status).toBe(204);
    expect(existsSync(path)).toBe(false);
    expect((await t.request(`/v1/exports/${other.id}`, { token: key })).status).toBe(404);
  });
});
