import { describe, expect, it } from 'vitest';
import { TrailmarkError } from './errors.ts';
import { type ParseFilterOptions, parseEventFilter } from './query.ts';
import { parseQuery } from './query-language.ts';

const options: ParseFilterOptions = {
  attribute: (name) =>
    ({
      share_link_id: { name, type: 'keyword' as const },
      size_bytes: { name, type: 'number' as const },
      external: { name, type: 'boolean' as const },
      expires_at: { name, type: 'date' as const },
    })[name],
  checkAction: (value, kind) =>
    kind === 'action' && value === 'repo.rename'
      ? 'no registered source declares the action repo.rename'
      : undefined,
};

/** The details a call throws, or a marker when it does not throw. */
function problems(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof TrailmarkError)) throw error;
    return { code: error.code, details: error.details };
  }
  return 'no error';
}

describe('parseQuery', () => {
  it('turns qualifiers into filter parameters and keeps the rest as free text', () => {
    const parsed = parseQuery(
      'actor:ana@acme.test action:file.deleted -result:success workspace:"Brand Campaign 2026" path:/forest/* after:2026-04-01 "render final"',
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.terms.map((t) => t.params)).toEqual([
      { actor: ['ana@acme.test'] },
      { action: ['file.deleted'] },
      { 'result!': ['success'] },
      { workspace: ['Brand Campaign 2026'] },
      { target_path_prefix: ['/forest'] },
      { from: ['2026-04-01'] },
    ]);
    expect(parsed.text).toBe('"render final"');
    expect(parsed.terms[3]).toMatchObject({ token: 'workspace:"Brand Campaign 2026"', position: 56 });
  });

  it('joins values of one qualifier with OR or commas', () => {
    expect(parseQuery('result:failure OR result:denied').terms.map((t) => t.params)).toEqual([
      { result: ['failure', 'denied'] },
    ]);
    expect(parseQuery('result:failure,denied').terms.map((t) => t.params)).toEqual([
      { result: ['failure', 'denied'] },
    ]);
  });

  it('reads declared-field ranges and negated folders', () => {
    expect(
      parseQuery('attr.size_bytes:>=100 attr.size_bytes:<=900 attr.size_bytes:1..2 -path:/ocean/*').terms.map(
        (t) => t.params,
      ),
    ).toEqual([
      { 'attr.size_bytes>': ['100'] },
      { 'attr.size_bytes<': ['900'] },
      { 'attr.size_bytes': ['1..2'] },
      { 'target_path_prefix!': ['/ocean'] },
    ]);
  });

  it('names the offending token and its position', () => {
    const cases: [string, string, number][] = [
      ['render actr:ana', 'actr:ana', 7],
      ['x "unterminated', '"unterminated', 2],
      ['-draft', '-draft', 0],
      ['result:failure OR action:file.deleted', 'OR', 15],
      ['source:media-* ok', 'source:media-*', 0],
      ['-after:2026-01-01', '-after:2026-01-01', 0],
      ['actor:', 'actor:', 0],
    ];
    for (const [q, token, position] of cases) {
      const [first] = parseQuery(q).problems;
      expect(first, q).toMatchObject({ path: 'q', token, position });
      expect(first.message, q).toContain(`at position ${position}`);
    }
  });

  it('keeps plain words as free text', () => {
    expect(parseQuery('render final')).toEqual({ terms: [], text: 'render final', problems: [] });
  });
});

describe('parseEventFilter with the new filters', () => {
  it('reads negation, action prefixes, geo, device and declared fields from parameters', () => {
    expect(
      parseEventFilter(
        {
          'result!': ['success'],
          action: ['file.*,share_link.accessed'],
          country: ['de'],
          device: ['cli'],
          'attr.size_bytes>': ['100'],
          'attr.size_bytes<': ['2e3'],
          'attr.share_link_id!': ['lnk_1'],
          'attr.expires_at': ['2026-05-01..'],
        },
        [],
        options,
      ),
    ).toEqual({
      action: ['share_link.accessed'],
      action_prefix: ['file'],
      country: ['DE'],
      device: ['cli'],
      attr: {
        size_bytes: { type: 'number', gte: '100', lte: '2000' },
        expires_at: { type: 'date', gte: '2026-05-01T00:00:00.000Z' },
      },
      not: { result: ['success'], attr: { share_link_id: { type: 'keyword', values: ['lnk_1'] } } },
    });
  });

  it('merges q into the same filter; a field given twice is AND-ed, never overwritten', () => {
    expect(
      parseEventFilter({ q: ['result:failure,denied -device:api render'], result: ['denied'] }, [], options),
    ).toEqual({
      result: ['denied'],
      and: [{ result: ['failure', 'denied'] }],
      not: { device: ['api'] },
      q: 'render',
    });
    expect(parseEventFilter({ q: ['after:2026-04-01'], from: ['2026-03-01'] }, [], options)).toEqual({
      from: '2026-03-01T00:00:00.000Z',
      and: [{ from: '2026-04-01T00:00:00.000Z' }],
    });
  });

  it('rejects undeclared fields, bad values and unknown actions with the field path', () => {
    expect(problems(() => parseEventFilter({ 'attr.colour': ['red'] }, [], options))).toMatchObject({
      code: 'INVALID_FILTER',
      details: [{ path: 'attr.colour' }],
    });
    expect(problems(() => parseEventFilter({ 'attr.external>': ['1'] }, [], options))).toMatchObject({
      details: [{ path: 'attr.external>', message: expect.stringContaining('ranges apply') }],
    });
    expect(problems(() => parseEventFilter({ device: ['phone'] }, [], options))).toMatchObject({
      details: [{ path: 'device' }],
    });
    expect(problems(() => parseEventFilter({ 'action!': ['repo.rename'] }, [], options))).toMatchObject({
      details: [{ path: 'action!', message: expect.stringContaining('repo.rename') }],
    });
    expect(problems(() => parseEventFilter({ 'tenant!': ['acme'] }, [], options))).toMatchObject({
      code: 'UNKNOWN_FILTER',
    });
  });

  it('reports q problems at the token inside q', () => {
    expect(
      problems(() => parseEventFilter({ q: ['ok attr.size_bytes:abc action:repo.rename'] }, [], options)),
    ).toMatchObject({
      code: 'INVALID_FILTER',
      details: [
        { path: 'q', token: 'attr.size_bytes:abc', position: 3 },
        { path: 'q', token: 'action:repo.rename', position: 23 },
      ],
    });
  });
});

describe('parseQuery: OR placement', () => {
  it('reports a misplaced OR where it stands', () => {
    expect(parseQuery('OR result:failure').problems[0]).toMatchObject({ token: 'OR', position: 0 });
    expect(parseQuery('render  OR  final').problems[0]).toMatchObject({ token: 'OR', position: 8 });
    expect(parseQuery('result:failure OR').problems[0]).toMatchObject({ token: 'OR', position: 15 });
    expect(parseQuery('-result:success OR -result:denied').terms.map((t) => t.params)).toEqual([
      { 'result!': ['success', 'denied'] },
    ]);
  });
});
