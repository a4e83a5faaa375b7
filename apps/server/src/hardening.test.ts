import type { AuditEvent } from '@trailmark/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testing/index.ts';
import { fileTransferNativeExample } from './openapi/examples.ts';

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

const nested = (depth: number): unknown => {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
};

describe('native ingest routes get the same checks (#6, #11, idempotency)', () => {
  const native = (tenant: string) => `/v1/sources/file-transfer/events?tenant=${tenant}`;
  it('a reused native event_id with another body is 409 CONFLICT naming the stored event', async () => {
    const first = await t.request(native('nat'), { body: fileTransferNativeExample });
    expect(first.status).toBe(201);
    const [id] = (await first.json()).ids;
    expect((await t.request(native('nat'), { body: fileTransferNativeExample })).status).toBe(200);
    const other = await t.request(native('nat'), {
      body: { ...fileTransferNativeExample, result: 'denied' },
    });
    expect(other.status).toBe(409);
    const body = await other.json();
    expect(body.error.code).toBe('CONFLICT');
    expect(body.error.message).toContain(id);
  });

  it('refuses __proto__, a non-JSON Content-Type and fake gzip, and decodes real gzip', async () => {
    const { gzipSync } = await import('node:zlib');
    const raw = JSON.stringify({ ...fileTransferNativeExample, event_id: '01JRW6B9G1UPLOAD0009' });
    const proto = await t.request(native('nat2'), { rawBody: raw.replace('{', '{"__proto__":{"x":1},') });
    expect(proto.status).toBe(400);
    expect((await proto.json()).error.details[0].path).toBe('__proto__');
    const text = await t.request(native('nat2'), { rawBody: raw, headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    const fake = await t.request(native('nat2'), { rawBody: raw, headers: { 'content-encoding': 'gzip' } });
    expect(fake.status).toBe(400);
    expect(await list('tenant=nat2')).toEqual([]);
    const gz = await t.app.request(native('nat2'), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${t.adminToken}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      body: gzipSync(raw),
    });
    expect(gz.status).toBe(201);
  });
});

describe('hostile JSON gets a 400 naming the field', () => {
  it('deep nesting (#5) is refused before any recursive walk, in bodies and changes', async () => {
    for (const over of [
      { request: { request_body: nested(2000) } },
      { request: { response_body: nested(100) } },
      { changes: [{ field: 'x', before: nested(2000) }] },
    ]) {
      const res = await t.request('/v1/events', { body: event({ tenant: 'deep', ...over }) });
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body.error.code).toBe('VALIDATION_FAILED');
      expect(body.error.details[0].path).toMatch(/^(request\.(request|response)_body|changes\.0\.before)/);
    }
    // 60 levels inside a body still fit.
    const ok = await t.request('/v1/events', {
      body: event({ tenant: 'deep', request: { request_body: nested(60) } }),
    });
    expect(ok.status).toBe(201);
  });

  it('__proto__ keys (#6) are refused, never silently dropped', async () => {
    for (const raw of [
      `{"source":"billing-app","action":"invoice.paid","tenant":"proto","occurred_at":"2026-04-14T10:32:15Z","actor":{"type":"user","id":"u"},"targets":[],"outcome":{"result":"success"},"metadata":{"__proto__":{"x":1}}}`,
      `{"source":"billing-app","action":"invoice.paid","tenant":"proto","occurred_at":"2026-04-14T10:32:15Z","actor":{"type":"user","id":"u"},"targets":[],"outcome":{"result":"success"},"request":{"request_body":{"__proto__":"p","password":"hunter2"}}}`,
    ]) {
      const res = await t.request('/v1/events', { rawBody: raw });
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body.error.details[0].path).toMatch(/__proto__$/);
    }
    expect(await list('tenant=proto')).toEqual([]);
  });

  it('__proto__ in export job filters (#7) is an unknown filter, not the whole tenant', async () => {
    const res = await t.request('/v1/exports', {
      token: t.key('acme', ['export']),
      rawBody: '{"format":"csv","filters":{"__proto__":{"source":"x"}}}',
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('UNKNOWN_FILTER');
    expect(body.error.details[0].path).toBe('__proto__');
  });

  it('lone surrogates (#8) are refused naming the field', async () => {
    const res = await t.request('/v1/events', {
      rawBody: JSON.stringify(event({ tenant: 'sur', actor: { type: 'user', id: 'u', name: 'x\ud800y' } })),
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.details[0].path).toBe('actor.name');
    const key = await t.request('/v1/events', {
      rawBody: JSON.stringify(event({ tenant: 'sur', metadata: { '\udc00': 1 } })),
    });
    expect(key.status).toBe(400);
    // A well-formed pair (an emoji) is fine.
    const ok = await t.request('/v1/events', {
      body: event({ tenant: 'sur', actor: { type: 'user', id: 'u', name: 'Ana 😀' } }),
    });
    expect(ok.status).toBe(201);
  });
});

describe('limit and cursor are one strict value (#9)', () => {
  it.each(['limit=1e3', 'limit=0x10', 'limit=5.0', 'limit=+5', 'limit=05', 'limit=%205', 'limit=5&limit=6'])(
    '%s is a 400',
    async (q) => {
      const res = await t.request(`/v1/events?tenant=acme&${q}`);
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(['limit', 'cursor']).toContain(body.error.details[0].path);
    },
  );

  it('a real cursor given twice is a 400', async () => {
    for (let i = 0; i < 3; i++) await t.request('/v1/events', { body: event({ tenant: 'pages' }) });
    const page = await (await t.request('/v1/events?tenant=pages&limit=1')).json();
    expect(page.next_cursor).toEqual(expect.any(String));
    const c = encodeURIComponent(page.next_cursor);
    expect((await t.request(`/v1/events?tenant=pages&limit=1&cursor=${c}`)).status).toBe(200);
    const res = await t.request(`/v1/events?tenant=pages&limit=1&cursor=${c}&cursor=${c}`);
    expect(res.status).toBe(400);
    expect((await res.json()).error.details[0].path).toBe('cursor');
  });

  it('limit=5 works', async () => {
    expect((await t.request('/v1/events?tenant=acme&limit=5')).status).toBe(200);
  });

  it.each([
    ['/v1/facets?tenant=acme&field=action&field=actor', 'field'],
    ['/v1/history?tenant=acme&target_path=/a.png&target_path=/b.png', 'target_path'],
    ['/v1/events/live?tenant=acme&last_event_id=a&last_event_id=b', 'last_event_id'],
  ])("a route's own parameter given twice is a 400 naming it: %s", async (url, path) => {
    const res = await t.request(url);
    expect(res.status).toBe(400);
    expect((await res.json()).error.details[0]).toMatchObject({ path, message: 'given more than once' });
  });
});

describe("the operator's tenant parameter is given once (#9)", () => {
  it.each([
    '/v1/exports?tenant=rep-a&tenant=rep-b',
    '/v1/admin/api-keys?tenant=rep-a&tenant=rep-b',
    '/v1/users?tenant=rep-a&tenant=rep-b',
    '/v1/users/invitations?tenant=rep-a&tenant=rep-b',
  ])('%s is a 400 naming tenant', async (url) => {
    const res = await t.request(url);
    expect(res.status).toBe(400);
    expect((await res.json()).error.details[0]).toMatchObject({
      path: 'tenant',
      message: 'given more than once',
    });
  });

  it('native ingest with two tenants is a 400 and stores nothing (it went to the first)', async () => {
    const res = await t.request('/v1/sources/file-transfer/events?tenant=rep-a&tenant=rep-b', {
      body: { ...fileTransferNativeExample, event_id: '01JRW6B9G1UPLOADREP1' },
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.details[0].path).toBe('tenant');
    expect(await list('tenant=rep-a')).toEqual([]);
    expect(await list('tenant=rep-b')).toEqual([]);
  });
});

describe('a source-bound key cannot create broader keys', () => {
  it('refuses a key without its source or with another, and allows the same source', async () => {
    const bound = t.key('bound', ['admin'], 'file-transfer');
    const create = (body: Record<string, unknown>) =>
      t.request('/v1/admin/api-keys', { token: bound, body: { tenant: 'bound', name: 'child', ...body } });
    for (const body of [{ scopes: ['read'] }, { scopes: ['ingest'], source: 'media-library' }]) {
      const res = await create(body);
      expect(res.status).toBe(403);
      expect((await res.json()).error.details[0].path).toBe('source');
    }
    const same = await create({ scopes: ['ingest'], source: 'file-transfer' });
    expect(same.status).toBe(201);
    expect((await same.json()).source).toBe('file-transfer');
  });
});

describe('cursors are authenticated and bound to their query and tenant (#10)', () => {
  const first = async (query: string) => {
    const page = await (await t.request(`/v1/events?${query}`)).json();
    expect(page.next_cursor, query).toEqual(expect.any(String));
    return encodeURIComponent(page.next_cursor);
  };
  const refused = async (path: string, token?: string) => {
    const res = await t.request(path, token === undefined ? {} : { token });
    expect(res.status, path).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('INVALID_CURSOR');
    expect(body.error.details[0].path).toBe('cursor');
  };

  beforeAll(async () => {
    for (const tenant of ['curs-a', 'curs-b'])
      for (let i = 0; i < 4; i++)
        await t.request('/v1/events', {
          body: event({ tenant, targets: [{ type: 'file', id: 'f-1', path: '/c/a.txt' }] }),
        });
  });

  it('pages through with the cursor it issued, in either parameter order', async () => {
    const c = await first('tenant=curs-a&source=billing-app&limit=1');
    expect((await t.request(`/v1/events?tenant=curs-a&source=billing-app&limit=1&cursor=${c}`)).status).toBe(
      200,
    );
    expect((await t.request(`/v1/events?source=billing-app&cursor=${c}&limit=2&tenant=curs-a`)).status).toBe(
      200,
    );
  });

  it('refuses a hand-made cursor in the store format, and a tampered one', async () => {
    const handMade = Buffer.from(JSON.stringify({ v: 1, p: { s: '999999' } })).toString('base64url');
    await refused(`/v1/events?tenant=curs-a&limit=1&cursor=${handMade}`);
    const c = decodeURIComponent(await first('tenant=curs-a&limit=1'));
    const [inner, tag] = c.split('.') as [string, string];
    await refused(`/v1/events?tenant=curs-a&limit=1&cursor=${handMade}.${tag}`);
    await refused(`/v1/events?tenant=curs-a&limit=1&cursor=${inner}.${tag.slice(1)}A`);
    await refused(`/v1/events?tenant=curs-a&limit=1&cursor=${inner}`);
  });

  it('refuses a cursor carried to other filters, another tenant or another route', async () => {
    const c = await first('tenant=curs-a&limit=1');
    await refused(`/v1/events?tenant=curs-a&action=invoice.paid&limit=1&cursor=${c}`);
    await refused(`/v1/events?tenant=curs-b&limit=1&cursor=${c}`);
    await refused(`/v1/events?limit=1&cursor=${c}`, t.key('curs-b', ['read']));
    await refused(`/v1/history?tenant=curs-a&target_path=/c/a.txt&limit=1&cursor=${c}`);
    const h = await (await t.request('/v1/history?tenant=curs-a&target_path=/c/a.txt&limit=1')).json();
    const hc = encodeURIComponent(h.next_cursor);
    expect(
      (await t.request(`/v1/history?tenant=curs-a&target_path=/c/a.txt&limit=1&cursor=${hc}`)).status,
    ).toBe(200);
    await refused(`/v1/history?tenant=curs-a&target_path=/c/b.txt&limit=1&cursor=${hc}`);
  });

  it('keeps a cursor valid across a restart on the same data directory', async () => {
    const c = await first('tenant=curs-a&limit=1');
    const again = await createTestApp({ dir: t.dir, storage: t.deps.storage });
    const res = await again.app.request(`/v1/events?tenant=curs-a&limit=1&cursor=${c}`, {
      headers: { authorization: `Bearer ${again.adminToken}` },
    });
    expect(res.status).toBe(200);
    again.deps.control.close();
  });
});

describe('Content-Type and Content-Encoding (#11)', () => {
  const raw = JSON.stringify(event({ tenant: 'ctype' }));
  it.each(['text/plain', 'application/xml', 'application/x-www-form-urlencoded'])(
    '%s is 415',
    async (type) => {
      const res = await t.request('/v1/events', { rawBody: raw, headers: { 'content-type': type } });
      expect(res.status).toBe(415);
      expect((await res.json()).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    },
  );

  it('no Content-Type is 415 too', async () => {
    const res = await t.app.request('/v1/events', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminToken}` },
      body: raw,
    });
    expect(res.status).toBe(415);
  });

  it('application/json; charset=utf-8 is accepted', async () => {
    const res = await t.request('/v1/events', {
      rawBody: raw,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(res.status).toBe(201);
  });

  it('gzip is decoded; a body declared gzip that is not gzip is 400; other encodings 415', async () => {
    const { gzipSync } = await import('node:zlib');
    const gz = await t.app.request('/v1/events', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${t.adminToken}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      body: gzipSync(JSON.stringify(event({ tenant: 'ctype', id: 'evt_gzip' }))),
    });
    expect(gz.status).toBe(201);
    const fake = await t.request('/v1/events', { rawBody: raw, headers: { 'content-encoding': 'gzip' } });
    expect(fake.status).toBe(400);
    const br = await t.request('/v1/events', { rawBody: raw, headers: { 'content-encoding': 'br' } });
    expect(br.status).toBe(415);
  });

  it('a gzip bomb stops at the body limit (413)', async () => {
    const { gzipSync } = await import('node:zlib');
    const bomb = gzipSync(`{"x":"${'a'.repeat(12 * 1024 * 1024)}"}`);
    const res = await t.app.request('/v1/events', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${t.adminToken}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      body: bomb,
    });
    expect(res.status).toBe(413);
  });
});

/** A request body that sends one chunk and then never ends, like a slowloris sender. */
function endless(): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"events": ['));
    },
  });
}

describe('bodies are bounded before and while they are read (#1)', () => {
  it('an unauthenticated request gets 401 from its headers, without its body being read', async () => {
    const res = await t.app.request('/v1/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body: endless(),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(401);
  });

  it('a body that does not arrive in time is a 408, and a full server refuses more bodies with 503', async () => {
    const { createApp } = await import('./app.ts');
    const { createDeps } = await import('./deps.ts');
    const app = createApp(createDeps({ ...t.deps, bodyTimeoutMs: 50, maxInflightBodies: 1 }));
    const send = () =>
      app.request('/v1/events', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${t.adminToken}`,
          'content-type': 'application/json',
          'transfer-encoding': 'chunked',
        },
        body: endless(),
        duplex: 'half',
      } as RequestInit);
    const first = send();
    const second = await send();
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('1');
    const timedOut = await first;
    expect(timedOut.status).toBe(408);
    expect((await timedOut.json()).error.code).toBe('REQUEST_TIMEOUT');
  });
});

describe('secret masking covers more key names (wider nets)', () => {
  it('masks pwd, passphrase, pin, otp, auth, bearer, secret_key, password_hash, credential and records each path', async () => {
    const names = [
      'pwd',
      'passphrase',
      'pin',
      'otp',
      'auth',
      'bearer',
      'secret_key',
      'password_hash',
      'credential',
    ];
    const request_body = Object.fromEntries(names.map((n) => [n, `value-of-${n}`]));
    const res = await t.request('/v1/events', {
      body: event({ tenant: 'mask', id: 'evt_mask_1', request: { request_body } }),
    });
    expect(res.status).toBe(201);
    const stored = await (await t.request('/v1/events/evt_mask_1?tenant=mask')).json();
    for (const n of names) expect(stored.request.request_body[n]).toBe('[REDACTED]');
    expect([...stored.request.redacted_paths].sort()).toEqual(names.map((n) => `/request_body/${n}`).sort());
  });

  it('masks HAR-style header lists, bodies sent as JSON strings and credentials in the endpoint, recording each', async () => {
    const res = await t.request('/v1/events', {
      body: event({
        tenant: 'mask',
        id: 'evt_mask_2',
        request: {
          endpoint: '/api/login?user=ana&access_token=abc123',
          request_body: {
            headers: [
              { name: 'Authorization', value: 'Bearer live-secret' },
              { name: 'Accept', value: 'application/json' },
            ],
            raw: JSON.stringify({ password: 'hunter2', keep: 'me' }),
          },
        },
      }),
    });
    expect(res.status).toBe(201);
    const stored = await (await t.request('/v1/events/evt_mask_2?tenant=mask')).json();
    const text = JSON.stringify(stored);
    for (const secret of ['abc123', 'live-secret', 'hunter2']) expect(text).not.toContain(secret);
    expect(stored.request.endpoint).toBe('/api/login?user=ana&access_token=[REDACTED]');
    expect(stored.request.request_body.headers[1].value).toBe('application/json');
    expect(JSON.parse(stored.request.request_body.raw)).toEqual({ password: '[REDACTED]', keep: 'me' });
    expect([...stored.request.redacted_paths].sort()).toEqual(
      ['/endpoint', '/request_body/headers/0/value', '/request_body/raw'].sort(),
    );
  });
});

describe('secrets in metadata are masked (wider nets)', () => {
  it('stores a secret-named metadata value masked and names its pointer on the event', async () => {
    const res = await t.request('/v1/events', {
      body: event({ id: 'meta-secret', tenant: 'meta', metadata: { plan: 'pro', api_token: 'tok_live_9' } }),
    });
    expect(res.status).toBe(201);
    const [stored] = await list('tenant=meta');
    expect(stored.metadata).toEqual({ plan: 'pro', api_token: '[REDACTED]' });
    expect(stored.redacted_paths).toEqual(['/metadata/api_token']);
    const raw = await (await t.request('/v1/export?format=ndjson&tenant=meta')).text();
    expect(raw).not.toContain('tok_live_9');
  });
});
