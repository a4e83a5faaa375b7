import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../testing/index.ts';
import type { PublicDestination } from '../../streams/service.ts';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.close();
});

async function app(): Promise<TestApp> {
  const t = await createTestApp({ streams: { allowPrivate: '127.0.0.1' } });
  apps.push(t);
  return t;
}

const SPLUNK_TOKEN = 'f00dbabe-1111-2222-3333-444455556666';
const webhook = { name: 'SIEM', kind: 'webhook', config: { url: 'https://93.184.216.34/hooks/trailmark' } };
const splunk = {
  name: 'Splunk',
  kind: 'splunk-hec',
  config: { url: 'https://93.184.216.34:8088' },
  secrets: { token: SPLUNK_TOKEN },
};

async function json<T = Record<string, unknown>>(res: Response | Promise<Response>): Promise<T> {
  return (await res).json() as Promise<T>;
}

describe('stream destinations API: happy path', () => {
  it('creates, lists, changes and deletes a destination, secrets always masked', async () => {
    const t = await app();
    const created = await t.request('/v1/streams/destinations', {
      body: { ...splunk, tenant: 'acme', filter: { result: ['denied'] } },
    });
    expect(created.status).toBe(201);
    const d = (await created.json()) as PublicDestination;
    expect(d).toMatchObject({
      tenant: 'acme',
      kind: 'splunk-hec',
      state: 'active',
      filter: { result: ['denied'] },
    });
    expect(d.config).toMatchObject({ url: 'https://93.184.216.34:8088', sourcetype: 'trailmark:audit' });
    expect(JSON.stringify(d)).not.toContain('1111-2222');
    const list = await json<{ data: PublicDestination[] }>(t.request('/v1/streams/destinations?tenant=acme'));
    expect(list.data.map((x) => x.id)).toEqual([d.id]);
    const patched = await json<PublicDestination>(
      t.request(`/v1/streams/destinations/${d.id}`, {
        method: 'PATCH',
        body: { name: 'Splunk prod', enabled: false },
      }),
    );
    expect(patched).toMatchObject({ name: 'Splunk prod', enabled: false, state: 'disabled' });
    const removed = await t.request(`/v1/streams/destinations/${d.id}`, { method: 'DELETE' });
    expect(removed.status).toBe(204);
    expect((await t.request(`/v1/streams/destinations/${d.id}`)).status).toBe(404);
  });

  it('generates a webhook signing secret when none is given and shows it only on rotation', async () => {
    const t = await app();
    const d = await json<PublicDestination>(
      t.request('/v1/streams/destinations', { body: { ...webhook, tenant: 'acme' } }),
    );
    expect(String(d.secrets.signing_secret)).toMatch(/^••••/);
    const rotated = await json<{ signing_secret: string; previous_until: string }>(
      t.request(`/v1/streams/destinations/${d.id}/rotate-secret`, { body: { overlap_hours: 2 } }),
    );
    expect(rotated.signing_secret).toMatch(/^whsec_/);
    const after = await json<PublicDestination>(t.request(`/v1/streams/destinations/${d.id}`));
    expect(after.secrets).toMatchObject({ previous_until: rotated.previous_until });
    expect(JSON.stringify(after)).not.toContain(rotated.signing_secret.slice(6, 30));
  });

  it('audits every change in the trailmark source with the secrets masked', async () => {
    const t = await app();
    const d = await json<PublicDestination>(
      t.request('/v1/streams/destinations', { body: { ...splunk, tenant: 'acme' } }),
    );
    await t.request(`/v1/streams/destinations/${d.id}`, {
      method: 'PATCH',
      body: { secrets: { token: 'new-token-value-0123' } },
    });
    await t.request(`/v1/streams/destinations/${d.id}/test`, { method: 'POST' });
    await t.request(`/v1/streams/destinations/${d.id}`, { method: 'DELETE' });
    const page = await json<{ data: { action: string; targets: { id: string }[] }[] }>(
      t.request('/v1/events?tenant=acme&source=trailmark&limit=50'),
    );
    const actions = page.data.filter((e) => e.targets[0]?.id === d.id).map((e) => e.action);
    expect(actions.sort()).toEqual(
      [
        'stream_destination.created',
        'stream_destination.deleted',
        'stream_destination.tested',
        'stream_destination.updated',
      ].sort(),
    );
    const everything = JSON.stringify(page.data);
    expect(everything).not.toContain(SPLUNK_TOKEN);
    expect(everything).not.toContain('new-token-value-0123');
  });

  it('stores the credentials encrypted: the token is nowhere in control.db', async () => {
    const t = await app();
    await t.request('/v1/streams/destinations', { body: { ...splunk, tenant: 'acme' } });
    await t.deps.streams?.stop();
    for (const file of ['control.db', 'control.db-wal']) {
      let bytes = '';
      try {
        bytes = readFileSync(join(t.dir, file)).toString('latin1');
      } catch {}
      expect(bytes).not.toContain(SPLUNK_TOKEN);
    }
  });

  it('asks for the secrets again (409, not a 500) when they do not open with the current key', async () => {
    const t = await app();
    const d = await json<PublicDestination>(
      t.request('/v1/streams/destinations', { body: { ...splunk, tenant: 'acme' } }),
    );
    // What a changed TRAILMARK_SECRET_KEY looks like: a sealed value this key cannot open.
    t.deps.streams!.store.updateDestination(d.id, {
      secrets_sealed: 'v1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.AAAA',
    });
    const listed = await json<PublicDestination>(t.request(`/v1/streams/destinations/${d.id}`));
    expect(JSON.stringify(listed.secrets)).toContain('TRAILMARK_SECRET_KEY');
    const rename = await t.request(`/v1/streams/destinations/${d.id}`, {
      method: 'PATCH',
      body: { config: splunk.config },
    });
    expect(rename.status).toBe(409);
    const fixed = await t.request(`/v1/streams/destinations/${d.id}`, {
      method: 'PATCH',
      body: { secrets: { token: 'a-new-token-0123456789' } },
    });
    expect(fixed.status).toBe(200);
    expect(((await fixed.json()) as PublicDestination).secrets).toMatchObject({ token: '••••6789' });
  });

  it('exposes per-destination metrics', async () => {
    const t = await app();
    const d = await json<PublicDestination>(
      t.request('/v1/streams/destinations', { body: { ...webhook, tenant: 'acme' } }),
    );
    const metrics = await (await t.request('/metrics')).text();
    expect(metrics).toContain(`trailmark_stream_queued_events{destination="${d.id}",kind="webhook"}`);
    expect(metrics).toContain(`trailmark_stream_lag_seconds{destination="${d.id}",kind="webhook"}`);
  });
});

describe('stream destinations API: errors', () => {
  it('answers bad input with 400 and the field path', async () => {
    const t = await app();
    const cases: [unknown, string][] = [
      [{ ...webhook, tenant: 'acme', config: { url: 'ftp://x.example/' } }, 'config.url'],
      [{ ...webhook, tenant: 'acme', kind: 'pager' }, 'kind'],
      [{ ...splunk, tenant: 'acme', secrets: {} }, 'secrets.token'],
      [{ ...webhook, tenant: 'acme', filter: { q: 'x' } }, 'filter'],
      [{ ...webhook, tenant: 'acme', secrets: { signing_secret: 'hunter2' } }, 'secrets.signing_secret'],
      [
        { name: 'x', kind: 'syslog', tenant: 'acme', config: { host: 'siem.example', port: 70000 } },
        'config.port',
      ],
    ];
    for (const [body, path] of cases) {
      const res = await t.request('/v1/streams/destinations', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = ((await res.json()) as { error: { code: string; details: { path: string }[] } }).error;
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.details.map((x) => x.path).join(' ')).toContain(path);
    }
    const range = await t.request('/v1/streams/destinations/dst_nope/replay', {
      body: { from: 'yesterday', to: 'today' },
    });
    expect(range.status).toBe(400);
  });

  it('refuses internal addresses with 422 DESTINATION_BLOCKED (and plain http outside the allow-list)', async () => {
    const t = await app();
    for (const [body, path] of [
      [{ ...webhook, config: { url: 'https://169.254.169.254/latest/meta-data/' } }, 'config.url'],
      [{ ...webhook, config: { url: 'https://[::ffff:10.0.0.1]/' } }, 'config.url'],
      [{ ...webhook, config: { url: 'http://93.184.216.34/' } }, 'config.url'],
      [
        { name: 's', kind: 'slack', config: {}, secrets: { webhook_url: 'https://10.1.1.1/services/x' } },
        'secrets.webhook_url',
      ],
      [{ name: 'l', kind: 'syslog', config: { host: '192.168.0.9', port: 6514 } }, 'config.host'],
    ] as const) {
      const res = await t.request('/v1/streams/destinations', { body: { ...body, tenant: 'acme' } });
      expect(res.status, JSON.stringify(body)).toBe(422);
      const error = ((await res.json()) as { error: { code: string; details: { path: string }[] } }).error;
      expect(error.code).toBe('DESTINATION_BLOCKED');
      expect(error.details[0]?.path).toBe(path);
    }
  });
});

describe('stream destinations API: security', () => {
  it('needs credentials', async () => {
    const t = await app();
    expect((await t.request('/v1/streams/destinations', { token: null })).status).toBe(401);
  });

  it('lets owners and admins manage, auditors view, viewers nothing', async () => {
    const t = await app();
    const d = await json<PublicDestination>(
      t.request('/v1/streams/destinations', { body: { ...webhook, tenant: 'acme' } }),
    );
    const cookies = Object.fromEntries(
      await Promise.all(
        (['owner', 'admin', 'auditor', 'viewer'] as const).map(async (role) => {
          const user = await t.person(role, 'acme');
          return [role, await t.signIn(user.email)] as const;
        }),
      ),
    );
    const as = (role: keyof typeof cookies, path: string, init: { method?: string; body?: unknown } = {}) =>
      t.request(path, {
        ...init,
        token: null,
        headers: { cookie: cookies[role] as string, 'sec-fetch-site': 'same-origin' },
      });
    for (const role of ['owner', 'admin'] as const) {
      const res = await as(role, '/v1/streams/destinations', { body: { ...webhook, name: role } });
      expect(res.status, role).toBe(201);
      expect(((await res.json()) as PublicDestination).tenant).toBe('acme');
    }
    expect((await as('auditor', '/v1/streams/destinations')).status).toBe(200);
    expect((await as('auditor', `/v1/streams/destinations/${d.id}/deliveries`)).status).toBe(200);
    expect((await as('auditor', '/v1/streams/destinations', { body: webhook })).status).toBe(403);
    expect((await as('auditor', `/v1/streams/destinations/${d.id}`, { method: 'DELETE' })).status).toBe(403);
    expect(
      (await as('auditor', `/v1/streams/destinations/${d.id}/dead-letters/replay`, { body: {} })).status,
    ).toBe(403);
    expect((await as('viewer', '/v1/streams/destinations')).status).toBe(403);
  });

  it("keeps tenants apart: another tenant's destination is not found and cannot be touched", async () => {
    const t = await app();
    const d = await json<PublicDestination>(
      t.request('/v1/streams/destinations', { body: { ...webhook, tenant: 'acme' } }),
    );
    const globexAdmin = t.key('globex', ['admin']);
    const as = (path: string, init: { method?: string; body?: unknown } = {}) =>
      t.request(path, { ...init, token: globexAdmin });
    expect((await json<{ data: unknown[] }>(as('/v1/streams/destinations'))).data).toHaveLength(0);
    expect((await as('/v1/streams/destinations?tenant=acme')).status).toBe(403);
    for (const [method, path, body] of [
      ['GET', `/v1/streams/destinations/${d.id}`, undefined],
      ['PATCH', `/v1/streams/destinations/${d.id}`, { name: 'mine' }],
      ['DELETE', `/v1/streams/destinations/${d.id}`, undefined],
      ['POST', `/v1/streams/destinations/${d.id}/resume`, undefined],
      ['POST', `/v1/streams/destinations/${d.id}/rotate-secret`, {}],
      ['POST', `/v1/streams/destinations/${d.id}/test`, undefined],
      ['GET', `/v1/streams/destinations/${d.id}/deliveries`, undefined],
      ['GET', `/v1/streams/destinations/${d.id}/dead-letters`, undefined],
      ['POST', `/v1/streams/destinations/${d.id}/dead-letters/replay`, {}],
      [
        'POST',
        `/v1/streams/destinations/${d.id}/replay`,
        { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' },
      ],
    ] as const) {
      const res = await as(path, { method, ...(body ? { body } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    // A tenant-bound admin cannot create in another tenant either.
    expect((await as('/v1/streams/destinations', { body: { ...webhook, tenant: 'acme' } })).status).toBe(403);
    expect((await t.request(`/v1/streams/destinations/${d.id}`)).status).toBe(200);
  });

  it("delivers only the tenant own events, never another tenant's", async () => {
    const t = await app();
    const d = await json<PublicDestination>(
      t.request('/v1/streams/destinations', { body: { ...webhook, tenant: 'acme' } }),
    );
    const event = (id: string, tenant: string) => ({
      id,
      tenant,
      source: 'stream-test',
      action: 'record.written',
      occurred_at: '2026-04-01T00:00:00Z',
      actor: { type: 'service', id: 'svc' },
      targets: [{ type: 'record', id: 'r' }],
      outcome: { result: 'success' },
    });
    await t.request('/v1/events', {
      body: { events: [event('evt_a1', 'acme'), event('evt_g1', 'globex'), event('evt_a2', 'acme')] },
    });
    const service = t.deps.streams!;
    const record = service.record(d.id, 'acme');
    const entries = service.log.read('acme', record.cursor, service.log.head(), 100);
    // Also the tenant's own audit event of the creation; never globex's event.
    expect(entries.every((e) => e.event.tenant === 'acme')).toBe(true);
    expect(entries.map((e) => e.event.id).filter((id) => /^evt_[ag]\d$/.test(id))).toEqual([
      'evt_a1',
      'evt_a2',
    ]);
  });
});

describe('stream listings take one strict limit (issue 10, #9)', () => {
  it.each(['limit=1e2', 'limit=0x10', 'limit=5.0', 'limit=+5', 'limit=5&limit=6', 'limit=1001'])(
    '%s is a 400 naming limit on deliveries, messages and dead letters',
    async (q) => {
      const t = await app();
      const d = await json<PublicDestination>(
        t.request('/v1/streams/destinations', { body: { ...webhook, tenant: 'acme' } }),
      );
      for (const list of ['deliveries', 'messages', 'dead-letters']) {
        const res = await t.request(`/v1/streams/destinations/${d.id}/${list}?${q}`);
        expect(res.status, list).toBe(400);
        expect((await res.json()).error.details[0].path).toBe('limit');
      }
      expect((await t.request(`/v1/streams/destinations/${d.id}/deliveries?limit=5`)).status).toBe(200);
    },
  );

  it('since and status given twice are a 400 naming them', async () => {
    const t = await app();
    const d = await json<PublicDestination>(
      t.request('/v1/streams/destinations', { body: { ...webhook, tenant: 'acme' } }),
    );
    for (const [list, q, path] of [
      ['deliveries', 'since=2026-01-01T00:00:00Z&since=2027-01-01T00:00:00Z', 'since'],
      ['messages', 'status=dead&status=pending', 'status'],
    ]) {
      const res = await t.request(`/v1/streams/destinations/${d.id}/${list}?${q}`);
      expect(res.status, list).toBe(400);
      expect((await res.json()).error.details[0]).toMatchObject({ path, message: 'given more than once' });
    }
  });
});

describe('rotate-secret reads its body like every other route (issue 10, #11)', () => {
  it('a body without Content-Type is 415, not silently ignored; no body at all is the default rotation', async () => {
    const t = await app();
    const d = await json<PublicDestination>(
      t.request('/v1/streams/destinations', { body: { ...webhook, tenant: 'acme' } }),
    );
    const url = `/v1/streams/destinations/${d.id}/rotate-secret`;
    // Bytes, not a string: a string body would get Content-Type text/plain from the Request constructor.
    const post = (init: { body?: string; headers?: Record<string, string> }) =>
      t.app.request(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.adminToken}`, ...init.headers },
        ...(init.body === undefined ? {} : { body: new TextEncoder().encode(init.body) }),
      });
    const untyped = await post({ body: '{"overlap_hours":2}' });
    expect(untyped.status).toBe(415);
    expect((await untyped.json()).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(
      (await post({ body: '{"overlap_hours":2}', headers: { 'content-type': 'text/plain' } })).status,
    ).toBe(415);
    expect((await post({})).status).toBe(200);
    expect((await post({ body: '', headers: { 'content-length': '0' } })).status).toBe(200);
  });
});
