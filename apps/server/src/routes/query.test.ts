import { SCANNED_FACET_MAX_EVENTS } from '@trailmark/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/index.ts';
import { createApp } from '../app.ts';

let t: TestApp;
const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();
const base = {
  source: 'dam-app',
  actor: { type: 'user', id: 'u-ana', name: 'Ana Lima', email: 'ana@acme.test' },
  outcome: { result: 'success' },
};

beforeAll(async () => {
  t = await createTestApp();
  const events = [
    {
      ...base,
      id: 'h1',
      action: 'file.uploaded',
      occurred_at: ago(10),
      targets: [{ type: 'file', id: 'f1', path: '/forest/tree.png' }],
    },
    {
      ...base,
      id: 'h2',
      action: 'file.renamed',
      occurred_at: ago(9),
      targets: [{ type: 'file', id: 'f1', path: '/forest/oak.png', previous_path: '/forest/tree.png' }],
    },
    {
      ...base,
      id: 'h3',
      action: 'file.moved',
      occurred_at: ago(8),
      targets: [{ type: 'file', id: 'f1', path: '/archive/oak.png', previous_path: '/forest/oak.png' }],
    },
    {
      ...base,
      id: 'h4',
      action: 'file.deleted',
      occurred_at: ago(7),
      targets: [{ type: 'file', id: 'f1', path: '/archive/oak.png' }],
      actor: { type: 'user', id: 'u-bo', name: 'Bo Chen' },
      outcome: { result: 'denied', reason: 'permission_denied' },
    },
    {
      ...base,
      id: 'h5',
      action: 'file.uploaded',
      occurred_at: ago(6),
      targets: [{ type: 'file', id: 'f2', path: '/forest/pine.png' }],
    },
    {
      ...base,
      id: 'old1',
      action: 'file.uploaded',
      occurred_at: ago(400),
      targets: [{ type: 'file', id: 'f9', path: '/old.png' }],
    },
  ].map((e) => ({ ...e, tenant: 'acme' }));
  const res = await t.request('/v1/events', { body: { events } });
  expect(res.status).toBe(201);
});
afterAll(async () => {
  await t.close();
});

describe('GET /v1/history', () => {
  it('follows one asset across rename, move and deletion, by path or by id', async () => {
    for (const url of [
      '/v1/history?target_path=/forest/tree.png',
      '/v1/history?target_path=/archive/oak.png',
      '/v1/history?target_type=file&target_id=f1',
    ]) {
      const res = await t.request(`${url}&tenant=acme`);
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.data.map((e: { id: string }) => e.id)).toEqual(['h4', 'h3', 'h2', 'h1']);
    }
  });

  it('combines with filters: who deleted this file', async () => {
    const body = await (
      await t.request('/v1/history?target_path=/forest/tree.png&action=file.deleted')
    ).json();
    expect(body.data).toHaveLength(1);
    expect(body.data[0].actor.id).toBe('u-bo');
  });

  it('is time-aware: a path reused after a deletion names a second asset, listed apart; a denied deletion frees nothing', async () => {
    const at = (h: number) => new Date(Date.now() - 5 * DAY + h * 3_600_000).toISOString();
    const file = (id: string, path: string, extra = {}) => [{ type: 'file', id, path, ...extra }];
    const reuse = [
      {
        ...base,
        id: 'r1',
        action: 'file.uploaded',
        occurred_at: at(1),
        targets: file('g1', '/brand/logo.png'),
      },
      {
        ...base,
        id: 'r2',
        action: 'file.deleted',
        occurred_at: at(2),
        targets: file('g1', '/brand/logo.png'),
        outcome: { result: 'denied', reason: 'permission_denied' },
      },
      {
        ...base,
        id: 'r3',
        action: 'file.deleted',
        occurred_at: at(3),
        targets: file('g1', '/brand/logo.png'),
      },
      {
        ...base,
        id: 'r4',
        action: 'file.uploaded',
        occurred_at: at(4),
        targets: file('g2', '/brand/logo.png'),
      },
      {
        ...base,
        id: 'r5',
        action: 'file.downloaded',
        occurred_at: at(5),
        targets: [{ type: 'file', path: '/brand/logo.png' }],
      },
    ].map((e) => ({ ...e, tenant: 'reuse' }));
    expect((await t.request('/v1/events', { body: { events: reuse } })).status).toBe(201);

    const byPath = await (await t.request('/v1/history?tenant=reuse&target_path=/brand/logo.png')).json();
    expect(
      byPath.assets.map((a: { key: string; event_count: number; deleted: boolean }) => [
        a.key,
        a.event_count,
        a.deleted,
      ]),
    ).toEqual([
      ['file:g1', 3, true],
      ['file:g2', 2, false],
    ]);
    expect(byPath.data.map((e: { id: string }) => e.id)).toEqual(['r5', 'r4', 'r3', 'r2', 'r1']);
    // By id, the first file's history stops at its deletion: the next file at its path is not in it.
    const first = await (await t.request('/v1/history?tenant=reuse&target_type=file&target_id=g1')).json();
    expect(first.data.map((e: { id: string }) => e.id)).toEqual(['r3', 'r2', 'r1']);
    expect(first.assets).toHaveLength(1);

    // One of the assets alone, by its key; a key that is not one of them is refused, naming them.
    const second = await (
      await t.request('/v1/history?tenant=reuse&target_path=/brand/logo.png&asset=file:g2')
    ).json();
    expect(second.data.map((e: { id: string }) => e.id)).toEqual(['r5', 'r4']);
    expect(second.assets).toHaveLength(2);
    const wrong = await t.request('/v1/history?tenant=reuse&target_path=/brand/logo.png&asset=file:nope');
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).error.details[0]).toMatchObject({
      path: 'asset',
      message: 'not one of file:g1, file:g2',
    });

    // Paged by a sealed cursor, nothing twice and nothing skipped; a forged cursor is refused.
    const seen: string[] = [];
    let url = '/v1/history?tenant=reuse&target_path=/brand/logo.png&limit=2';
    for (let i = 0; i < 5 && url; i++) {
      const page = await (await t.request(url)).json();
      seen.push(...page.data.map((e: { id: string }) => e.id));
      url = page.next_cursor
        ? `/v1/history?tenant=reuse&target_path=/brand/logo.png&limit=2&cursor=${encodeURIComponent(page.next_cursor)}`
        : '';
    }
    expect(seen).toEqual(['r5', 'r4', 'r3', 'r2', 'r1']);
    const forged = await t.request(
      '/v1/history?tenant=reuse&target_path=/brand/logo.png&cursor=2099-01-01|x|y.AAAA',
    );
    expect(forged.status).toBe(400);
    expect((await forged.json()).error.code).toBe('INVALID_CURSOR');
  });

  it('needs exactly one asset reference', async () => {
    const res = await t.request('/v1/history?target_type=file');
    expect(res.status).toBe(400);
    expect((await res.json()).error.details[0].path).toBe('target_path');
  });
});

describe('GET /v1/facets', () => {
  it('counts by action with labels, honouring filters', async () => {
    const body = await (await t.request(`/v1/facets?field=action&tenant=acme&from=${ago(30)}`)).json();
    expect(body.field).toBe('action');
    expect(body.buckets[0]).toMatchObject({ value: 'file.uploaded', count: 2 });
    expect(body.buckets.reduce((n: number, b: { count: number }) => n + b.count, 0)).toBe(5);
  });

  it('labels actors with their names', async () => {
    const body = await (await t.request('/v1/facets?field=actor&tenant=acme')).json();
    expect(body.buckets).toContainEqual({ value: 'u-bo', label: 'Bo Chen', count: 1 });
  });

  it('rejects an unknown field', async () => {
    const res = await t.request('/v1/facets?field=colour');
    expect(res.status).toBe(400);
    expect((await res.json()).error.details[0].path).toBe('field');
  });
});

describe('GET /v1/facets on client and request fields (counted over the matching events)', () => {
  const link = { type: 'share_link', id: 'lnk_leak' };
  const visit = (id: string, ip: string, country_code: string, country: string, extra = {}) => ({
    ...base,
    id,
    tenant: 'geo',
    source: 'file-transfer',
    action: 'share_link.accessed',
    occurred_at: ago(2),
    actor: { type: 'anonymous', id: 'anonymous' },
    targets: [link],
    client: { ip, geo: { country_code, country }, device: { kind: 'browser' } },
    request: { region: 'eu-central-2' },
    workspace: { id: 'ws_legal', name: 'Legal' },
    ...extra,
  });
  beforeAll(async () => {
    const res = await t.request('/v1/events', {
      body: [
        visit('g1', '95.173.136.70', 'RU', 'Russia'),
        visit('g2', '95.173.136.70', 'RU', 'Russia'),
        visit('g3', '95.173.136.71', 'RU', 'Russia'),
        visit('g4', '203.0.113.45', 'US', 'United States', {
          client: { ip: '203.0.113.45', geo: { country_code: 'US' }, device: { kind: 'cli' } },
          request: { region: 'us-east-1' },
        }),
        // Another link: not counted.
        visit('g5', '203.0.113.45', 'US', 'United States', {
          targets: [{ type: 'share_link', id: 'lnk_other' }],
        }),
        // No client at all: contributes to no bucket.
        { ...visit('g6', '1.1.1.1', 'AU', 'Australia'), client: undefined, request: undefined },
      ],
    });
    expect(res.status).toBe(201);
  });
  const facet = async (field: string) => {
    const res = await t.request(
      `/v1/facets?field=${field}&tenant=geo&target_type=share_link&target_id=lnk_leak`,
    );
    expect(res.status).toBe(200);
    return (await res.json()) as {
      field: string;
      buckets: { value: string; label?: string; count: number }[];
    };
  };

  it('counts the IPs that opened one share link, most frequent first', async () => {
    expect(await facet('ip')).toEqual({
      field: 'ip',
      complete: true,
      buckets: [
        { value: '95.173.136.70', count: 2 },
        { value: '203.0.113.45', count: 1 },
        { value: '95.173.136.71', count: 1 },
      ],
    });
  });

  it('counts countries by code, labelled with the country name when the source gave it', async () => {
    expect((await facet('country')).buckets).toEqual([
      { value: 'RU', label: 'Russia', count: 3 },
      { value: 'US', count: 1 },
    ]);
  });

  it('counts the regions that handled the requests and the devices', async () => {
    expect((await facet('region')).buckets).toEqual([
      { value: 'eu-central-2', count: 3 },
      { value: 'us-east-1', count: 1 },
    ]);
    expect((await facet('device')).buckets).toEqual([
      { value: 'browser', count: 3 },
      { value: 'cli', count: 1 },
    ]);
  });

  it('honours limit and the tenant scope of a key', async () => {
    const limited = await t.request('/v1/facets?field=ip&tenant=geo&target_id=lnk_leak&limit=1');
    expect((await limited.json()).buckets).toEqual([{ value: '95.173.136.70', count: 2 }]);
    const otherTenant = t.key('acme', ['read']);
    const res = await t.request('/v1/facets?field=ip', { token: otherTenant });
    expect((await res.json()).buckets).toEqual([]);
  });

  it('counts the newest events of a filter too broad to read whole, and says so', async () => {
    // A store whose every page is a full page of the leaked-link visits, forever: the count must stop.
    const visits = (
      await (await t.request('/v1/events?tenant=geo&target_type=share_link&target_id=lnk_leak')).json()
    ).data.filter((e: { client?: { geo?: unknown } }) => e.client?.geo);
    const endless = Object.assign(Object.create(t.deps.storage), {
      search: async (_filter: unknown, page: { limit: number }) => ({
        data: Array.from({ length: page.limit }, (_, i) => visits[i % visits.length]),
        next_cursor: 'more',
      }),
    }) as typeof t.deps.storage;
    const app = createApp({ ...t.deps, storage: endless });
    const res = await app.request('/v1/facets?field=country', {
      headers: { authorization: `Bearer ${t.adminToken}` },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ field: 'country', complete: false, counted: SCANNED_FACET_MAX_EVENTS });
    const total = body.buckets.reduce((n: number, b: { count: number }) => n + b.count, 0);
    expect(total).toBe(SCANNED_FACET_MAX_EVENTS);
  });
});

describe('retention', () => {
  it('purges events past retention, records the run and audits it', async () => {
    expect((await t.request('/v1/events/old1')).status).toBe(200);
    const reader = t.key('acme', ['read', 'admin']);
    expect((await t.request('/v1/admin/retention/run', { method: 'POST', token: reader })).status).toBe(403);
    const run = await (await t.request('/v1/admin/retention/run', { method: 'POST' })).json();
    expect(run.deleted).toBe(1);
    expect(run.tasks).toContainEqual(
      expect.objectContaining({ tenant: 'acme', source: 'dam-app', deleted: 1, retention: '12 months' }),
    );
    expect((await t.request('/v1/events/old1')).status).toBe(404);
    expect((await t.request('/v1/events/h1')).status).toBe(200);
    const runs = await (await t.request('/v1/admin/retention/runs')).json();
    expect(runs.data[0].id).toBe(run.id);
    const audit = await (
      await t.request('/v1/events?tenant=acme&source=trailmark&action=retention.purged')
    ).json();
    expect(audit.data[0].metadata.deleted).toBe(1);
  });
});

describe('admin: tenant settings', () => {
  it('an admin key manages its own tenant only', async () => {
    const admin = t.key('acme', ['admin']);
    const ok = await t.request('/v1/admin/tenants/acme/settings', {
      method: 'PUT',
      token: admin,
      body: { max_export_rows: 5000 },
    });
    expect(ok.status).toBe(200);
    expect((await ok.json()).settings).toEqual({ max_export_rows: 5000 });
    const other = await t.request('/v1/admin/tenants/globex/settings', {
      method: 'PUT',
      token: admin,
      body: { max_export_rows: 1 },
    });
    expect(other.status).toBe(403);
    const bad = await t.request('/v1/admin/tenants/acme/settings', {
      method: 'PUT',
      token: admin,
      body: { max_export_rows: -3 },
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.details[0].path).toBe('max_export_rows');
  });

  it('an admin key cannot mint keys for another tenant', async () => {
    const admin = t.key('acme', ['admin']);
    const res = await t.request('/v1/admin/api-keys', {
      token: admin,
      body: { tenant: 'globex', name: 'x', scopes: ['read'] },
    });
    expect(res.status).toBe(403);
    const bad = await t.request('/v1/admin/api-keys', {
      token: admin,
      body: { tenant: 'acme', name: 'x', scopes: ['root'] },
    });
    expect(bad.status).toBe(400);
  });
});
