import { existsSync } from 'node:fs';
import { type AuditEvent, ErrorCode, type ExportJobRecord } from '@trailmark/core';
import { CSV_HEADER, csvCells, restoreCell } from '@trailmark/plugin-export';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainExportJobs, sweepExpiredExports } from '../exports/jobs.ts';
import { createExportTestApp, transferEvent } from '../exports/test-support.ts';
import type { TestApp } from '../testing.ts';

type Json = Record<string, unknown>;
type JobView = Json & { id: string; status: string; rows_written: number; progress: number };

let t: TestApp;
const EVENTS = Array.from({ length: 1200 }, (_, i) => transferEvent(i));
const ACME = EVENTS.filter((e) => e.tenant === 'acme');

async function body(res: Response): Promise<Json> {
  return (await res.json()) as Json;
}

function csvRows(text: string): string[][] {
  return parse(text, { bom: true }) as string[][];
}

function column(rows: string[][], name: string): string[] {
  const i = CSV_HEADER.indexOf(name);
  return rows.slice(1).map((r) => r[i]);
}

/** Every id /v1/events returns for the same filters, paging with its cursor. */
async function pagedIds(query: string, token: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await t.request(`/v1/events?${query}&limit=97${cursor ? `&cursor=${cursor}` : ''}`, {
      token,
    });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { data: AuditEvent[]; next_cursor: string | null };
    ids.push(...page.data.map((e) => e.id));
    cursor = page.next_cursor;
  } while (cursor);
  return ids;
}

async function waitForJob(path: string, token: string): Promise<JobView> {
  await drainExportJobs(t.deps);
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
  await t.deps.storage.append(EVENTS);
});
afterAll(async () => {
  await drainExportJobs(t.deps);
  await t.close();
});

describe('GET /v1/export: access', () => {
  it('needs a token (401), the export scope (403), and accepts export or admin keys', async () => {
    expect((await t.request('/v1/export?format=csv', { token: null })).status).toBe(401);
    const read = await t.request('/v1/export?format=csv', { token: t.key('acme', ['read']) });
    expect(read.status).toBe(403);
    expect(((await body(read)).error as Json).code).toBe(ErrorCode.FORBIDDEN);
    expect((await t.request('/v1/export', { token: t.key('acme', ['export']) })).status).toBe(200);
    expect((await t.request('/v1/export', { token: t.key('acme', ['admin']) })).status).toBe(200);
  });

  it('refuses unknown formats and unknown filters with a code', async () => {
    const key = t.key('acme', ['export']);
    const xlsx = await t.request('/v1/export?format=xlsx', { token: key });
    expect(xlsx.status).toBe(400);
    expect(((await body(xlsx)).error as Json).code).toBe(ErrorCode.UNSUPPORTED_FORMAT);
    const typo = await t.request('/v1/export?format=csv&acton=file.deleted', { token: key });
    expect(((await body(typo)).error as Json).code).toBe(ErrorCode.UNKNOWN_FILTER);
  });
});

describe('GET /v1/export: content', () => {
  const filters = [
    'source=file-transfer',
    'action=file.deleted,share_link.accessed',
    'actor=u-3&result=denied',
    'workspace=ws-1&from=2026-04-01T05:00:00Z&to=2026-04-01T12:00:00Z',
    'q=report',
    'target_path_prefix=/forest&target_id=f-7',
    'ip=198.51.100.4',
  ];

  it.each(filters)('exports exactly what /v1/events pages through for %s', async (query) => {
    const key = t.key('acme', ['read', 'export']);
    const expected = await pagedIds(query, key);
    const res = await t.request(`/v1/export?format=csv&${query}`, { token: key });
    expect(res.status).toBe(200);
    const ids = column(csvRows(await res.text()), 'id');
    expect(ids).toEqual(expected);
    expect(res.headers.get('x-trailmark-total-rows')).toBe(String(expected.length));
  });

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
    const widened = await t.request('/v1/export?tenant=acme', { token: globex });
    expect(widened.status).toBe(403);
    const jobTry = await t.request('/v1/exports', {
      token: globex,
      body: { format: 'csv', filters: { tenant: 'acme' } },
    });
    expect(jobTry.status).toBe(403);
  });

  it("404s another tenant's job and leaves it out of listings", async () => {
    const acme = t.key('acme', ['export']);
    const job = (await body(
      await t.request('/v1/exports', { token: acme, body: { format: 'csv' } }),
    )) as JobView;
    await drainExportJobs(t.deps);
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
      expect(row.map(restoreCell)).toEqual(csvCells(ordered[i], label));
    });
  });
});

describe('row limits', () => {
  it('stops at max_export_rows and says so in headers, never silently', async () => {
    t.deps.control.setTenantSettings('acme', { max_export_rows: 250 });
    try {
      const key = t.key('acme', ['export']);
      const res = await t.request('/v1/export?format=csv&source=file-transfer', { token: key });
      expect(res.headers.get('x-trailmark-row-limit')).toBe('250');
      expect(res.headers.get('x-trailmark-truncated')).toBe('true');
      expect(res.headers.get('x-trailmark-total-rows')).toBe(String(ACME.length));
      expect(csvRows(await res.text())).toHaveLength(251);

      const small = await t.request('/v1/export?format=csv&source=file-transfer&actor=u-1&result=denied', {
        token: key,
      });
      expect(small.headers.get('x-trailmark-truncated')).toBe('false');
      expect(small.headers.get('x-trailmark-row-limit')).toBe('250');
      await small.text();

      const created = (await body(
        await t.request('/v1/exports', {
          token: key,
          body: { format: 'ndjson', filters: { source: 'file-transfer' } },
        }),
      )) as JobView;
      expect(created.row_limit).toBe(250);
      expect(created.rows_estimate).toBe(250);
      const done = await waitForJob(`/v1/exports/${created.id}`, key);
      expect(done).toMatchObject({ status: 'completed', rows_written: 250, truncated: true, progress: 1 });
    } finally {
      t.deps.control.setTenantSettings('acme', {});
    }
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
    expect(((await body(busy)).error as Json).code).toBe(ErrorCode.CONFLICT);
    expect((await body(await t.request('/v1/exports/exp_test_running', { token: key }))).progress).toBe(0.5);
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
    const swept = await sweepExpiredExports(t.deps);
    expect(swept.expired).toBeGreaterThanOrEqual(1);
    expect(existsSync(record.file_path!)).toBe(false);
    expect(t.deps.control.getExportJob(created.id)?.status).toBe('expired');

    const other = (await body(
      await t.request('/v1/exports', { token: key, body: { format: 'csv' } }),
    )) as JobView;
    await drainExportJobs(t.deps);
    const path = t.deps.control.getExportJob(other.id)!.file_path!;
    expect((await t.request(`/v1/exports/${other.id}`, { token: key, method: 'DELETE' })).status).toBe(204);
    expect(existsSync(path)).toBe(false);
    expect((await t.request(`/v1/exports/${other.id}`, { token: key })).status).toBe(404);
  });

  it('validates the job request', async () => {
    const key = t.key('acme', ['export']);
    const bad = await t.request('/v1/exports', { token: key, body: { format: 'pdf' } });
    expect(((await body(bad)).error as Json).code).toBe(ErrorCode.UNSUPPORTED_FORMAT);
    const typo = await t.request('/v1/exports', {
      token: key,
      body: { format: 'csv', filters: { acton: 'x' } },
    });
    expect(((await body(typo)).error as Json).code).toBe(ErrorCode.UNKNOWN_FILTER);
    const extra = await t.request('/v1/exports', { token: key, body: { format: 'csv', limit: 5 } });
    expect(((await body(extra)).error as Json).code).toBe(ErrorCode.VALIDATION_FAILED);
    expect(
      (await t.request('/v1/exports', { token: t.key('acme', ['read']), body: { format: 'csv' } })).status,
    ).toBe(403);
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

  it('reads storage only as fast as the client reads, and records a client that hangs up', async () => {
    const key = t.key('acme', ['export']);
    const storage = t.deps.storage;
    const search = storage.search.bind(storage);
    let calls = 0;
    storage.search = (filter, page) => {
      calls++;
      return search(filter, page);
    };
    try {
      const res = await t.request('/v1/export?format=csv', { token: key });
      const id = res.headers.get('x-trailmark-export-id')!;
      const reader = res.body!.getReader();
      await reader.read(); // header
      await reader.read(); // first page
      await new Promise((r) => setTimeout(r, 50));
      // A stalled reader stalls the export: no page is fetched ahead beyond the one being read.
      expect(calls).toBeLessThanOrEqual(2);
      await reader.cancel();
      await new Promise((r) => setTimeout(r, 20));
      const entries = (await auditEntries('acme', 'export.created')).filter((e) => e.targets[0].id === id);
      expect(entries[0]?.outcome).toEqual({ result: 'failure', reason: 'client_closed' });
    } finally {
      storage.search = search;
    }
  });
});
