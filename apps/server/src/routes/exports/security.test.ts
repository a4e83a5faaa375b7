/** Export routes: who may call them, tenant isolation, CSV injection and the audit trail of exports. */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { canonicalEvent, ErrorCode } from '@trailmark/core';
import { csvCells, restoreCell } from '@trailmark/plugin-export';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  body,
  column,
  csvRows,
  EVENTS,
  errorOf,
  exportSuite,
  type JobView,
  type Json,
  ndjsonEvents,
} from '../../../testing/export-suite.ts';
import { transferEvent } from '../../../testing/exports.ts';
import type { TestApp } from '../../../testing/index.ts';
import { hashSecret } from '../../keys.ts';

const suite = exportSuite();
const { waitForJob, auditEntries } = suite;
let t: TestApp;
beforeAll(() => {
  t = suite.t;
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
