import { describe, expect, it } from 'vitest';
import { TrailmarkError } from './errors.ts';
import { freeTextTerms, PAGE_LIMIT, parseEventFilter, parseLimit, topBuckets } from './query.ts';

/** The error a call throws, as code plus field paths, or a marker when it does not throw. */
function failure(fn: () => unknown): { code: string; paths: string[] } | 'no error' {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof TrailmarkError)) throw error;
    return { code: error.code, paths: (error.details ?? []).map((d) => String(d.path)) };
  }
  return 'no error';
}

describe('parseEventFilter', () => {
  it('splits commas, joins repeats, trims and drops duplicates and empty values', () => {
    expect(
      parseEventFilter({ action: ['file.deleted, file.renamed', 'file.deleted'], actor: [' u-1 ,,'] }),
    ).toEqual({ action: ['file.deleted', 'file.renamed'], actor: ['u-1'] });
  });

  it('normalizes from and to to UTC instants, a bare date as midnight UTC', () => {
    expect(parseEventFilter({ from: ['2026-04-14'], to: ['2026-04-15T02:00:00+02:00'] })).toEqual({
      from: '2026-04-14T00:00:00.000Z',
      to: '2026-04-15T00:00:00.000Z',
    });
  });

  it('keeps scalar filters as given, trimmed', () => {
    expect(parseEventFilter({ target_path_prefix: [' /forest/ '], q: ['  okafor '] })).toEqual({
      target_path_prefix: '/forest/',
      q: 'okafor',
    });
  });

  it('rejects unknown parameters unless the route allows them', () => {
    expect(failure(() => parseEventFilter({ acton: ['file.deleted'] }))).toEqual({
      code: 'UNKNOWN_FILTER',
      paths: ['acton'],
    });
    expect(parseEventFilter({ limit: ['5'] }, ['limit'])).toEqual({});
  });

  it('lists every problem with its field path', () => {
    expect(
      failure(() =>
        parseEventFilter({
          result: ['won'],
          from: ['yesterday'],
          target_path_prefix: ['forest'],
          q: ['x'.repeat(513)],
          ip: Array.from({ length: 101 }, (_, i) => `10.0.0.${i}`),
        }),
      ),
    ).toEqual({ code: 'INVALID_FILTER', paths: ['result', 'ip', 'target_path_prefix', 'q', 'from'] });
    expect(failure(() => parseEventFilter({ q: ['a', 'b'] }))).toEqual({
      code: 'INVALID_FILTER',
      paths: ['q'],
    });
    expect(failure(() => parseEventFilter({ from: ['2026-04-15'], to: ['2026-04-14'] }))).toEqual({
      code: 'INVALID_FILTER',
      paths: ['to'],
    });
  });

  it('says when an action is a product name, with the hint the caller supplies', () => {
    let message = '';
    try {
      parseEventFilter({ action: ['AssetDeleted'] }, [], { actionHint: (v) => `${v} is file.deleted` });
    } catch (error) {
      message = (error as TrailmarkError).details?.[0]?.message ?? '';
    }
    expect(message).toContain('AssetDeleted is file.deleted');
  });
});

describe('parseLimit', () => {
  it('defaults, accepts 1 to the maximum, rejects the rest with the limit path', () => {
    expect(parseLimit(undefined)).toBe(PAGE_LIMIT.default);
    expect(parseLimit(['1'])).toBe(1);
    expect(parseLimit([String(PAGE_LIMIT.max)])).toBe(PAGE_LIMIT.max);
    for (const bad of ['0', String(PAGE_LIMIT.max + 1), '2.5', 'ten'])
      expect(
        failure(() => parseLimit([bad])),
        bad,
      ).toEqual({ code: 'VALIDATION_FAILED', paths: ['limit'] });
  });
});

describe('freeTextTerms', () => {
  it('keeps letters and digits of any script, lower-cased, distinct, at most 16', () => {
    expect(freeTextTerms('Report-1.PDF report Ångström 日本語')).toEqual([
      'report',
      '1',
      'pdf',
      'ångström',
      '日本語',
    ]);
    expect(freeTextTerms('"; DROP TABLE --')).toEqual(['drop', 'table']);
    expect(freeTextTerms(Array.from({ length: 20 }, (_, i) => `w${i}`).join(' '))).toHaveLength(16);
  });
});

describe('topBuckets', () => {
  it('orders by count, then by value, and keeps the limit', () => {
    expect(
      topBuckets(
        [
          { value: 'b', count: 2 },
          { value: 'a', count: 2 },
          { value: 'c', count: 5 },
          { value: 'd', count: 1 },
        ],
        3,
      ).map((b) => b.value),
    ).toEqual(['c', 'a', 'b']);
  });
});
