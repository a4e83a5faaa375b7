import { type MappedEvent, redactSecrets } from '@trailmark/core';
import type { Context } from 'hono';
import type { AppEnv } from '../context.ts';
import type { AppDeps } from '../deps.ts';
import { clientInfo } from './sessions.ts';

/**
 * Acts with no tenant (the operator's own sign-in, a failed sign-in for an email that matches no
 * account) are recorded under this tenant, which operators read like any other.
 */
export const OPERATOR_AUDIT_TENANT = 'trailmark-operators';

type Act = Omit<MappedEvent, 'source' | 'occurred_at' | 'client' | 'request'> & {
  /** The request and response bodies of an admin call; secrets are masked before storing. */
  requestBody?: unknown;
  responseBody?: unknown;
  status?: number;
};

/** Records an act on Trailmark itself with who, from where (IP, user agent) and which request. */
export async function auditAct(
  c: Context<AppEnv>,
  deps: AppDeps,
  tenant: string | undefined,
  act: Act,
): Promise<void> {
  const { requestBody, responseBody, status, ...event } = act;
  const client = clientInfo(c, deps);
  const req = requestBody === undefined ? undefined : redactSecrets(requestBody, { base: '/request_body' });
  const res =
    responseBody === undefined ? undefined : redactSecrets(responseBody, { base: '/response_body' });
  const redacted = [...(req?.paths ?? []), ...(res?.paths ?? [])];
  await deps.audit(tenant ?? OPERATOR_AUDIT_TENANT, {
    ...event,
    ...(Object.keys(client).length > 0 ? { client } : {}),
    request: {
      id: c.get('requestId').slice(0, 128),
      method: c.req.method,
      endpoint: c.req.path.slice(0, 512),
      ...(status !== undefined ? { status } : {}),
      ...(req ? { request_body: req.value } : {}),
      ...(res ? { response_body: res.value } : {}),
      ...(redacted.length > 0 ? { redacted_paths: redacted } : {}),
    },
  });
}
