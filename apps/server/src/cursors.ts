import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, ValidationError } from '@trailmark/core';

/**
 * Cursors handed to clients are the store's own cursor plus an HMAC over it and over what the cursor was
 * issued for (route, tenants, filters), so a hand-made cursor, or one carried over to another query or
 * tenant, is refused instead of read. The store's cursor format stays the store's business.
 */
const KEY_FILE = 'cursor.key';

/** The data directory's cursor key, made at first use (32 random bytes, owner-only file). */
function loadKey(dataDir: string): Buffer {
  let key: Buffer;
  const path = join(dataDir, KEY_FILE);
  try {
    key = readFileSync(path);
  } catch {
    key = randomBytes(32);
    try {
      writeFileSync(path, key, { mode: 0o600, flag: 'wx' });
    } catch {
      // Another process made it first: use theirs, so both honour each other's cursors.
      key = readFileSync(path);
    }
  }
  return key;
}

/** Sorted-key JSON: the same filters give the same binding whatever order the parameters came in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function mac(key: Buffer, inner: string, binding: unknown): Buffer {
  return createHmac('sha256', key)
    .update(inner)
    .update('\n')
    .update(canonical(binding))
    .digest()
    .subarray(0, 16);
}

/** Seals and opens the cursors of one data directory (its key is read or made on first use). */
export function createCursorSealer(dataDir: string) {
  let key: Buffer | undefined;
  const keyOf = () => {
    key ??= loadKey(dataDir);
    return key;
  };
  return {
    /** What a page's `next_cursor` is sent as. */
    seal(inner: string | null, binding: unknown): string | null {
      if (inner === null) return null;
      return `${inner}.${mac(keyOf(), inner, binding).toString('base64url')}`;
    },
    /** The store's cursor inside a client's cursor, or 400 INVALID_CURSOR. */
    open(sealed: string, binding: unknown): string {
      const dot = sealed.lastIndexOf('.');
      const inner = sealed.slice(0, dot);
      const tag = Buffer.from(sealed.slice(dot + 1), 'base64url');
      const expected = mac(keyOf(), inner, binding);
      if (dot <= 0 || tag.length !== expected.length || !timingSafeEqual(tag, expected)) {
        throw new ValidationError(
          'invalid cursor',
          [{ path: 'cursor', message: 'not a cursor this server issued for this query and tenant' }],
          ErrorCode.INVALID_CURSOR,
        );
      }
      return inner;
    },
  };
}

export type CursorSealer = ReturnType<typeof createCursorSealer>;
