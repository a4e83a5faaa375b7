import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SAME_ORIGIN, trailmarkEvents } from '../../../testing/accounts.ts';
import { cookieOf, createTestApp, TEST_PASSWORD, type TestApp } from '../../../testing/index.ts';
import { setupLinkIfNoUsers } from '../../accounts/bootstrap.ts';

let t: TestApp;
afterEach(async () => {
  await t?.close();
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
    expect((await invite(SAME_ORIGIN)).status).toBe(201);
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
      headers: { cookie: admin, ...SAME_ORIGIN },
      body: { email: 'boss@acme.test', role: 'owner' },
    });
    expect(toOwner.status).toBe(403);
    const res = await t.request('/v1/users/invitations', {
      token: null,
      headers: { cookie: owner, ...SAME_ORIGIN },
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
      headers: { cookie, ...SAME_ORIGIN },
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
