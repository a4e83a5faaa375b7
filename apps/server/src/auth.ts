import { ErrorCode, type Scope, TrailmarkError } from '@trailmark/core';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv, Principal } from './context.ts';
import type { AppDeps } from './deps.ts';
import { hashSecret, secretsEqual } from './keys.ts';

/** Resolves the bearer token to a principal; every /v1 route except the public ones requires one. */
export function authenticate(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const match = header?.match(/^Bearer\s+(\S+)$/i);
    if (!match)
      throw new TrailmarkError(
        ErrorCode.UNAUTHENTICATED,
        'missing bearer token (Authorization: Bearer <token>)',
      );
    const token = match[1];
    if (deps.adminToken && secretsEqual(token, deps.adminToken)) {
      c.set('principal', { kind: 'operator' });
      return next();
    }
    const key = deps.control.findApiKeyByHash(hashSecret(token));
    if (!key || key.revoked_at)
      throw new TrailmarkError(ErrorCode.UNAUTHENTICATED, 'invalid or revoked token');
    c.set('principal', { kind: 'api_key', key });
    deps.touchKey(key.id);
    return next();
  };
}

export function requireScope(c: Context<AppEnv>, scope: Scope): Principal {
  const principal = c.get('principal');
  if (principal.kind === 'operator') return principal;
  if (!principal.key.scopes.includes(scope) && !principal.key.scopes.includes('admin')) {
    throw new TrailmarkError(ErrorCode.FORBIDDEN, `this API key lacks the "${scope}" scope`);
  }
  return principal;
}

export function requireOperator(c: Context<AppEnv>): void {
  if (c.get('principal').kind !== 'operator') {
    throw new TrailmarkError(ErrorCode.FORBIDDEN, 'this endpoint needs the operator token');
  }
}

/**
 * The tenants a read may touch. API keys see their own tenant only; asking for another one is
 * refused rather than silently narrowed, so a misconfigured client notices.
 */
export function tenantScope(c: Context<AppEnv>, requested: string[] | undefined): string[] | undefined {
  const principal = c.get('principal');
  if (principal.kind === 'operator') return requested;
  const own = principal.key.tenant;
  if (requested?.some((t) => t !== own)) {
    throw new TrailmarkError(ErrorCode.FORBIDDEN, 'an API key can only read its own tenant', [
      { path: 'tenant', message: `this key belongs to tenant "${own}"` },
    ]);
  }
  return [own];
}

/** Who did something, for the self-audit trail. */
export function principalLabel(principal: Principal): {
  type: 'api_key' | 'system';
  id: string;
  name?: string;
} {
  return principal.kind === 'operator'
    ? { type: 'system', id: 'operator', name: 'Operator token' }
    : { type: 'api_key', id: principal.key.id, name: principal.key.name };
}
