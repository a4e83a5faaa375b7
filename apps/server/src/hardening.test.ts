import type { AuditEvent } from '@trailmark/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './testing.ts';

/** Defects found by an adversarial test of the running server (issue 10); each case failed before its fix. */

const event = (over: Record<string, unknown> = {}) => ({
  source: 'billing-app',
  action: 'invoice.paid',
  occurred_at: '2026-04-14T10:32:15Z',
  actor: { type: 'user', id: 'u-1' },
  targets: [{ type: 'invoice', id: 'inv-1' }],
  outcome: { result: 'success' },
  ...over,
});

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

const list = async (query: string): Promise<AuditEvent[]> =>
  (await (await t.request(`/v1/events?${query}`)).json()).data;

describe('the trailmark source is reserved for the server (#3)', () => {
  it('refuses a forged self-audit event from an ingest key with 403 naming the source', async () => {
    const key = t.key('forge', ['ingest']);
    const res = await t.request('/v1/events', {
      token: key,
      body: event({
        source: 'trailmark',
        action: 'api_key.revoked',
        actor: { type: 'system', id: 'operator' },
        targets: [{ type: 'api_key', id: 'key_x' }],
      }),
    });
    expect(res.status).toBe(403);
    const body = await res.json();
    expect(body.error.code).toBe('FORBIDDEN');
    expect(body.error.message).toContain('"trailmark"');
    expect(body.error.details[0]).toMatchObject({ index: 0, path: 'source' });
    expect(await list('tenant=forge&source=trailmark')).toEqual([]);
  });

  it('refuses it from the operator token too, and on the native route', async () => {
    const res = await t.request('/v1/events', {
      body: event({ tenant: 'forge', source: 'trailmark', action: 'export.created' }),
    });
    expect(res.status).toBe(403);
    const native = await t.request('/v1/sources/trailmark/events?tenant=forge', { body: {} });
    expect(native.status).toBe(403);
    expect((await native.json()).error.message).toContain('"trailmark"');
  });

  it('still records its own audit events', async () => {
    const res = await t.request('/v1/admin/api-keys', {
      body: { tenant: 'forge', name: 'k', scopes: ['read'] },
    });
    expect(res.status).toBe(201);
    const own = await list('tenant=forge&source=trailmark');
    expect(own.map((e) => e.action)).toContain('api_key.created');
  });
});

describe('request ids are the server own (#4)', () => {
  it("keeps its req_ id and records the client's id as client_request_id", async () => {
    const res = await t.request('/v1/export?format=ndjson&tenant=rid', {
      headers: { 'X-Request-Id': 'client-chosen-id' },
    });
    expect(res.status).toBe(200);
    await res.text();
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^req_/);
    const audit = (await list('tenant=rid&source=trailmark')).find((e) => e.action === 'export.created');
    expect(audit?.request?.id).toBe(id);
    expect(audit?.metadata?.client_request_id).toBe('client-chosen-id');
  });

  it('error envelopes carry the server id too', async () => {
    const res = await t.request('/v1/nope', { headers: { 'X-Request-Id': 'mine' } });
    const body = await res.json();
    expect(body.error.request_id).toMatch(/^req_/);
    expect(res.headers.get('x-request-id')).toBe(body.error.request_id);
  });
});

describe('a reused event id with another body is a conflict (idempotency)', () => {
  it('answers 409 CONFLICT naming the stored event, and keeps the stored one', async () => {
    const first = await t.request('/v1/events', { body: event({ tenant: 'idem', id: 'evt_reused' }) });
    expect(first.status).toBe(201);
    const same = await t.request('/v1/events', { body: event({ tenant: 'idem', id: 'evt_reused' }) });
    expect(same.status).toBe(200);
    expect(await same.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    const other = await t.request('/v1/events', {
      body: event({ tenant: 'idem', id: 'evt_reused', action: 'invoice.voided' }),
    });
    expect(other.status).toBe(409);
    const body = await other.json();
    expect(body.error.code).toBe('CONFLICT');
    expect(body.error.message).toContain('evt_reused');
    expect(body.error.details[0]).toMatchObject({ index: 0, path: 'id' });
    const stored = await (await t.request('/v1/events/evt_reused?tenant=idem')).json();
    expect(stored.action).toBe('invoice.paid');
  });

  it('the same id in another tenant is not a conflict', async () => {
    const res = await t.request('/v1/events', {
      body: event({ tenant: 'idem2', id: 'evt_reused', action: 'invoice.voided' }),
    });
    expect(res.status).toBe(201);
  });
});
