import { z } from '@hono/zod-openapi';
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
import type { Context, MiddlewareHandler } from 'hono';
import { auditAct } from '../../accounts/audit.ts';
import { consumeLink, usableLink } from '../../accounts/links.ts';
import { assertPassword } from '../../accounts/passwords.ts';
import {
  checkCsrf,
  clearSessionCookie,
  clientInfo,
  createSession,
  publicSession,
  publicUser,
  setSessionCookie,
} from '../../accounts/sessions.ts';
import { principalLabel } from '../../auth.ts';
import type { AppEnv } from '../../context.ts';
import type { AppDeps } from '../../deps.ts';
import { userExample, userSchema } from '../account-schemas.ts';
import { createRouter, defineRoute } from '../define.ts';

const email = z.email('an email address').max(320);
const name = z.string().trim().min(1).max(128);
// Length and common-password rules are checked after parsing, with their own messages; the document
// states them.
const password = z.string().max(1024);
const newPassword = password.openapi('Password', {
  minLength: 12,
  maxLength: 256,
  description: 'At least 12 characters, no composition rules; refused when on the common-password list.',
});

const signInSchema = z.strictObject({ email: z.string().max(320), password });
const setupSchema = z.strictObject({
  token: z.string().max(200),
  email,
  name,
  password: newPassword,
  tenant: z.string().regex(TENANT_PATTERN, 'tenant ids are 1-128 of A-Z a-z 0-9 _ . -').optional(),
});
const acceptSchema = z.strictObject({ token: z.string().max(200), name, password: newPassword });
const resetSchema = z.strictObject({ token: z.string().max(200), password: newPassword });
const passwordSchema = z.strictObject({ current_password: password, new_password: newPassword });

const timestamp = z.iso.datetime();
const sessionSchema = z
  .strictObject({
    id: z.string().regex(/^ses_/),
    created_at: timestamp,
    last_seen_at: timestamp.openapi({ description: 'Updated at most hourly.' }),
    expires_at: timestamp.openapi({
      description: 'The nearer of the inactivity timeout and the absolute end.',
    }),
    ip: z.string().optional(),
    user_agent: z.string().optional(),
    current: z.boolean().optional().openapi({ description: 'In listings: the session of this request.' }),
  })
  .openapi('Session', { description: 'A browser session: never the token nor its hash.' });
const signedInSchema = z.strictObject({ user: userSchema, session: sessionSchema }).openapi('SignedIn');

const sessionExample = {
  id: 'ses_01JRW6B9G1SESSION000000001',
  created_at: '2026-04-14T10:00:00.000Z',
  last_seen_at: '2026-04-14T10:00:00.000Z',
  expires_at: '2026-04-14T22:00:00.000Z',
  ip: '203.0.113.7',
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
};
const signedIn = {
  description: 'Signed in; the session cookie is set.',
  headers: {
    'Set-Cookie': {
      description:
        '`trailmark_session=<id>.<secret>; HttpOnly; SameSite=Lax; Path=/` (`__Host-` prefixed and `Secure` over https).',
      schema: { type: 'string' as const },
    },
  },
  content: {
    'application/json': {
      schema: signedInSchema,
      example: { user: userExample, session: sessionExample },
    },
  },
};
const jsonBody = <T>(schema: T, examples?: Record<string, { summary?: string; value: unknown }>) => ({
  required: true,
  content: { 'application/json': { schema, ...(examples ? { examples } : {}) } },
});

const COOKIE_NOTE =
  'Needs a session cookie (sign in first). A state-changing cookie request must carry `Sec-Fetch-Site: same-origin` or an `Origin` equal to the public origin (browsers do this for same-origin `fetch`).';
const LINK_ERRORS = [ErrorCode.MALFORMED_JSON, ErrorCode.VALIDATION_FAILED, ErrorCode.INVALID_LINK] as const;
const tags = ['Accounts'];

const signIn = defineRoute(
  {
    public: true,
    invalid: 'invalid sign-in request',
    errors: [
      ErrorCode.MALFORMED_JSON,
      ErrorCode.VALIDATION_FAILED,
      ErrorCode.INVALID_CREDENTIALS,
      ErrorCode.CSRF_REJECTED,
      ErrorCode.RATE_LIMITED,
      ErrorCode.OVERLOADED,
    ],
  },
  {
    method: 'post',
    path: '/sign-in',
    operationId: 'signIn',
    summary: 'Sign in with email and password',
    description:
      'Sets the session cookie. A wrong password and an unknown email get the same 401 `INVALID_CREDENTIALS`, in the same time. Failed attempts per account make the next one wait longer (1 s doubling to 5 min, never a lockout); a coarse cap applies per IP; both answer 429 with Retry-After. Recorded as `user.signed_in` (method password) or `user.sign_in_failed` (with the reason).',
    tags,
    request: {
      body: jsonBody(signInSchema, {
        owner: { summary: 'Demo owner', value: { email: 'owner@acme.test', password: '…' } },
      }),
    },
    responses: { 200: signedIn },
  },
);

const signOut = defineRoute(
  { scope: 'session', errors: [ErrorCode.CSRF_REJECTED] },
  {
    method: 'post',
    path: '/sign-out',
    operationId: 'signOut',
    summary: 'Sign out (end this session)',
    description: `${COOKIE_NOTE} Recorded as \`user.signed_out\`.`,
    tags,
    responses: { 204: { description: 'Signed out; the cookie is cleared.' } },
  },
);

const signOutEverywhere = defineRoute(
  { scope: 'session', errors: [ErrorCode.CSRF_REJECTED] },
  {
    method: 'post',
    path: '/sign-out-everywhere',
    operationId: 'signOutEverywhere',
    summary: 'End every session of the signed-in person',
    description: `${COOKIE_NOTE} Recorded as \`user.signed_out\` with \`everywhere\`.`,
    tags,
    responses: { 204: { description: 'All sessions ended.' } },
  },
);

const me = defineRoute(
  { scope: 'session' },
  {
    method: 'get',
    path: '/me',
    operationId: 'me',
    summary: 'The signed-in person and this session',
    description: COOKIE_NOTE,
    tags,
    responses: {
      200: {
        description: 'Who is signed in',
        content: {
          'application/json': {
            schema: signedInSchema,
            example: { user: userExample, session: sessionExample },
          },
        },
      },
    },
  },
);

const listSessions = defineRoute(
  { scope: 'session' },
  {
    method: 'get',
    path: '/sessions',
    operationId: 'listSessions',
    summary: 'My sessions',
    description: COOKIE_NOTE,
    tags,
    responses: {
      200: {
        description: 'Live sessions, most recently seen first',
        content: {
          'application/json': {
            schema: z.strictObject({ data: z.array(sessionSchema) }),
            example: { data: [{ ...sessionExample, current: true }] },
          },
        },
      },
    },
  },
);

const revokeSession = defineRoute(
  { scope: 'session', errors: [ErrorCode.NOT_FOUND, ErrorCode.CSRF_REJECTED] },
  {
    method: 'delete',
    path: '/sessions/{id}',
    operationId: 'revokeSession',
    summary: 'End one of my sessions',
    description: `${COOKIE_NOTE} Recorded as \`session.revoked\`.`,
    tags,
    // Any string: another person's session is 404 like an unknown one.
    request: { params: z.object({ id: z.string().openapi({ description: 'Session id (`ses_...`).' }) }) },
    responses: { 204: { description: 'Ended.' } },
  },
);

const changePassword = defineRoute(
  {
    scope: 'session',
    invalid: 'invalid password change',
    errors: [
      ErrorCode.MALFORMED_JSON,
      ErrorCode.VALIDATION_FAILED,
      ErrorCode.INVALID_CREDENTIALS,
      ErrorCode.CSRF_REJECTED,
      ErrorCode.RATE_LIMITED,
    ],
  },
  {
    method: 'post',
    path: '/password',
    operationId: 'changePassword',
    summary: 'Change my password',
    description: `${COOKIE_NOTE} Ends every other session of the person. Recorded as \`user.password_changed\`.`,
    tags,
    request: { body: jsonBody(passwordSchema) },
    responses: { 204: { description: 'Changed.' } },
  },
);

const setup = defineRoute(
  {
    public: true,
    invalid: 'invalid setup request',
    errors: [...LINK_ERRORS, ErrorCode.CONFLICT, ErrorCode.CSRF_REJECTED],
  },
  {
    method: 'post',
    path: '/setup',
    operationId: 'setup',
    summary: 'Create the first owner (or operator) with the setup link',
    description:
      "`npm start` prints a one-time setup link (`<url>/setup?token=...`) on a data directory without users. With `tenant`, the first person becomes that tenant's owner; without, an operator. Signs in. Recorded as `user.created` and `user.signed_in` (method setup).",
    tags,
    request: { body: jsonBody(setupSchema) },
    responses: { 201: signedIn },
  },
);

const acceptInvitation = defineRoute(
  {
    public: true,
    invalid: 'invalid invitation acceptance',
    errors: [...LINK_ERRORS, ErrorCode.CONFLICT, ErrorCode.CSRF_REJECTED],
  },
  {
    method: 'post',
    path: '/accept-invitation',
    operationId: 'acceptInvitation',
    summary: 'Accept an invitation: choose a name and password, and sign in',
    description: 'Recorded as `invitation.accepted` and `user.signed_in` (method invitation).',
    tags,
    request: { body: jsonBody(acceptSchema) },
    responses: { 201: signedIn },
  },
);

const resetPassword = defineRoute(
  {
    public: true,
    invalid: 'invalid password reset',
    errors: [...LINK_ERRORS, ErrorCode.CSRF_REJECTED],
  },
  {
    method: 'post',
    path: '/reset-password',
    operationId: 'resetPassword',
    summary: 'Choose a new password with a reset link, and sign in',
    description:
      'Reset links come from `POST /v1/users/{id}/password-reset` or `trailmark users reset-password`. Ends every session of the person. Recorded as `user.password_reset`.',
    tags,
    request: { body: jsonBody(resetSchema) },
    responses: { 200: signedIn },
  },
);

/** The signed-in person behind a cookie request; bearer credentials have no session. */
function signedInPerson(c: Context<AppEnv>): { user: UserRecord; session: SessionRecord } {
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

/**
 * Sign-in, sign-out, the current person and their sessions, first-owner setup, invitations, resets
 * (mounted at /v1/auth).
 */
export function authRoutes(deps: AppDeps) {
  const app = createRouter();

  // Checked before the body is read, as before the schemas: a cross-site post is refused whatever it
  // sends, and a credential without a session learns nothing about the body it should send.
  const csrf: MiddlewareHandler<AppEnv> = async (c, next) => {
    checkCsrf(c, deps, false);
    await next();
  };
  for (const path of ['/sign-in', '/setup', '/accept-invitation', '/reset-password']) app.use(path, csrf);
  app.use('/password', async (c, next) => {
    signedInPerson(c);
    await next();
  });

  app.openapi(signIn, async (c) => {
    const input = c.req.valid('json');
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
    return c.json(await startSession(c, deps, user, 'password'), 200);
  });

  app.openapi(signOut, async (c) => {
    const { user, session } = signedInPerson(c);
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

  app.openapi(signOutEverywhere, async (c) => {
    const { user } = signedInPerson(c);
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

  app.openapi(me, (c) => {
    const { user, session } = signedInPerson(c);
    return c.json({ user: publicUser(user), session: publicSession(deps, session) }, 200);
  });

  app.openapi(listSessions, (c) => {
    const { user, session } = signedInPerson(c);
    const idleBefore = deps.now().getTime() - deps.accounts.sessionIdleMs;
    const live = deps.control
      .listSessions(user.id)
      .filter(
        (s) => Date.parse(s.expires_at) > deps.now().getTime() && Date.parse(s.last_verified_at) > idleBefore,
      );
    return c.json({ data: live.map((s) => publicSession(deps, s, session.id)) }, 200);
  });

  app.openapi(revokeSession, async (c) => {
    const { user } = signedInPerson(c);
    const target = deps.control.getSession(c.req.valid('param').id);
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

  app.openapi(changePassword, async (c) => {
    const { user, session } = signedInPerson(c);
    const input = c.req.valid('json');
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

  app.openapi(setup, async (c) => {
    const input = c.req.valid('json');
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

  app.openapi(acceptInvitation, async (c) => {
    const input = c.req.valid('json');
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

  app.openapi(resetPassword, async (c) => {
    const input = c.req.valid('json');
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
    return c.json(await startSession(c, deps, user, 'password_reset'), 200);
  });

  return app;
}
