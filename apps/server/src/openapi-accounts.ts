import { ErrorCode, ROLES, TENANT_PATTERN, TENANT_ROLES } from '@trailmark/core';
import { type Json, jsonBody, jsonResponse, operation, pathParam, ref } from './openapi.ts';

/** OpenAPI paths and schemas of people, sessions, invitations and one-time links. */

const timestamp = { type: 'string', format: 'date-time' };

const userExample = {
  id: 'usr_01JRW6B9G1USER00000000001',
  email: 'owner@acme.test',
  name: 'Olivia Owner',
  role: 'owner',
  tenant: 'acme',
  created_at: '2026-04-14T10:00:00.000Z',
};
const sessionExample = {
  id: 'ses_01JRW6B9G1SESSION000000001',
  created_at: '2026-04-14T10:00:00.000Z',
  last_seen_at: '2026-04-14T10:00:00.000Z',
  expires_at: '2026-04-14T22:00:00.000Z',
  ip: '203.0.113.7',
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
};
const invitationExample = {
  id: 'lnk_01JRW6B9G1LINK0000000001',
  kind: 'invitation',
  email: 'auditor@acme.test',
  role: 'auditor',
  tenant: 'acme',
  created_by: 'usr_01JRW6B9G1USER00000000001',
  created_at: '2026-04-14T10:05:00.000Z',
  expires_at: '2026-04-17T10:05:00.000Z',
  status: 'pending',
};
const SET_COOKIE: Json = {
  description:
    '`trailmark_session=<id>.<secret>; HttpOnly; SameSite=Lax; Path=/` (`__Host-` prefixed and `Secure` over https).',
  schema: { type: 'string' },
};
const SIGNED_IN: Json = {
  description: 'Signed in; the session cookie is set.',
  headers: { 'Set-Cookie': SET_COOKIE },
  content: {
    'application/json': {
      schema: ref('schemas', 'SignedIn'),
      example: { user: userExample, session: sessionExample },
    },
  },
};
const COOKIE_NOTE =
  'Needs a session cookie (sign in first). A state-changing cookie request must carry `Sec-Fetch-Site: same-origin` or an `Origin` equal to the public origin (browsers do this for same-origin `fetch`).';
const LINK_ERRORS = [ErrorCode.MALFORMED_JSON, ErrorCode.VALIDATION_FAILED, ErrorCode.INVALID_LINK] as const;

export function accountSchemas(): Record<string, Json> {
  return {
    Role: { type: 'string', enum: [...ROLES] },
    User: {
      type: 'object',
      properties: {
        id: { type: 'string', pattern: '^usr_' },
        email: { type: 'string', format: 'email' },
        name: { type: 'string' },
        role: ref('schemas', 'Role'),
        tenant: { type: ['string', 'null'], description: 'null for operators.' },
        created_at: timestamp,
      },
      required: ['id', 'email', 'name', 'role', 'tenant', 'created_at'],
      additionalProperties: false,
    },
    Session: {
      type: 'object',
      description: 'A browser session: never the token nor its hash.',
      properties: {
        id: { type: 'string', pattern: '^ses_' },
        created_at: timestamp,
        last_seen_at: { ...timestamp, description: 'Updated at most hourly.' },
        expires_at: {
          ...timestamp,
          description: 'The nearer of the inactivity timeout and the absolute end.',
        },
        ip: { type: 'string' },
        user_agent: { type: 'string' },
        current: { type: 'boolean', description: 'In listings: the session of this request.' },
      },
      required: ['id', 'created_at', 'last_seen_at', 'expires_at'],
      additionalProperties: false,
    },
    SignedIn: {
      type: 'object',
      properties: { user: ref('schemas', 'User'), session: ref('schemas', 'Session') },
      required: ['user', 'session'],
      additionalProperties: false,
    },
    Link: {
      type: 'object',
      description: 'An invitation or password-reset link as listings show it: never the token.',
      properties: {
        id: { type: 'string', pattern: '^lnk_' },
        kind: { type: 'string', enum: ['setup', 'invitation', 'password_reset'] },
        email: { type: 'string' },
        role: ref('schemas', 'Role'),
        tenant: { type: ['string', 'null'] },
        created_by: { type: 'string' },
        created_at: timestamp,
        expires_at: timestamp,
        status: { type: 'string', enum: ['pending', 'used', 'revoked', 'expired'] },
        used_at: timestamp,
        revoked_at: timestamp,
      },
      required: ['id', 'kind', 'tenant', 'created_by', 'created_at', 'expires_at', 'status'],
      additionalProperties: false,
    },
    Password: {
      type: 'string',
      minLength: 12,
      maxLength: 256,
      description: 'At least 12 characters, no composition rules; refused when on the common-password list.',
    },
  };
}

const obj = (properties: Record<string, Json>, required: string[]): Json => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});

export function accountPaths(): Record<string, Json> {
  const userId = pathParam('id', 'User id (`usr_...`).', { type: 'string', pattern: '^usr_' });
  return {
    '/v1/auth/sign-in': {
      post: operation({
        operationId: 'signIn',
        summary: 'Sign in with email and password',
        description:
          'Sets the session cookie. A wrong password and an unknown email get the same 401 `INVALID_CREDENTIALS`, in the same time. Failed attempts per account make the next one wait longer (1 s doubling to 5 min, never a lockout); a coarse cap applies per IP; both answer 429 with Retry-After. Recorded as `user.signed_in` (method password) or `user.sign_in_failed` (with the reason).',
        tags: ['Accounts'],
        public: true,
        requestBody: jsonBody(
          obj({ email: { type: 'string' }, password: { type: 'string' } }, ['email', 'password']),
          { owner: { summary: 'Demo owner', value: { email: 'owner@acme.test', password: '…' } } },
        ),
        responses: { '200': SIGNED_IN },
        errors: [
          ErrorCode.MALFORMED_JSON,
          ErrorCode.VALIDATION_FAILED,
          ErrorCode.INVALID_CREDENTIALS,
          ErrorCode.CSRF_REJECTED,
          ErrorCode.RATE_LIMITED,
          ErrorCode.OVERLOADED,
        ],
      }),
    },
    '/v1/auth/sign-out': {
      post: operation({
        operationId: 'signOut',
        summary: 'Sign out (end this session)',
        description: `${COOKIE_NOTE} Recorded as \`user.signed_out\`.`,
        tags: ['Accounts'],
        scope: 'session',
        responses: { '204': { description: 'Signed out; the cookie is cleared.' } },
        errors: [ErrorCode.CSRF_REJECTED],
      }),
    },
    '/v1/auth/sign-out-everywhere': {
      post: operation({
        operationId: 'signOutEverywhere',
        summary: 'End every session of the signed-in person',
        description: `${COOKIE_NOTE} Recorded as \`user.signed_out\` with \`everywhere\`.`,
        tags: ['Accounts'],
        scope: 'session',
        responses: { '204': { description: 'All sessions ended.' } },
        errors: [ErrorCode.CSRF_REJECTED],
      }),
    },
    '/v1/auth/me': {
      get: operation({
        operationId: 'me',
        summary: 'The signed-in person and this session',
        description: COOKIE_NOTE,
        tags: ['Accounts'],
        scope: 'session',
        responses: {
          '200': jsonResponse('Who is signed in', ref('schemas', 'SignedIn'), {
            user: userExample,
            session: sessionExample,
          }),
        },
      }),
    },
    '/v1/auth/sessions': {
      get: operation({
        operationId: 'listSessions',
        summary: 'My sessions',
        description: COOKIE_NOTE,
        tags: ['Accounts'],
        scope: 'session',
        responses: {
          '200': jsonResponse(
            'Live sessions, most recently seen first',
            obj({ data: { type: 'array', items: ref('schemas', 'Session') } }, ['data']),
            { data: [{ ...sessionExample, current: true }] },
          ),
        },
      }),
    },
    '/v1/auth/sessions/{id}': {
      delete: operation({
        operationId: 'revokeSession',
        summary: 'End one of my sessions',
        description: `${COOKIE_NOTE} Recorded as \`session.revoked\`.`,
        tags: ['Accounts'],
        scope: 'session',
        parameters: [pathParam('id', 'Session id (`ses_...`).')],
        responses: { '204': { description: 'Ended.' } },
        errors: [ErrorCode.NOT_FOUND, ErrorCode.CSRF_REJECTED],
      }),
    },
    '/v1/auth/password': {
      post: operation({
        operationId: 'changePassword',
        summary: 'Change my password',
        description: `${COOKIE_NOTE} Ends every other session of the person. Recorded as \`user.password_changed\`.`,
        tags: ['Accounts'],
        scope: 'session',
        requestBody: jsonBody(
          obj({ current_password: { type: 'string' }, new_password: ref('schemas', 'Password') }, [
            'current_password',
            'new_password',
          ]),
        ),
        responses: { '204': { description: 'Changed.' } },
        errors: [
          ErrorCode.MALFORMED_JSON,
          ErrorCode.VALIDATION_FAILED,
          ErrorCode.INVALID_CREDENTIALS,
          ErrorCode.CSRF_REJECTED,
          ErrorCode.RATE_LIMITED,
        ],
      }),
    },
    '/v1/auth/setup': {
      post: operation({
        operationId: 'setup',
        summary: 'Create the first owner (or operator) with the setup link',
        description:
          "`npm start` prints a one-time setup link (`<url>/setup?token=...`) on a data directory without users. With `tenant`, the first person becomes that tenant's owner; without, an operator. Signs in. Recorded as `user.created` and `user.signed_in` (method setup).",
        tags: ['Accounts'],
        public: true,
        requestBody: jsonBody(
          obj(
            {
              token: { type: 'string' },
              email: { type: 'string', format: 'email' },
              name: { type: 'string' },
              password: ref('schemas', 'Password'),
              tenant: { type: 'string', pattern: TENANT_PATTERN.source },
            },
            ['token', 'email', 'name', 'password'],
          ),
        ),
        responses: { '201': SIGNED_IN },
        errors: [...LINK_ERRORS, ErrorCode.CONFLICT, ErrorCode.CSRF_REJECTED],
      }),
    },
    '/v1/auth/accept-invitation': {
      post: operation({
        operationId: 'acceptInvitation',
        summary: 'Accept an invitation: choose a name and password, and sign in',
        description: 'Recorded as `invitation.accepted` and `user.signed_in` (method invitation).',
        tags: ['Accounts'],
        public: true,
        requestBody: jsonBody(
          obj({ token: { type: 'string' }, name: { type: 'string' }, password: ref('schemas', 'Password') }, [
            'token',
            'name',
            'password',
          ]),
        ),
        responses: { '201': SIGNED_IN },
        errors: [...LINK_ERRORS, ErrorCode.CONFLICT, ErrorCode.CSRF_REJECTED],
      }),
    },
    '/v1/auth/reset-password': {
      post: operation({
        operationId: 'resetPassword',
        summary: 'Choose a new password with a reset link, and sign in',
        description:
          'Reset links come from `POST /v1/users/{id}/password-reset` or `trailmark users reset-password`. Ends every session of the person. Recorded as `user.password_reset`.',
        tags: ['Accounts'],
        public: true,
        requestBody: jsonBody(
          obj({ token: { type: 'string' }, password: ref('schemas', 'Password') }, ['token', 'password']),
        ),
        responses: { '200': SIGNED_IN },
        errors: [...LINK_ERRORS, ErrorCode.CSRF_REJECTED],
      }),
    },
    '/v1/users': {
      get: operation({
        operationId: 'listUsers',
        summary: 'People of the tenant',
        description: 'The operator lists every user, or one tenant with `?tenant=`.',
        tags: ['Accounts'],
        scope: 'admin',
        parameters: [
          {
            name: 'tenant',
            in: 'query',
            required: false,
            description: 'Operator only.',
            schema: { type: 'string' },
          },
        ],
        responses: {
          '200': jsonResponse(
            'Users',
            obj({ data: { type: 'array', items: ref('schemas', 'User') } }, ['data']),
            { data: [userExample] },
          ),
        },
      }),
    },
    '/v1/users/{id}': {
      patch: operation({
        operationId: 'updateUser',
        summary: "Change a person's role or name",
        description:
          "Admins manage everyone except owners; only owners (and operators) make or change owners. The last owner of a tenant cannot be demoted (409). A role change ends the person's sessions. Recorded as `user.role_changed`.",
        tags: ['Accounts'],
        scope: 'admin',
        parameters: [userId],
        requestBody: jsonBody(
          {
            type: 'object',
            properties: { role: { type: 'string', enum: [...TENANT_ROLES] }, name: { type: 'string' } },
            additionalProperties: false,
            minProperties: 1,
          },
          { auditor: { summary: 'Make an auditor', value: { role: 'auditor' } } },
        ),
        responses: {
          '200': jsonResponse('The user after the change', obj({ user: ref('schemas', 'User') }, ['user'])),
        },
        errors: [
          ErrorCode.MALFORMED_JSON,
          ErrorCode.VALIDATION_FAILED,
          ErrorCode.NOT_FOUND,
          ErrorCode.CONFLICT,
          ErrorCode.CSRF_REJECTED,
        ],
      }),
      delete: operation({
        operationId: 'removeUser',
        summary: 'Remove a person',
        description:
          'Ends their sessions. Owners only remove owners, and never the last one (409). Recorded as `user.removed`.',
        tags: ['Accounts'],
        scope: 'admin',
        parameters: [userId],
        responses: { '204': { description: 'Removed.' } },
        errors: [ErrorCode.NOT_FOUND, ErrorCode.CONFLICT, ErrorCode.CSRF_REJECTED],
      }),
    },
    '/v1/users/{id}/password-reset': {
      post: operation({
        operationId: 'createPasswordReset',
        summary: 'Create a one-time password-reset link for a person',
        description:
          'Valid one hour, single use. Hand it over yourself. Recorded as `password_reset.created`.',
        tags: ['Accounts'],
        scope: 'admin',
        parameters: [userId],
        responses: {
          '201': jsonResponse(
            'The link (shown once; only its hash is stored)',
            obj({ reset: ref('schemas', 'Link'), url: { type: 'string' } }, ['reset', 'url']),
          ),
        },
        errors: [ErrorCode.NOT_FOUND, ErrorCode.CSRF_REJECTED],
      }),
    },
    '/v1/users/invitations': {
      post: operation({
        operationId: 'createInvitation',
        summary: 'Invite a person by email and role',
        description:
          'Returns a one-time link (`<url>/invite?token=...`, valid TRAILMARK_INVITE_TTL_HOURS, default 72) to hand over; no mail is sent. Only owners invite owners. The operator names the tenant. Recorded as `invitation.created`.',
        tags: ['Accounts'],
        scope: 'admin',
        requestBody: jsonBody(
          obj(
            {
              email: { type: 'string', format: 'email' },
              role: { type: 'string', enum: [...TENANT_ROLES] },
              tenant: { type: 'string', description: 'Operator only.' },
            },
            ['email', 'role'],
          ),
          {
            auditor: {
              summary: 'Invite an auditor',
              value: { email: 'auditor2@acme.test', role: 'auditor' },
            },
          },
        ),
        responses: {
          '201': jsonResponse(
            'The invitation and its link (shown once)',
            obj({ invitation: ref('schemas', 'Link'), url: { type: 'string' } }, ['invitation', 'url']),
            {
              invitation: invitationExample,
              url: 'http://localhost:8080/invite?token=lnk_01JRW6B9G1LINK0000000001.q3…',
            },
          ),
        },
        errors: [
          ErrorCode.MALFORMED_JSON,
          ErrorCode.VALIDATION_FAILED,
          ErrorCode.CONFLICT,
          ErrorCode.CSRF_REJECTED,
        ],
      }),
      get: operation({
        operationId: 'listInvitations',
        summary: 'Invitations of the tenant, newest first',
        tags: ['Accounts'],
        scope: 'admin',
        responses: {
          '200': jsonResponse(
            'Invitations with their status',
            obj({ data: { type: 'array', items: ref('schemas', 'Link') } }, ['data']),
            { data: [invitationExample] },
          ),
        },
      }),
    },
    '/v1/users/invitations/{id}': {
      delete: operation({
        operationId: 'revokeInvitation',
        summary: 'Revoke an invitation',
        description: 'Revoking twice is harmless. Recorded as `invitation.revoked`.',
        tags: ['Accounts'],
        scope: 'admin',
        parameters: [pathParam('id', 'Invitation id (`lnk_...`).')],
        responses: {
          '200': jsonResponse('The invitation', obj({ invitation: ref('schemas', 'Link') }, ['invitation'])),
        },
        errors: [ErrorCode.NOT_FOUND, ErrorCode.CSRF_REJECTED],
      }),
    },
    '/v1/tenants': {
      get: operation({
        operationId: 'listTenants',
        summary: 'Tenants known to this server (users and keys)',
        tags: ['Accounts'],
        scope: 'operator',
        responses: {
          '200': jsonResponse(
            'Tenants',
            obj({ tenants: { type: 'array', items: obj({ id: { type: 'string' } }, ['id']) } }, ['tenants']),
            { tenants: [{ id: 'acme' }, { id: 'globex' }] },
          ),
        },
      }),
    },
  };
}
