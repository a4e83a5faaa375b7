import { ErrorCode, IdPrefix, type LinkKind, type LinkRecord, newId, TrailmarkError } from '@trailmark/core';
import type { AppDeps } from '../deps.ts';
import { hashTokenSecret, newSecret, secretMatches, splitToken } from './tokens.ts';

/** The page of the admin UI each kind of link opens. */
export const LINK_PAGES: Record<LinkKind, string> = {
  setup: 'setup',
  invitation: 'invite',
  password_reset: 'reset-password',
};

export function createLink(
  deps: AppDeps,
  fields: Omit<LinkRecord, 'id' | 'secret_hash' | 'created_at' | 'expires_at'>,
  ttlMs: number,
): { link: LinkRecord; token: string } {
  const now = deps.now();
  const secret = newSecret();
  const link: LinkRecord = {
    ...fields,
    id: newId(IdPrefix.link, now.getTime()),
    secret_hash: hashTokenSecret(secret),
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + ttlMs).toISOString(),
  };
  deps.control.createLink(link);
  return { link, token: `${link.id}.${secret}` };
}

export function linkUrl(origin: string, kind: LinkKind, token: string): string {
  return `${origin}/${LINK_PAGES[kind]}?token=${encodeURIComponent(token)}`;
}

export function linkState(deps: AppDeps, link: LinkRecord): 'pending' | 'used' | 'revoked' | 'expired' {
  if (link.used_at) return 'used';
  if (link.revoked_at) return 'revoked';
  if (Date.parse(link.expires_at) <= deps.now().getTime()) return 'expired';
  return 'pending';
}

/** The link behind a token if it is of this kind and still usable; one error for every other case. */
export function usableLink(deps: AppDeps, token: unknown, kind: LinkKind): LinkRecord {
  const parts = splitToken(typeof token === 'string' ? token : undefined);
  const link = parts ? deps.control.getLink(parts.id) : undefined;
  if (
    !parts ||
    !link ||
    !secretMatches(parts.secret, link.secret_hash) ||
    link.kind !== kind ||
    linkState(deps, link) !== 'pending'
  ) {
    throw new TrailmarkError(
      ErrorCode.INVALID_LINK,
      'this link is invalid, expired or already used; ask for a new one',
      [{ path: 'token', message: 'not a usable link' }],
    );
  }
  return link;
}

/** Marks the link used; a second request racing with the same link loses. */
export function consumeLink(deps: AppDeps, link: LinkRecord): void {
  if (!deps.control.useLink(link.id, deps.now().toISOString())) {
    throw new TrailmarkError(ErrorCode.INVALID_LINK, 'this link was used a moment ago', [
      { path: 'token', message: 'already used' },
    ]);
  }
}

export function publicLink(deps: AppDeps, link: LinkRecord) {
  return {
    id: link.id,
    kind: link.kind,
    ...(link.email ? { email: link.email } : {}),
    ...(link.role ? { role: link.role } : {}),
    tenant: link.tenant ?? null,
    created_by: link.created_by,
    created_at: link.created_at,
    expires_at: link.expires_at,
    status: linkState(deps, link),
    ...(link.used_at ? { used_at: link.used_at } : {}),
    ...(link.revoked_at ? { revoked_at: link.revoked_at } : {}),
  };
}
