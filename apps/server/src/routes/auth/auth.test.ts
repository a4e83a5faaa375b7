import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEvent } from '@trailmark/core';
import { afterEach, describe, expect, it } from 'vitest';
import { cookieOf, createTestApp, TEST_PASSWORD, type TestApp } from '../../../testing/index.ts';
import { OPERATOR_AUDIT_TENANT } from '../../accounts/audit.ts';
import { setupLinkIfNoUsers } from '../../accounts/bootstrap.ts';
import { sweepExpiredSessions } from '../../accounts/sessions.ts';
import { createSignInThrottle } from '../../accounts/throttle.ts';
import { uploadEventExample } from '../../openapi/examples.ts';

const SAME = { 'sec-fetch-site': 'same-origin' };
let t: TestApp;
afterEach(async () => {
  await t?.close();
});

/** A settable clock shared by sessions, links and throttling. */
function fakeClock(start = Date.parse('2026-04-14T10:00:00Z')) {
  let now = start;
  return {
    now: () => new Date(now),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

async function trailmarkEvents(app: TestApp, action: string, tenant?: string): Promise<AuditEvent[]> {
  const q = new URLSearchParams({ source: 'trailmark', action, ...(tenant ? { tenant } : {}) });
  const res = await app.request(`/v1/events?${q}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: AuditEvent[] }).data;
}

describe('first owner setup link', () => {
  it('creates the first owner once, signs them in, and is then used up', async () => {
    t = await createTestApp();
    const url = setupLinkIfNoUsers(t.deps, 'http://localhost:8080')!;
    expect(url).toMatch(/^http:\/\/localhost:8080\/setup\?token=lnk_/);
    const token = decodeURIComponent(new URL(url).searchParams.get('token')!);
    const body = {
      token,
      email: 'Founder@Acme.test',
      name: 'Fay Founder',
      password: TEST_PASSWORD,
      tenant: 'acme',
    };
    const res = await t.request('/v1/auth/setup', { token: null, body });
    expect(res.status).toBe(201);
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^trailmark_session=ses_[0-9A-Z]{26}\.[a-z2-7]{32};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).not.toContain('Secure');
    const json = (await res.json()) as { user: { role: string; tenant: string } };
    expect(json.user).toMatchObject({ role: 'owner', tenant: 'acme', email: 'Founder@Acme.test' });

    const me = await t.request('/v1/auth/me', { token: null, headers: { cookie: cookieOf(res) } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { name: string } }).user.name).toBe('Fay Founder');

    const again = await t.request('/v1/auth/setup', { token: null, body: { ...body, email: 'x@acme.test' } });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('INVALID_LINK');
    // No second link once someone exists.
    expect(setupLinkIfNoUsers(t.deps, 'http://localhost:8080')).toBeUndefined();
    // Email uniqueness ignores case.
    await expect(t.person('viewer', 'acme', 'founder@ACME.test')).rejects.toThrow(/already exists/);
  });

  it('refuses weak passwords with the field path, and an operator setup has no tenant', async () => {
    t = await createTestApp();
    const token = decodeURIComponent(
      new URL(setupLinkIfNoUsers(t.deps, 'http://x')!).searchParams.get('token')!,
    );
    for (const password of ['short', 'password1234', 'aaaaaaaaaaaaaaaa']) {
      const res = await t.request('/v1/auth/setup', {
        token: null,
        body: { token, email: 'op@example.com', name: 'Op', password },
      });
      expect(res.status, password).toBe(400);
      const err = ((await res.json()) as { error: { details: { path: string }[] } }).error;
      expect(err.details[0].path).toBe('password');
    }
    const ok = await t.request('/v1/auth/setup', {
      token: null,
      body: { token, email: 'op@example.com', name: 'Op', password: TEST_PASSWORD },
    });
    expect(((await ok.json()) as { user: unknown }).user).toMatchObject({ role: 'operator', tenant: null });
  });
});

describe('sign-in', () => {
  it('gives an unknown email and a wrong password the same answer, and records both', async () => {
    t = await createTestApp({ accounts: { trustProxy: true } });
    const owner = await t.person('owner', 'acme');
    const headers = { 'x-forwarded-for': '203.0.113.9', 'user-agent': 'test-agent/1.0' };
    const wrong = await t.request('/v1/auth/sign-in', {
      token: null,
      headers,
      body: { email: owner.email, password: 'not the password at all' },
    });
    const unknown = await t.request('/v1/auth/sign-in', {
      token: null,
      headers,
      body: { email: 'nobody@acme.test', password: 'not the password at all' },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const a = ((await wrong.json()) as { error: { code: string; message: string } }).error;
    const b = ((await unknown.json()) as { error: { code: string; message: string } }).error;
    expect([a.code, a.message]).toEqual([b.code, b.message]);
    expect(a.code).toBe('INVALID_CREDENTIALS');

    const ok = await t.request('/v1/auth/sign-in', {
      token: null,
      headers,
      body: { email: owner.email.toUpperCase(), password: TEST_PASSWORD },
    });
    expect(ok.status).toBe(200);

    const failed = await trailmarkEvents(t, 'user.sign_in_failed', 'acme');
    expect(failed).toHaveLength(1);
    expect(failed[0].outcome).toMatchObject({ result: 'failure', reason: 'wrong_password' });
    expect(JSON.stringify(failed[0])).not.toContain('not the password');
    const unknownFailed = await trailmarkEvents(t, 'user.sign_in_failed', OPERATOR_AUDIT_TENANT);
    expect(unknownFailed[0].outcome.reason).toBe('unknown_account');
    const [signedIn] = await trailmarkEvents(t, 'user.signed_in', 'acme');
    expect(signedIn.actor).toMatchObject({ type: 'user', id: owner.id, email: owner.email });
    expect(signedIn.client).toMatchObject({ ip: '203.0.113.9', user_agent: 'test-agent/1.0' });
    expect(signedIn.request?.id).toMatch(/^req_/);
    expect(signedIn.metadata).toMatchObject({ method: 'password' });
    expect(JSON.stringify(signedIn)).not.toContain(TEST_PASSWORD);
  });

  it('uses a __Host- Secure cookie over https, and X-Forwarded-Proto only when the proxy is trusted', async () => {
    t = await createTestApp();
    const owner = await t.person('owner', 'acme');
    const body = JSON.stringify({ email: owner.email, password: TEST_PASSWORD });
    const post = (url: string, extra: Record<string, string> = {}) =>
      t.app.request(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...extra } });
    const https = await post('https://audit.example.com/v1/auth/sign-in');
    expect(https.headers.get('set-cookie')).toMatch(/^__Host-trailmark_session=.*; Path=\/;.*Secure/);
    const untrusted = await post('http://localhost/v1/auth/sign-in', { 'x-forwarded-proto': 'https' });
    expect(untrusted.headers.get('set-cookie')).toMatch(/^trailmark_session=/);
    await t.close();
    t = await createTestApp({ accounts: { trustProxy: true } });
    const o2 = await t.person('owner', 'acme');
    const trusted = await t.app.request('http://localhost/v1/auth/sign-in', {
      method: 'POST',
      body: JSON.stringify({ email: o2.email, password: TEST_PASSWORD }),
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
    });
    expect(trusted.headers.get('set-cookie')).toMatch(/^__Host-trailmark_session=.*Secure/);
  });
});

describe('sessions', () => {
  it('end after the inactivity timeout, bump last_seen at most hourly, and end at the absolute lifetime', async () => {
    const clock = fakeClock();
    t = await createTestApp({
      now: clock.now,
      accounts: { sessionIdleMs: 4 * 3600_000, sessionMaxMs: 10 * 3600_000 },
    });
    const owner = await t.person('owner', 'acme');
    const cookie = await t.signIn(owner.email);
    const me = () => t.request('/v1/auth/me', { token: null, headers: { cookie } });
    const row = () => t.deps.control.listSessions(owner.id)[0];
    const first = row().last_verified_at;
    clock.advance(30 * 60_000);
    expect((await me()).status).toBe(200);
    expect(row().last_verified_at).toBe(first);
    clock.advance(31 * 60_000);
    expect((await me()).status).toBe(200);
    expect(row().last_verified_at).not.toBe(first);
    // Active every 3 hours: never idle, but the absolute end still comes.
    for (let i = 0; i < 2; i++) {
      clock.advance(3 * 3600_000);
      expect((await me()).status).toBe(200);
    }
    clock.advance(3 * 3600_000);
    const ended = await me();
    expect(ended.status).toBe(401);
    expect(t.deps.control.listSessions(owner.id)).toHaveLength(0);

    const again = await t.signIn(owner.email);
    clock.advance(4 * 3600_000);
    expect((await t.request('/v1/auth/me', { token: null, headers: { cookie: again } })).status).toBe(401);
  });

  it('past their end are deleted by the sweep, live ones kept', async () => {
    const clock = fakeClock();
    t = await createTestApp({
      now: clock.now,
      accounts: { sessionIdleMs: 4 * 3600_000, sessionMaxMs: 10 * 3600_000 },
    });
    const idle = await t.person('auditor', 'acme');
    const active = await t.person('owner', 'acme');
    await t.signIn(idle.email);
    const cookie = await t.signIn(active.email);
    clock.advance(3 * 3600_000);
    expect((await t.request('/v1/auth/me', { token: null, headers: { cookie } })).status).toBe(200);
    expect(sweepExpiredSessions(t.deps)).toBe(0);
    clock.advance(2 * 3600_000); // the idle one is 5 h without use, the active one 2 h
    expect(sweepExpiredSessions(t.deps)).toBe(1);
    expect(t.deps.control.listSessions(idle.id)).toHaveLength(0);
    expect(t.deps.control.listSessions(active.id)).toHaveLength(1);
  });

  it('refuse a token whose secret is wrong', async () => {
    t = await createTestApp();
    const owner = await t.person('owner', 'acme');
    const cookie = await t.signIn(owner.email);
    const forged = `${cookie.slice(0, -4)}aaaa`;
    expect((await t.request('/v1/auth/me', { token: null, headers: { cookie: forged } })).status).toBe(401);
  });

  it('sign out ends this session; sign out everywhere ends all', async () => {
    t = await createTestApp();
    const owner = await t.person('owner', 'acme');
    const a = await t.signIn(owner.email);
    const b = await t.signIn(owner.email);
    const out = await t.request('/v1/auth/sign-out', {
      token: null,
      method: 'POST',
      headers: { cookie: a, ...SAME },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/trailmark_session=;.*Max-Age=0/);
    expect((await t.request('/v1/auth/me', { token: null, headers: { cookie: a } })).status).toBe(401);
    expect((await t.request('/v1/auth/me', { token: null, headers: { cookie: b } })).status).toBe(200);
    const c = await t.signIn(owner.email);
    const list = await t.request('/v1/auth/sessions', { token: null, headers: { cookie: c } });
    expect(((await list.json()) as { data: unknown[] }).data).toHaveLength(2);
    const all = await t.request('/v1/auth/sign-out-everywhere', {
      token: null,
      method: 'POST',
      headers: { cookie: c, ...SAME },
    });
    expect(all.status).toBe(204);
    expect((await t.request('/v1/auth/me', { token: null, headers: { cookie: b } })).status).toBe(401);
    expect(await trailmarkEvents(t, 'user.signed_out', 'acme')).toHaveLength(2);
  });
});

describe('CSRF on cookie requests', () => {
  it('refuses a state change without same-origin proof, accepts Sec-Fetch-Site or the own Origin', async () => {
    t = await createTestApp();
    const owner = await t.person('owner', 'acme');
    const cookie = await t.signIn(owner.email);
    const invite = (headers: Record<string, string>) =>
      t.request('/v1/users/invitations', {
        token: null,
        headers: { cookie, ...headers },
        body: { email: `p${Math.random()}@acme.test`, role: 'viewer' },
      });
    for (const headers of <Record<string, string>[]>[
      {},
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site', origin: 'http://localhost' },
      { origin: 'null' },
    ]) {
      const res = await invite(headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('CSRF_REJECTED');
    }
    expect((await invite(SAME)).status).toBe(201);
    expect((await invite({ origin: 'http://localhost' })).status).toBe(201);
    // Reads need no proof; bearer requests are not cookie-authenticated.
    expect((await t.request('/v1/auth/me', { token: null, headers: { cookie } })).status).toBe(200);
  });

  it('compares Origin with TRAILMARK_PUBLIC_URL when set, and refuses a cross-site sign-in form', async () => {
    t = await createTestApp({ accounts: { publicUrl: 'https://audit.example.com' } });
    const owner = await t.person('owner', 'acme');
    const cookie = await t.signIn(owner.email);
    const post = (origin: string) =>
      t.request('/v1/auth/sign-out', { token: null, method: 'POST', headers: { cookie, origin } });
    expect((await post('http://localhost')).status).toBe(403);
    expect((await post('https://audit.example.com')).status).toBe(204);
    const login = await t.request('/v1/auth/sign-in', {
      token: null,
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      body: { email: owner.email, password: TEST_PASSWORD },
    });
    expect(login.status).toBe(403);
  });
});

describe('roles and tenants', () => {
  it('lets a viewer read asset history only, an auditor read but not administer', async () => {
    t = await createTestApp();
    await t.request('/v1/events', {
      body: {
        tenant: 'acme',
        source: 'file-transfer',
        action: 'file.uploaded',
        actor: { type: 'user', id: 'u1' },
        targets: [{ type: 'file', id: 'f1', path: '/a.txt' }],
        outcome: { result: 'success' },
        occurred_at: '2026-04-14T09:00:00Z',
      },
    });
    const viewer = await t.signIn((await t.person('viewer', 'acme')).email);
    const auditor = await t.signIn((await t.person('auditor', 'acme')).email);
    const get = (path: string, cookie: string) => t.request(path, { token: null, headers: { cookie } });
    const history = await get('/v1/history?target_path=/a.txt', viewer);
    expect(history.status).toBe(200);
    expect(((await history.json()) as { data: unknown[] }).data).toHaveLength(1);
    for (const path of ['/v1/events', '/v1/facets?field=action', '/v1/export?format=csv', '/v1/users']) {
      expect((await get(path, viewer)).status, path).toBe(403);
    }
    expect((await get('/v1/events', auditor)).status).toBe(200);
    expect((await get('/v1/users', auditor)).status).toBe(403);
    expect((await get('/v1/events?tenant=globex', auditor)).status).toBe(403);
  });

  it('invites, accepts and signs in the invited person; admins cannot invite owners', async () => {
    t = await createTestApp();
    const owner = await t.signIn((await t.person('owner', 'acme')).email);
    const admin = await t.signIn((await t.person('admin', 'acme')).email);
    const toOwner = await t.request('/v1/users/invitations', {
      token: null,
      headers: { cookie: admin, ...SAME },
      body: { email: 'boss@acme.test', role: 'owner' },
    });
    expect(toOwner.status).toBe(403);
    const res = await t.request('/v1/users/invitations', {
      token: null,
      headers: { cookie: owner, ...SAME },
      body: { email: 'Ann@acme.test', role: 'auditor', tenant: 'acme' },
    });
    expect(res.status).toBe(201);
    const { url, invitation } = (await res.json()) as { url: string; invitation: { id: string } };
    expect(url).toMatch(/^http:\/\/localhost\/invite\?token=lnk_/);
    const token = new URL(url).searchParams.get('token')!;
    const accepted = await t.request('/v1/auth/accept-invitation', {
      token: null,
      body: { token, name: 'Ann Auditor', password: 'another long passphrase 7' },
    });
    expect(accepted.status).toBe(201);
    expect(((await accepted.json()) as { user: unknown }).user).toMatchObject({
      email: 'Ann@acme.test',
      role: 'auditor',
      tenant: 'acme',
    });
    const reuse = await t.request('/v1/auth/accept-invitation', {
      token: null,
      body: { token, name: 'Eve', password: 'another long passphrase 7' },
    });
    expect(reuse.status).toBe(400);
    await t.signIn('ann@acme.test', 'another long passphrase 7');
    const [event] = await trailmarkEvents(t, 'invitation.accepted', 'acme');
    expect(event.targets[0]).toMatchObject({ type: 'invitation', id: invitation.id });
  });
});

describe('secrets at rest', () => {
  it('the control database holds no session token, link token or password in clear', async () => {
    t = await createTestApp();
    const setup = setupLinkIfNoUsers(t.deps, 'http://localhost')!;
    const setupToken = new URL(setup).searchParams.get('token')!;
    const res = await t.request('/v1/auth/setup', {
      token: null,
      body: { token: setupToken, email: 'o@acme.test', name: 'O', password: TEST_PASSWORD, tenant: 'acme' },
    });
    const cookie = cookieOf(res);
    const invite = await t.request('/v1/users/invitations', {
      token: null,
      headers: { cookie, ...SAME },
      body: { email: 'i@acme.test', role: 'viewer' },
    });
    const inviteToken = new URL(((await invite.json()) as { url: string }).url).searchParams.get('token')!;
    const sessionToken = decodeURIComponent(cookie.split('=')[1]);
    // The WAL may hold the latest pages, so read it too.
    const bytes = ['control.db', 'control.db-wal']
      .map((f) => {
        try {
          return readFileSync(join(t.dir, f)).toString('latin1');
        } catch {
          return '';
        }
      })
      .join('');
    expect(bytes.length).toBeGreaterThan(1000);
    for (const secret of [setupToken, inviteToken, sessionToken].map((tok) => tok.split('.')[1])) {
      expect(secret).toHaveLength(32);
      expect(bytes.includes(secret)).toBe(false);
    }
    expect(bytes.includes(TEST_PASSWORD)).toBe(false);
    expect(bytes).toContain('$argon2id$v=19$m=19456,t=2,p=1$');
  });
});

describe('sign-in throttling (fake clock)', () => {
  it('makes each failure wait longer, the same for unknown emails, never locks for good, and clears on success', async () => {
    const clock = fakeClock();
    t = await createTestApp({ now: clock.now });
    const owner = await t.person('owner', 'acme');
    const attempt = (email: string, password = 'wrong password 123') =>
      t.request('/v1/auth/sign-in', { token: null, body: { email, password } });
    for (const email of [owner.email, 'ghost@acme.test']) {
      expect((await attempt(email)).status).toBe(401);
      expect((await attempt(email)).status).toBe(401);
      const limited = await attempt(email);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('1');
      expect(((await limited.json()) as { error: { message: string } }).error.message).toMatch(
        /try again in 1 second/,
      );
      clock.advance(1000);
      expect((await attempt(email)).status).toBe(401);
      const longer = await attempt(email);
      expect(longer.status).toBe(429);
      expect(longer.headers.get('retry-after')).toBe('2');
    }
    // The right password is not checked while throttled...
    expect((await attempt(owner.email, TEST_PASSWORD)).status).toBe(429);
    // ...and works once the wait is over; success resets the counter.
    clock.advance(2000);
    expect((await attempt(owner.email, TEST_PASSWORD)).status).toBe(200);
    expect((await attempt(owner.email)).status).toBe(401);
    expect((await attempt(owner.email)).status).toBe(401);
    const [throttled] = await trailmarkEvents(t, 'user.sign_in_failed', 'acme');
    expect(throttled.outcome.result).toBe('failure');
  });

  it('caps failures per IP across accounts', async () => {
    const clock = fakeClock();
    const throttle = createSignInThrottle({ now: () => clock.now().getTime(), ipFailures: 5 });
    t = await createTestApp({ now: clock.now, throttle, accounts: { trustProxy: true } });
    const from = (ip: string, email: string) =>
      t.request('/v1/auth/sign-in', {
        token: null,
        headers: { 'x-forwarded-for': ip },
        body: { email, password: 'wrong password 123' },
      });
    for (let i = 0; i < 5; i++) expect((await from('198.51.100.1', `u${i}@x.test`)).status).toBe(401);
    const capped = await from('198.51.100.1', 'fresh@x.test');
    expect(capped.status).toBe(429);
    expect(Number(capped.headers.get('retry-after'))).toBeGreaterThan(60);
    expect((await from('198.51.100.2', 'fresh@x.test')).status).toBe(401);
    clock.advance(15 * 60_000);
    expect((await from('198.51.100.1', 'fresh2@x.test')).status).toBe(401);
  });
});

describe('administrative acts carry who, from where and which request', () => {
  it('records key, settings and retention acts with IP, user agent, request id and masked bodies', async () => {
    t = await createTestApp({ accounts: { trustProxy: true } });
    await t.person('owner', 'acme');
    const admin = await t.person('admin', 'acme');
    const cookie = await t.signIn(admin.email);
    const from = { cookie, ...SAME, 'x-forwarded-for': '203.0.113.9', 'user-agent': 'AuditTest/1.0' };
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
      headers: { cookie, ...SAME },
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
