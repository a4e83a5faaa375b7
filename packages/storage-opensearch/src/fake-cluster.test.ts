import { contractEvents } from '@trailmark/test-utils';
import { describe, expect, it } from 'vitest';
import { FakeCluster } from './fake-cluster.ts';
import { indexLayout } from './layout.ts';
import { bulkBody, indexTemplate, toDocument } from './requests.ts';
import { createSpecValidator, specAvailable } from './spec-validator.ts';

/**
 * The emulator must not be more forgiving than OpenSearch: a test that passes only because the emulator
 * accepts what a cluster refuses would be a false assurance. Each case below is something OpenSearch
 * answers differently from a naive in-memory filter over `_source`.
 */
const layout = indexLayout('trailmark');
const INDEX = 'trailmark-events-r12m-2026.03';

function clusterWith(count = 5) {
  const cluster = new FakeCluster();
  const send = (method: string, path: string, body?: unknown, query = '') => {
    const raw =
      path === '/_bulk' && Array.isArray(body)
        ? `${body.map((l) => JSON.stringify(l)).join('\n')}\n`
        : body === undefined
          ? ''
          : JSON.stringify(body);
    return cluster.handle(method, path, new URLSearchParams(query), raw);
  };
  send('PUT', `/_index_template/${layout.template}`, indexTemplate(layout));
  const events = contractEvents(count);
  const lines = bulkBody(
    events.map((e) => ({ index: INDEX, id: `${e.tenant}:${e.id}`, document: toDocument(e) })),
  );
  const written = send('POST', '/_bulk', lines, 'refresh=wait_for');
  expect(written.body).toMatchObject({ errors: false });
  const search = (body: unknown) => send('POST', `/${layout.readAlias}/_search`, body);
  const ids = (response: { body: unknown }) =>
    ((response.body as { hits: { hits: { _id: string }[] } }).hits.hits ?? []).map((h) => h._id);
  return { cluster, send, search, ids, events };
}

describe('the emulator answers like OpenSearch, not like a filter over _source', () => {
  it('does not show unrefreshed writes to search, and shows them after a refresh', () => {
    const { send, search, ids, events } = clusterWith(2);
    const late = { ...events[0], id: 'evt_unrefreshed' };
    const line = bulkBody([{ index: INDEX, id: `acme:${late.id}`, document: toDocument(late) }]);
    expect(send('POST', '/_bulk', line).body).toMatchObject({ errors: false });
    const query = { query: { ids: { values: ['acme:evt_unrefreshed'] } } };
    expect(ids(search(query))).toEqual([]);
    // create conflicts are checked on the primary in real time, refreshed or not
    expect(send('POST', '/_bulk', line).body).toMatchObject({ items: [{ create: { status: 409 } }] });
    send('POST', '/_refresh');
    expect(ids(search(query))).toEqual(['acme:evt_unrefreshed']);
  });

  it('matches nothing on fields that are not indexed: enabled:false objects, unmapped names', () => {
    const { search, ids, events } = clusterWith();
    expect(events[0].metadata).toMatchObject({ seq: 0 });
    // `changes`, bodies and target attributes are kept in _source only
    expect(ids(search({ query: { term: { 'targets.attributes.colour': 'green' } } }))).toEqual([]);
    expect(ids(search({ query: { term: { no_such_field: 'x' } } }))).toEqual([]);
    // flat_object keys are searchable by dotted path
    expect(ids(search({ query: { term: { 'metadata.seq': '0' } } }))).toHaveLength(1);
  });

  it('does not index keyword values longer than ignore_above', () => {
    const cluster = new FakeCluster();
    const raw = (lines: unknown[]) => `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
    cluster.handle(
      'PUT',
      '/_index_template/t',
      new URLSearchParams(),
      JSON.stringify({
        index_patterns: ['t-*'],
        template: {
          mappings: { dynamic: 'strict', properties: { name: { type: 'keyword', ignore_above: 3 } } },
        },
      }),
    );
    cluster.handle(
      'POST',
      '/_bulk',
      new URLSearchParams('refresh=true'),
      raw([
        { create: { _index: 't-1', _id: 'a' } },
        { name: 'abcd' },
        { create: { _index: 't-1', _id: 'b' } },
        { name: 'abc' },
      ]),
    );
    const hits = (value: string) =>
      (
        cluster.handle(
          'POST',
          '/t-1/_search',
          new URLSearchParams(),
          JSON.stringify({ query: { term: { name: value } } }),
        ).body as { hits: { hits: unknown[] } }
      ).hits.hits.length;
    expect(hits('abcd')).toBe(0);
    expect(hits('abc')).toBe(1);
  });

  it('refuses what OpenSearch refuses: bad sorts, text aggregations, malformed IPs and dates, short search_after', () => {
    const { search } = clusterWith();
    const status = (body: unknown) => search(body).status;
    expect(status({ sort: [{ no_such_field: { order: 'desc' } }] })).toBe(400);
    expect(status({ sort: [{ 'actor.name.text': { order: 'desc' } }] })).toBe(400);
    expect(status({ size: 0, aggs: { f: { terms: { field: 'outcome.message' } } } })).toBe(400);
    expect(status({ query: { term: { 'client.ip': 'not-an-ip' } } })).toBe(400);
    expect(status({ query: { range: { occurred_at: { gte: 'yesterday-ish' } } } })).toBe(400);
    expect(status({ sort: [{ occurred_at: 'desc' }, { doc_key: 'desc' }], search_after: [1] })).toBe(400);
    expect(status({ query: { match: { action: 'file' } } })).toBe(400);
  });

  it('honours sort direction and terms order as requested', () => {
    const { search, ids } = clusterWith(4);
    const desc = ids(search({ sort: [{ occurred_at: { order: 'desc' } }] }));
    const asc = ids(search({ sort: [{ occurred_at: { order: 'asc' } }] }));
    expect(asc).toEqual([...desc].reverse());
    const buckets = (order: unknown) =>
      (
        search({ size: 0, aggs: { f: { terms: { field: 'tenant', order } } } }).body as {
          aggregations: { f: { buckets: { key: string }[] } };
        }
      ).aggregations.f.buckets.map((b) => b.key);
    expect(buckets({ _key: 'asc' })).toEqual(['acme', 'globex']);
    expect(buckets({ _key: 'desc' })).toEqual(['globex', 'acme']);
  });

  it('requires keep_alive to open a point in time, and rejects a pit search on an index path', () => {
    const { send } = clusterWith(1);
    expect(send('POST', `/${layout.readAlias}/_search/point_in_time`).status).toBe(400);
    const opened = send('POST', `/${layout.readAlias}/_search/point_in_time`, undefined, 'keep_alive=1m');
    const pit = (opened.body as { pit_id: string }).pit_id;
    expect(send('POST', `/${layout.readAlias}/_search`, { pit: { id: pit } }).status).toBe(400);
    expect(send('POST', '/_search', { pit: { id: pit } }).status).toBe(200);
    expect(send('POST', '/_search', { pit: { id: 'gone' } }).status).toBe(404);
  });

  it('rejects documents a strict mapping rejects, including immense keyword terms', () => {
    const { send, events } = clusterWith(1);
    const doc = toDocument({ ...events[0], id: 'evt_long' });
    const long = { ...doc, search_text: ['x'.repeat(40_000)] };
    const answer = send('POST', '/_bulk', bulkBody([{ index: INDEX, id: 'acme:evt_long', document: long }]));
    expect(answer.body).toMatchObject({
      errors: true,
      items: [{ create: { status: 400, error: { reason: expect.stringMatching(/immense term/) } } }],
    });
  });
});

describe.skipIf(!specAvailable())('responses the emulator returns are checked against the spec', () => {
  it('flags an injected error that is not shaped like an OpenSearch error', () => {
    const cluster = new FakeCluster({
      spec: createSpecValidator(),
      requestFault: (r) => (r.path === '/_bulk' ? { status: 429, body: { error: 'busy' } } : undefined),
    });
    cluster.handle('POST', '/_bulk', new URLSearchParams(), '');
    expect(cluster.violations).toEqual([expect.stringMatching(/^error response 429/)]);
  });
});
