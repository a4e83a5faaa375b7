import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAssetHistory } from '../../../testing/asset-history.ts';
import { createTestApp, type TestApp } from '../../../testing/index.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  await seedAssetHistory(t);
});
afterAll(async () => {
  await t.close();
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
