import { ErrorCode, ValidationError } from './errors.ts';

/**
 * Cursors are opaque to clients: versioned, base64url JSON. Each adapter decides what goes inside
 * (SQLite: its sort key; OpenSearch: the search_after tuple), and the filter is not part of it,
 * so a cursor is only meaningful together with the same filters it was issued with.
 */
export function encodeCursor(payload: unknown): string {
  return Buffer.from(JSON.stringify({ v: 1, p: payload }), 'utf8').toString('base64url');
}

export function decodeCursor<T>(cursor: string, check: (payload: unknown) => payload is T): T {
  const fail = () =>
    new ValidationError(
      'invalid cursor',
      [{ path: 'cursor', message: 'not a cursor issued by this server' }],
      ErrorCode.INVALID_CURSOR,
    );
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw fail();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw fail();
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as { v?: unknown }).v !== 1) throw fail();
  const payload = (parsed as { p?: unknown }).p;
  if (!check(payload)) throw fail();
  return payload;
}
