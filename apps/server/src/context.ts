import type { ApiKeyRecord, SessionRecord, UserRecord } from '@trailmark/core';
import type { Logger } from 'pino';
import type { RouteMeta } from './routes/define.ts';

/**
 * Who is calling: the operator (the operator token, or a person with the `operator` role, across all
 * tenants), a tenant-bound API key, or a signed-in person of one tenant. The tenant of a key or a
 * person comes from the credential, never from the request.
 */
export type Principal =
  | { kind: 'operator'; user?: UserRecord; session?: SessionRecord }
  | { kind: 'api_key'; key: ApiKeyRecord; tenant: string }
  | { kind: 'user'; user: UserRecord; session: SessionRecord; tenant: string };

export interface AppEnv {
  Variables: {
    requestId: string;
    /** The caller's own X-Request-Id, if it sent a printable one; never used as the request id. */
    clientRequestId?: string;
    logger: Logger;
    /** The configured body limit, for decoders that must stop there (gzip). */
    bodyLimitBytes?: number;
    principal: Principal;
    /** The 400 message of the route's validation failures (routes/define.ts). */
    validationMessage?: RouteMeta['invalid'];
  };
}
