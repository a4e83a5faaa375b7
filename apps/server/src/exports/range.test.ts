import { describe, expect, it } from 'vitest';
import { parseRange, type RangeResult } from './range.ts';

const SIZE = 1000;

describe('parseRange', () => {
  const cases: [string | undefined, RangeResult][] = [
    [undefined, { kind: 'full' }],
    ['bytes=0-499', { kind: 'partial', start: 0, end: 499 }],
    ['bytes=500-', { kind: 'partial', start: 500, end: 999 }],
    ['bytes=-10', { kind: 'partial', start: 990, end: 999 }],
    ['bytes=-5000', { kind: 'partial', start: 0, end: 999 }],
    ['bytes=990-5000', { kind: 'partial', start: 990, end: 999 }],
    ['bytes=7-7', { kind: 'partial', start: 7, end: 7 }],
    ['Bytes = 10-19 ', { kind: 'partial', start: 10, end: 19 }],
    ['bytes=10-19,', { kind: 'partial', start: 10, end: 19 }],
    ['bytes=0-99999999999999999999999', { kind: 'partial', start: 0, end: 999 }],
    // Outside the file.
    ['bytes=1000-', { kind: 'unsatisfiable' }],
    ['bytes=99999999999999999999-', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    // Valid, but several ranges: the whole file instead of multipart.
    ['bytes=0-9,20-29', { kind: 'full' }],
    // Another unit must be ignored (RFC 9110 §14.2).
    ['items=0-9', { kind: 'full' }],
    // Not a range set: rejected.
    ['bytes=abc', { kind: 'invalid' }],
    ['bytes=9-3', { kind: 'invalid' }],
    ['bytes=-', { kind: 'invalid' }],
    ['bytes=', { kind: 'invalid' }],
    ['bytes=1-2-3', { kind: 'invalid' }],
    ['bytes=0-9,x', { kind: 'invalid' }],
    ['bytes=0x10-', { kind: 'invalid' }],
    ['0-9', { kind: 'invalid' }],
  ];

  it.each(cases)('%s', (header, expected) => {
    expect(parseRange(header, SIZE)).toEqual(expected);
  });

  it('finds nothing to send in an empty file', () => {
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-1', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange(undefined, 0)).toEqual({ kind: 'full' });
  });
});
