import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { TrailmarkError } from './errors.ts';

const isSeq = (p: unknown): p is { s: string } =>
  typeof p === 'object' && p !== null && typeof (p as { s?: unknown }).s === 'string';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof TrailmarkError ? error.code : 'not a TrailmarkError';
  }
  return 'no error';
};

describe('cursors', () => {
  it('round-trip an adapter payload through an opaque base64url string', () => {
    const cursor = encodeCursor({ s: '1234567890' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, isSeq)).toEqual({ s: '1234567890' });
  });

  it('reject anything else with INVALID_CURSOR', () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const bad of [
      'not a cursor!',
      '',
      'x'.repeat(513),
      Buffer.from('not json').toString('base64url'),
      b64({ v: 2, p: { s: '1' } }),
      b64({ v: 1, p: { s: 1 } }),
      b64(null),
    ])
      expect(
        codeOf(() => decodeCursor(bad, isSeq)),
        bad.slice(0, 20),
      ).toBe('INVALID_CURSOR');
  });
});
