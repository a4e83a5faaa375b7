import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import {
  ErrorCode,
  EVENT_MAX_DEPTH,
  jsonShapeIssue,
  LIMITS,
  type QueryParams,
  TrailmarkError,
  ValidationError,
} from '@trailmark/core';
import type { Context } from 'hono';
import type { AppEnv } from './context.ts';

const gunzipAsync = promisify(gunzip);

/** `application/json`, with or without parameters (`; charset=utf-8`); a `+json` type counts too. */
function isJsonType(header: string | undefined): boolean {
  const type = header?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

export interface ReadJsonOptions {
  /**
   * Keep `__proto__` keys for the caller to refuse with its own code (export job filters answer
   * UNKNOWN_FILTER); everywhere else they are refused here, since an object would silently drop them.
   */
  allowProtoKeys?: boolean;
}

/**
 * Parses a JSON body; malformed JSON is a 400 with a code, never a 500. The body must be declared
 * `application/json` (415 otherwise, so a form or XML post is never guessed at), may be gzip-encoded
 * (decoded up to the body limit: a gzip bomb is a 413), and is checked for depth, `__proto__` keys and
 * lone surrogates without recursion before anything walks it.
 */
export async function readJson(c: Context<AppEnv>, options: ReadJsonOptions = {}): Promise<unknown> {
  if (!isJsonType(c.req.header('content-type'))) {
    throw new TrailmarkError(
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      'send the body as Content-Type: application/json',
      [{ path: 'Content-Type', message: `got "${c.req.header('content-type') ?? '(none)'}"` }],
    );
  }
  const encoding = (c.req.header('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') {
    throw new TrailmarkError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Content-Encoding may be gzip or identity', [
      { path: 'Content-Encoding', message: `got "${encoding}"` },
    ]);
  }
  let text: string;
  if (encoding === 'gzip') {
    const limit = c.get('bodyLimitBytes') ?? 10 * 1024 * 1024;
    const compressed = new Uint8Array(await c.req.arrayBuffer());
    let plain: Buffer;
    try {
      plain = await gunzipAsync(compressed, { maxOutputLength: limit });
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new TrailmarkError(
          ErrorCode.PAYLOAD_TOO_LARGE,
          `request body exceeds ${limit} bytes once decompressed`,
        );
      }
      throw new TrailmarkError(
        ErrorCode.MALFORMED_JSON,
        `the body is declared gzip but is not valid gzip: ${(error as Error).message}`,
        [{ path: 'Content-Encoding', message: 'not valid gzip' }],
      );
    }
    text = plain.toString('utf8');
  } else text = await c.req.text();
  if (text.trim() === '')
    throw new TrailmarkError(ErrorCode.MALFORMED_JSON, 'request body is empty; send JSON');
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw new TrailmarkError(
      ErrorCode.MALFORMED_JSON,
      `request body is not valid JSON: ${(error as Error).message}`,
    );
  }
  const issue = jsonShapeIssue(value, EVENT_MAX_DEPTH + 2);
  if (issue && !(options.allowProtoKeys && issue.path.endsWith('__proto__'))) {
    throw new ValidationError('the request body is refused', [
      { path: issue.path || '(body)', message: issue.message },
    ]);
  }
  return value;
}

/** One item, a bare array, or `{ "events": [...] }`, as a list of at most LIMITS.batchEvents items. */
export function asBatch(body: unknown, key = 'events'): unknown[] {
  let items: unknown[];
  if (Array.isArray(body)) items = body;
  else if (
    body !== null &&
    typeof body === 'object' &&
    Array.isArray((body as Record<string, unknown>)[key])
  ) {
    const { [key]: list, ...rest } = body as Record<string, unknown>;
    if (Object.keys(rest).length > 0) {
      throw new TrailmarkError(ErrorCode.VALIDATION_FAILED, 'unexpected fields next to the events list', [
        ...Object.keys(rest).map((k) => ({ path: k, message: 'unknown field' })),
      ]);
    }
    items = list as unknown[];
  } else items = [body];
  if (items.length === 0) {
    throw new TrailmarkError(ErrorCode.VALIDATION_FAILED, 'no events in the request', [
      { path: key, message: 'at least one event' },
    ]);
  }
  if (items.length > LIMITS.batchEvents) {
    throw new TrailmarkError(
      ErrorCode.PAYLOAD_TOO_LARGE,
      `at most ${LIMITS.batchEvents} events per request`,
      [{ path: key, message: `${items.length} events; split the batch` }],
    );
  }
  return items;
}

/** A query parameter given at most once: a repeated one is a 400 naming it, never its first value. */
export function oneQuery(c: Context<AppEnv>, name: string): string | undefined {
  const values = c.req.queries(name);
  if (values && values.length > 1)
    throw new ValidationError(`${name} may be given once`, [{ path: name, message: 'given more than once' }]);
  return values?.[0];
}

/** Query parameters with `limit` and `cursor` split off. */
export function pageParams(c: Context<AppEnv>): { params: QueryParams; limit?: string[]; cursor?: string } {
  const params = { ...c.req.queries() } as QueryParams;
  const limit = params.limit;
  if ((params.cursor?.length ?? 0) > 1) {
    throw new ValidationError(
      'invalid cursor',
      [{ path: 'cursor', message: 'may be given once' }],
      ErrorCode.INVALID_CURSOR,
    );
  }
  const cursor = params.cursor?.[0];
  delete params.limit;
  delete params.cursor;
  return { params, ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) };
}
