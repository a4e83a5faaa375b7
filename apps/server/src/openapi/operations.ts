import type { ErrorCode, SCOPES } from '@trailmark/core';
import { AUTH_ERRORS, errorResponses } from './errors.ts';
import { type Json, ref } from './json.ts';

// ---------------------------------------------------------------------------------------------
// Operations.
// ---------------------------------------------------------------------------------------------

/**
 * Who may call an operation, beside its OpenAPI fields: routes/define.ts decorates every operation from
 * this (the auth note, `x-trailmark-access` for the route security matrix, the error responses).
 */
export interface OperationMeta {
  /**
   * Scope an API key needs; `admin` keys pass every scope check. `history` is `read` plus the viewer role.
   * Omitted for public routes.
   */
  scope?: (typeof SCOPES)[number] | 'history' | 'operator' | 'session' | 'any';
  errors?: readonly ErrorCode[];
  public?: boolean;
}

const SCOPE_NOTE: Record<NonNullable<OperationMeta['scope']>, string> = {
  ingest: 'Requires the `ingest` scope (or `admin`), or the operator token.',
  read: 'Requires the `read` scope (or `admin`; roles owner, admin, auditor), or the operator.',
  history:
    'Requires the `read` scope (or `admin`; roles owner, admin, auditor), the viewer role (whose only right this is), or the operator.',
  export: 'Requires the `export` scope (or `admin`; roles owner, admin, auditor), or the operator.',
  admin:
    'Requires the `admin` scope (the owner and admin roles) or the operator. Admin keys and people manage their own tenant only.',
  operator: 'Operator token or a signed-in operator only.',
  any: 'Any valid token or session.',
  session: 'A signed-in person (session cookie); API keys and the operator token are refused.',
};

/** The description (with its auth note), security and access extensions of an operation. */
export function operationAccess(meta: OperationMeta, summary?: string): Json {
  const description = [summary, meta.scope ? `**Auth:** ${SCOPE_NOTE[meta.scope]}` : undefined]
    .filter(Boolean)
    .join('\n\n');
  return {
    ...(description ? { description } : {}),
    ...(meta.public ? { security: [] } : {}),
    ...(meta.scope && meta.scope !== 'any' && meta.scope !== 'operator' && meta.scope !== 'session'
      ? { 'x-trailmark-scope': meta.scope === 'history' ? 'read' : meta.scope }
      : {}),
    // Who may call it, machine-readable: the route security matrix test is generated from this.
    'x-trailmark-access': meta.public ? 'public' : (meta.scope ?? 'any'),
  };
}

/** The responses of an operation: each with X-Request-Id, plus one per error status it can answer. */
export function operationResponses(
  meta: OperationMeta,
  responses: Record<string, Json>,
): Record<string, Json> {
  const errors = meta.public ? (meta.errors ?? []) : [...AUTH_ERRORS, ...(meta.errors ?? [])];
  return { ...withRequestId(responses), ...errorResponses(errors) };
}

/** Every response carries X-Request-Id (set by middleware before any route runs). */
function withRequestId(responses: Record<string, Json>): Record<string, Json> {
  return Object.fromEntries(
    Object.entries(responses).map(([status, r]) => [
      status,
      {
        ...r,
        headers: { 'X-Request-Id': ref('headers', 'RequestId'), ...((r.headers as Json | undefined) ?? {}) },
      },
    ]),
  );
}
