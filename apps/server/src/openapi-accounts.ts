import { ErrorCode, TENANT_PATTERN } from '@trailmark/core';
import { type Json, jsonBody, jsonResponse, operation, pathParam, ref } from './openapi.ts';
import { userExample } from './routes/account-schemas.ts';

/** OpenAPI paths and schemas of people, sessions, invitations and one-time links. */

const timestamp = { type: 'string', format: 'date-time' };

const sessionExample = {
  id: 'ses_01JRW6B9G1SESSION000000001',
  created_at: '2026-04-14T10:00:00.000Z',
  last_seen_at: '2026-04-14T10:00:00.000Z',
  expires_at: '2026-04-14T22:00:00.000Z',
  ip: '203.0.113.7',
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
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
  };
}
