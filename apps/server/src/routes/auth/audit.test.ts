import { afterEach, describe, expect, it } from 'vitest';
import { fakeClock, SAME_ORIGIN, trailmarkEvents } from '../../../testing/accounts.ts';
import { createTestApp, type TestApp } from '../../../testing/index.ts';
import { OPERATOR_AUDIT_TENANT } from '../../accounts/audit.ts';
import { uploadEventExample } from '../../openapi/examples.ts';

let t: TestApp;
afterEach(async () => {
  await t?.close();
});

describe('administrative acts carry who, from where and which request', () => {
  it('records key, settings and retention acts with IP, user agent, request id and masked bodies', async () => {
    t = await createTestApp({ accounts: { trustProxy: true } });
    await t.person('owner', 'acme');
    const admin = await t.person('admin', 'acme');
    const cookie = await t.signIn(admin.email);
    const from = { cookie, ...SAME_ORIGIN, 'x-forwarded-for': '203.0.113.9', 'user-agent': 'AuditTest/1.0' };
    const created = await t.request('/v1/admin/api-keys', {
      token: null,
      headers: from,
      body: { tenant: 'acme', name: 'ci', scopes: ['read'] },
    });
    expect(created.status).toBe(201);
    const { id, key } = await created.json();
    const revoked = await t.request(`/v1/admin/api-keys/${id}`, {
      method: 'DELETE',
      token: null,
      headers: from,
    });
    expect(revoked.status).toBe(200);
    const settings = await t.request('/v1/admin/tenants/acme/settings', {
      method: 'PUT',
      token: null,
      headers: from,
      body: { max_export_rows: 5000 },
    });
    expect(settings.status).toBe(200);
    const run = await t.request('/v1/admin/retention/run', {
      method: 'POST',
      headers: { 'x-forwarded-for': '203.0.113.10', 'user-agent': 'OpsScript/2.0' },
    });
    expect(run.status).toBe(200);

    const trail = await (await t.request('/v1/events?tenant=acme&source=trailmark&limit=100')).json();
    const act = (action: string) => trail.data.find((e: { action: string }) => e.action === action);
    for (const [action, requestId] of [
      ['api_key.created', created.headers.get('x-request-id')],
      ['api_key.revoked', revoked.headers.get('x-request-id')],
      ['tenant_settings.updated', settings.headers.get('x-request-id')],
    ] as const) {
      const event = act(action);
      expect(event, action).toBeDefined();
      expect(event.client).toMatchObject({ ip: '203.0.113.9', user_agent: 'AuditTest/1.0' });
      expect(event.request.id).toBe(requestId);
      expect(event.actor).toMatchObject({ type: 'user', id: admin.id });
    }
    expect(act('api_key.created').request.request_body).toMatchObject({ name: 'ci', scopes: ['read'] });
    expect(act('tenant_settings.updated').request.response_body).toMatchObject({
      settings: { max_export_rows: 5000 },
    });
    // The secret is shown once to its creator and never lands in the trail.
    expect(JSON.stringify(trail.data)).not.toContain(key);
    const ownRun = await (
      await t.request(`/v1/events?tenant=${OPERATOR_AUDIT_TENANT}&source=trailmark`)
    ).json();
    expect(ownRun.data.map((e: { action: string }) => e.action)).not.toContain('retention.purged');
  });

  it('records purges an operator asked for with the operator, IP and request', async () => {
    t = await createTestApp({ accounts: { trustProxy: true } });
    const old = {
      ...uploadEventExample,
      id: 'old_purge_1',
      tenant: 'acme',
      occurred_at: new Date(Date.now() - 200 * 86_400_000).toISOString(),
    };
    expect((await t.request('/v1/events', { body: old })).status).toBe(201);
    const run = await t.request('/v1/admin/retention/run', {
      method: 'POST',
      headers: { 'x-forwarded-for': '203.0.113.10', 'user-agent': 'OpsScript/2.0' },
    });
    expect((await run.json()).deleted).toBe(1);
    const trail = await (
      await t.request('/v1/events?tenant=acme&source=trailmark&action=retention.purged')
    ).json();
    expect(trail.data[0]).toMatchObject({
      actor: { type: 'system', id: 'operator' },
      client: { ip: '203.0.113.10', user_agent: 'OpsScript/2.0' },
      request: { id: run.headers.get('x-request-id'), endpoint: '/v1/admin/retention/run' },
    });
  });
});

describe('keys made by people, and audit-log views', () => {
  it('caps a key at its creator role, today: a demoted or removed creator takes the rights along', async () => {
    t = await createTestApp();
    await t.person('owner', 'acme');
    const admin = await t.person('admin', 'acme');
    const cookie = await t.signIn(admin.email);
    const res = await t.request('/v1/admin/api-keys', {
      token: null,
      headers: { cookie, ...SAME_ORIGIN },
      body: { tenant: 'acme', name: 'ci', scopes: ['read', 'export'] },
    });
    expect(res.status).toBe(201);
    const { key, id } = (await res.json()) as { key: string; id: string };
    expect(t.deps.control.getApiKey(id)?.created_by).toBe(admin.id);
    expect((await t.request('/v1/events', { token: key })).status).toBe(200);
    t.deps.control.updateUser(admin.id, { role: 'viewer' }, new Date().toISOString());
    expect((await t.request('/v1/events', { token: key })).status).toBe(403);
    t.deps.control.updateUser(admin.id, { role: 'auditor' }, new Date().toISOString());
    expect((await t.request('/v1/events', { token: key })).status).toBe(200);
    t.deps.control.deleteUser(admin.id);
    expect((await t.request('/v1/events', { token: key })).status).toBe(403);
  });

  it('records searches and event views by people once per window, counting the rest', async () => {
    const clock = fakeClock();
    t = await createTestApp({ now: clock.now });
    const auditor = await t.person('auditor', 'acme');
    const cookie = await t.signIn(auditor.email);
    for (let i = 0; i < 5; i++)
      expect((await t.request('/v1/events?limit=1', { token: null, headers: { cookie } })).status).toBe(200);
    expect(await trailmarkEvents(t, 'audit_log.viewed', 'acme')).toHaveLength(1);
    clock.advance(16 * 60_000);
    await t.request('/v1/events?q=invoice', { token: null, headers: { cookie } });
    const views = await trailmarkEvents(t, 'audit_log.viewed', 'acme');
    expect(views).toHaveLength(2);
    expect(views[0].metadata).toMatchObject({
      view: 'search',
      query: '?q=invoice',
      earlier_views_in_window: 4,
    });
    expect(views[0].actor.id).toBe(auditor.id);
    // Machines are not recorded as audit-log viewers.
    await t.request('/v1/events?tenant=acme');
    expect(await trailmarkEvents(t, 'audit_log.viewed', 'acme')).toHaveLength(2);
  });
});
