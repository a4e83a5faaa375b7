import { existsSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type AuditEvent, canonicalEvent, ErrorCode, type ExportJobRecord } from '@trailmark/core';
import { CSV_HEADER, csvCells, restoreCell } from '@trailmark/plugin-export';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExportTestApp, transferEvent } from '../../testing/exports.ts';
import type { TestApp } from '../../testing/index.ts';
import { hashSecret } from '../keys.ts';

type Json = Record<string, unknown>;
type JobView = Json & {
  id: string;
  status: string;
  rows_written: number;
  progress: number;
  file_name: string;
};
type ErrorJson = { code: string; message: string; details?: { path: string; message: string }[] };

let t: TestApp;
/**
 * Varied enough that every filter selects a proper subset: every fifth event targets a folder, every
 * thirteenth failed, every eleventh has a second target.
 */
const EVENTS = Array.from({ length: 1200 }, (_, i) => {
  const base = transferEvent(i);
  return {
    ...base,
    ...(i % 13 === 6 ? { outcome: { result: 'failure' as const } } : {}),
    targets: [
      i % 5 === 0 ? { type: 'folder', id: `d-${i % 9}`, path: `/archive/d-${i % 9}` } : base.targets[0],
      ...(i % 11 === 0 ? [{ type: 'file', id: 'f-second', path: '/forest/second.pdf' }] : []),
    ],
  };
});
const ACME = EVENTS.filter((e) => e.tenant === 'acme');
/** One acme event from another source, so `source=file-transfer` leaves something out. */
const OTHER_SOURCE: AuditEvent = {
  ...transferEvent(5000, { tenant: 'acme' }),
  id: 'evt_x_other_source',
  source: 'trailmark',
  action: 'api_key.created',
  targets: [{ type: 'api_key', id: 'key_1' }],
};

async function body(res: Response): Promise<Json> {
  return (await res.json()) as Json;
}

/** Ends a record on CRLF, LF or CR as spreadsheet apps do, so an unquoted line break shows. */
function csvRows(text: string): string[][] {
  return parse(text, { bom: true, record_delimiter: ['\r\n', '\n', '\r'] }) as string[][];
}

function column(rows: string[][], name: string): string[] {
  const i = CSV_HEADER.indexOf(name);
  return rows.slice(1).map((r) => r[i]);
}

async function errorOf(res: Response): Promise<ErrorJson> {
  return ((await res.json()) as { error: ErrorJson }).error;
}

/** Every event /v1/events returns for the same filters, paging with its cursor. */
async function pagedEvents(query: string, token: string | undefined): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let cursor: string | null = null;
  do {
    const res = await t.request(`/v1/events?${query}&limit=97${cursor ? `&cursor=${cursor}` : ''}`, {
      token,
    });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { data: AuditEvent[]; next_cursor: string | null };
    events.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return events;
}

function ndjsonEvents(text: string): AuditEvent[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditEvent);
}

/** A query string as the `filters` object of POST /v1/exports. */
function bodyFilters(query: string): Record<string, string[]> {
  const filters: Record<string, string[]> = {};
  for (const [key, value] of new URLSearchParams(query)) filters[key] = [...(filters[key] ?? []), value];
  return filters;
}

async function waitForJob(path: string, token: string): Promise<JobView> {
  await t.deps.exportJobs.drain();
  const res = await t.request(path, { token });
  expect(res.status).toBe(200);
  return (await res.json()) as JobView;
}

async function auditEntries(tenant: string, action: string): Promise<AuditEvent[]> {
  const page = await t.deps.storage.search(
    { tenant: [tenant], source: ['trailmark'], action: [action] },
    { limit: 1000 },
  );
  return page.data;
}

beforeAll(async () => {
  t = await createExportTestApp();
  await t.deps.storage.append([...EVENTS, OTHER_SOURCE]);
});
afterAll(async () => {
  await t.deps.exportJobs.drain();
  await t.close();
});

describe('security: every export route', () => {
  /** A completed acme job, so the job routes have something to refuse. */
  let jobId: string;
  beforeAll(async () => {
    const res = await t.request('/v1/exports', { token: t.key('acme', ['export']), body: { format: 'csv' } });
    jobId = ((await res.json()) as JobView).id;
    await t.deps.exportJobs.drain();
  });

  const routes = (): [string, string, unknown?][] => [
    ['GET', '/v1/export?format=csv'],
    ['POST', '/v1/exports', { format: 'csv' }],
    ['GET', '/v1/exports'],
    ['GET', `/v1/exports/${jobId}`],
    ['GET', `/v1/exports/${jobId}/download`],
    ['DELETE', `/v1/exports/${jobId}`],
  ];

  it('answers 401 UNAUTHENTICATED without a token or with an unknown one', async () => {
    for (const token of [null, 'tmk_not_a_key_at_all_0000000000000000000000000']) {
      for (const [method, path, body] of routes()) {
        const res = await t.request(path, { method, token, body });
        expect(res.status, `${method} ${path}`).toBe(401);
        expect((await errorOf(res)).code).toBe(ErrorCode.UNAUTHENTICATED);
      }
    }
  });

  it('answers 403 FORBIDDEN to a key without the export scope', async () => {
    const key = t.key('acme', ['read', 'ingest']);
    for (const [method, path, body] of routes()) {
      const res = await t.request(path, { method, token: key, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect((await errorOf(res)).code).toBe(ErrorCode.FORBIDDEN);
    }
  });

  it('lets an export key and an admin key through', async () => {
    for (const scopes of [['export'], ['admin']] as const) {
      const key = t.key('acme', [...scopes]);
      for (const [method, path, body] of routes().filter(([m]) => m !== 'DELETE')) {
        const res = await t.request(path, { method, token: key, body });
        expect(res.status, `${scopes[0]}: ${method} ${path}`).toBeLessThan(300);
        await res.arrayBuffer();
      }
    }
    await t.deps.exportJobs.drain();
  });

  it("keeps another tenant's key away from the tenant's job: 404, as if it did not exist", async () => {
    const globex = t.key('globex', ['export', 'admin']);
    for (const [method, path, body] of routes().filter(([, p]) => p.includes(jobId))) {
      const res = await t.request(path, { method, token: globex, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await errorOf(res)).toMatchObject({ code: ErrorCode.NOT_FOUND, details: [{ path: 'id' }] });
    }
    // Still there for its own tenant.
    expect((await t.request(`/v1/exports/${jobId}`, { token: t.key('acme', ['export']) })).status).toBe(200);
  });
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

describe('filters: an export is exactly what /v1/events pages through', () => {
  /** Every /v1/events filter, alone and combined, as a tenant key sends them. */
  const filters = [
    'tenant=acme',
    'source=file-transfer',
    'action=file.deleted,share_link.accessed',
    'action=file.deleted&action=file.uploaded',
    'actor=u-3&result=denied',
    'actor=user4@acme.test',
    'workspace=ws-1&from=2026-04-01T05:00:00Z&to=2026-04-01T12:00:00Z',
    'from=2026-04-01&to=2026-04-01T03:00:00Z',
    'target_type=folder',
    'target_id=f-7',
    'target_id=f-second',
    'target_path=/forest/report-7.pdf',
    'target_path_prefix=/archive',
    'target_path_prefix=/forest&target_id=f-7',
    'request_id=req-42,req-43',
    'result=failure,denied',
    'ip=198.51.100.5',
    'q=report',
    'q=second',
  ];

  // Each export is compared with /v1/events read just before it: every export adds its own audit entry
  // to the tenant, which a filter such as `tenant=acme` matches.
  it.each(filters)('%s: streamed CSV and NDJSON, and a job', async (query) => {
    const key = t.key('acme', ['read', 'export']);
    const first = await pagedEvents(query, key);
    // A filter that matched nothing, or everything, would prove nothing.
    expect(first.length).toBeGreaterThan(0);
    if (query !== 'tenant=acme') expect(first.length).toBeLessThan((await pagedEvents('', key)).length);

    const csv = await t.request(`/v1/export?format=csv&${query}`, { token: key });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('x-trailmark-total-rows')).toBe(String(first.length));
    expect(column(csvRows(await csv.text()), 'id')).toEqual(first.map((e) => e.id));

    const beforeNdjson = await pagedEvents(query, key);
    const ndjson = await t.request(`/v1/export?format=ndjson&${query}`, { token: key });
    expect(ndjsonEvents(await ndjson.text())).toEqual(beforeNdjson);

    const beforeJob = await pagedEvents(query, key);
    const created = await t.request('/v1/exports', {
      token: key,
      body: { format: 'ndjson', filters: bodyFilters(query) },
    });
    expect(created.status).toBe(202);
    const job = await waitForJob(`/v1/exports/${((await created.json()) as JobView).id}`, key);
    expect(job).toMatchObject({ status: 'completed', rows_written: beforeJob.length });
    const file = await t.request(`/v1/exports/${job.id}/download`, { token: key });
    expect(ndjsonEvents(await file.text())).toEqual(beforeJob);
  });

  it.each([
    ['tenant=acme,globex&actor=u-2', ['acme', 'globex']],
    ['tenant=globex&result=denied', ['globex']],
    ['source=file-transfer&target_type=folder', ['acme', 'globex']],
  ])('operator token: %s', async (query, tenants) => {
    const expected = await pagedEvents(query, undefined);
    expect([...new Set(expected.map((e) => e.tenant))].sort()).toEqual(tenants);
    const res = await t.request(`/v1/export?format=ndjson&${query}`);
    expect(ndjsonEvents(await res.text())).toEqual(expected);
  });
});

describe('GET /v1/export: content', () => {
  it('streams NDJSON with every event in full, for the operator across tenants', async () => {
    const res = await t.request('/v1/export?format=ndjson&source=file-transfer');
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await res.text()).split('\n').filter(Boolean);
    const events = lines.map((l) => JSON.parse(l) as AuditEvent);
    const byId = new Map(EVENTS.map((e) => [`${e.tenant}/${e.id}`, e]));
    expect(events).toHaveLength(EVENTS.length);
    for (const e of events) expect(e).toEqual(byId.get(`${e.tenant}/${e.id}`));
  });

  it('names the file after what was exported and serves it as an attachment', async () => {
    const res = await t.request('/v1/export?format=csv&source=file-transfer&from=2026-04-01&to=2026-04-15', {
      token: t.key('acme', ['export']),
    });
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(
      'attachment; filename="trailmark-acme-file-transfer-2026-04-01_2026-04-14.csv"',
    );
    expect(res.headers.get('x-trailmark-truncated')).toBe('false');
    expect(res.headers.get('x-trailmark-row-limit')).toBeNull();
    await res.text();
  });

  it('adds a BOM only when asked', async () => {
    const key = t.key('acme', ['export']);
    const withBom = new Uint8Array(
      await (await t.request('/v1/export?bom=true', { token: key })).arrayBuffer(),
    );
    expect([...withBom.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const without = await (await t.request('/v1/export', { token: key })).text();
    expect(without.startsWith('occurred_at,received_at,id,')).toBe(true);
  });

  it('serves OCSF from the second export plugin', async () => {
    const res = await t.request('/v1/export?format=ocsf&action=file.deleted', {
      token: t.key('acme', ['export']),
    });
    const first = JSON.parse((await res.text()).split('\n')[0]) as Json;
    expect(first).toMatchObject({ class_uid: 6006, metadata: { version: '1.8.0', tenant_uid: 'acme' } });
  });
});

describe('tenant isolation', () => {
  it("gives another tenant's key none of the tenant's rows and refuses to widen", async () => {
    const globex = t.key('globex', ['export']);
    const rows = csvRows(await (await t.request('/v1/export', { token: globex })).text());
    const tenants = new Set(column(rows, 'tenant'));
    expect(tenants).toEqual(new Set(['globex']));
    expect(column(rows, 'source').filter((s) => s === 'file-transfer')).toHaveLength(
      EVENTS.filter((e) => e.tenant === 'globex').length,
    );
    // A job of the same key holds the same rows: its own tenant's and nothing else.
    const created = await t.request('/v1/exports', { token: globex, body: { format: 'ndjson' } });
    const job = await waitForJob(`/v1/exports/${((await created.json()) as JobView).id}`, globex);
    const file = ndjsonEvents(
      await (await t.request(`/v1/exports/${job.id}/download`, { token: globex })).text(),
    );
    expect(file.length).toBeGreaterThan(0);
    expect(new Set(file.map((e) => e.tenant))).toEqual(new Set(['globex']));

    for (const tenant of ['acme', 'acme,globex']) {
      const widened = await t.request(`/v1/export?tenant=${tenant}`, { token: globex });
      expect(widened.status, tenant).toBe(403);
      expect(await errorOf(widened)).toMatchObject({
        code: ErrorCode.FORBIDDEN,
        details: [{ path: 'tenant' }],
      });
      const jobTry = await t.request('/v1/exports', {
        token: globex,
        body: { format: 'csv', filters: { tenant: tenant.split(',') } },
      });
      expect(jobTry.status, tenant).toBe(403);
    }
  });

  it("404s another tenant's job and leaves it out of listings", async () => {
    const acme = t.key('acme', ['export']);
    const job = (await body(
      await t.request('/v1/exports', { token: acme, body: { format: 'csv' } }),
    )) as JobView;
    await t.deps.exportJobs.drain();
    const globex = t.key('globex', ['export']);
    for (const path of [`/v1/exports/${job.id}`, `/v1/exports/${job.id}/download`]) {
      const res = await t.request(path, { token: globex });
      expect(res.status).toBe(404);
      expect(((await body(res)).error as Json).code).toBe(ErrorCode.NOT_FOUND);
    }
    expect((await t.request(`/v1/exports/${job.id}`, { token: globex, method: 'DELETE' })).status).toBe(404);
    const list = (await body(await t.request('/v1/exports', { token: globex }))).data as JobView[];
    expect(list.map((j) => j.id)).not.toContain(job.id);
    const own = (await body(await t.request('/v1/exports', { token: acme }))).data as JobView[];
    expect(own.map((j) => j.id)).toContain(job.id);
  });
});

describe('CSV safety over HTTP', () => {
  const nasty = [
    '=cmd|"/c calc"!A1',
    '+SUM(1)',
    '-1+1',
    '@x',
    '\tTab',
    '\rCR',
    'a,b',
    'say "hi"',
    'two\nlines',
    'ünï 😀',
    "'=x",
    '-5',
    '+49 30 1234567',
  ];

  it('neutralizes formulas and otherwise round-trips exactly', async () => {
    const events = nasty.map((v, i) =>
      transferEvent(900_000 + i, {
        tenant: 'nasty',
        actor: { type: 'user', id: v, name: v },
        targets: [{ type: 'file', name: v, path: `/x/${v.replace(/\s/g, '_')}` }],
        workspace: { id: v, name: v },
        metadata: { note: v },
      }),
    );
    await t.deps.storage.append(events);
    const res = await t.request('/v1/export?format=csv&tenant=nasty&bom=true');
    const rows = csvRows(await res.text());
    expect(rows).toHaveLength(events.length + 1);
    const ordered = [...events].reverse();
    rows.slice(1).forEach((row, i) => {
      for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
      const label = t.deps.plugins.registry.label(ordered[i].source, ordered[i].action);
      // As stored: the canonical (RFC 8785) form, keys sorted, is what the export reads.
      expect(row.map(restoreCell)).toEqual(csvCells(JSON.parse(canonicalEvent(ordered[i])), label));
    });
  });
});

describe('row limits', () => {
  const LIMIT = 250;
  /** Set the way an admin does it, through the settings API with the tenant's admin key. */
  const setCap = async (settings: { max_export_rows?: number | null }) => {
    const res = await t.request('/v1/admin/tenants/acme/settings', {
      method: 'PUT',
      token: t.key('acme', ['admin']),
      body: settings,
    });
    expect(res.status).toBe(200);
  };
  beforeAll(() => setCap({ max_export_rows: LIMIT }));
  afterAll(() => setCap({ max_export_rows: null }));

  it('stops a stream at max_export_rows and says so in headers and in the file name', async () => {
    const key = t.key('acme', ['read', 'export']);
    const matching = await pagedEvents('source=file-transfer', key);
    expect(matching.length).toBe(ACME.length);
    const res = await t.request('/v1/export?format=csv&source=file-transfer', { token: key });
    expect(res.headers.get('x-trailmark-row-limit')).toBe(String(LIMIT));
    expect(res.headers.get('x-trailmark-truncated')).toBe('true');
    expect(res.headers.get('x-trailmark-total-rows')).toBe(String(ACME.length));
    expect(res.headers.get('content-disposition')).toMatch(
      new RegExp(`^attachment; filename="trailmark-acme-file-transfer-[0-9_-]+-first-${LIMIT}-rows\\.csv"$`),
    );
    // The first rows of the full result, newest first: a prefix, not a sample.
    expect(column(csvRows(await res.text()), 'id')).toEqual(matching.slice(0, LIMIT).map((e) => e.id));

    const id = res.headers.get('x-trailmark-export-id');
    const [audit] = (await auditEntries('acme', 'export.created')).filter((e) => e.targets[0].id === id);
    expect(audit.metadata).toMatchObject({ rows: LIMIT, truncated: true, total_rows: ACME.length });
  });

  it('says "not truncated" when the result fits under the cap, still naming the cap', async () => {
    const key = t.key('acme', ['export']);
    const small = await t.request('/v1/export?format=csv&source=file-transfer&actor=u-1&result=denied', {
      token: key,
    });
    expect(small.headers.get('x-trailmark-truncated')).toBe('false');
    expect(small.headers.get('x-trailmark-row-limit')).toBe(String(LIMIT));
    expect(small.headers.get('content-disposition')).not.toContain('first-');
    const rows = csvRows(await small.text()).length - 1;
    expect(rows).toBe(Number(small.headers.get('x-trailmark-total-rows')));
    expect(rows).toBeGreaterThan(0);
  });

  it('states the cap on a job from the moment it is created to its download', async () => {
    const key = t.key('acme', ['export']);
    const res = await t.request('/v1/exports', {
      token: key,
      body: { format: 'ndjson', filters: { source: 'file-transfer' } },
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-trailmark-row-limit')).toBe(String(LIMIT));
    expect(res.headers.get('x-trailmark-truncated')).toBe('true');
    expect(res.headers.get('x-trailmark-total-rows')).toBe(String(ACME.length));
    const created = (await res.json()) as JobView;
    expect(created).toMatchObject({ row_limit: LIMIT, rows_estimate: LIMIT, truncated: true });
    expect(created.file_name).toMatch(new RegExp(`-first-${LIMIT}-rows\\.ndjson$`));

    const done = await waitForJob(`/v1/exports/${created.id}`, key);
    expect(done).toMatchObject({ status: 'completed', rows_written: LIMIT, truncated: true, progress: 1 });
    const file = await t.request(`/v1/exports/${created.id}/download`, { token: key });
    expect(file.headers.get('x-trailmark-row-limit')).toBe(String(LIMIT));
    expect(file.headers.get('x-trailmark-truncated')).toBe('true');
    expect(file.headers.get('x-trailmark-total-rows')).toBe(String(LIMIT));
    expect(ndjsonEvents(await file.text())).toHaveLength(LIMIT);
  });

  it('leaves an operator export over all tenants uncapped, and caps one that names the tenant', async () => {
    const all = await t.request('/v1/export?format=ndjson&source=file-transfer');
    expect(all.headers.get('x-trailmark-row-limit')).toBeNull();
    expect(all.headers.get('x-trailmark-truncated')).toBe('false');
    const everyRow = ndjsonEvents(await all.text());
    expect(everyRow.filter((e) => e.tenant === 'acme')).toHaveLength(ACME.length);

    const named = await t.request('/v1/export?format=ndjson&source=file-transfer&tenant=acme,globex');
    expect(named.headers.get('x-trailmark-row-limit')).toBe(String(LIMIT));
    expect(ndjsonEvents(await named.text())).toHaveLength(LIMIT);
  });
});

describe('export jobs', () => {
  it('saves progress along the way, never going backwards', async () => {
    const bulk = Array.from({ length: 6500 }, (_, i) => transferEvent(100_000 + i, { tenant: 'bulk' }));
    await t.deps.storage.append(bulk);
    const key = t.key('bulk', ['export']);
    const saved: number[] = [];
    const control = t.deps.control;
    const save = control.saveExportJob.bind(control);
    control.saveExportJob = (job: ExportJobRecord) => {
      saved.push(job.rows_written);
      save(job);
    };
    try {
      const res = await t.request('/v1/exports', { token: key, body: { format: 'ndjson' } });
      const job = await waitForJob(`/v1/exports/${((await res.json()) as JobView).id}`, key);
      expect(job).toMatchObject({
        status: 'completed',
        rows_written: 6500,
        rows_estimate: 6500,
        progress: 1,
      });
    } finally {
      control.saveExportJob = save;
    }
    expect(saved.some((n) => n > 0 && n < 6500)).toBe(true);
    expect([...saved].sort((a, b) => a - b)).toEqual(saved);
  });

  it('runs in the background, then downloads whole and by range', async () => {
    const key = t.key('acme', ['export']);
    const res = await t.request('/v1/exports', {
      token: key,
      body: {
        format: 'csv',
        filters: { source: 'file-transfer', action: ['file.uploaded', 'file.deleted'] },
        bom: true,
      },
    });
    expect(res.status).toBe(202);
    let job = (await res.json()) as JobView;
    expect(res.headers.get('location')).toBe(`/v1/exports/${job.id}`);
    expect(job).toMatchObject({
      format: 'csv',
      filters: { tenant: ['acme'], source: ['file-transfer'], action: ['file.uploaded', 'file.deleted'] },
      rows_written: 0,
      download_url: `/v1/exports/${job.id}/download`,
    });
    job = await waitForJob(`/v1/exports/${job.id}`, key);
    const expected = ACME.filter((e) => e.action === 'file.uploaded' || e.action === 'file.deleted').length;
    expect(job).toMatchObject({
      status: 'completed',
      rows_written: expected,
      rows_estimate: expected,
      progress: 1,
    });

    const full = await t.request(`/v1/exports/${job.id}/download`, { token: key });
    expect(full.status).toBe(200);
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    const etag = full.headers.get('etag')!;
    const bytes = new Uint8Array(await full.arrayBuffer());
    expect(Number(full.headers.get('content-length'))).toBe(bytes.length);
    const text = new TextDecoder().decode(bytes);
    expect(text.startsWith('\uFEFF')).toBe(false); // TextDecoder strips the BOM; the bytes keep it:
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csvRows(text)).toHaveLength(expected + 1);
    const streamed = new Uint8Array(
      await (
        await t.request(
          '/v1/export?format=csv&bom=true&source=file-transfer&action=file.uploaded,file.deleted',
          {
            token: key,
          },
        )
      ).arrayBuffer(),
    );
    expect(Buffer.from(bytes).equals(Buffer.from(streamed))).toBe(true);

    // A download cut at byte 1000 and resumed gives the same bytes.
    const head = await t.request(`/v1/exports/${job.id}/download`, {
      token: key,
      headers: { range: 'bytes=0-999' },
    });
    expect(head.status).toBe(206);
    expect(head.headers.get('content-range')).toBe(`bytes 0-999/${bytes.length}`);
    const tail = await t.request(`/v1/exports/${job.id}/download`, {
      token: key,
      headers: { range: 'bytes=1000-', 'if-range': etag },
    });
    expect(tail.status).toBe(206);
    expect(tail.headers.get('content-range')).toBe(`bytes 1000-${bytes.length - 1}/${bytes.length}`);
    const joined = Buffer.concat([
      Buffer.from(await head.arrayBuffer()),
      Buffer.from(await tail.arrayBuffer()),
    ]);
    expect(joined.equals(Buffer.from(bytes))).toBe(true);

    const suffix = await t.request(`/v1/exports/${job.id}/download`, {
      token: key,
      headers: { range: 'bytes=-10' },
    });
    expect(suffix.status).toBe(206);
    expect(Buffer.from(await suffix.arrayBuffer()).equals(Buffer.from(bytes.slice(-10)))).toBe(true);

    const stale = await t.request(`/v1/exports/${job.id}/download`, {
      token: key,
      headers: { range: 'bytes=1000-', 'if-range': '"other"' },
    });
    expect(stale.status).toBe(200);
    await stale.arrayBuffer();

    const beyond = await t.request(`/v1/exports/${job.id}/download`, {
      token: key,
      headers: { range: `bytes=${bytes.length}-` },
    });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    expect(((await body(beyond)).error as Json).code).toBe(ErrorCode.RANGE_NOT_SATISFIABLE);

    // Created once; downloads are audited only when they start at byte 0 (resumed parts are not new downloads).
    const created = (await auditEntries('acme', 'export.created')).filter((e) => e.targets[0].id === job.id);
    expect(created).toHaveLength(1);
    expect(created[0].metadata).toMatchObject({ format: 'csv', rows: expected, mode: 'job' });
    const downloads = (await auditEntries('acme', 'export.downloaded')).filter(
      (e) => e.targets[0].id === job.id,
    );
    expect(downloads).toHaveLength(3); // full, bytes=0-999 and the stale If-Range full download
  });

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

describe('audit of streamed exports', () => {
  it('records export.created with the rows sent, once the stream ends', async () => {
    const key = t.key('acme', ['export']);
    const res = await t.request('/v1/export?format=csv&action=file.deleted', { token: key });
    const id = res.headers.get('x-trailmark-export-id')!;
    const rows = csvRows(await res.text()).length - 1;
    const entries = (await auditEntries('acme', 'export.created')).filter((e) => e.targets[0].id === id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: { type: 'api_key' },
      outcome: { result: 'success' },
      targets: [{ type: 'export', id, name: res.headers.get('content-disposition')!.split('"')[1] }],
      metadata: { format: 'csv', rows, mode: 'stream' },
    });
    expect(String(entries[0].metadata?.filters)).toContain('file.deleted');
  });

  it('audits an operator export in every tenant whose rows it contains', async () => {
    const res = await t.request('/v1/export?format=ndjson&source=file-transfer&actor=u-2');
    const id = res.headers.get('x-trailmark-export-id')!;
    await res.text();
    for (const tenant of ['acme', 'globex']) {
      const entries = (await auditEntries(tenant, 'export.created')).filter((e) => e.targets[0].id === id);
      expect(entries).toHaveLength(1);
      expect(entries[0].actor).toMatchObject({ type: 'system', id: 'operator' });
      expect(entries[0].metadata?.rows).toBe(
        EVENTS.filter((e) => e.tenant === tenant && e.actor.id === 'u-2').length,
      );
    }
  });

  it('reads storage only as fast as the client reads, and records a client that hangs up', async (context) => {
    // This counts keyset `search` pages; a store with point-in-time exports (OpenSearch) pages another way.
    if (t.deps.storage.exportEvents) return context.skip('the store exports through a point in time');
    const slow = Array.from({ length: 3500 }, (_, i) => transferEvent(200_000 + i, { tenant: 'slow' }));
    await t.deps.storage.append(slow);
    const key = t.key('slow', ['export']);
    const storage = t.deps.storage;
    const search = storage.search.bind(storage);
    const pages: { limit: number; cursor?: string }[] = [];
    storage.search = (filter, page) => {
      pages.push(page);
      return search(filter, page);
    };
    /** Lets every pending callback and I/O completion run: a read-ahead would happen in these turns. */
    const settle = async () => {
      for (let i = 0; i < 20; i++) await nextTurn();
    };
    try {
      const res = await t.request('/v1/export?format=csv', { token: key });
      const id = res.headers.get('x-trailmark-export-id')!;
      const reader = res.body!.getReader();
      const received: Uint8Array[] = [];
      const read = async () => {
        const { value } = await reader.read();
        if (value) received.push(value);
        await settle();
      };
      await read(); // the header row: no storage read yet
      expect(pages).toHaveLength(0);
      await read(); // first page
      // A stalled reader stalls the export: nothing is fetched beyond the page being read.
      expect(pages).toHaveLength(1);
      await read();
      expect(pages).toHaveLength(2);
      // Keyset paging: each page continues from the cursor of the one before, never from an offset.
      expect(pages.map((p) => p.limit)).toEqual([1000, 1000]);
      expect(pages[0].cursor).toBeUndefined();
      expect(pages[1].cursor).toEqual(expect.any(String));
      // cancel() resolves once the stream's own cancel has run, which writes the audit entry.
      await reader.cancel();
      const sent = csvRows(Buffer.concat(received).toString('utf8')).length - 1;
      expect(sent).toBe(2000);
      const entries = (await auditEntries('slow', 'export.created')).filter((e) => e.targets[0].id === id);
      expect(entries).toHaveLength(1);
      expect(entries[0].outcome).toEqual({ result: 'failure', reason: 'client_closed' });
      expect(entries[0].metadata).toMatchObject({ rows: sent, total_rows: slow.length });
    } finally {
      storage.search = search;
    }
  });

  it('records who asked, with which filters and format, and the request it came from', async () => {
    const key = t.key('acme', ['export']);
    const keyId = t.deps.control.findApiKeyByHash(hashSecret(key))!.id;
    const res = await t.request('/v1/export?format=ndjson&action=file.deleted&result=denied,failure', {
      token: key,
    });
    const rows = ndjsonEvents(await res.text()).length;
    const id = res.headers.get('x-trailmark-export-id');
    const [entry] = (await auditEntries('acme', 'export.created')).filter((e) => e.targets[0].id === id);
    const filters = { tenant: ['acme'], action: ['file.deleted'], result: ['denied', 'failure'] };
    expect(entry).toMatchObject({
      actor: { type: 'api_key', id: keyId },
      metadata: { format: 'ndjson', rows, filters: JSON.stringify(filters) },
      request: {
        id: res.headers.get('x-request-id'),
        method: 'GET',
        endpoint: '/v1/export',
        request_body: { format: 'ndjson', filters },
      },
    });
  });

  it('keeps long filters whole in the request body and marks the short copy as cut', async () => {
    const actors = Array.from({ length: 60 }, (_, i) => `someone-with-a-long-identifier-${i}@acme.test`);
    const key = t.key('acme', ['export']);
    const res = await t.request(`/v1/export?format=csv&actor=${actors.join(',')}`, { token: key });
    expect(res.status).toBe(200);
    await res.text();
    const id = res.headers.get('x-trailmark-export-id');
    const [entry] = (await auditEntries('acme', 'export.created')).filter((e) => e.targets[0].id === id);
    expect(entry.metadata?.filters_truncated).toBe(true);
    expect(String(entry.metadata?.filters)).toHaveLength(1000);
    expect(entry.request?.request_body).toEqual({
      format: 'csv',
      filters: { tenant: ['acme'], actor: actors },
    });
  });
});

describe('audit of downloads', () => {
  it('audits a download of an operator job over all tenants in every tenant in the file', async () => {
    const res = await t.request('/v1/exports', {
      body: { format: 'csv', filters: { source: 'file-transfer', actor: 'u-5' } },
    });
    const job = await waitForJob(`/v1/exports/${((await res.json()) as JobView).id}`, t.adminToken);
    const file = await t.request(`/v1/exports/${job.id}/download`);
    await file.arrayBuffer();
    for (const tenant of ['acme', 'globex']) {
      const downloads = (await auditEntries(tenant, 'export.downloaded')).filter(
        (e) => e.targets[0].id === job.id,
      );
      expect(downloads, tenant).toHaveLength(1);
      expect(downloads[0].metadata?.rows).toBe(
        EVENTS.filter((e) => e.tenant === tenant && e.actor.id === 'u-5').length,
      );
    }
  });

  it('answers HEAD with the headers and records no download', async () => {
    const key = t.key('acme', ['export']);
    const res = await t.request('/v1/exports', { token: key, body: { format: 'csv' } });
    const job = await waitForJob(`/v1/exports/${((await res.json()) as JobView).id}`, key);
    const head = await t.request(`/v1/exports/${job.id}/download`, { token: key, method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('accept-ranges')).toBe('bytes');
    expect(Number(head.headers.get('content-length'))).toBe(t.deps.control.getExportJob(job.id)?.bytes);
    expect(await head.text()).toBe('');
    const downloads = (await auditEntries('acme', 'export.downloaded')).filter(
      (e) => e.targets[0].id === job.id,
    );
    expect(downloads).toHaveLength(0);
  });
});
