/** Export routes: what a streamed export and an export job contain, and how a job runs and downloads. */
import { type AuditEvent, ErrorCode, type ExportJobRecord } from '@trailmark/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACME,
  body,
  bodyFilters,
  column,
  csvRows,
  EVENTS,
  exportSuite,
  type JobView,
  type Json,
  ndjsonEvents,
} from '../../../testing/export-suite.ts';
import { transferEvent } from '../../../testing/exports.ts';
import type { TestApp } from '../../../testing/index.ts';

const suite = exportSuite();
const { pagedEvents, waitForJob, auditEntries } = suite;
let t: TestApp;
beforeAll(() => {
  t = suite.t;
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
});
