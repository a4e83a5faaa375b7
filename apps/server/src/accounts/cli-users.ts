import { ErrorCode, IdPrefix, newId, type Role, TrailmarkError, type UserRecord } from '@trailmark/core';
import type { AppDeps } from '../deps.ts';
import { createLink, linkUrl } from './links.ts';
import { publicUser } from './sessions.ts';

/** How long a CLI-printed password link stays valid. */
const CLI_LINK_TTL_MS = 24 * 3600_000;

/**
 * `trailmark users create`: the person gets no password on the command line (shell history, ps);
 * instead a one-time link lets them choose it.
 */
export function cliCreateUser(
  deps: AppDeps,
  input: { email: string; name: string; role: Role; tenant?: string },
  origin: string,
): { user: ReturnType<typeof publicUser>; url: string } {
  if (input.role !== 'operator' && !input.tenant)
    throw new TrailmarkError(ErrorCode.VALIDATION_FAILED, `the ${input.role} role needs --tenant`);
  const at = deps.now().toISOString();
  const user: UserRecord = {
    id: newId(IdPrefix.user),
    email: input.email,
    name: input.name,
    role: input.role,
    ...(input.role !== 'operator' && input.tenant ? { tenant: input.tenant } : {}),
    created_at: at,
    updated_at: at,
  };
  deps.control.createUser(user);
  return { user: publicUser(user), url: cliResetLink(deps, user, origin) };
}

export function cliResetLink(deps: AppDeps, user: UserRecord, origin: string): string {
  const { token } = createLink(
    deps,
    { kind: 'password_reset', user_id: user.id, created_by: 'cli' },
    CLI_LINK_TTL_MS,
  );
  return linkUrl(origin, 'password_reset', token);
}
