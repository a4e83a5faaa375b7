/**
 * Routes declared once: `@hono/zod-openapi` validates the request against the route's zod schemas and
 * the same declaration is the operation in /v1/openapi.json. This file adds what every Trailmark
 * operation carries (who may call it, X-Request-Id, the error responses) and turns a validation failure
 * into the usual error envelope.
 */
import { createRoute, type Hook, OpenAPIHono, type RouteConfig, z as zod } from '@hono/zod-openapi';
import { type ErrorDetail, ValidationError } from '@trailmark/core';
import type { Context, MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import { requireHistoryAccess, requireOperator, requireScope } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import { readJson } from '../http.ts';
import type { Json } from '../openapi/json.ts';
import { type OperationMeta, operationAccess, operationResponses } from '../openapi/operations.ts';

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
 * problem, thrown so that errors.ts alone writes the envelope. The message is the route's own
 * (`invalid` of its meta, set before validation) or says what was invalid.
 */
// biome-ignore lint/suspicious/noExplicitAny: the hook of any route, as OpenAPIHono's own defaultHook is typed.
const validationHook: Hook<any, AppEnv, any, undefined> = (result, c) => {
  if (!result.success) {
    const details = issueDetails(result.error as z.ZodError);
    throw new ValidationError(
      messageFor(c.get('validationMessage'), result.target as Target, details),
      details,
    );
  }
  return undefined;
};

function messageFor(invalid: RouteMeta['invalid'], target: Target, details: ErrorDetail[]): string {
  const own =
    typeof invalid === 'string'
      ? invalid
      : typeof invalid === 'function'
        ? invalid(details)
        : invalid?.[target];
  return own ?? DEFAULT_MESSAGE[target];
}

/** A router whose routes are validated and documented from their zod schemas. */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}

/**
 * The access check of an operation, run before its request is validated so that a caller without the
 * right learns nothing about the route's parameters (403 before 400, as a handler that checks first).
 * `session` and `any` are checked by the handler (authenticate already refused the anonymous).
 */
function accessGuard(meta: OperationMeta): MiddlewareHandler<AppEnv> | undefined {
  const scope = meta.public ? undefined : meta.scope;
  if (scope === undefined || scope === 'any' || scope === 'session') return undefined;
  return async (c, next) => {
    if (scope === 'operator') requireOperator(c);
    else if (scope === 'history') requireHistoryAccess(c);
    else requireScope(c, scope);
    await next();
  };
}

/**
 * Reads a JSON body with `readJson` (media type, gzip, emptiness, depth and `__proto__` checks, each
 * with its own code) before the zod validator sees it, and leaves the decoded text where the validator
 * and a later `readJson` read it.
 */
const jsonFirst =
  (read: NonNullable<RouteMeta['readBody']>): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const value = await read(c);
    // Hono keeps the pending read in the cache (typed as its result).
    (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(JSON.stringify(value));
    await next();
  };

function hasZodJsonBody(route: RouteConfig): boolean {
  const media = route.request?.body?.content?.['application/json'];
  const schema = media && 'schema' in media ? media.schema : undefined;
  return schema !== undefined && typeof (schema as { safeParse?: unknown }).safeParse === 'function';
}

export interface RouteMeta extends OperationMeta {
  /** The message of a 400 when the request fails its schemas (`invalid invitation`), or one per part. */
  invalid?: string | Partial<Record<Target, string>> | ((details: ErrorDetail[]) => string);
  /**
   * Reads the JSON body in place of `readJson`, for a route whose own checks of the raw body come
   * before its schema (what the schema validates is the value returned).
   */
  readBody?: (c: Context<AppEnv>) => Promise<unknown>;
}

/**
 * `createRoute` plus the Trailmark decorations: the auth note, `x-trailmark-access` (read by the route
 * security matrix), X-Request-Id on every response and one error response per status it can answer.
 * The access check runs first, then the JSON body is read, then the schemas validate.
 */
export function defineRoute<R extends RouteConfig>(meta: RouteMeta, route: R): R {
  const { invalid, readBody, ...access } = meta;
  const responses = operationResponses(access, route.responses as Record<string, Json>);
  const guard = accessGuard(access);
  const own = route.middleware ? [route.middleware].flat() : [];
  const message: MiddlewareHandler<AppEnv> | undefined = invalid
    ? async (c, next) => {
        c.set('validationMessage', invalid);
        await next();
      }
    : undefined;
  const middleware = [
    ...(guard ? [guard] : []),
    ...(hasZodJsonBody(route) ? [jsonFirst(readBody ?? readJson)] : []),
    ...(message ? [message] : []),
    ...own,
  ];
  return createRoute({
    ...route,
    ...operationAccess(access, route.description),
    ...(middleware.length ? { middleware } : {}),
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

/** A JSON response of an operation: its description, zod schema and, when given, an example. */
export const json = <T>(description: string, schema: T, example?: unknown) => ({
  description,
  content: { 'application/json': { schema, ...(example === undefined ? {} : { example }) } },
});
