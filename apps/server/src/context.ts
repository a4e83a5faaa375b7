import type { ApiKeyRecord } from '@trailmark/core';
import type { Logger } from 'pino';

/** Who is calling: the operator token (all tenants, all scopes) or a tenant-bound API key. */
export type Principal = { kind: 'operator' } | { kind: 'api_key'; key: ApiKeyRecord };

export interface AppEnv {
  Variables: {
    requestId: string;
    /** The caller's own X-Request-Id, if it sent a printable one; never used as the request id. */
    clientRequestId?: string;
    logger: Logger;
    /** The configured body limit, for decoders that must stop there (gzip). */
    bodyLimitBytes?: number;
    principal: Principal;
  };
}
