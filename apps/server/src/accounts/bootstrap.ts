import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IdPrefix, newId, type Role, TENANT_ROLES, type UserRecord } from '@trailmark/core';
import type { AppDeps } from '../deps.ts';
import { createLink, linkUrl } from './links.ts';

/** How long the first-owner setup link printed at start stays valid. */
export const SETUP_TTL_MS = 24 * 3600_000;

/** A one-time link for the first person, when the server has no users yet; revokes older ones. */
export function setupLinkIfNoUsers(deps: AppDeps, origin: string): string | undefined {
  if (deps.control.countUsers() > 0) return undefined;
  const at = deps.now().toISOString();
  for (const old of deps.control.listLinks({ kind: 'setup' })) deps.control.revokeLink(old.id, at);
  const { token } = createLink(deps, { kind: 'setup', created_by: 'server' }, SETUP_TTL_MS);
  return linkUrl(origin, 'setup', token);
}

const DEMO_NAMES: Record<(typeof TENANT_ROLES)[number], string> = {
  owner: 'Olivia Owner',
  admin: 'Adam Admin',
  auditor: 'Aude Auditor',
  viewer: 'Victor Viewer',
};

/** The demo password: generated once per data directory and kept there (0600), like the operator token. */
export function demoPassword(dataDir: string): string {
  const file = join(dataDir, 'demo-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const password = `demo-${randomBytes(9).toString('base64url')}`;
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * One user of each tenant role per demo tenant (`owner@acme.test`, `admin@acme.test`, ...), all with
 * the demo password. Existing emails are left alone, so restarts change nothing.
 */
export async function seedDemoUsers(
  deps: AppDeps,
  tenants: readonly string[],
  password: string,
): Promise<{ email: string; role: Role; tenant: string }[]> {
  const hash = await deps.passwords.hash(password);
  const created: { email: string; role: Role; tenant: string }[] = [];
  for (const tenant of tenants) {
    for (const role of TENANT_ROLES) {
      const email = `${role}@${tenant}.test`;
      if (deps.control.findUserByEmail(email)) continue;
      const now = deps.now().toISOString();
      const user: UserRecord = {
        id: newId(IdPrefix.user),
        email,
        name: DEMO_NAMES[role],
        role,
        tenant,
        password_hash: hash,
        created_at: now,
        updated_at: now,
      };
      deps.control.createUser(user);
      created.push({ email, role, tenant });
    }
  }
  return created;
}
