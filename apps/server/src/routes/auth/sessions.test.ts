import { afterEach, describe, expect, it } from 'vitest';
import { fakeClock, SAME_ORIGIN, trailmarkEvents } from '../../../testing/accounts.ts';
import { cookieOf, createTestApp, TEST_PASSWORD, type TestApp } from '../../../testing/index.ts';
import { OPERATOR_AUDIT_TENANT } from '../../accounts/audit.ts';
import { setupLinkIfNoUsers } from '../../accounts/bootstrap.ts';
import { sweepExpiredSessions } from '../../accounts/sessions.ts';
import { createSignInThrottle } from '../../accounts/throttle.ts';

let t: TestApp;
afterEach(async () => {
  await t?.close();
});

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
      headers: { cookie: a, ...SAME_ORIGIN },
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
      headers: { cookie: c, ...SAME_ORIGIN },
    });
    expect(all.status).toBe(204);
    expect((await t.request('/v1/auth/me', { token: null, headers: { cookie: b } })).status).toBe(401);
    expect(await trailmarkEvents(t, 'user.signed_out', 'acme')).toHaveLength(2);
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
