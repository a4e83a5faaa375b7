import type { AuditEvent, StoragePort } from '@trailmark/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../testing/index.ts';
import { createApp } from '../../app.ts';
import { createDeps } from '../../deps.ts';

const event = (over: Record<string, unknown> = {}) => ({
  source: 'billing-app',
  action: 'invoice.paid',
  occurred_at: '2026-04-14T10:32:15Z',
  actor: { type: 'user', id: 'u-1', name: 'Ana Lima', email: 'Ana@Acme.test' },
  targets: [{ type: 'invoice', id: 'inv-1', name: 'April invoice' }],
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

describe('POST /v1/events: happy paths', () => {
  it('stores one event durably and returns its id', async () => {
    const res = await t.request('/v1/events', { body: event({ tenant: 'acme', id: 'evt_happy_1' }) });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0, ids: ['evt_happy_1'] });
    const stored = await t.request('/v1/events/evt_happy_1');
    expect(stored.status).toBe(200);
    const body = await stored.json();
    expect(body).toMatchObject({ id: 'evt_happy_1', tenant: 'acme', action: 'invoice.paid' });
    expect(body.actor.email).toBe('ana@acme.test');
    expect(Date.parse(body.received_at)).toBeGreaterThan(Date.parse('2026-01-01'));
  });

  it('assigns evt_ ULID ids and takes the tenant from an API key', async () => {
    const key = t.key('acme', ['ingest', 'read']);
    const res = await t.request('/v1/events', {
      token: key,
      body: { events: [event(), event({ action: 'invoice.voided' })] },
    });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.accepted).toBe(2);
    for (const id of body.ids) expect(id).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
    const got = await (await t.request(`/v1/events/${body.ids[0]}`, { token: key })).json();
    expect(got.tenant).toBe('acme');
  });

  it('is idempotent: the same id sent twice stores one event', async () => {
    const first = await t.request('/v1/events', { body: event({ tenant: 'acme', id: 'evt_idem' }) });
    expect(first.status).toBe(201);
    const again = await t.request('/v1/events', { body: event({ tenant: 'acme', id: 'evt_idem' }) });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 1, ids: ['evt_idem'] });
    const list = await (await t.request('/v1/events?tenant=acme&limit=1000')).json();
    expect(list.data.filter((e: { id: string }) => e.id === 'evt_idem')).toHaveLength(1);
  });

  it('lists newest first with filters and a working cursor', async () => {
    const batch = Array.from({ length: 25 }, (_, i) =>
      event({
        tenant: 'paging',
        id: `evt_page_${i}`,
        occurred_at: new Date(Date.parse('2026-05-01T00:00:00Z') + i * 60_000).toISOString(),
        actor: { type: 'user', id: i % 2 ? 'u-odd' : 'u-even', email: i % 2 ? 'odd@x.test' : 'even@x.test' },
      }),
    );
    expect((await t.request('/v1/events', { body: { events: batch } })).status).toBe(201);
    const seen: string[] = [];
    let url = '/v1/events?tenant=paging&actor=odd@x.test&limit=5';
    for (;;) {
      const res = await t.request(url);
      expect(res.status).toBe(200);
      const page = await res.json();
      seen.push(...page.data.map((e: { id: string }) => e.id));
      if (!page.next_cursor) break;
      url = `/v1/events?tenant=paging&actor=odd@x.test&limit=5&cursor=${page.next_cursor}`;
    }
    const odd = batch
      .map((_, i) => i)
      .filter((i) => i % 2)
      .map((i) => `evt_page_${i}`)
      .reverse();
    expect(seen).toEqual(odd);
  });

  it('accepts list filters as repeats or commas, and from/to windows', async () => {
    const a = await (await t.request('/v1/events?tenant=paging&actor=u-odd,u-even&limit=100')).json();
    const b = await (await t.request('/v1/events?tenant=paging&actor=u-odd&actor=u-even&limit=100')).json();
    expect(a.data).toHaveLength(25);
    expect(b.data.map((e: { id: string }) => e.id)).toEqual(a.data.map((e: { id: string }) => e.id));
    const window = await (
      await t.request('/v1/events?tenant=paging&from=2026-05-01T00:10:00Z&to=2026-05-01T00:15:00Z')
    ).json();
    expect(window.data.map((e: { id: string }) => e.id)).toEqual(
      [14, 13, 12, 11, 10].map((i) => `evt_page_${i}`),
    );
  });
});

describe('POST /v1/events: errors are 4xx with a code and a path, and store nothing', () => {
  it('malformed JSON', async () => {
    const res = await t.request('/v1/events', {
      rawBody: '{"source": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('MALFORMED_JSON');
    expect(body.error.request_id).toBe(res.headers.get('x-request-id'));
  });

  it('wrong types name the field path and the batch index', async () => {
    const res = await t.request('/v1/events', {
      body: {
        events: [event({ tenant: 'acme' }), event({ tenant: 'acme', actor: { type: 'user', id: 5 } })],
      },
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.details).toContainEqual(expect.objectContaining({ index: 1, path: 'actor.id' }));
  });

  it('a bad event anywhere rejects the whole batch (no partial write)', async () => {
    const res = await t.request('/v1/events', {
      body: {
        events: [
          event({ tenant: 'partial', id: 'evt_partial_ok' }),
          event({ tenant: 'partial', occurred_at: 'yesterday' }),
        ],
      },
    });
    expect(res.status).toBe(400);
    expect((await t.request('/v1/events/evt_partial_ok')).status).toBe(404);
  });

  it('oversize fields, unknown fields and bad enums are rejected with their paths', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ actor: { type: 'user', id: 'x'.repeat(300) } }, 'actor.id'],
      [{ targets: [{ type: 'file', path: 'relative/path' }] }, 'targets.0.path'],
      [{ outcome: { result: 'maybe' } }, 'outcome.result'],
      [{ surprise: true }, '(event)'],
      [{ request: { request_body: { blob: 'x'.repeat(17_000) } } }, 'request.request_body'],
      [{ action: 'Invoice Paid' }, 'action'],
      [{ occurred_at: '2999-01-01T00:00:00Z' }, 'occurred_at'],
      [{ client: { ip: '999.1.1.1' } }, 'client.ip'],
    ];
    for (const [over, path] of cases) {
      const res = await t.request('/v1/events', { body: event({ tenant: 'acme', ...over }) });
      expect(res.status, path).toBe(400);
      const body = await res.json();
      expect(
        body.error.details.map((d: { path: string }) => d.path),
        path,
      ).toContain(path);
    }
  });

  it('more than 1000 events per request, or a body over the limit, is 413', async () => {
    const many = await t.request('/v1/events', {
      body: { events: Array.from({ length: 1001 }, () => event({ tenant: 'acme' })) },
    });
    expect(many.status).toBe(413);
    expect((await many.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
    const huge = await t.request('/v1/events', {
      rawBody: `{"x":"${'y'.repeat(11 * 1024 * 1024)}"}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(huge.status).toBe(413);
  });

  it('an action a registered source does not declare is UNKNOWN_ACTION', async () => {
    const res = await t.request('/v1/events', {
      body: event({ tenant: 'acme', source: 'file-transfer', action: 'file.exploded' }),
    });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error.code).toBe('UNKNOWN_ACTION');
    expect(body.error.details[0].path).toBe('action');
  });

  it('the operator must name the tenant', async () => {
    const res = await t.request('/v1/events', { body: event() });
    expect(res.status).toBe(400);
    expect((await res.json()).error.details[0].path).toBe('tenant');
  });
});

describe('POST /v1/events: overload', () => {
  it('answers 503 OVERLOADED with Retry-After while the store is behind, and stores nothing of that request', async () => {
    // The real store behind a gate: appends wait until the test opens it, as when the disk falls behind.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let waiting!: () => void;
    const firstWaits = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    const real = t.deps.storage;
    const behind: StoragePort = Object.assign(Object.create(real), {
      append: async (events: readonly AuditEvent[]) => {
        waiting();
        await gate;
        return real.append(events);
      },
    });
    const deps = createDeps({ ...t.deps, storage: behind, maxPendingEvents: 10 });
    const app = createApp(deps);
    const post = (ids: string[]) =>
      app.request('/v1/events', {
        method: 'POST',
        headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events: ids.map((id) => event({ id, tenant: 'overload' })) }),
      });
    const first = post(Array.from({ length: 8 }, (_, i) => `evt_ovl_a${i}`));
    await firstWaits;
    const refusedIds = Array.from({ length: 5 }, (_, i) => `evt_ovl_b${i}`);
    const refused = await post(refusedIds);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await refused.json()).error.code).toBe('OVERLOADED');
    // Trailmark's own audit trail is never refused: it waits with the rest.
    const audited = deps.audit('overload', {
      action: 'api_key.created',
      actor: { type: 'system', id: 'test' },
      targets: [{ type: 'api_key', id: 'key_ovl' }],
      outcome: { result: 'success' },
    });
    open();
    expect((await (await first).json()).accepted).toBe(8);
    await audited;
    for (const id of refusedIds)
      expect((await t.request(`/v1/events/${id}?tenant=overload`)).status).toBe(404);
    const retried = await post(refusedIds);
    expect(retried.status).toBe(201);
    expect((await retried.json()).accepted).toBe(5);
    const stored = await (await t.request('/v1/events?tenant=overload&limit=100')).json();
    expect(stored.data.filter((e: AuditEvent) => e.source === 'billing-app')).toHaveLength(13);
    expect(stored.data.filter((e: AuditEvent) => e.source === 'trailmark')).toHaveLength(1);
  });
});

describe('GET /v1/events: errors', () => {
  it.each([
    ['/v1/events?colour=red', 'UNKNOWN_FILTER'],
    ['/v1/events?cursor=garbage!', 'INVALID_CURSOR'],
    ['/v1/events?limit=5000', 'VALIDATION_FAILED'],
    ['/v1/events?from=last-tuesday', 'INVALID_FILTER'],
    ['/v1/events?result=maybe', 'INVALID_FILTER'],
    ['/v1/events?action=Invoice%20Paid', 'INVALID_FILTER'],
  ])('%s -> 400 %s', async (url, code) => {
    const res = await t.request(url);
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe(code);
  });

  it("a product's own action name is a 400 that says which action it is, not an empty page", async () => {
    for (const path of ['/v1/events', '/v1/facets?field=actor&', '/v1/history?target_path=/a.png&']) {
      const sep = path.includes('?') ? '' : '?';
      const res = await t.request(`${path}${sep}action=AssetDeleted`);
      expect(res.status, path).toBe(400);
      const { error } = await res.json();
      expect(error.code).toBe('INVALID_FILTER');
      expect(error.details).toEqual([
        {
          path: 'action',
          message:
            '"AssetDeleted" is not an action name (noun.verb_past, e.g. file.deleted, or a prefix such as file.*): the product name AssetDeleted is action=file.deleted&source=generation-billing; source_action=AssetDeleted matches the product\'s own name exactly',
        },
      ]);
    }
    // A name no plugin declares points at the catalog.
    const unknown = await (await t.request('/v1/events?action=Frobnicated')).json();
    expect(unknown.error.details[0].message).toContain('GET /v1/catalog maps each product');
  });

  it('unknown event and unknown route are 404 in the envelope', async () => {
    const a = await t.request('/v1/events/evt_nope');
    expect(a.status).toBe(404);
    expect((await a.json()).error.code).toBe('NOT_FOUND');
    const b = await t.request('/v1/nothing-here');
    expect(b.status).toBe(404);
    expect((await b.json()).error.code).toBe('NOT_FOUND');
  });
});

describe('security: tokens, scopes and tenant isolation', () => {
  it('no token or a wrong token is 401 with WWW-Authenticate', async () => {
    const none = await t.request('/v1/events', { token: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect((await none.json()).error.code).toBe('UNAUTHENTICATED');
    expect((await t.request('/v1/events', { token: 'tmk_not-a-real-key' })).status).toBe(401);
  });

  it('a revoked key stops working', async () => {
    const created = await (
      await t.request('/v1/admin/api-keys', { body: { tenant: 'acme', name: 'temp', scopes: ['read'] } })
    ).json();
    expect((await t.request('/v1/events', { token: created.key })).status).toBe(200);
    expect((await t.request(`/v1/admin/api-keys/${created.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await t.request('/v1/events', { token: created.key })).status).toBe(401);
  });

  it('scopes are enforced both ways', async () => {
    const reader = t.key('acme', ['read']);
    const writer = t.key('acme', ['ingest']);
    const post = await t.request('/v1/events', { token: reader, body: event() });
    expect(post.status).toBe(403);
    expect((await post.json()).error.code).toBe('FORBIDDEN');
    expect((await t.request('/v1/events', { token: writer })).status).toBe(403);
    expect((await t.request('/v1/admin/api-keys', { token: writer })).status).toBe(403);
  });

  it("another tenant's key sees 0 of this tenant's events", async () => {
    const acmeWriter = t.key('acme', ['ingest']);
    const secret = await (
      await t.request('/v1/events', {
        token: acmeWriter,
        body: event({ id: 'evt_acme_secret', action: 'invoice.secret_paid' }),
      })
    ).json();
    expect(secret.accepted).toBe(1);
    const globex = t.key('globex', ['read', 'export']);
    expect((await t.request('/v1/events/evt_acme_secret', { token: globex })).status).toBe(404);
    const list = await (await t.request('/v1/events?limit=1000', { token: globex })).json();
    expect(list.data.filter((e: { tenant: string }) => e.tenant !== 'globex')).toHaveLength(0);
    // An undeclared action is checked against the caller's own events only: globex has none with it, so
    // it gets the same 400 as for a name nobody ever sent; acme's reader finds its event.
    const searched = await t.request('/v1/events?action=invoice.secret_paid', { token: globex });
    expect(searched.status).toBe(400);
    expect((await searched.json()).error.code).toBe('INVALID_FILTER');
    const own = await (
      await t.request('/v1/events?action=invoice.secret_paid', { token: t.key('acme', ['read']) })
    ).json();
    expect(own.data.map((e: { id: string }) => e.id)).toEqual(['evt_acme_secret']);
    const facets = await (await t.request('/v1/facets?field=action', { token: globex })).json();
    expect(facets.buckets.find((b: { value: string }) => b.value === 'invoice.secret_paid')).toBeUndefined();
    const history = await (
      await t.request('/v1/history?target_type=invoice&target_id=inv-1', { token: globex })
    ).json();
    expect(history.data).toHaveLength(0);
    const asking = await t.request('/v1/events?tenant=acme', { token: globex });
    expect(asking.status).toBe(403);
  });

  it('a tenant key cannot write into another tenant or another source', async () => {
    const key = t.key('acme', ['ingest'], 'billing-app');
    const crossTenant = await t.request('/v1/events', {
      token: key,
      body: event({ tenant: 'globex', id: 'evt_cross' }),
    });
    expect(crossTenant.status).toBe(403);
    const crossSource = await t.request('/v1/events', {
      token: key,
      body: event({ source: 'other-app', id: 'evt_cross2' }),
    });
    expect(crossSource.status).toBe(403);
    expect((await t.request('/v1/events/evt_cross')).status).toBe(404);
    expect((await t.request('/v1/events/evt_cross2')).status).toBe(404);
  });

  it('keys are stored hashed: the secret never appears in listings', async () => {
    const created = await (
      await t.request('/v1/admin/api-keys', { body: { tenant: 'acme', name: 'listing', scopes: ['read'] } })
    ).json();
    expect(created.key).toMatch(/^tmk_/);
    const listing = await (await t.request('/v1/admin/api-keys?tenant=acme')).text();
    expect(listing).not.toContain(created.key);
    expect(listing).not.toContain('"hash"');
    expect(listing).toContain(created.prefix);
  });
});

describe('operational endpoints', () => {
  it('healthz, readyz and metrics answer without a token', async () => {
    expect((await t.request('/healthz', { token: null })).status).toBe(200);
    expect(await (await t.request('/readyz', { token: null })).json()).toEqual({
      status: 'ready',
      storage: t.deps.storage.name,
    });
    const metrics = await (await t.request('/metrics', { token: null })).text();
    expect(metrics).toContain('trailmark_events_ingested_total');
    expect(metrics).toContain('trailmark_http_requests_total');
  });

  it('every response carries X-Request-Id', async () => {
    const res = await t.request('/v1/events?limit=1');
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
  });
});
