import {
  type AnyErrorCode,
  type DeclaredError,
  ErrorCode,
  type ErrorDetail,
  RateLimitedError,
  TrailmarkError,
} from '@trailmark/core';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from './context.ts';

/** The one place error codes become HTTP statuses. */
const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNKNOWN_ACTION: 422,
  UNKNOWN_SOURCE: 404,
  UNKNOWN_FILTER: 400,
  INVALID_FILTER: 400,
  INVALID_CURSOR: 400,
  UNSUPPORTED_FORMAT: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  INVALID_LINK: 400,
  FORBIDDEN: 403,
  CSRF_REJECTED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RANGE_NOT_SATISFIABLE: 416,
  EXPIRED: 410,
  REQUEST_TIMEOUT: 408,
  RATE_LIMITED: 429,
  OVERLOADED: 503,
  STORAGE_UNAVAILABLE: 503,
  STORAGE_REJECTED: 502,
  INTERNAL: 500,
  DESTINATION_BLOCKED: 422,
};

/** The status of a core code, or of one a plugin declared; an unknown code is a fault of ours (500). */
export function statusOf(
  code: AnyErrorCode,
  declared?: ReadonlyMap<string, DeclaredError>,
): ContentfulStatusCode {
  return knownStatus(code, declared) ?? 500;
}

function knownStatus(
  code: AnyErrorCode,
  declared?: ReadonlyMap<string, DeclaredError>,
): ContentfulStatusCode | undefined {
  return (STATUS as Record<string, ContentfulStatusCode>)[code] ?? declared?.get(code)?.status;
}

export interface ErrorBody {
  error: { code: AnyErrorCode; message: string; request_id: string; details?: ErrorDetail[] };
}

export function errorBody(
  c: Context<AppEnv>,
  code: AnyErrorCode,
  message: string,
  details?: ErrorDetail[],
): ErrorBody {
  return { error: { code, message, request_id: c.get('requestId'), ...(details ? { details } : {}) } };
}

/**
 * Hono's onError: typed errors map to their status (core codes, and the codes the plugins declared);
 * anything else, an undeclared code included, is a logged 500 with no internals leaked.
 */
export function errorHandler(declared: ReadonlyMap<string, DeclaredError>) {
  return (error: Error, c: Context<AppEnv>): Response => handleError(error, c, declared);
}

function handleError(
  error: Error,
  c: Context<AppEnv>,
  declared: ReadonlyMap<string, DeclaredError>,
): Response {
  const status = error instanceof TrailmarkError ? knownStatus(error.code, declared) : undefined;
  if (error instanceof TrailmarkError && status !== undefined) {
    if (status >= 500) c.get('logger')?.error({ err: error, cause: error.cause }, error.message);
    if (error.code === ErrorCode.UNAUTHENTICATED) c.header('WWW-Authenticate', 'Bearer realm="trailmark"');
    if (error.code === ErrorCode.OVERLOADED || error.code === ErrorCode.RATE_LIMITED)
      c.header('Retry-After', '1');
    // The rest of a body that was refused half-read is not worth waiting for.
    if (error.code === ErrorCode.REQUEST_TIMEOUT) c.header('Connection', 'close');
    if (error instanceof RateLimitedError) c.header('Retry-After', String(error.retryAfterSeconds));
    return c.json(errorBody(c, error.code, error.message, error.details), status);
  }
  c.get('logger')?.error(
    { err: error },
    error instanceof TrailmarkError ? `error code ${error.code} is not declared` : 'unhandled error',
  );
  return c.json(
    errorBody(c, ErrorCode.INTERNAL, 'internal error; see the server log for this request id'),
    500,
  );
}
