import {
  ErrorCode,
  type Role,
  TENANT_PATTERN,
  TENANT_ROLES,
  TrailmarkError,
  type UserRecord,
  ValidationError,
} from '@trailmark/core';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { auditAct } from '../accounts/audit.ts';
import { createLink, linkState, linkUrl, publicLink } from '../accounts/links.ts';
import { publicOrigin, publicUser } from '../accounts/sessions.ts';
import { parseWith } from '../accounts/validate.ts';
import { principalLabel, requireOperator, requireScope, tenantOf } from '../auth.ts';
import type { AppEnv, Principal } from '../context.ts';
import type { AppDeps } from '../deps.ts';
import { readJson } from '../http.ts';

const RESET_TTL_MS = 3600_000;

const inviteSchema = z.strictObject({
  email: z.email('an email address').max(320),
  role: z.enum(TENANT_ROLES),
  tenant: z.string().regex(TENANT_PATTERN).optional(),
});
const patchSchema = z
  .strictObject({ role: z.enum(TENANT_ROLES).optional(), name: z.string().trim().min(1).max(128).optional() })
  .refine((v) => v.role !== undefined || v.name !== undefined, { message: 'give role or name' });

/** The role a caller acts with when managing people: admin keys act as admins. */
export function actingRole(principal: Principal): Role {
  if (principal.kind === 'operator') return 'operator';
  if (principal.kind === 'user') return principal.user.role;
  return 'admin';
}

/** Owners and operators manage everyone; admins everyone except owners (and never make one). */
function mayManage(caller: Role, role: Role): boolean {
  if (caller === 'operator' || caller === 'owner') return role !== 'operator';
  return caller === 'admin' && role !== 'owner' && role !== 'operator';
}

/** The tenant an admin call acts on: the caller's own, or for the operator the one named. */
function targetTenant(_c: Context<AppEnv>, principal: Principal, named: string | undefined): string {
  const own = tenantOf(principal);
  if (own !== undefined) {
    if (named !== undefined && named !== own)
      throw new TrailmarkError(ErrorCode.FORBIDDEN, 'you manage your own tenant only', [
        { path: 'tenant', message: `you belong to tenant "${own}"` },
      ]);
    return own;
  }
  if (!named)
    throw new ValidationError('the operator must name the tenant', [
      { path: 'tenant', message: 'add "tenant" (body) or ?tenant=<id>' },
    ]);
  return named;
}

/** People, invitations and password-reset links of a tenant. */
export function userRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  /** A user of the caller's tenant (any tenant for the operator); another tenant's is "not found". */
  const userFor = (c: Context<AppEnv>, principal: Principal): UserRecord => {
    const user = deps.control.getUser(c.req.param('id') ?? '');
    const own = tenantOf(principal);
    if (!user || (own !== undefined && user.tenant !== own) || (own === undefined && !user.tenant))
      throw new TrailmarkError(ErrorCode.NOT_FOUND, `no user "${c.req.param('id')}"`);
    return user;
  };
  const assertNotLastOwner = (user: UserRecord, what: string) => {
    if (user.role === 'owner' && deps.control.countUsers({ tenant: user.tenant, role: 'owner' }) <= 1)
      throw new TrailmarkError(ErrorCode.CONFLICT, `a tenant keeps at least one owner; cannot ${what}`, [
        { path: 'role', message: 'make someone else owner first' },
      ]);
  };

  app.get('/users', (c) => {
    const principal = requireScope(c, 'admin');
    const tenant = tenantOf(principal) ?? c.req.query('tenant');
    return c.json({ data: deps.control.listUsers(tenant).map(publicUser) });
  });

  app.get('/tenants', (c) => {
    requireOperator(c);
    const ids = new Set<string>();
    for (const u of deps.control.listUsers()) if (u.tenant) ids.add(u.tenant);
    for (const k of deps.control.listApiKeys()) ids.add(k.tenant);
    return c.json({ tenants: [...ids].sort().map((id) => ({ id })) });
  });

  app.post('/users/invitations', async (c) => {
    const principal = requireScope(c, 'admin');
    const body = await readJson(c);
    const input = parseWith(inviteSchema, body, 'invalid invitation');
    const tenant = targetTenant(c, principal, input.tenant);
    const caller = actingRole(principal);
    if (!mayManage(caller, input.role))
      throw new TrailmarkError(ErrorCode.FORBIDDEN, `the ${caller} role cannot invite an ${input.role}`, [
        { path: 'role', message: 'only owners invite owners' },
      ]);
    if (deps.control.findUserByEmail(input.email))
      throw new TrailmarkError(ErrorCode.CONFLICT, 'a user with this email already exists', [
        { path: 'email', message: 'taken' },
      ]);
    const { link, token } = createLink(
      deps,
      {
        kind: 'invitation',
        tenant,
        role: input.role,
        email: input.email,
        created_by: principalLabel(principal).id,
      },
      deps.accounts.inviteTtlMs,
    );
    const invitation = publicLink(deps, link);
    await auditAct(c, deps, tenant, {
      action: 'invitation.created',
      actor: principalLabel(principal),
      targets: [{ type: 'invitation', id: link.id, name: input.email }],
      outcome: { result: 'success' },
      metadata: { role: input.role, email: input.email, expires_at: link.expires_at },
      requestBody: body,
      responseBody: { invitation },
      status: 201,
    });
    return c.json({ invitation, url: linkUrl(publicOrigin(c, deps), 'invitation', token) }, 201);
  });

  app.get('/users/invitations', (c) => {
    const principal = requireScope(c, 'admin');
    const tenant = tenantOf(principal) ?? c.req.query('tenant');
    const links = deps.control.listLinks({ kind: 'invitation', ...(tenant ? { tenant } : {}) });
    return c.json({ data: links.map((l) => publicLink(deps, l)) });
  });

  app.delete('/users/invitations/:id', async (c) => {
    const principal = requireScope(c, 'admin');
    const link = deps.control.getLink(c.req.param('id'));
    const own = tenantOf(principal);
    if (link?.kind !== 'invitation' || (own !== undefined && link.tenant !== own))
      throw new TrailmarkError(ErrorCode.NOT_FOUND, `no invitation "${c.req.param('id')}"`);
    if (!mayManage(actingRole(principal), link.role ?? 'viewer'))
      throw new TrailmarkError(ErrorCode.FORBIDDEN, 'only owners revoke invitations of owners');
    if (linkState(deps, link) === 'pending' && deps.control.revokeLink(link.id, deps.now().toISOString())) {
      await auditAct(c, deps, link.tenant, {
        action: 'invitation.revoked',
        actor: principalLabel(principal),
        targets: [{ type: 'invitation', id: link.id, ...(link.email ? { name: link.email } : {}) }],
        outcome: { result: 'success' },
      });
    }
    return c.json({ invitation: publicLink(deps, deps.control.getLink(link.id)!) });
  });

  app.patch('/users/:id', async (c) => {
    const principal = requireScope(c, 'admin');
    const user = userFor(c, principal);
    const body = await readJson(c);
    const input = parseWith(patchSchema, body, 'invalid user change');
    const caller = actingRole(principal);
    if (!mayManage(caller, user.role) || (input.role && !mayManage(caller, input.role)))
      throw new TrailmarkError(ErrorCode.FORBIDDEN, `the ${caller} role cannot change an owner`, [
        { path: 'role', message: 'only owners manage owners' },
      ]);
    const roleChanged = input.role !== undefined && input.role !== user.role;
    if (roleChanged) assertNotLastOwner(user, 'demote the last owner');
    deps.control.updateUser(
      user.id,
      { ...(input.role ? { role: input.role } : {}), ...(input.name ? { name: input.name } : {}) },
      deps.now().toISOString(),
    );
    const updated = deps.control.getUser(user.id)!;
    if (roleChanged) {
      // A role change applies at once: the person signs in again with the new role.
      const ended = deps.control.deleteUserSessions(user.id);
      await auditAct(c, deps, user.tenant, {
        action: 'user.role_changed',
        actor: principalLabel(principal),
        targets: [{ type: 'user', id: user.id, name: user.name }],
        outcome: { result: 'success' },
        changes: [{ field: 'role', before: user.role, after: updated.role }],
        metadata: { sessions_ended: ended },
        requestBody: body,
        responseBody: { user: publicUser(updated) },
        status: 200,
      });
    }
    return c.json({ user: publicUser(updated) });
  });

  app.delete('/users/:id', async (c) => {
    const principal = requireScope(c, 'admin');
    const user = userFor(c, principal);
    const caller = actingRole(principal);
    if (!mayManage(caller, user.role))
      throw new TrailmarkError(ErrorCode.FORBIDDEN, `the ${caller} role cannot remove an owner`);
    assertNotLastOwner(user, 'remove the last owner');
    deps.control.deleteUser(user.id);
    await auditAct(c, deps, user.tenant, {
      action: 'user.removed',
      actor: principalLabel(principal),
      targets: [{ type: 'user', id: user.id, name: user.name }],
      outcome: { result: 'success' },
      metadata: { role: user.role, email: user.email },
    });
    return c.body(null, 204);
  });

  app.post('/users/:id/password-reset', async (c) => {
    const principal = requireScope(c, 'admin');
    const user = userFor(c, principal);
    const caller = actingRole(principal);
    if (!mayManage(caller, user.role))
      throw new TrailmarkError(ErrorCode.FORBIDDEN, `the ${caller} role cannot reset an owner's password`);
    const { link, token } = createLink(
      deps,
      { kind: 'password_reset', user_id: user.id, created_by: principalLabel(principal).id },
      RESET_TTL_MS,
    );
    await auditAct(c, deps, user.tenant, {
      action: 'password_reset.created',
      actor: principalLabel(principal),
      targets: [{ type: 'user', id: user.id, name: user.name }],
      outcome: { result: 'success' },
      metadata: { link_id: link.id, expires_at: link.expires_at },
    });
    return c.json(
      { reset: publicLink(deps, link), url: linkUrl(publicOrigin(c, deps), 'password_reset', token) },
      201,
    );
  });

  return app;
}
