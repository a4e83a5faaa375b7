import { describe, expect, it } from 'vitest';
import { api, runCli, startServerProcess, tempDataDir } from './helpers.ts';

/** The `trailmark` CLI with links printed on a public URL the test can recognise. */
const cli = (dataDir: string, ...args: string[]) =>
  runCli(dataDir, args, { TRAILMARK_PUBLIC_URL: 'https://audit.example.test' });

/** The token of a one-time link printed by the CLI. */
function tokenIn(text: string): string {
  const url = text.match(/https:\/\/audit\.example\.test\/\S+/)?.[0];
  if (!url) throw new Error(`no link in: ${text}`);
  return new URL(url).searchParams.get('token') as string;
}

describe('trailmark users', () => {
  it('creates a person whose one-time link sets the password, lists people, and resets a password', async () => {
    const dataDir = tempDataDir('trailmark-cli-users-');
    const created = await cli(
      dataDir,
      'users',
      'create',
      '--email',
      'ana@acme.test',
      '--name',
      'Ana Silva',
      '--role',
      'auditor',
      '--tenant',
      'acme',
    );
    expect(created.code).toBe(0);
    const user = JSON.parse(created.stdout.slice(created.stdout.indexOf('{')));
    expect(user).toMatchObject({ email: 'ana@acme.test', role: 'auditor', tenant: 'acme' });
    const firstLink = tokenIn(created.stderr);

    const listed = await cli(dataDir, 'users', 'list', '--tenant', 'acme');
    expect(listed.code).toBe(0);
    const people = JSON.parse(listed.stdout.slice(listed.stdout.indexOf('[')));
    expect(people.map((p: { email: string }) => p.email)).toEqual(['ana@acme.test']);
    expect(listed.stdout).not.toMatch(/password|argon2/);

    const server = await startServerProcess({ dataDir });
    try {
      const password = 'a long passphrase for ana';
      const set = await api(server.url, '/v1/auth/reset-password', {
        body: { token: firstLink, password },
      });
      expect(set.status).toBe(200);
      const signIn = await api(server.url, '/v1/auth/sign-in', {
        body: { email: 'ana@acme.test', password },
      });
      expect(signIn.status).toBe(200);
      // The link is single-use.
      const again = await api(server.url, '/v1/auth/reset-password', {
        body: { token: firstLink, password },
      });
      expect(again.status).toBe(400);

      const reset = await cli(dataDir, 'users', 'reset-password', 'ana@acme.test');
      expect(reset.code).toBe(0);
      const newPassword = 'another long passphrase';
      const used = await api(server.url, '/v1/auth/reset-password', {
        body: { token: tokenIn(reset.stdout), password: newPassword },
      });
      expect(used.status).toBe(200);
      expect(
        (await api(server.url, '/v1/auth/sign-in', { body: { email: 'ana@acme.test', password } })).status,
      ).toBe(401);
      expect(
        (
          await api(server.url, '/v1/auth/sign-in', {
            body: { email: 'ana@acme.test', password: newPassword },
          })
        ).status,
      ).toBe(200);
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('fails with a message and a non-zero exit for an unknown person or a role without its tenant', async () => {
    const dataDir = tempDataDir('trailmark-cli-users-');
    const unknown = await cli(dataDir, 'users', 'reset-password', 'nobody@acme.test');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('no user nobody@acme.test');
    const tenantless = await cli(
      dataDir,
      'users',
      'create',
      '--email',
      'x@y.test',
      '--name',
      'X',
      '--role',
      'admin',
    );
    expect(tenantless.code).not.toBe(0);
    expect(tenantless.stderr).toContain('--tenant');
  }, 60_000);
});
