import { ErrorCode, LIMITS, type QueryParams, TrailmarkError } from '@trailmark/core';
import type { Context } from 'hono';
import type { AppEnv } from './context.ts';

/** Parses a JSON body; malformed JSON is a 400 with a code, never a 500. */
export async function readJson(c: Context<AppEnv>): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '')
    throw new TrailmarkError(ErrorCode.MALFORMED_JSON, 'request body is empty; send JSON');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new TrailmarkError(
      ErrorCode.MALFORMED_JSON,
      `request body is not valid JSON: ${(error as Error).message}`,
    );
  }
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

/** Query parameters with `limit` and `cursor` split off. */
export function pageParams(c: Context<AppEnv>): { params: QueryParams; limit?: string[]; cursor?: string } {
  const params = { ...c.req.queries() } as QueryParams;
  const limit = params.limit;
  const cursor = params.cursor?.[0];
  delete params.limit;
  delete params.cursor;
  return { params, ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) };
}
