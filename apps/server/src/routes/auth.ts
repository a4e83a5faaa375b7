import {
  ErrorCode,
  IdPrefix,
  newId,
  RateLimitedError,
  type SessionRecord,
  TENANT_PATTERN,
  TrailmarkError,
  type UserRecord,
} from '@trailmark/core';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { auditAct } from '../accounts/audit.ts';
import { consumeLink, usableLink } from '../accounts/links.ts';
import { assertPassword } from '../accounts/passwords.ts';
import {
  checkCsrf,
  clearSessionCookie,
  clientInfo,
  createSession,
  publicSession,
  publicUser,
  setSessionCookie,
} from '../accounts/sessions.ts';
import { parseWith } from '../accounts/validate.ts';
import { principalLabel } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import type { AppDeps } from '../deps.ts';
import { readJson } from '../http.ts';

const email = z.email('an email address').max(320);
const name = z.string().trim().min(1).max(128);
// Length and common-password rules are checked after parsing, with their own messages.
const password = z.string().max(1024);

const signInSchema = z.strictObject({ email: z.string().max(320), password });
const setupSchema = z.strictObject({
  token: z.string().max(200),
  email,
  name,
  password,
  tenant: z.string().regex(TENANT_PATTERN, 'tenant ids are 1-128 of A-Z a-z 0-9 _ . -').optional(),
});
const acceptSchema = z.strictObject({ token: z.string().max(200), name, password });
const resetSchema = z.strictObject({ token: z.string().max(200), password });
const passwordSchema = z.strictObject({ current_password: password, new_password: password });

/** The signed-in person behind a cookie request; bearer credentials have no session. */
function signedIn(c: Context<AppEnv>): { user: UserRecord; session: SessionRecord } {
  const principal = c.get('principal');
  if (principal.kind === 'api_key' || !principal.user || !principal.session) {
    throw new TrailmarkError(ErrorCode.UNAUTHENTICATED, 'no session: sign in with POST /v1/auth/sign-in');
  }
  return { user: principal.user, session: principal.session };
}

/** Signs a person in: a new session, its cookie, and the audit event naming how. */
async function startSession(
  c: Context<AppEnv>,
  deps: AppDeps,
  user: UserRecord,
  method: 'password' | 'setup' | 'invitation' | 'password_reset',
) {
  const client = clientInfo(c, deps);
  const { token, session } = createSession(deps, user, client);
  setSessionCookie(c, deps, token, new Date(session.expires_at));
  await auditAct(c, deps, user.tenant, {
    action: 'user.signed_in',
    actor: { type: 'user', id: user.id, name: user.name, email: user.email },
    targets: [{ type: 'session', id: session.id }],
    outcome: { result: 'success' },
    metadata: { method },
  });
  return { user: publicUser(user), session: publicSession(deps, session) };
}

/** Sign-in, sign-out, the current person and their sessions, first-owner setup, invitations, resets. */
export function authRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.post('/auth/sign-in', async (c) => {
    checkCsrf(c, deps, false);
    const input = parseWith(signInSchema, await readJson(c), 'invalid sign-in request');
    const client = clientInfo(c, deps);
    const user = deps.control.findUserByEmail(input.email.trim());
    const failed = async (reason: string) =>
      auditAct(c, deps, user?.tenant, {
        action: 'user.sign_in_failed',
        actor: user
          ? { type: 'user', id: user.id, name: user.name, email: user.email }
          : { type: 'anonymous', id: 'unknown' },
        targets: [{ type: 'user', ...(user ? { id: user.id } : {}), name: input.email.slice(0, 256) }],
        outcome: { result: 'failure', reason },
        metadata: { method: 'password' },
      });
    // Keyed by the submitted email whether or not it exists, so throttling reveals nothing either.
    const wait = deps.throttle.retryAfter(input.email, client.ip);
    if (wait > 0) {
      await failed('throttled');
      throw new RateLimitedError(
        `too many failed sign-ins; try again in ${wait} second${wait === 1 ? '' : 's'}`,
        wait,
      );
    }
    // Always one argon2 verification, also for an unknown email: the timing says nothing.
    const ok = await deps.passwords.verify(user?.password_hash, input.password);
    if (!user || !ok) {
      deps.throttle.failed(input.email, client.ip);
      await failed(!user ? 'unknown_account' : user.password_hash ? 'wrong_password' : 'no_password');
      throw new TrailmarkError(ErrorCode.INVALID_CREDENTIALS, 'wrong email or password');
    }
    deps.throttle.succeeded(input.email);
    return c.json(await startSession(c, deps, user, 'password'));
  });

  app.post('/auth/sign-out', async (c) => {
    const { user, session } = signedIn(c);
    deps.control.deleteSession(session.id);
    clearSessionCookie(c, deps);
    await auditAct(c, deps, user.tenant, {
      action: 'user.signed_out',
      actor: principalLabel(c.get('principal')),
      targets: [{ type: 'session', id: session.id }],
      outcome: { result: 'success' },
    });
    return c.body(null, 204);
  });

  app.post('/auth/sign-out-everywhere', async (c) => {
    const { user } = signedIn(c);
    const ended = deps.control.deleteUserSessions(user.id);
    clearSessionCookie(c, deps);
    await auditAct(c, deps, user.tenant, {
      action: 'user.signed_out',
      actor: principalLabel(c.get('principal')),
      targets: [{ type: 'user', id: user.id, name: user.name }],
      outcome: { result: 'success' },
      metadata: { everywhere: true, sessions_ended: ended },
    });
    return c.body(null, 204);
  });

  app.get('/auth/me', (c) => {
    const { user, session } = signedIn(c);
    return c.json({ user: publicUser(user), session: publicSession(deps, session) });
  });

  app.get('/auth/sessions', (c) => {
    const { user, session } = signedIn(c);
    const idleBefore = deps.now().getTime() - deps.accounts.sessionIdleMs;
    const live = deps.control
      .listSessions(user.id)
      .filter(
        (s) => Date.parse(s.expires_at) > deps.now().getTime() && Date.parse(s.last_verified_at) > idleBefore,
      );
    return c.json({ data: live.map((s) => publicSession(deps, s, session.id)) });
  });

  app.delete('/auth/sessions/:id', async (c) => {
    const { user } = signedIn(c);
    const target = deps.control.getSession(c.req.param('id'));
    if (!target || target.user_id !== user.id)
      throw new TrailmarkError(ErrorCode.NOT_FOUND, `no session "${c.req.param('id')}"`);
    deps.control.deleteSession(target.id);
    await auditAct(c, deps, user.tenant, {
      action: 'session.revoked',
      actor: principalLabel(c.get('principal')),
      targets: [{ type: 'session', id: target.id }],
      outcome: { result: 'success' },
    });
    return c.body(null, 204);
  });

  app.post('/auth/password', async (c) => {
    const { user, session } = signedIn(c);
    const input = parseWith(passwordSchema, await readJson(c), 'invalid password change');
    const client = clientInfo(c, deps);
    const wait = deps.throttle.retryAfter(user.email, client.ip);
    if (wait > 0) throw new RateLimitedError(`too many failed attempts; try again in ${wait} s`, wait);
    if (!(await deps.passwords.verify(user.password_hash, input.current_password))) {
      deps.throttle.failed(user.email, client.ip);
      throw new TrailmarkError(ErrorCode.INVALID_CREDENTIALS, 'the current password is wrong', [
        { path: 'current_password', message: 'does not match' },
      ]);
    }
    assertPassword(input.new_password, 'new_password', user);
    const hash = await deps.passwords.hash(input.new_password);
    deps.control.updateUser(user.id, { password_hash: hash }, deps.now().toISOString());
    const ended = deps.control.deleteUserSessions(user.id, session.id);
    await auditAct(c, deps, user.tenant, {
      action: 'user.password_changed',
      actor: principalLabel(c.get('principal')),
      targets: [{ type: 'user', id: user.id, name: user.name }],
      outcome: { result: 'success' },
      metadata: { other_sessions_ended: ended },
    });
    return c.body(null, 204);
  });

  app.post('/auth/setup', async (c) => {
    checkCsrf(c, deps, false);
    const input = parseWith(setupSchema, await readJson(c), 'invalid setup request');
    const link = usableLink(deps, input.token, 'setup');
    assertPassword(input.password, 'password', input);
    const hash = await deps.passwords.hash(input.password);
    consumeLink(deps, link);
    const now = deps.now().toISOString();
    const user: UserRecord = {
      id: newId(IdPrefix.user),
      email: input.email,
      name: input.name,
      role: input.tenant ? 'owner' : 'operator',
      ...(input.tenant ? { tenant: input.tenant } : {}),
      password_hash: hash,
      created_at: now,
      updated_at: now,
    };
    deps.control.createUser(user);
    await auditAct(c, deps, user.tenant, {
      action: 'user.created',
      actor: { type: 'user', id: user.id, name: user.name, email: user.email },
      targets: [{ type: 'user', id: user.id, name: user.name }],
      outcome: { result: 'success' },
      metadata: { role: user.role, via: 'setup_link' },
    });
    return c.json(await startSession(c, deps, user, 'setup'), 201);
  });

  app.post('/auth/accept-invitation', async (c) => {
    checkCsrf(c, deps, false);
    const input = parseWith(acceptSchema, await readJson(c), 'invalid invitation acceptance');
    const link = usableLink(deps, input.token, 'invitation');
    assertPassword(input.password, 'password', { email: link.email, name: input.name });
    const hash = await deps.passwords.hash(input.password);
    consumeLink(deps, link);
    const now = deps.now().toISOString();
    const user: UserRecord = {
      id: newId(IdPrefix.user),
      email: link.email!,
      name: input.name,
      role: link.role!,
      ...(link.tenant ? { tenant: link.tenant } : {}),
      password_hash: hash,
      created_at: now,
      updated_at: now,
    };
    deps.control.createUser(user);
    await auditAct(c, deps, user.tenant, {
      action: 'invitation.accepted',
      actor: { type: 'user', id: user.id, name: user.name, email: user.email },
      targets: [
        { type: 'invitation', id: link.id },
        { type: 'user', id: user.id, name: user.name },
      ],
      outcome: { result: 'success' },
      metadata: { role: user.role, invited_by: link.created_by },
    });
    return c.json(await startSession(c, deps, user, 'invitation'), 201);
  });

  app.post('/auth/reset-password', async (c) => {
    checkCsrf(c, deps, false);
    const input = parseWith(resetSchema, await readJson(c), 'invalid password reset');
    const link = usableLink(deps, input.token, 'password_reset');
    const user = link.user_id ? deps.control.getUser(link.user_id) : undefined;
    if (!user)
      throw new TrailmarkError(ErrorCode.INVALID_LINK, 'this link is invalid, expired or already used', [
        { path: 'token', message: 'the account no longer exists' },
      ]);
    assertPassword(input.password, 'password', user);
    const hash = await deps.passwords.hash(input.password);
    consumeLink(deps, link);
    deps.control.updateUser(user.id, { password_hash: hash }, deps.now().toISOString());
    const ended = deps.control.deleteUserSessions(user.id);
    await auditAct(c, deps, user.tenant, {
      action: 'user.password_reset',
      actor: { type: 'user', id: user.id, name: user.name, email: user.email },
      targets: [{ type: 'user', id: user.id, name: user.name }],
      outcome: { result: 'success' },
      metadata: { sessions_ended: ended, link_created_by: link.created_by },
    });
    return c.json(await startSession(c, deps, user, 'password_reset'));
  });

  return app;
}
