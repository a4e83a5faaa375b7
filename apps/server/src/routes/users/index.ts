import { z } from '@hono/zod-openapi';
import {
  ErrorCode,
  type Role,
  TENANT_PATTERN,
  TENANT_ROLES,
  TrailmarkError,
  type UserRecord,
  ValidationError,
} from '@trailmark/core';
import type { Context } from 'hono';
import { auditAct } from '../../accounts/audit.ts';
import { createLink, linkState, linkUrl, publicLink } from '../../accounts/links.ts';
import { publicOrigin, publicUser } from '../../accounts/sessions.ts';
import { principalLabel, requireScope, tenantOf } from '../../auth.ts';
import type { AppEnv, Principal } from '../../context.ts';
import type { AppDeps } from '../../deps.ts';
import { oneQuery, readJson } from '../../http.ts';
import { invitationExample, linkSchema, userExample, userSchema } from '../account-schemas.ts';
import { createRouter, defineRoute, firstValue, json } from '../define.ts';

const RESET_TTL_MS = 3600_000;

const inviteSchema = z.strictObject({
  email: z.email('an email address').max(320),
  role: z.enum(TENANT_ROLES),
  tenant: z.string().regex(TENANT_PATTERN).optional().openapi({ description: 'Operator only.' }),
});
const patchSchema = z
  .strictObject({ role: z.enum(TENANT_ROLES).optional(), name: z.string().trim().min(1).max(128).optional() })
  .refine((v) => v.role !== undefined || v.name !== undefined, { message: 'give role or name' })
  .openapi({ minProperties: 1 });

const MANAGE_ERRORS = [ErrorCode.NOT_FOUND, ErrorCode.CSRF_REJECTED] as const;
const BODY_ERRORS = [ErrorCode.MALFORMED_JSON, ErrorCode.VALIDATION_FAILED] as const;
// Any string: an id of another kind or tenant is 404 like an unknown one.
const userId = z.object({ id: z.string().openapi({ description: 'User id (`usr_...`).' }) });

const listUsers = defineRoute(
  { scope: 'admin' },
  {
    method: 'get',
    path: '/',
    operationId: 'listUsers',
    summary: 'People of the tenant',
    description: 'The operator lists every user, or one tenant with `?tenant=`.',
    tags: ['Accounts'],
    request: {
      query: z.object({
        tenant: firstValue(z.string().optional()).openapi({ description: 'Operator only.' }),
      }),
    },
    responses: {
      200: json('Users', z.strictObject({ data: z.array(userSchema) }), { data: [userExample] }),
    },
  },
);

const createInvitation = defineRoute(
  {
    scope: 'admin',
    invalid: 'invalid invitation',
    errors: [...BODY_ERRORS, ErrorCode.CONFLICT, ErrorCode.CSRF_REJECTED],
  },
  {
    method: 'post',
    path: '/invitations',
    operationId: 'createInvitation',
    summary: 'Invite a person by email and role',
    description:
      'Returns a one-time link (`<url>/invite?token=...`, valid TRAILMARK_INVITE_TTL_HOURS, default 72) to hand over; no mail is sent. Only owners invite owners. The operator names the tenant. Recorded as `invitation.created`.',
    tags: ['Accounts'],
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: inviteSchema,
            examples: {
              auditor: {
                summary: 'Invite an auditor',
                value: { email: 'auditor2@acme.test', role: 'auditor' },
              },
            },
          },
        },
      },
    },
    responses: {
      201: json(
        'The invitation and its link (shown once)',
        z.strictObject({ invitation: linkSchema, url: z.string() }),
        {
          invitation: invitationExample,
          url: 'http://localhost:8080/invite?token=lnk_01JRW6B9G1LINK0000000001.q3…',
        },
      ),
    },
  },
);

const listInvitations = defineRoute(
  { scope: 'admin' },
  {
    method: 'get',
    path: '/invitations',
    operationId: 'listInvitations',
    summary: 'Invitations of the tenant, newest first',
    tags: ['Accounts'],
    request: {
      query: z.object({
        tenant: firstValue(z.string().optional()).openapi({ description: 'Operator only.' }),
      }),
    },
    responses: {
      200: json('Invitations with their status', z.strictObject({ data: z.array(linkSchema) }), {
        data: [invitationExample],
      }),
    },
  },
);

const revokeInvitation = defineRoute(
  { scope: 'admin', errors: MANAGE_ERRORS },
  {
    method: 'delete',
    path: '/invitations/{id}',
    operationId: 'revokeInvitation',
    summary: 'Revoke an invitation',
    description: 'Revoking twice is harmless. Recorded as `invitation.revoked`.',
    tags: ['Accounts'],
    request: { params: z.object({ id: z.string().openapi({ description: 'Invitation id (`lnk_...`).' }) }) },
    responses: { 200: json('The invitation', z.strictObject({ invitation: linkSchema })) },
  },
);

const updateUser = defineRoute(
  {
    scope: 'admin',
    invalid: 'invalid user change',
    errors: [...BODY_ERRORS, ErrorCode.NOT_FOUND, ErrorCode.CONFLICT, ErrorCode.CSRF_REJECTED],
  },
  {
    method: 'patch',
    path: '/{id}',
    operationId: 'updateUser',
    summary: "Change a person's role or name",
    description:
      "Admins manage everyone except owners; only owners (and operators) make or change owners. The last owner of a tenant cannot be demoted (409). A role change ends the person's sessions. Recorded as `user.role_changed`.",
    tags: ['Accounts'],
    request: {
      params: userId,
      body: {
        required: true,
        content: {
          'application/json': {
            schema: patchSchema,
            examples: { auditor: { summary: 'Make an auditor', value: { role: 'auditor' } } },
          },
        },
      },
    },
    responses: { 200: json('The user after the change', z.strictObject({ user: userSchema })) },
  },
);

const removeUser = defineRoute(
  { scope: 'admin', errors: [ErrorCode.NOT_FOUND, ErrorCode.CONFLICT, ErrorCode.CSRF_REJECTED] },
  {
    method: 'delete',
    path: '/{id}',
    operationId: 'removeUser',
    summary: 'Remove a person',
    description:
      'Ends their sessions. Owners only remove owners, and never the last one (409). Recorded as `user.removed`.',
    tags: ['Accounts'],
    request: { params: userId },
    responses: { 204: { description: 'Removed.' } },
  },
);

const createPasswordReset = defineRoute(
  { scope: 'admin', errors: MANAGE_ERRORS },
  {
    method: 'post',
    path: '/{id}/password-reset',
    operationId: 'createPasswordReset',
    summary: 'Create a one-time password-reset link for a person',
    description: 'Valid one hour, single use. Hand it over yourself. Recorded as `password_reset.created`.',
    tags: ['Accounts'],
    request: { params: userId },
    responses: {
      201: json(
        'The link (shown once; only its hash is stored)',
        z.strictObject({ reset: linkSchema, url: z.string() }),
      ),
    },
  },
);

const listTenants = defineRoute(
  { scope: 'operator' },
  {
    method: 'get',
    path: '/',
    operationId: 'listTenants',
    summary: 'Tenants known to this server (users and keys)',
    tags: ['Accounts'],
    responses: {
      200: json('Tenants', z.strictObject({ tenants: z.array(z.strictObject({ id: z.string() })) }), {
        tenants: [{ id: 'acme' }, { id: 'globex' }],
      }),
    },
  },
);

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

/** The tenants of this server, for the operator (mounted at /v1/tenants). */
export function tenantRoutes(deps: AppDeps) {
  const app = createRouter();
  app.openapi(listTenants, (c) => {
    const ids = new Set<string>();
    for (const u of deps.control.listUsers()) if (u.tenant) ids.add(u.tenant);
    for (const k of deps.control.listApiKeys()) ids.add(k.tenant);
    return c.json({ tenants: [...ids].sort().map((id) => ({ id })) }, 200);
  });
  return app;
}

/** People, invitations and password-reset links of a tenant (mounted at /v1/users). */
export function userRoutes(deps: AppDeps) {
  const app = createRouter();

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

  app.openapi(listUsers, (c) => {
    const principal = requireScope(c, 'admin');
    const tenant = tenantOf(principal) ?? oneQuery(c, 'tenant');
    return c.json({ data: deps.control.listUsers(tenant).map(publicUser) }, 200);
  });

  app.openapi(createInvitation, async (c) => {
    const principal = requireScope(c, 'admin');
    // The body as sent, for the audit entry; the validated one is what acts.
    const body = await readJson(c);
    const input = c.req.valid('json');
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

  app.openapi(listInvitations, (c) => {
    const principal = requireScope(c, 'admin');
    const tenant = tenantOf(principal) ?? oneQuery(c, 'tenant');
    const links = deps.control.listLinks({ kind: 'invitation', ...(tenant ? { tenant } : {}) });
    return c.json({ data: links.map((l) => publicLink(deps, l)) }, 200);
  });

  app.openapi(revokeInvitation, async (c) => {
    const principal = requireScope(c, 'admin');
    const link = deps.control.getLink(c.req.valid('param').id);
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
    return c.json({ invitation: publicLink(deps, deps.control.getLink(link.id)!) }, 200);
  });

  app.openapi(updateUser, async (c) => {
    const principal = requireScope(c, 'admin');
    const user = userFor(c, principal);
    const body = await readJson(c);
    const input = c.req.valid('json');
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
    return c.json({ user: publicUser(updated) }, 200);
  });

  app.openapi(removeUser, async (c) => {
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

  app.openapi(createPasswordReset, async (c) => {
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
