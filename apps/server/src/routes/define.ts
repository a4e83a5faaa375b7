/**
 * Routes declared once: `@hono/zod-openapi` validates the request against the route's zod schemas and
 * the same declaration is the operation in /v1/openapi.json. This file adds what every Trailmark
 * operation carries (who may call it, X-Request-Id, the error responses) and turns a validation failure
 * into the usual error envelope.
 */
import { createRoute, type Hook, OpenAPIHono, type RouteConfig, z as zod } from '@hono/zod-openapi';
import { type ErrorDetail, ValidationError } from '@trailmark/core';
import type { z } from 'zod';
import type { AppEnv } from '../context.ts';
import { type Json, type OperationMeta, operationAccess, operationResponses } from '../openapi.ts';

/** Where a value came from, as the validator names it. */
type Target = 'json' | 'query' | 'param' | 'header' | 'cookie' | 'form';

const DEFAULT_MESSAGE: Record<Target, string> = {
  json: 'invalid request body',
  query: 'invalid query parameters',
  param: 'invalid path parameter',
  header: 'invalid header',
  cookie: 'invalid cookie',
  form: 'invalid form',
};

/** One detail per zod issue, with its field path (the parameter name for a query or path value). */
export function issueDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
}

/**
 * The hook every router uses: a failed validation is a 400 VALIDATION_FAILED with one detail per
 * problem, thrown so that errors.ts alone writes the envelope. `message` overrides the default message.
 */
export function invalid(message?: string): Hook<unknown, AppEnv, string, undefined> {
  return (result) => {
    if (!result.success) {
      throw new ValidationError(
        message ?? DEFAULT_MESSAGE[result.target as Target],
        issueDetails(result.error as z.ZodError),
      );
    }
    return undefined;
  };
}

/** A router whose routes are validated and documented from their zod schemas. */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: invalid() });
}

/**
 * `createRoute` plus the Trailmark decorations: the auth note, `x-trailmark-access` (read by the route
 * security matrix), X-Request-Id on every response and one error response per status it can answer.
 */
export function defineRoute<const R extends RouteConfig>(meta: OperationMeta, route: R): R {
  const responses = operationResponses(meta, route.responses as Record<string, Json>);
  return createRoute({
    ...route,
    ...operationAccess(meta, route.description),
    responses,
  } as R);
}

/**
 * A single-valued query parameter: `?tenant=a&tenant=b` takes the first, as `c.req.query()` does, rather
 * than failing on the array the validator would otherwise see.
 */
export function firstValue<T extends z.ZodType>(schema: T) {
  return zod.preprocess((v) => (Array.isArray(v) ? v[0] : v), schema);
}
