import { ErrorCode, type Role, SCOPES, type Scope, TrailmarkError } from '@trailmark/core';
import type { Context, MiddlewareHandler } from 'hono';
import { checkCsrf, clientInfo, readSessionCookie, validateSession } from './accounts/sessions.ts';
import type { AppEnv, Principal } from './context.ts';
import type { AppDeps } from './deps.ts';
import { hashSecret, secretsEqual } from './keys.ts';

/** Routes reachable without a credential: they establish one. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set([
  '/v1/auth/sign-in',
  '/v1/auth/setup',
  '/v1/auth/accept-invitation',
  '/v1/auth/reset-password',
]);

/**
 * What each role may do, as API-key scopes. The viewer has none: it reads only asset history
 * (`requireHistoryAccess`). Keys a person creates can never hold more than this.
 */
export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  owner: SCOPES,
  admin: SCOPES,
  auditor: ['read', 'export'],
  viewer: [],
  operator: SCOPES,
};

/**
 * Resolves the caller: a bearer token (operator token or API key) or the session cookie. Cookie
 * requests that change state must pass the CSRF check; bearer requests carry no ambient credential.
 */
export function authenticate(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path)) return next();
    const header = c.req.header('authorization');
    const match = header?.match(/^Bearer\s+(\S+)$/i);
    if (!match) {
      const cookie = readSessionCookie(c, deps);
      if (cookie === undefined)
        throw new TrailmarkError(
          ErrorCode.UNAUTHENTICATED,
          'sign in, or send a bearer token (Authorization: Bearer <token>)',
        );
      const found = validateSession(deps, cookie, clientInfo(c, deps));
      if (!found) throw new TrailmarkError(ErrorCode.UNAUTHENTICATED, 'the session has ended; sign in again');
      checkCsrf(c, deps, true);
      const { user, session } = found;
      c.set(
        'principal',
        user.role === 'operator' || !user.tenant
          ? { kind: 'operator', user, session }
          : { kind: 'user', user, session, tenant: user.tenant },
      );
      return next();
    }
    const token = match[1];
    if (deps.adminToken && secretsEqual(token, deps.adminToken)) {
      c.set('principal', { kind: 'operator' });
      return next();
    }
    const key = deps.control.findApiKeyByHash(hashSecret(token));
    if (!key || key.revoked_at)
      throw new TrailmarkError(ErrorCode.UNAUTHENTICATED, 'invalid or revoked token');
    c.set('principal', { kind: 'api_key', key, tenant: key.tenant });
    deps.touchKey(key.id);
    return next();
  };
}

/** The scopes a principal holds: a key's own, a person's role's, everything for the operator. */
export function scopesOf(principal: Principal): readonly Scope[] {
  if (principal.kind === 'operator') return SCOPES;
  if (principal.kind === 'user') return ROLE_SCOPES[principal.user.role];
  return principal.key.scopes.includes('admin') ? SCOPES : principal.key.scopes;
}

export function requireScope(c: Context<AppEnv>, scope: Scope): Principal {
  const principal = c.get('principal');
  if (scopesOf(principal).includes(scope)) return principal;
  if (principal.kind === 'user') {
    throw new TrailmarkError(
      ErrorCode.FORBIDDEN,
      `the ${principal.user.role} role cannot do this (it needs "${scope}" access)`,
    );
  }
  throw new TrailmarkError(ErrorCode.FORBIDDEN, `this API key lacks the "${scope}" scope`);
}

/** Asset history: readers, plus the viewer role, whose only right it is. */
export function requireHistoryAccess(c: Context<AppEnv>): Principal {
  const principal = c.get('principal');
  if (principal.kind === 'user' && principal.user.role === 'viewer') return principal;
  return requireScope(c, 'read');
}

export function requireOperator(c: Context<AppEnv>): void {
  if (c.get('principal').kind !== 'operator') {
    throw new TrailmarkError(ErrorCode.FORBIDDEN, 'this endpoint needs the operator');
  }
}

/** The tenant a principal is bound to; undefined for the operator. */
export function tenantOf(principal: Principal): string | undefined {
  return principal.kind === 'operator' ? undefined : principal.tenant;
}

/**
 * The tenants a read may touch. Keys and people see their own tenant only; asking for another one is
 * refused rather than silently narrowed, so a misconfigured client notices.
 */
export function tenantScope(c: Context<AppEnv>, requested: string[] | undefined): string[] | undefined {
  const principal = c.get('principal');
  if (principal.kind === 'operator') return requested;
  const own = principal.tenant;
  if (requested?.some((t) => t !== own)) {
    throw new TrailmarkError(ErrorCode.FORBIDDEN, 'you can only read your own tenant', [
      { path: 'tenant', message: `you belong to tenant "${own}"` },
    ]);
  }
  return [own];
}

/** Who did something, for the self-audit trail. */
export function principalLabel(principal: Principal): {
  type: 'api_key' | 'system' | 'user';
  id: string;
  name?: string;
  email?: string;
} {
  const user = principal.kind === 'api_key' ? undefined : principal.user;
  if (user) return { type: 'user', id: user.id, name: user.name, email: user.email };
  return principal.kind === 'api_key'
    ? { type: 'api_key', id: principal.key.id, name: principal.key.name }
    : { type: 'system', id: 'operator', name: 'Operator token' };
}
