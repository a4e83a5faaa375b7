import { describe, expect, it } from 'vitest';
import {
  actorFilterKeys,
  facetValues,
  pathPrefixes,
  pathPrefixKey,
  pathUnder,
  RelatedKeys,
  targetKeysOf,
} from './derive.ts';
import { eventMatchesFilter } from './match.ts';
import type { AuditEvent } from './schema.ts';

const deep = `/${Array.from({ length: 40 }, (_, i) => `d${i}`).join('/')}`;

describe('path prefixes', () => {
  it('are the path and its part before every slash, however deep', () => {
    expect(pathPrefixes('/a/b/c.png')).toEqual(['/a/b/c.png', '/a', '/a/b']);
    expect(pathPrefixes('/a//b')).toEqual(['/a//b', '/a', '/a/']);
    expect(pathPrefixes('/a/b/')).toEqual(['/a/b/', '/a', '/a/b']);
    expect(pathPrefixes('/')).toEqual(['/']);
    expect(pathPrefixes(deep)).toHaveLength(40);
    expect(pathPrefixes(deep)).toContain(deep.split('/').slice(0, 37).join('/'));
  });

  it('a prefix filter drops one trailing slash, and the root is every path', () => {
    expect(pathPrefixKey('/forest/')).toBe('/forest');
    expect(pathPrefixKey('/forest//')).toBe('/forest/');
    expect(pathPrefixKey('/')).toBeUndefined();
    expect(pathPrefixKey('//')).toBeUndefined();
  });

  it('an index lookup of the key agrees with the reference rule on every edge case', () => {
    const paths = ['/a', '/a/b', '/ab', '/a//b', '/a/b/', '//a', '/café/Ü.pdf', deep, `${deep}/leaf`];
    const prefixes = [
      '/',
      '//',
      '/a',
      '/a/',
      '/a//',
      '/a/b',
      '/a/b/',
      '/ab',
      '/café',
      '/caf',
      deep,
      `${deep}/`,
    ];
    for (const path of paths) {
      for (const prefix of prefixes) {
        const key = pathPrefixKey(prefix);
        const indexed = key === undefined || pathPrefixes(path).includes(key);
        expect(indexed, `${path} under ${prefix}`).toBe(pathUnder(path, prefix));
      }
    }
  });
});

describe('actor keys', () => {
  it('look ids up exactly and emails in any case', () => {
    expect(actorFilterKeys(['U-1', 'Ana@Acme.test', 'ana@acme.test'])).toEqual({
      ids: ['U-1', 'Ana@Acme.test', 'ana@acme.test'],
      emails: ['ana@acme.test'],
    });
  });
});

const event: AuditEvent = {
  id: 'evt_1',
  tenant: 'acme',
  source: 'media-library',
  action: 'file.moved',
  occurred_at: '2026-04-14T10:00:00.000Z',
  received_at: '2026-04-14T10:00:01.000Z',
  actor: { type: 'user', id: 'u-zoe', name: 'Zoë Ångström', email: 'zoë@acme.test' },
  workspace: { id: 'ws-1', name: 'Brand' },
  targets: [
    { type: 'file', id: 'f-1', path: '/b/x.png', previous_path: '/a/x.png' },
    { type: 'folder', id: 'd-b', path: '/b' },
    { type: 'file', id: 'f-2', path: '/b/y.png' },
  ],
  outcome: { result: 'success' },
  client: { ip: '203.0.113.7' },
};

describe('facet values', () => {
  it('one per field, labels from the actor name and workspace name, distinct target types', () => {
    expect(facetValues(event, 'actor')).toEqual([{ value: 'u-zoe', label: 'Zoë Ångström' }]);
    expect(facetValues({ ...event, actor: { type: 'user', id: 'u-2', email: 'x@y.test' } }, 'actor')).toEqual(
      [{ value: 'u-2', label: 'x@y.test' }],
    );
    expect(facetValues(event, 'workspace')).toEqual([{ value: 'ws-1', label: 'Brand' }]);
    expect(facetValues({ ...event, workspace: undefined }, 'workspace')).toEqual([]);
    expect(facetValues(event, 'target_type')).toEqual([{ value: 'file' }, { value: 'folder' }]);
    expect(facetValues(event, 'result')).toEqual([{ value: 'success' }]);
  });
});

describe('related target keys', () => {
  it('collects the keys of the targets holding a wanted key, and only those', () => {
    const related = new RelatedKeys({ refs: [], paths: ['/a/x.png'] });
    related.add(event.targets);
    expect(related.result()).toEqual({ refs: ['file:f-1'], paths: ['/b/x.png', '/a/x.png'] });
    expect(targetKeysOf(event.targets).refs).toEqual(['file:f-1', 'folder:d-b', 'file:f-2']);
  });
});

describe('eventMatchesFilter (the reference semantics)', () => {
  const matches = (filter: Parameters<typeof eventMatchesFilter>[1]) => eventMatchesFilter(event, filter);

  it('lists match any value; fields combine with AND', () => {
    expect(matches({ action: ['file.deleted', 'file.moved'], tenant: ['acme'] })).toBe(true);
    expect(matches({ action: ['file.moved'], tenant: ['globex'] })).toBe(false);
    expect(matches({ action: [] })).toBe(false);
  });

  it('finds the actor by id exactly and by email in any case', () => {
    expect(matches({ actor: ['u-zoe'] })).toBe(true);
    expect(matches({ actor: ['U-ZOE'] })).toBe(false);
    expect(matches({ actor: ['ZOË@ACME.TEST'] })).toBe(true);
  });

  it('time windows include from and exclude to', () => {
    expect(matches({ from: '2026-04-14T10:00:00.000Z' })).toBe(true);
    expect(matches({ to: '2026-04-14T10:00:00.000Z' })).toBe(false);
    expect(matches({ to: '2026-04-14T10:00:00.001Z' })).toBe(true);
  });

  it('type and id must belong to the same target', () => {
    expect(matches({ target_type: ['folder'], target_id: ['d-b'] })).toBe(true);
    expect(matches({ target_type: ['folder'], target_id: ['f-1'] })).toBe(false);
    expect(matches({ target_id: ['f-1'] })).toBe(true);
  });

  it('paths match current and previous paths, prefixes at segment boundaries', () => {
    expect(matches({ target_path: ['/a/x.png'] })).toBe(true);
    expect(matches({ target_path_prefix: '/a/' })).toBe(true);
    expect(matches({ target_path_prefix: '/b/x' })).toBe(false);
    expect(matches({ target_path_prefix: '/' })).toBe(true);
  });

  it('history keys match by ref or path, and an empty key set matches nothing', () => {
    expect(matches({ target_any: { refs: ['file:f-2'], paths: [] } })).toBe(true);
    expect(matches({ target_any: { refs: ['file:f-9'], paths: ['/b'] } })).toBe(true);
    expect(matches({ target_any: { refs: [], paths: [] } })).toBe(false);
  });

  it('free text needs every word as a prefix of some word of the event, in any script', () => {
    expect(matches({ q: 'ångs brand' })).toBe(true);
    expect(matches({ q: 'ÅNGSTRÖM x.png' })).toBe(true);
    expect(matches({ q: 'ångs nowhere' })).toBe(false);
    expect(eventMatchesFilter(event, { q: 'relocated' }, 'File relocated')).toBe(true);
  });
});
