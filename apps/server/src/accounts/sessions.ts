import { getConnInfo } from '@hono/node-server/conninfo';
import {
  ErrorCode,
  IdPrefix,
  newId,
  type SessionRecord,
  TrailmarkError,
  type UserRecord,
} from '@trailmark/core';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import type { AppEnv } from '../context.ts';
import type { AppDeps } from '../deps.ts';
import { hashTokenSecret, newSecret, secretMatches, splitToken } from './tokens.ts';

export const COOKIE_NAME = 'trailmark_session';
const HOST_COOKIE_NAME = `__Host-${COOKIE_NAME}`;
/** Lucia's inactivity-timeout guide: write last_verified_at at most this often. */
export const SESSION_BUMP_MS = 3600_000;

const ip = z.union([z.ipv4(), z.ipv6()]);

/** The caller's IP and user agent; X-Forwarded-For only with TRAILMARK_TRUST_PROXY. */
export function clientInfo(c: Context<AppEnv>, deps: AppDeps): { ip?: string; user_agent?: string } {
  let address: string | undefined;
  if (deps.accounts.trustProxy) address = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
  if (!address) {
    try {
      address = getConnInfo(c).remote.address;
    } catch {
      // app.request() in tests has no socket.
    }
  }
  if (address?.startsWith('::ffff:')) address = address.slice(7);
  const ua = c.req.header('user-agent')?.slice(0, 1024);
  return {
    ...(address && ip.safeParse(address).success ? { ip: address } : {}),
    ...(ua ? { user_agent: ua } : {}),
  };
}

/** Came over https: the URL itself, or X-Forwarded-Proto when the proxy is trusted. */
export function isSecure(c: Context<AppEnv>, deps: AppDeps): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  if (!deps.accounts.trustProxy) return false;
  return c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https';
}

/** The origin browsers see: TRAILMARK_PUBLIC_URL, else this request's own (proxy-aware) origin. */
export function publicOrigin(c: Context<AppEnv>, deps: AppDeps): string {
  if (deps.accounts.publicUrl) return deps.accounts.publicUrl;
  const url = new URL(c.req.url);
  if (deps.accounts.trustProxy) {
    const proto = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim();
    const host = c.req.header('x-forwarded-host')?.split(',')[0]?.trim();
    return `${proto ?? url.protocol.replace(':', '')}://${host ?? url.host}`;
  }
  return url.origin;
}

export function cookieName(c: Context<AppEnv>, deps: AppDeps): string {
  return isSecure(c, deps) ? HOST_COOKIE_NAME : COOKIE_NAME;
}

export function readSessionCookie(c: Context<AppEnv>, deps: AppDeps): string | undefined {
  return getCookie(c, cookieName(c, deps));
}

export function setSessionCookie(c: Context<AppEnv>, deps: AppDeps, token: string, expiresAt: Date): void {
  const secure = isSecure(c, deps);
  setCookie(c, cookieName(c, deps), token, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure,
    expires: expiresAt,
    maxAge: Math.max(0, Math.floor((expiresAt.getTime() - deps.now().getTime()) / 1000)),
  });
}

export function clearSessionCookie(c: Context<AppEnv>, deps: AppDeps): void {
  const secure = isSecure(c, deps);
  deleteCookie(c, cookieName(c, deps), { path: '/', secure, httpOnly: true, sameSite: 'Lax' });
}

export function createSession(
  deps: AppDeps,
  user: UserRecord,
  client: { ip?: string; user_agent?: string },
): { token: string; session: SessionRecord } {
  const now = deps.now();
  const secret = newSecret();
  const session: SessionRecord = {
    id: newId(IdPrefix.session, now.getTime()),
    user_id: user.id,
    secret_hash: hashTokenSecret(secret),
    created_at: now.toISOString(),
    last_verified_at: now.toISOString(),
    expires_at: new Date(now.getTime() + deps.accounts.sessionMaxMs).toISOString(),
    ...client,
  };
  deps.control.createSession(session);
  return { token: `${session.id}.${secret}`, session };
}

/**
 * The session and person behind a token, or undefined when the token is malformed, unknown, wrong,
 * idle for longer than the inactivity timeout or past its absolute end (such rows are removed).
 */
export function validateSession(
  deps: AppDeps,
  token: string | undefined,
  client: { ip?: string; user_agent?: string } = {},
): { session: SessionRecord; user: UserRecord } | undefined {
  const parts = splitToken(token);
  if (!parts) return undefined;
  const session = deps.control.getSession(parts.id);
  if (!session || !secretMatches(parts.secret, session.secret_hash)) return undefined;
  const now = deps.now().getTime();
  const lastVerified = Date.parse(session.last_verified_at);
  if (now >= Date.parse(session.expires_at) || now - lastVerified >= deps.accounts.sessionIdleMs) {
    deps.control.deleteSession(session.id);
    return undefined;
  }
  const user = deps.control.getUser(session.user_id);
  if (!user) return undefined;
  if (now - lastVerified >= SESSION_BUMP_MS) {
    const patch = { last_verified_at: new Date(now).toISOString(), ...client };
    deps.control.touchSession(session.id, patch);
    Object.assign(session, patch);
  }
  return { session, user };
}

/**
 * Deletes sessions past their idle or absolute end. Validation already refuses them; the sweep keeps rows
 * of people who never come back (their IP and user agent) from staying in the database for good.
 */
export function sweepExpiredSessions(deps: AppDeps): number {
  const now = deps.now().getTime();
  return deps.control.deleteExpiredSessions(
    new Date(now).toISOString(),
    new Date(now - deps.accounts.sessionIdleMs).toISOString(),
  );
}

/** What a session looks like on the wire: never the hash. `expires_at` is the nearer of idle and absolute end. */
export function publicSession(deps: AppDeps, session: SessionRecord, current?: string) {
  const idleEnd = Date.parse(session.last_verified_at) + deps.accounts.sessionIdleMs;
  return {
    id: session.id,
    created_at: session.created_at,
    last_seen_at: session.last_verified_at,
    expires_at: new Date(Math.min(Date.parse(session.expires_at), idleEnd)).toISOString(),
    ...(session.ip ? { ip: session.ip } : {}),
    ...(session.user_agent ? { user_agent: session.user_agent } : {}),
    ...(current !== undefined ? { current: session.id === current } : {}),
  };
}

export function publicUser(user: UserRecord) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    tenant: user.tenant ?? null,
    created_at: user.created_at,
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF for cookie-authenticated requests, JSON included (hono/csrf only looks at form content types):
 * a state-changing request must say `Sec-Fetch-Site: same-origin`, or, where browsers send no fetch
 * metadata (plain http to a LAN address), carry an Origin equal to the public origin.
 * `strict` (cookie-authenticated) also refuses a request with neither header; sign-in routes are not
 * strict, so curl works, but a browser's cross-site form post is still refused (login CSRF).
 */
export function checkCsrf(c: Context<AppEnv>, deps: AppDeps, strict: boolean): void {
  if (SAFE_METHODS.has(c.req.method)) return;
  c.header('Vary', 'Sec-Fetch-Site, Origin', { append: true });
  const site = c.req.header('sec-fetch-site');
  const origin = c.req.header('origin');
  if (site === 'same-origin') return;
  if (site === undefined || site === 'none') {
    if (origin !== undefined && origin !== 'null' && origin === publicOrigin(c, deps)) return;
    if (!strict && origin === undefined && site === undefined) return;
  }
  throw new TrailmarkError(
    ErrorCode.CSRF_REJECTED,
    'cross-site request refused: a request authenticated by the session cookie must come from this site',
  );
}
