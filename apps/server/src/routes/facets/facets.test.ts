import { SCANNED_FACET_MAX_EVENTS } from '@trailmark/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ago, base, seedAssetHistory } from '../../../testing/asset-history.ts';
import { createTestApp, type TestApp } from '../../../testing/index.ts';
import { createApp } from '../../app.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  await seedAssetHistory(t);
});
afterAll(async () => {
  await t.close();
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
