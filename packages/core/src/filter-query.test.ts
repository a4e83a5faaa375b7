import { describe, expect, it } from 'vitest';
import { FILTER_QUERY_NAMES, filterQuerySchema } from './filter-query.ts';
import { FILTER_PARAMS, isFilterParam } from './query.ts';

describe('filterQuerySchema', () => {
  it('names every filter parameter and its negated forms, each one a filter parseEventFilter reads', () => {
    for (const name of FILTER_PARAMS) expect(FILTER_QUERY_NAMES, name).toContain(name);
    expect(FILTER_QUERY_NAMES).toContain('result!');
    expect(FILTER_QUERY_NAMES).toContain('target_path_prefix!');
    expect(FILTER_QUERY_NAMES.filter((n) => !isFilterParam(n))).toEqual([]);
  });

  it('reads lists from repeats and commas, and lets every value through for parseEventFilter to judge', () => {
    const schema = filterQuerySchema({ sources: ['dam-app'] });
    const parsed = schema.parse({
      action: ['file.uploaded, file.deleted', 'file.uploaded'],
      result: 'nonsense',
      from: ['2026-04-01', 'yesterday'],
      'attr.duration_ms>': '5',
      limit: '5000',
    });
    expect(parsed).toEqual({
      action: ['file.uploaded', 'file.deleted'],
      result: ['nonsense'],
      from: ['2026-04-01', 'yesterday'],
      'attr.duration_ms>': '5',
      limit: '5000',
    });
  });
});
