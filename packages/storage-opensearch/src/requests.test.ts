import { type EventFilter, FACET_FIELDS, targetRef } from '@trailmark/core';
import { BASE_TIME, contractEvents, fullEvent } from '@trailmark/test-utils';
import { describe, expect, it } from 'vitest';
import { createSpecValidator, defaultSpecRoot, specAvailable } from '../testing/spec-validator.ts';
import {
  indexFor,
  indexLayout,
  indexMonthEnd,
  monthlyIndex,
  retentionClass,
  retentionPeriods,
} from './layout.ts';
import {
  bulkBody,
  countBody,
  deleteByQueryBody,
  deletePitBody,
  eventMapping,
  existingIdsBody,
  facetBody,
  filterClauses,
  fromDocument,
  getBody,
  indexTemplate,
  ismPolicy,
  othersCountBody,
  partitionsBody,
  pathAncestors,
  pitSearchBody,
  relatedBody,
  searchBody,
  toDocument,
} from './requests.ts';

const layout = indexLayout('trailmark');
const AFTER: [number, string] = [BASE_TIME, 'acme:evt_contract_0007'];

const FULL = fullEvent();

/** Every single and combined filter of the storage contract, plus edge cases of the translation. */
const FILTERS: [string, EventFilter][] = [
  ['unfiltered (operator)', {}],
  ['tenant', { tenant: ['acme', 'globex'] }],
  ['no tenant at all', { tenant: [] }],
  ['source + action', { source: ['file-transfer'], action: ['file.deleted', 'file.renamed'] }],
  ['actor', { actor: ['u-bo', 'CY@Acme.test'] }],
  [
    'workspace + request + result + ip',
    { workspace: ['ws-legal'], request_id: ['req-7'], result: ['denied'], ip: ['203.0.113.7'] },
  ],
  ['target_type + target_id', { target_type: ['share_link', 'file'], target_id: ['link-1', 'f-3'] }],
  ['target_id', { target_id: ['f-3'] }],
  ['target_path', { target_path: ['/forest/report-4.pdf'] }],
  ['target_path_prefix', { target_path_prefix: '/assignments/cs101/' }],
  ['target_path_prefix root', { target_path_prefix: '/' }],
  [
    'target_any',
    { tenant: ['acme'], target_any: { refs: [targetRef('file', 'f-tree')], paths: ['/forest/tree.png'] } },
  ],
  ['target_any empty', { target_any: { refs: [], paths: [] } }],
  ['q', { q: 'Okafor report-1' }],
  ['q without words', { q: '!!!' }],
  [
    'from + to',
    { from: '2026-03-01T00:00:00+02:00', to: new Date(BASE_TIME + 90 * 3_600_000).toISOString() },
  ],
  [
    'everything',
    {
      tenant: ['acme'],
      source: ['file-transfer'],
      action: ['file.deleted'],
      actor: ['u-ana'],
      workspace: ['ws-brand'],
      target_type: ['file'],
      target_id: ['f-1'],
      target_path: ['/forest/tree.png'],
      target_path_prefix: '/forest',
      request_id: ['req-1'],
      result: ['success'],
      ip: ['192.0.2.44'],
      q: 'tree',
      from: '2026-01-01T00:00:00Z',
      to: '2026-04-01T00:00:00Z',
    },
  ],
];

describe('request builders (pure)', () => {
  it('puts the tenant clause first whenever the caller is scoped', () => {
    expect(filterClauses({ tenant: ['acme'], action: ['file.deleted'] })[0]).toEqual({
      terms: { tenant: ['acme'] },
    });
    expect(filterClauses({ tenant: [] })).toEqual([{ match_none: {} }]);
    expect(filterClauses({})).toEqual([]);
  });

  it('translates each filter like the reference semantics', () => {
    expect(filterClauses({ actor: ['CY@Acme.test'] })).toEqual([
      {
        bool: {
          should: [
            { terms: { 'actor.id': ['CY@Acme.test'] } },
            { terms: { 'actor.email': ['cy@acme.test'] } },
          ],
          minimum_should_match: 1,
        },
      },
    ]);
    expect(filterClauses({ target_type: ['file'], target_id: ['a', 'b'] })).toEqual([
      { terms: { 'targets.type': ['file'] } },
      { terms: { target_refs: ['file:a', 'file:b'] } },
    ]);
    expect(filterClauses({ target_path_prefix: '/forest/' })).toEqual([
      { term: { target_path_prefixes: '/forest' } },
    ]);
    expect(filterClauses({ target_path_prefix: '/' })).toEqual([{ exists: { field: 'target_paths' } }]);
    expect(filterClauses({ q: 'Okafor report-1' })).toEqual([
      { prefix: { search_text: 'okafor' } },
      { prefix: { search_text: 'report' } },
      { prefix: { search_text: '1' } },
    ]);
    expect(filterClauses({ from: '2026-03-01T00:00:00+02:00' })).toEqual([
      { range: { occurred_at: { gte: '2026-02-28T22:00:00.000Z' } } },
    ]);
  });

  it('derives path ancestors at every slash, so a term query answers "under this prefix"', () => {
    expect(pathAncestors('/a/b/c.png')).toEqual(['/a/b/c.png', '/a', '/a/b']);
    expect(pathAncestors('/a//b')).toEqual(['/a//b', '/a', '/a/']);
    expect(pathAncestors('/')).toEqual(['/']);
  });

  it('stores the event unchanged next to the derived fields, and reads it back exactly', () => {
    const doc = toDocument(FULL, 'Deleted a file');
    expect(doc.doc_key).toBe('acme:evt_01JQ5W3ZP0Z8Y3V9M8K2J6T4QF');
    expect(doc.target_refs).toEqual(['file:f-1', 'folder:d-1']);
    expect(doc.target_paths).toEqual(['/forest/tree.png', '/forest/old/tree.png', '/forest']);
    expect(doc.search_text).toContain('deleted');
    expect(doc.actor_label).toBe('Ana Lima');
    expect(fromDocument(JSON.parse(JSON.stringify(doc)))).toEqual(FULL);
  });

  it('names monthly indices per retention class from occurred_at in UTC', () => {
    expect(retentionClass({ months: 12 })).toBe('r12m');
    expect(retentionClass({ days: 90 })).toBe('r90d');
    expect(monthlyIndex(layout, 'r12m', '2026-03-31T23:30:00-02:00')).toBe('trailmark-events-r12m-2026.04');
    expect(indexMonthEnd(layout, 'trailmark-events-r12m-2026.12')).toBe(Date.UTC(2027, 0, 1));
    expect(indexMonthEnd(layout, 'other-events-r12m-2026.12')).toBeUndefined();
    const policy = {
      default: { months: 12 },
      sources: { 'file-transfer': { days: 90 } },
      tenants: { acme: { default: { months: 84 } } },
    };
    expect([...retentionPeriods(policy).keys()].sort()).toEqual(['r12m', 'r84m', 'r90d']);
    expect(
      indexFor(layout, policy, { tenant: 'globex', source: 'file-transfer', occurred_at: FULL.occurred_at }),
    ).toBe('trailmark-events-r90d-2026.03');
    expect(() => indexLayout('Bad Prefix')).toThrow();
  });
});

const spec = specAvailable() ? createSpecValidator() : undefined;
if (!spec) console.warn(`OpenSearch API spec not found at ${defaultSpecRoot()}: spec validation skipped`);

// The spec ships beside the repository (shared/); a missing copy must fail loudly, not skip silently.
it('finds the official OpenSearch API specification', () => {
  expect(specAvailable(), `no spec at ${defaultSpecRoot()}; set OPENSEARCH_API_SPEC`).toBe(true);
});

describe.skipIf(!spec)('request bodies against the official OpenSearch API specification', () => {
  const v = spec!;
  const expectValid = (group: string, body: unknown) => {
    const result = v.validateRequest(group, body);
    expect(result.issues, `${group}: ${JSON.stringify(body).slice(0, 300)}`).toEqual([]);
    expect(result.valid).toBe(true);
  };
  const expectInvalid = (group: string, body: unknown) => {
    expect(v.validateRequest(group, body).valid, `${group} should reject ${JSON.stringify(body)}`).toBe(
      false,
    );
  };

  it('indices.put_index_template: the template, settings, strict mapping and alias', () => {
    expect(v.findOperation('PUT', '/_index_template/trailmark-events')?.group).toBe(
      'indices.put_index_template',
    );
    expectValid('indices.put_index_template', indexTemplate(layout));
  });

  it('indices.put_mapping: the mapping pushed to existing indices at start', () => {
    expect(v.findOperation('PUT', '/trailmark-events-*/_mapping')?.group).toBe('indices.put_mapping');
    expectValid('indices.put_mapping', eventMapping());
  });

  it('query strings: every parameter the adapter sends is declared by its operation and well-formed', () => {
    const query = (method: string, path: string, params: Record<string, string>) => {
      const op = v.findOperation(method, path);
      if (!op) throw new Error(`no operation for ${method} ${path}`);
      return v.validateQuery(op, params);
    };
    const sent: [string, string, Record<string, string>][] = [
      ['POST', '/_bulk', { refresh: 'wait_for' }],
      ['POST', '/trailmark-events/_search/point_in_time', { keep_alive: '5m' }],
      [
        'POST',
        '/trailmark-events/_delete_by_query',
        { conflicts: 'proceed', refresh: 'true', scroll_size: '3', wait_for_completion: 'true' },
      ],
      ['GET', '/_cat/indices/trailmark-events-*', { format: 'json', h: 'index' }],
      ['PUT', '/_plugins/_ism/policies/trailmark-events-r12m', { if_seq_no: '4', if_primary_term: '1' }],
    ];
    for (const [method, path, params] of sent) {
      expect(query(method, path, params).issues, `${method} ${path}`).toEqual([]);
    }
    // ...and the check can fail: unknown names, wrong values, a missing required parameter.
    expect(query('POST', '/_bulk', { refesh: 'wait_for' }).valid).toBe(false);
    expect(query('POST', '/_bulk', { refresh: 'later' }).valid).toBe(false);
    expect(query('POST', '/trailmark-events/_search/point_in_time', {}).valid).toBe(false);
    expect(query('POST', '/trailmark-events/_delete_by_query', { scroll_size: 'many' }).valid).toBe(false);
    expect(query('POST', '/trailmark-events/_delete_by_query', { conflicts: 'ignore' }).valid).toBe(false);
    expect(query('GET', '/_cluster/health', { pretty: 'true' }).valid).toBe(true);
  });

  it('ism.put_policy: one backstop policy per retention class', () => {
    expect(v.findOperation('PUT', '/_plugins/_ism/policies/trailmark-events-r12m')?.group).toBe(
      'ism.put_policy',
    );
    expectValid('ism.put_policy', ismPolicy(layout, 'r12m', { months: 12 }));
    expectValid('ism.put_policy', ismPolicy(layout, 'r90d', { days: 90 }));
  });

  it('bulk: every action line is a create with _index and _id', () => {
    expect(v.findOperation('POST', '/_bulk')?.group).toBe('bulk');
    const lines = bulkBody(
      [FULL, ...contractEvents(20)].map((e) => ({
        index: indexFor(layout, { default: { months: 12 }, sources: {}, tenants: {} }, e),
        id: `${e.tenant}:${e.id}`,
        document: toDocument(e),
      })),
    );
    expect(lines).toHaveLength(42);
    expectValid('bulk', lines);
    for (const line of lines.filter((_, i) => i % 2 === 0)) {
      const result = v.validateRef('schemas/_core.bulk.yaml#/components/schemas/OperationContainer', line);
      expect(result.issues).toEqual([]);
    }
  });

  it.each(FILTERS)('search: listing body for filter %s, first page and with search_after', (_, filter) => {
    expect(v.findOperation('POST', '/trailmark-events/_search')?.group).toBe('search');
    expectValid('search', searchBody(filter, { limit: 100 }));
    expectValid('search', searchBody(filter, { limit: 100, after: AFTER }));
  });

  it.each(FILTERS)('count: body for filter %s', (_, filter) => {
    expect(v.findOperation('POST', '/trailmark-events/_count')?.group).toBe('count');
    expectValid('count', countBody(filter));
  });

  it.each(FACET_FIELDS.map((f) => [f]))('search: terms aggregation facet by %s', (field) => {
    expectValid('search', facetBody({ tenant: ['acme'], q: 'report' }, field, 50));
  });

  it('search: get, duplicate check, related keys and partitions (composite with after)', () => {
    expectValid('search', getBody('evt_1', ['acme', 'globex']));
    expectValid('search', getBody('evt_1'));
    expectValid('search', existingIdsBody(['acme:evt_1', 'acme:evt_2']));
    expectValid('search', relatedBody(['acme'], { refs: ['file:f-1'], paths: ['/a'] }, { size: 1000 }));
    expectValid('search', relatedBody(undefined, { refs: [], paths: ['/a'] }, { size: 1000, after: AFTER }));
    expectValid('search', partitionsBody());
    expectValid('search', partitionsBody({ tenant: 'acme', source: 'file-transfer' }));
  });

  it('point in time: create, search with pit + search_after, delete', () => {
    expect(v.findOperation('POST', '/trailmark-events/_search/point_in_time')?.group).toBe('create_pit');
    expect(v.findOperation('POST', '/_search')?.group).toBe('search');
    expect(v.findOperation('DELETE', '/_search/point_in_time')?.group).toBe('delete_pit');
    expectValid(
      'search',
      pitSearchBody({ tenant: ['acme'] }, { pitId: 'o463QQ==', keepAlive: '5m', limit: 1000 }),
    );
    expectValid(
      'search',
      pitSearchBody({}, { pitId: 'o463QQ==', keepAlive: '5m', limit: 1000, after: AFTER }),
    );
    expectValid('delete_pit', deletePitBody(['o463QQ==']));
  });

  it('delete_by_query and count: retention purge of one partition', () => {
    expect(v.findOperation('POST', '/trailmark-events/_delete_by_query')?.group).toBe('delete_by_query');
    expectValid(
      'delete_by_query',
      deleteByQueryBody({ tenant: 'acme', source: 'file-transfer' }, '2026-03-06T00:00:00Z'),
    );
    expectValid('count', othersCountBody({ tenant: 'acme', source: 'file-transfer' }));
    expect(v.findOperation('GET', '/_cat/indices/trailmark-events-*')?.group).toBe('cat.indices');
    expect(v.findOperation('DELETE', '/trailmark-events-r12m-2026.01')?.group).toBe('indices.delete');
    expect(v.findOperation('GET', '/_cluster/health')?.group).toBe('cluster.health');
  });

  it('rejects deliberately wrong bodies, so the checks above can fail', () => {
    const search = searchBody({ tenant: ['acme'] }, { limit: 10 });
    expectInvalid('search', { ...search, serach_after: [1, 'x'] });
    expectInvalid('search', { ...search, sort: [{ occurred_at: { order: 'newest' } }] });
    expectInvalid('search', { ...search, size: 'ten' });
    expectInvalid('search', { query: { bool: { filtr: [{ term: { tenant: 'acme' } }] } } });
    expectInvalid('search', { query: { trem: { tenant: 'acme' } } });
    expectInvalid('search', { query: { range: { occurred_at: { gte: 1, format: 'epoch_millis' } } } });
    expectInvalid('search', { aggs: { facet: { terms: { field: 'action', size: 'all' } } } });
    expectInvalid('count', { query: { bool: { filter: [{ terms: 'acme' }] } } });
    expectInvalid('delete_by_query', { query: { match_all: {} }, max_docs: 'all' });
    const template = indexTemplate(layout);
    expectInvalid('indices.put_index_template', { ...template, index_patterns: 42 });
    expectInvalid('indices.put_index_template', { ...template, priorty: 1 });
    const withField = (def: unknown) => ({
      ...template,
      template: { ...(template.template as object), mappings: { dynamic: 'strict', properties: { x: def } } },
    });
    expectValid('indices.put_index_template', withField({ type: 'keyword', ignore_above: 10 }));
    expectInvalid('indices.put_index_template', withField({ type: 'keywrod' }));
    expectInvalid('indices.put_index_template', withField({ type: 'keyword', ignore_abov: 10 }));
    expectInvalid(
      'indices.put_index_template',
      withField({ properties: { y: { type: 'ip', enabled: 'no' } } }),
    );
    expectInvalid('ism.put_policy', {
      policy: { ...(ismPolicy(layout, 'r12m', { months: 12 }).policy as object), states: {} },
    });
    const line = { craete: { _index: 'x', _id: '1' } };
    expect(v.validateRef('schemas/_core.bulk.yaml#/components/schemas/OperationContainer', line).valid).toBe(
      false,
    );
    expect(
      v.validateRef('schemas/_core.bulk.yaml#/components/schemas/OperationContainer', {
        create: { _index: 7 },
      }).valid,
    ).toBe(false);
  });
});
