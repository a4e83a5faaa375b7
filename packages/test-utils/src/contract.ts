import {
  type AuditEvent,
  assetHistory,
  assetHistoryFilter,
  type EventFilter,
  eventLeafHash,
  eventMatchesFilter,
  exportPages,
  type FacetField,
  facetValues,
  iterateEvents,
  rootOf,
  type StoragePort,
  TrailmarkError,
  toHex,
} from '@trailmark/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_TIME, CONTRACT_FIELDS, contractEvents, deepPath, edgeEvents } from './contract-data.ts';

export interface StorageContractOptions {
  name: string;
  /**
   * A fresh, empty, initialized store. `fields` are the searchable fields the data declares (as source
   * plugins do); a store that maps declared fields must index them.
   */
  create: (setup: { fields: typeof CONTRACT_FIELDS }) => Promise<StoragePort>;
  /** Tests to skip, each with the reason printed in the test name. */
  skip?: Record<string, string>;
}

const byNewest = (a: AuditEvent, b: AuditEvent) =>
  Date.parse(b.occurred_at) - Date.parse(a.occurred_at) || (a.id < b.id ? 1 : -1);

/** The reference facet: each matching event counts once per distinct value of the field. */
function expectedFacet(
  events: readonly AuditEvent[],
  filter: EventFilter,
  field: FacetField,
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) {
    if (!eventMatchesFilter(e, filter)) continue;
    const values = facetValues(e, field).map((f) => f.value);
    for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  }
  return counts;
}

/** Reads every page of a filter and returns the ids in the order the store gave them. */
async function allIds(storage: StoragePort, filter: EventFilter, pageSize = 50): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of iterateEvents(storage, filter, pageSize)) ids.push(...page.map((e) => e.id));
  return ids;
}

function lifecycle(tenant: string, idSuffix: string, offsetMinutes: number): AuditEvent[] {
  // Distinct timestamps everywhere: the expected order must not depend on an adapter's tiebreak.
  const at = (h: number) =>
    new Date(BASE_TIME - 86_400_000 * 30 + h * 3_600_000 + offsetMinutes * 60_000).toISOString();
  const base = {
    tenant,
    source: 'media-library',
    actor: { type: 'user' as const, id: 'u-ana', email: 'ana@acme.test' },
    outcome: { result: 'success' as const },
  };
  return [
    {
      ...base,
      id: `evt_life_1${idSuffix}`,
      action: 'file_version.created',
      occurred_at: at(1),
      received_at: at(1),
      targets: [{ type: 'file', id: 'f-tree', path: '/forest/tree.png', name: 'tree.png' }],
    },
    {
      ...base,
      id: `evt_life_2${idSuffix}`,
      action: 'file.renamed',
      occurred_at: at(2),
      received_at: at(2),
      targets: [{ type: 'file', id: 'f-tree', path: '/forest/oak.png', previous_path: '/forest/tree.png' }],
    },
    {
      ...base,
      id: `evt_life_3${idSuffix}`,
      action: 'file.moved',
      occurred_at: at(3),
      received_at: at(3),
      targets: [
        { type: 'file', id: 'f-tree', path: '/archive/oak.png', previous_path: '/forest/oak.png' },
        { type: 'folder', id: 'd-archive', path: '/archive', role: 'parent' },
      ],
    },
    {
      ...base,
      id: `evt_life_4${idSuffix}`,
      action: 'file.deleted',
      occurred_at: at(4),
      received_at: at(4),
      targets: [{ type: 'file', id: 'f-tree', path: '/archive/oak.png' }],
    },
    {
      ...base,
      id: `evt_life_5${idSuffix}`,
      action: 'file_version.created',
      occurred_at: at(5),
      received_at: at(5),
      targets: [{ type: 'file', id: 'f-other', path: '/archive/other.png' }],
    },
  ];
}

/**
 * Assets that share a path over time, in their own tenant: a file deleted and another created at its
 * path, a third renamed onto the freed path, a folder moved with a file inside (one with an id, one
 * known by path only). Times are distinct, so the order never depends on a tiebreak.
 */
function reusedPaths(): AuditEvent[] {
  const at = (h: number) => new Date(BASE_TIME - 86_400_000 * 20 + h * 3_600_000).toISOString();
  const event = (n: string, h: number, action: string, targets: AuditEvent['targets']): AuditEvent => ({
    id: `evt_reuse_${n}`,
    tenant: 'lineage',
    source: 'media-library',
    action,
    occurred_at: at(h),
    received_at: at(h),
    actor: { type: 'user', id: 'u-ana' },
    targets,
    outcome: { result: 'success' },
  });
  return [
    event('1', 1, 'file.uploaded', [{ type: 'file', id: 'f-old', path: '/forest/tree.png' }]),
    event('2', 2, 'file.deleted', [{ type: 'file', id: 'f-old', path: '/forest/tree.png' }]),
    event('3', 3, 'file.uploaded', [{ type: 'file', id: 'f-new', path: '/forest/tree.png' }]),
    event('4', 4, 'file.renamed', [
      { type: 'file', id: 'f-new', path: '/forest/pine.png', previous_path: '/forest/tree.png' },
    ]),
    event('5', 5, 'file.uploaded', [{ type: 'file', id: 'f-birch', path: '/forest/birch.png' }]),
    event('6', 6, 'file.renamed', [
      { type: 'file', id: 'f-birch', path: '/forest/tree.png', previous_path: '/forest/birch.png' },
    ]),
    event('7', 7, 'file.uploaded', [{ type: 'file', path: '/forest/notes.txt' }]),
    event('8', 8, 'folder.moved', [
      { type: 'folder', id: 'd-forest', path: '/woods', previous_path: '/forest' },
    ]),
    // After the move, events name the new paths only.
    event('9', 9, 'file.downloaded', [{ type: 'file', path: '/woods/pine.png' }]),
    event('10', 10, 'file.downloaded', [{ type: 'file', path: '/woods/notes.txt' }]),
  ];
}

/**
 * The storage contract: every adapter must pass it unchanged. The expected answers come from
 * `eventMatchesFilter`, the reference semantics in core, evaluated over the same data set.
 */
export function runStorageContract(options: StorageContractOptions): void {
  const skip = options.skip ?? {};
  // A test that needs a capability runs only on stores that declare it (read once the store exists).
  const test = (name: string, fn: () => Promise<void>, needs?: 'fullText' | 'facets') =>
    skip[name]
      ? it.skip(`${name} (skipped: ${skip[name]})`, fn)
      : it(name, async (context) => {
          if (needs && !storage.capabilities[needs])
            return context.skip(`the store declares no ${needs} capability`);
          await fn();
        }, 60_000);

  let storage: StoragePort;
  describe(`storage contract: ${options.name}`, () => {
    const data = contractEvents();
    const history = [...lifecycle('acme', '', 0), ...lifecycle('globex', '_g', 30)];
    const edges = edgeEvents();
    const reused = reusedPaths();
    const all = [...data, ...history, ...edges, ...reused];
    const expected = (filter: EventFilter) =>
      all
        .filter((e) => eventMatchesFilter(e, filter))
        .sort(byNewest)
        .map((e) => e.id);

    beforeAll(async () => {
      storage = await options.create({ fields: CONTRACT_FIELDS });
      const first = await storage.append(data.slice(0, 100));
      expect(first.inserted).toHaveLength(100);
      await Promise.all([storage.append(data.slice(100, 170)), storage.append(data.slice(170))]);
      await storage.append(history);
      await storage.append(edges);
      await storage.append(reused);
    }, 120_000);

    afterAll(async () => {
      await storage?.close();
    });

    test('append stores every event and get returns it unchanged', async () => {
      expect(await storage.count({})).toBe(all.length);
      const sample = data[17];
      expect(await storage.get(sample.id, [sample.tenant])).toEqual(sample);
      expect(await storage.get('evt_does_not_exist')).toBeNull();
    });

    test('appending the same ids again is idempotent and reports duplicates', async () => {
      const again = await storage.append(data.slice(0, 10));
      expect(again.inserted).toEqual([]);
      expect(again.duplicates.sort()).toEqual(
        data
          .slice(0, 10)
          .map((e) => e.id)
          .sort(),
      );
      const twiceInOneCall = await storage.append([history[0], history[0]]);
      expect(twiceInOneCall.inserted).toEqual([]);
      expect(await storage.count({})).toBe(all.length);
    });

    test('the same id in two tenants is two events', async () => {
      const twin: AuditEvent = { ...data[1], tenant: 'initech' };
      const result = await storage.append([twin]);
      expect(result.inserted).toEqual([twin.id]);
      expect(await storage.get(twin.id, ['initech'])).toEqual(twin);
      expect((await storage.get(twin.id, [data[1].tenant]))?.tenant).toBe(data[1].tenant);
      await storage.purge({ tenant: 'initech', source: twin.source, before: '2100-01-01T00:00:00Z' });
      expect(await storage.get(twin.id, ['initech'])).toBeNull();
    });

    test('histogram counts matching events per epoch-aligned bucket, oldest first, within the tenant', async () => {
      const hour = 3_600_000;
      // A window whose edges fall inside buckets: each edge bucket also holds an event the window leaves
      // out. The data is sparse, so the bucket is the smallest one in which two events meet.
      const times = all.map((e) => Date.parse(e.occurred_at)).sort((a, b) => a - b);
      const wide = [hour, 24 * hour, 7 * 24 * hour, 30 * 24 * hour].find((size) =>
        times.some(
          (t, i) => i > 0 && t > times[i - 1] && Math.floor(t / size) === Math.floor(times[i - 1] / size),
        ),
      )!;
      const cuts = times
        .map((_, i) => i)
        .filter(
          (i) =>
            i + 1 < times.length &&
            times[i] < times[i + 1] - 1 &&
            Math.floor(times[i] / wide) === Math.floor(times[i + 1] / wide),
        );
      expect(cuts.length).toBeGreaterThan(1);
      const from = new Date(times[cuts[0]] + 1).toISOString();
      const to = new Date(times[cuts.at(-1)! + 1]).toISOString();
      for (const [filter, size] of [
        [{}, hour],
        [{ tenant: ['globex'] }, hour],
        [{ action: ['file.deleted'] }, hour],
        [{ country: ['DE'], not: { result: ['success'] } }, hour],
        [{ from, to }, wide],
        [{ from, to, action: ['file.deleted', 'file.uploaded', 'file.renamed'] }, wide],
      ] as [EventFilter, number][]) {
        const want = new Map<string, number>();
        for (const e of all.filter((x) => eventMatchesFilter(x, filter))) {
          const start = new Date(Math.floor(Date.parse(e.occurred_at) / size) * size).toISOString();
          want.set(start, (want.get(start) ?? 0) + 1);
        }
        const got = await storage.histogram(filter, size);
        expect(got).toEqual(
          [...want.entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([start, count]) => ({ start, count })),
        );
      }
    });

    test('events come newest first, unfiltered', async () => {
      const page = await storage.search({}, { limit: 30 });
      const times = page.data.map((e) => Date.parse(e.occurred_at));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      expect(page.data.map((e) => e.id)).toEqual(expected({}).slice(0, 30));
      expect(page.next_cursor).not.toBeNull();
    });

    const single: [string, EventFilter][] = [
      ['tenant', { tenant: ['globex'] }],
      ['source', { source: ['central-config'] }],
      ['action', { action: ['file.deleted'] }],
      ['action list', { action: ['file.deleted', 'file.renamed'] }],
      ['actor by id', { actor: ['u-bo'] }],
      ['actor by email', { actor: ['cy@acme.test'] }],
      ['actor by email, any case', { actor: ['CY@Acme.test'] }],
      ['api key actor', { actor: ['key-ci-uploader'] }],
      ['workspace', { workspace: ['ws-legal'] }],
      ['target_type', { target_type: ['share_link'] }],
      ['target_id', { target_id: ['f-3'] }],
      ['target_type + target_id', { target_type: ['share_link'], target_id: ['link-1'] }],
      ['target_path', { target_path: ['/forest/report-4.pdf'] }],
      ['target_path (previous path)', { target_path: ['/forest/tree.png'] }],
      ['target_path_prefix', { target_path_prefix: '/forest' }],
      ['target_path_prefix, nested', { target_path_prefix: '/assignments/cs101/' }],
      ['target_path_prefix deeper than 32 segments', { target_path_prefix: deepPath(36) }],
      ['target_path_prefix 33 segments, trailing slash', { target_path_prefix: `${deepPath(33)}/` }],
      ['target_path_prefix over a repeated slash', { target_path_prefix: '/moss/' }],
      ['target_path_prefix with the repeated slash', { target_path_prefix: '/moss//' }],
      ['target_path_prefix of a path with a trailing slash', { target_path_prefix: '/reef/coral' }],
      ['target_path_prefix, unicode', { target_path_prefix: '/café' }],
      ['target_path, unicode', { target_path: ['/café/Überblick 日本語.pdf'] }],
      ['actor by unicode email, upper case', { actor: ['ZOË.ÅNGSTRÖM@ACME.TEST'] }],
      ['q: unicode name prefix', { q: 'ångs' }],
      ['q: unicode file name word', { q: 'überblick' }],
      ['q: a word past the sixteenth of an event', { q: 'quillwort' }],
      ['request_id', { request_id: ['req-7'] }],
      ['result', { result: ['denied'] }],
      ['result list', { result: ['failure', 'error'] }],
      ['ip v4', { ip: ['203.0.113.7'] }],
      ['ip v6', { ip: ['2001:db8::1'] }],
      ['q: actor name word', { q: 'okafor' }],
      ['q: file name prefix', { q: 'report-1' }],
      ['q: email', { q: 'dee@acme.test' }],
      ['source_action', { source_action: ['FILE_DELETED'] }],
      ['source_action list', { source_action: ['FILE_DELETED', 'SHARE_LINK_ACCESSED'] }],
      ['action prefix', { action_prefix: ['file'] }],
      ['action prefix list', { action_prefix: ['share_link', 'url_endpoint'] }],
      ['action prefix and exact action', { action_prefix: ['share_link'], action: ['file.deleted'] }],
      ['category', { category: ['sharing'] }],
      ['category list', { category: ['sharing', 'configuration'] }],
      ['workspace by name', { workspace: ['Brand Campaign'] }],
      ['workspace by id or name', { workspace: ['ws-legal', 'Operations'] }],
      ['country', { country: ['BR'] }],
      ['country list', { country: ['DE', 'US'] }],
      ['region', { region: ['eu-west-1'] }],
      ['device', { device: ['cli'] }],
      ['device list', { device: ['sdk', 'api'] }],
      ['user_agent substring, any case', { user_agent: ['CURL/8'] }],
      ['user_agent list', { user_agent: ['chrome', 'sdk/1.2'] }],
      ['target_user by id', { target_user: ['u-bo'] }],
      ['target_user by email, any case', { target_user: ['DEE@acme.test'] }],
      ['target_user by name', { target_user: ['Cy Okafor'] }],
      ['target_user whose id is an address', { target_user: ['gus@acme.test'] }],
      ['attr keyword', { attr: { share_link_id: { type: 'keyword', values: ['lnk_1'] } } }],
      ['attr number', { attr: { size_bytes: { type: 'number', values: ['137', '274'] } } }],
      ['attr number range', { attr: { size_bytes: { type: 'number', gte: '1000', lte: '2500' } } }],
      ['attr number lower bound', { attr: { size_bytes: { type: 'number', gte: '4000' } } }],
      ['attr boolean', { attr: { external: { type: 'boolean', values: ['true'] } } }],
      [
        'attr date range',
        {
          attr: {
            expires_at: {
              type: 'date',
              gte: new Date(BASE_TIME + 100 * 3_600_000).toISOString(),
              lte: new Date(BASE_TIME + 300 * 3_600_000).toISOString(),
            },
          },
        },
      ],
      ['not result', { not: { result: ['success'] } }],
      ['not source', { not: { source: ['file-transfer'] } }],
      ['not action', { not: { action: ['file.deleted', 'file.renamed'] } }],
      ['not action prefix', { not: { action_prefix: ['file'] } }],
      ['not source_action', { not: { source_action: ['FILE_UPLOADED'] } }],
      ['not category', { not: { category: ['content'] } }],
      ['not actor by email', { not: { actor: ['ANA@acme.test'] } }],
      ['not workspace by name', { not: { workspace: ['Legal Review'] } }],
      ['not target_type', { not: { target_type: ['share_link'] } }],
      ['not target_id', { not: { target_id: ['f-3'] } }],
      ['not target_path (previous path too)', { not: { target_path: ['/forest/tree.png'] } }],
      ['not target_path_prefix', { not: { target_path_prefix: '/forest' } }],
      ['not target_user', { not: { target_user: ['u-ana'] } }],
      ['not request_id', { not: { request_id: ['req-7'] } }],
      ['not ip', { not: { ip: ['203.0.113.7'] } }],
      ['not country (events without one stay)', { not: { country: ['DE'] } }],
      ['not region', { not: { region: ['us-east-1'] } }],
      ['not device', { not: { device: ['browser'] } }],
      ['not user_agent', { not: { user_agent: ['mozilla'] } }],
      ['not attr keyword', { not: { attr: { share_link_id: { type: 'keyword', values: ['lnk_0'] } } } }],
      ['not attr range', { not: { attr: { size_bytes: { type: 'number', lte: '2500' } } } }],
      ['not, two fields', { not: { result: ['success'], device: ['cli'] } }],
      ['from', { from: new Date(BASE_TIME + 100 * 3_600_000).toISOString() }],
      ['to', { to: new Date(BASE_TIME + 50 * 3_600_000).toISOString() }],
      [
        'from + to',
        {
          from: new Date(BASE_TIME + 20 * 3_600_000).toISOString(),
          to: new Date(BASE_TIME + 90 * 3_600_000).toISOString(),
        },
      ],
    ];
    for (const [name, filter] of single) {
      test(
        `filter alone: ${name}`,
        async () => {
          const want = expected(filter);
          expect(want.length).toBeGreaterThan(0);
          expect(want.length).toBeLessThan(all.length);
          expect(await allIds(storage, filter)).toEqual(want);
          expect(await storage.count(filter)).toBe(want.length);
        },
        filter.q === undefined ? undefined : 'fullText',
      );
    }

    const combined: [string, EventFilter][] = [
      [
        'tenant + action + actor',
        { tenant: ['acme'], action: ['file.uploaded', 'file.downloaded'], actor: ['u-ana'] },
      ],
      [
        'tenant + workspace + time window',
        {
          tenant: ['acme'],
          workspace: ['ws-brand'],
          from: new Date(BASE_TIME + 30 * 3_600_000).toISOString(),
          to: new Date(BASE_TIME + 200 * 3_600_000).toISOString(),
        },
      ],
      [
        'source + result + ip',
        { source: ['file-transfer'], result: ['success'], ip: ['198.51.100.23', '192.0.2.44'] },
      ],
      [
        'target_path_prefix + action + q',
        { target_path_prefix: '/forest', action: ['file.deleted', 'file.uploaded'], q: 'report' },
      ],
      [
        'share link accesses in one tenant',
        { tenant: ['acme'], target_type: ['share_link'], target_id: ['link-0'] },
      ],
      ['request id + tenant', { tenant: ['acme'], request_id: ['req-3', 'req-4'] }],
      [
        'tenant + action prefix + not result + country',
        { tenant: ['acme'], action_prefix: ['file'], not: { result: ['success'] }, country: ['DE', 'BR'] },
      ],
      [
        'device + user_agent + attr range',
        {
          device: ['browser'],
          user_agent: ['chrome'],
          attr: { size_bytes: { type: 'number', gte: '500' } },
        },
      ],
      [
        'workspace name + category + not actor',
        { workspace: ['Brand Campaign'], category: ['content'], not: { actor: ['u-bo', 'key-ci-uploader'] } },
      ],
      [
        'source_action + region + not device',
        {
          source_action: ['FILE_UPLOADED', 'FILE_DOWNLOADED'],
          region: ['eu-west-1'],
          not: { device: ['api'] },
        },
      ],
      ['target_user + tenant', { tenant: ['acme'], target_user: ['u-cy', 'ana@acme.test'] }],
      [
        'the same field twice (and)',
        {
          result: ['failure', 'denied'],
          and: [{ result: ['denied', 'error'] }, { not: { source: ['media-library'] } }],
        },
      ],
      [
        'free text + negation + attr',
        {
          q: 'report',
          not: { target_path_prefix: '/ocean' },
          attr: { external: { type: 'boolean', values: ['false'] } },
        },
      ],
      [
        'tenant + exclusions an index answers',
        { tenant: ['acme'], not: { result: ['success'], actor: ['ANA@acme.test'] } },
      ],
      ['tenant + workspace id or name', { tenant: ['acme'], workspace: ['ws-ops', 'Legal Review'] }],
      [
        'source + excluded folder and target type',
        { source: ['file-transfer'], not: { target_path_prefix: '/forest', target_type: ['share_link'] } },
      ],
      [
        'history keys + not action',
        {
          tenant: ['acme'],
          target_path_prefix: '/forest',
          not: { action: ['file.renamed'], category: ['sharing'] },
        },
      ],
    ];
    for (const [name, filter] of combined) {
      test(
        `filters combined: ${name}`,
        async () => {
          const want = expected(filter);
          expect(want.length).toBeGreaterThan(0);
          expect(await allIds(storage, filter, 7)).toEqual(want);
          expect(await storage.count(filter)).toBe(want.length);
        },
        filter.q === undefined ? undefined : 'fullText',
      );
    }

    test('a store declaring point-in-time exports implements them, newest first, every match', async () => {
      expect(storage.exportEvents !== undefined).toBe(storage.capabilities.pointInTime);
      const filter: EventFilter = { tenant: ['acme'], target_path_prefix: '/deep' };
      const ids: string[] = [];
      for await (const page of exportPages(storage, filter, 1)) ids.push(...page.map((e) => e.id));
      expect(ids).toEqual(expected(filter));
    });

    test('a filter that matches nothing returns an empty page', async () => {
      const page = await storage.search({ tenant: ['acme'], actor: ['nobody@nowhere.test'] }, { limit: 10 });
      expect(page).toEqual({ data: [], next_cursor: null });
    });

    test("tenant isolation: one tenant never sees another tenant's events", async () => {
      const acme = await allIds(storage, { tenant: ['acme'] }, 100);
      const acmeSet = new Set(all.filter((e) => e.tenant === 'acme').map((e) => e.id));
      expect(acme.length).toBe(acmeSet.size);
      expect(acme.every((id) => acmeSet.has(id))).toBe(true);
      const globexEvent = data.find((e) => e.tenant === 'globex')!;
      expect(await storage.get(globexEvent.id, ['acme'])).toBeNull();
      const leaked = await storage.search(
        { tenant: ['acme'], workspace: [globexEvent.workspace!.id], actor: [globexEvent.actor.id] },
        { limit: 1000 },
      );
      expect(leaked.data.every((e) => e.tenant === 'acme')).toBe(true);
      const facet = await storage.facet({ tenant: ['acme'] }, 'action', 50);
      expect(facet.buckets.reduce((n, b) => n + b.count, 0)).toBe(acmeSet.size);
    });

    test('pagination is stable while new events arrive', async () => {
      // A tenant of its own, so the other tests' expectations stay untouched.
      const own = data.slice(0, 40).map((e, i) => ({ ...e, id: `evt_page_${i}`, tenant: 'umbrella' }));
      await storage.append(own);
      const filter: EventFilter = { tenant: ['umbrella'] };
      const want = [...own].sort(byNewest).map((e) => e.id);
      const first = await storage.search(filter, { limit: 9 });
      const newer: AuditEvent[] = Array.from({ length: 5 }, (_, i) => ({
        ...own[0],
        id: `evt_page_new_${i}`,
        occurred_at: new Date(Date.now() - i * 1000).toISOString(),
      }));
      await storage.append(newer);
      const seen = first.data.map((e) => e.id);
      let cursor = first.next_cursor;
      while (cursor) {
        const page = await storage.search(filter, { limit: 9, cursor });
        seen.push(...page.data.map((e) => e.id));
        cursor = page.next_cursor;
      }
      expect(seen).toEqual(want);
      const fresh = await storage.search(filter, { limit: 5 });
      expect(fresh.data.map((e) => e.id)).toEqual(newer.map((e) => e.id));
      const removed = await Promise.all(
        [...new Set(own.map((e) => e.source))].map((source) =>
          storage.purge({ tenant: 'umbrella', source, before: '2100-01-01T00:00:00Z' }),
        ),
      );
      expect(removed.reduce((a, b) => a + b, 0)).toBe(own.length + newer.length);
    });

    test('a malformed cursor is rejected with INVALID_CURSOR', async () => {
      await expect(storage.search({}, { limit: 5, cursor: 'not-a-cursor!' })).rejects.toMatchObject({
        code: 'INVALID_CURSOR',
      });
      const forged = Buffer.from(JSON.stringify({ v: 1, p: 'nope' })).toString('base64url');
      const error = await storage.search({}, { limit: 5, cursor: forged }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TrailmarkError);
    });

    const facetFields: FacetField[] = ['action', 'actor', 'workspace', 'source', 'result', 'target_type'];
    const hour = 3_600_000;
    // Windows that start and end inside a day (partial days at both edges), open-ended ones, several
    // tenants and sources, the operator's view of every tenant, and filters beyond tenant, source and time.
    const facetFilters: [string, EventFilter][] = [
      ['tenant from a start time', { tenant: ['acme'], from: new Date(BASE_TIME).toISOString() }],
      ['tenant, all time', { tenant: ['acme'] }],
      ['every tenant (operator)', {}],
      [
        'two tenants, one source, a window cutting days',
        {
          tenant: ['acme', 'globex'],
          source: ['file-transfer'],
          from: new Date(BASE_TIME + 30 * hour + 1234).toISOString(),
          to: new Date(BASE_TIME + 150 * hour + 5678).toISOString(),
        },
      ],
      [
        'a window within one day',
        {
          from: new Date(BASE_TIME + 26 * hour).toISOString(),
          to: new Date(BASE_TIME + 40 * hour).toISOString(),
        },
      ],
      [
        'a window across months',
        { tenant: ['acme'], from: '2026-01-15T05:00:00.000Z', to: '2026-03-05T07:30:00.000Z' },
      ],
      ['every tenant from mid-February', { from: '2026-02-10T12:00:00.000Z' }],
      ['tenant and action', { tenant: ['acme'], action: ['file.uploaded', 'file.renamed'] }],
      [
        'tenant, result and a window',
        { tenant: ['acme'], result: ['denied'], to: new Date(BASE_TIME + 100 * hour).toISOString() },
      ],
      [
        'tenant and not action',
        { tenant: ['acme'], not: { action: ['file.uploaded'], ip: ['203.0.113.7'] } },
      ],
      [
        'tenant, device and not result',
        { tenant: ['acme'], device: ['cli', 'sdk'], not: { result: ['success'] } },
      ],
      [
        'category, country and a declared field',
        { category: ['content'], country: ['DE'], attr: { size_bytes: { type: 'number', lte: '3000' } } },
      ],
    ];
    for (const field of facetFields) {
      for (const [name, filter] of facetFilters) {
        test(
          `facet counts by ${field}: ${name}`,
          async () => {
            const result = await storage.facet(filter, field, 100);
            expect(result.complete).toBe(true);
            expect(Object.fromEntries(result.buckets.map((b) => [b.value, b.count]))).toEqual(
              expectedFacet(all, filter, field),
            );
            const sorted = result.buckets.map((b) => b.count);
            expect(sorted).toEqual([...sorted].sort((a, b) => b - a));
            // A label is one the matching events gave that value (an actor may be named in some, only
            // emailed in others); which one is the store's choice.
            if (field === 'actor' || field === 'workspace') {
              for (const bucket of result.buckets) {
                const given = all
                  .filter((e) => eventMatchesFilter(e, filter))
                  .flatMap((e) => facetValues(e, field))
                  .filter((f) => f.value === bucket.value && f.label !== undefined)
                  .map((f) => f.label);
                if (given.length === 0) expect(bucket.label).toBeUndefined();
                else expect(given).toContain(bucket.label);
              }
            }
          },
          'facets',
        );
      }
    }

    test(
      'facet keeps the most frequent values up to the limit',
      async () => {
        const filter: EventFilter = { tenant: ['acme'] };
        const expected = Object.entries(expectedFacet(all, filter, 'actor')).sort((a, b) => b[1] - a[1]);
        const top = await storage.facet(filter, 'actor', 2);
        expect(top.buckets.map((b) => b.count)).toEqual(expected.slice(0, 2).map(([, n]) => n));
      },
      'facets',
    );

    test('history follows an asset across rename, move and delete, by path or by id', async () => {
      const lifeIds = ['evt_life_4', 'evt_life_3', 'evt_life_2', 'evt_life_1'];
      for (const asset of [
        { target_path: '/forest/tree.png' },
        { target_path: '/archive/oak.png' },
        { target_type: 'file', target_id: 'f-tree' },
      ]) {
        const filter = await assetHistoryFilter(storage, { tenant: ['acme'] }, asset);
        expect(await allIds(storage, filter)).toEqual(lifeIds);
      }
      const deletions = await storage.search(
        {
          ...(await assetHistoryFilter(storage, { tenant: ['acme'] }, { target_path: '/forest/tree.png' })),
          action: ['file.deleted'],
        },
        { limit: 10 },
      );
      expect(deletions.data.map((e) => e.id)).toEqual(['evt_life_4']);
      const other = await assetHistoryFilter(
        storage,
        { tenant: ['globex'] },
        { target_path: '/forest/tree.png' },
      );
      expect(await allIds(storage, other)).toEqual([
        'evt_life_4_g',
        'evt_life_3_g',
        'evt_life_2_g',
        'evt_life_1_g',
      ]);
    });

    test('history is time-aware: a path reused after a deletion or a rename names a new asset', async () => {
      const scope = { tenant: ['lineage'] };
      const ids = (h: { events: AuditEvent[] }) => h.events.map((e) => e.id);
      const byPath = await assetHistory(storage, scope, { target_path: '/forest/tree.png' });
      // Each asset that held the path, separately, in the order they came to hold it.
      expect(byPath.assets.map((a) => a.key)).toEqual(['file:f-old', 'file:f-new', 'file:f-birch']);
      expect(byPath.assets.map((a) => a.event_ids)).toEqual([
        ['evt_reuse_1', 'evt_reuse_2'],
        ['evt_reuse_3', 'evt_reuse_4', 'evt_reuse_9'],
        ['evt_reuse_5', 'evt_reuse_6'],
      ]);
      expect(byPath.assets[0]?.deleted).toBe(true);
      expect(byPath.truncated).toBe(false);
      // By id: only that asset, never the one that took its path later.
      expect(ids(await assetHistory(storage, scope, { target_type: 'file', target_id: 'f-old' }))).toEqual([
        'evt_reuse_2',
        'evt_reuse_1',
      ]);
      // A file inside a moved folder keeps its history under the new path, with an id or by path only.
      const pine = await assetHistory(storage, scope, { target_type: 'file', target_id: 'f-new' });
      expect(ids(pine)).toEqual(['evt_reuse_9', 'evt_reuse_4', 'evt_reuse_3']);
      expect(pine.assets[0]?.held.map((h) => h.path)).toEqual([
        '/forest/tree.png',
        '/forest/pine.png',
        '/woods/pine.png',
      ]);
      expect(ids(await assetHistory(storage, scope, { target_path: '/forest/notes.txt' }))).toEqual([
        'evt_reuse_10',
        'evt_reuse_7',
      ]);
      expect(ids(await assetHistory(storage, scope, { target_path: '/woods/notes.txt' }))).toEqual([
        'evt_reuse_10',
        'evt_reuse_7',
      ]);
      // The request's other filters apply to the asset's events; another tenant sees none of them.
      expect(
        ids(
          await assetHistory(
            storage,
            { ...scope, action: ['file.renamed'] },
            { target_path: '/forest/tree.png' },
          ),
        ),
      ).toEqual(['evt_reuse_6', 'evt_reuse_4']);
      expect(
        ids(await assetHistory(storage, { tenant: ['acme'] }, { target_type: 'file', target_id: 'f-new' })),
      ).toEqual([]);
    });

    test('history stays exact for an asset that was never reused', async () => {
      const h = await assetHistory(storage, { tenant: ['acme'] }, { target_path: '/forest/tree.png' });
      expect(h.assets.map((a) => a.key)).toEqual(['file:f-tree']);
      expect(h.events.map((e) => e.id)).toEqual(['evt_life_4', 'evt_life_3', 'evt_life_2', 'evt_life_1']);
    });

    test('partitions lists every tenant and source present', async () => {
      const parts = (await storage.partitions()).map((p) => `${p.tenant}/${p.source}`);
      for (const e of all) expect(parts).toContain(`${e.tenant}/${e.source}`);
    });

    test('retention purge deletes exactly one partition before the cut-off, in batches', async () => {
      const before = new Date(BASE_TIME + 120 * 3_600_000).toISOString();
      const doomed = all.filter(
        (e) => e.tenant === 'acme' && e.source === 'file-transfer' && e.occurred_at < before,
      );
      expect(doomed.length).toBeGreaterThan(3);
      const total = await storage.count({});
      const deleted = await storage.purge({ tenant: 'acme', source: 'file-transfer', before, batchSize: 3 });
      expect(deleted).toBe(doomed.length);
      expect(await storage.count({})).toBe(total - doomed.length);
      for (const e of doomed.slice(0, 5)) expect(await storage.get(e.id, ['acme'])).toBeNull();
      const survivors = await allIds(storage, { tenant: ['globex'], source: ['file-transfer'] });
      expect(survivors.length).toBe(
        all.filter((e) => e.tenant === 'globex' && e.source === 'file-transfer').length,
      );
      expect(await storage.purge({ tenant: 'acme', source: 'file-transfer', before })).toBe(0);
      // Facet counts forget the purged events too.
      const remaining = all.filter((e) => !doomed.includes(e));
      for (const field of facetFields) {
        for (const filter of [{ tenant: ['acme'] }, { tenant: ['acme'], source: ['file-transfer'] }, {}]) {
          const result = await storage.facet(filter, field, 100);
          expect(Object.fromEntries(result.buckets.map((b) => [b.value, b.count]))).toEqual(
            expectedFacet(remaining, filter, field),
          );
        }
      }
    });
  });

  runLogContract(options);
}

/** The evidence log, on a store of its own (the shared one above is purged by other tests). */
function runLogContract(options: StorageContractOptions): void {
  let storage: StoragePort;
  const data = contractEvents();
  const test = (name: string, fn: (log: NonNullable<StoragePort['log']>) => Promise<void>) =>
    it(name, async (context) => {
      if (!storage.log) return context.skip('the store keeps no evidence log');
      await fn(storage.log);
    }, 60_000);

  describe(`storage contract: ${options.name} evidence log`, () => {
    beforeAll(async () => {
      storage = await options.create({ fields: CONTRACT_FIELDS });
      await storage.append(data.slice(0, 60));
      // Concurrent appends: leaves must still be numbered without a gap or a repeat.
      await Promise.all([storage.append(data.slice(60, 120)), storage.append(data.slice(120))]);
      await storage.append(data.slice(0, 5));
    }, 120_000);
    afterAll(async () => {
      await storage?.close();
    });

    test('every stored event has one leaf over its canonical form and log index, numbered from 0 per tenant', async (log) => {
      const tenants = [...new Set(data.map((e) => e.tenant))];
      for (const tenant of tenants) {
        const mine = data.filter((e) => e.tenant === tenant);
        expect(await log.treeSize(tenant)).toBe(mine.length);
        const leaves = await log.leaves(tenant, 0, mine.length);
        expect(leaves.map((l) => l.index)).toEqual(mine.map((_, i) => i));
        expect(new Set(leaves.map((l) => l.event_id))).toEqual(new Set(mine.map((e) => e.id)));
        for (const leaf of leaves) {
          const stored = await storage.get(leaf.event_id, [tenant]);
          expect(stored).not.toBeNull();
          expect(leaf.hash).toBe(toHex(eventLeafHash(stored as AuditEvent, leaf.index)));
          expect(leaf.removed).toBeUndefined();
        }
      }
      expect(await log.treeSize('nobody')).toBe(0);
    });

    test('a leaf is found by event id within its tenant only', async (log) => {
      const e = data[3];
      const leaf = await log.leafOf(e.tenant, e.id);
      expect(leaf?.event_id).toBe(e.id);
      const other = data.find((x) => x.tenant !== e.tenant) as AuditEvent;
      expect(await log.leafOf(other.tenant, e.id)).toBeNull();
      expect((await log.leaves(e.tenant, leaf!.index, leaf!.index + 1))[0]).toEqual(leaf);
    });

    test('retention purge and erasure remove bodies but keep every leaf, marked, so the root is unchanged', async (log) => {
      const tenant = 'acme';
      const size = await log.treeSize(tenant);
      const before = await log.leaves(tenant, 0, size);
      const root = toHex(rootOf(before.map((l) => Uint8Array.from(Buffer.from(l.hash, 'hex')))));
      const mine = data.filter((e) => e.tenant === tenant);
      const source = mine[0].source;
      const cut = mine
        .filter((e) => e.source === source)
        .map((e) => e.occurred_at)
        .sort()[3];
      const purged = await storage.purge({ tenant, source, before: cut, batchSize: 2 });
      expect(purged).toBeGreaterThan(0);
      const victim = mine.find((e) => e.source !== source) as AuditEvent;
      expect(await log.erase(tenant, [victim.id, 'evt_not_there'])).toBe(1);
      expect(await storage.get(victim.id, [tenant])).toBeNull();
      expect(await log.erase(tenant, [victim.id])).toBe(0);
      const after = await log.leaves(tenant, 0, size);
      expect(after.map((l) => [l.index, l.event_id, l.hash])).toEqual(
        before.map((l) => [l.index, l.event_id, l.hash]),
      );
      expect(after.filter((l) => l.removed === 'purged')).toHaveLength(purged);
      expect(after.filter((l) => l.removed === 'erased').map((l) => l.event_id)).toEqual([victim.id]);
      expect(after.find((l) => l.removed)?.removed_at).toMatch(/^\d{4}-/);
      expect(toHex(rootOf(after.map((l) => Uint8Array.from(Buffer.from(l.hash, 'hex')))))).toBe(root);
      expect(await storage.count({ tenant: [tenant] })).toBe(mine.length - purged - 1);
      // New events continue the same log.
      const next = { ...victim, id: 'evt_after_erasure' };
      await storage.append([next]);
      expect((await log.leafOf(tenant, next.id))?.index).toBe(size);
    });
  });
}
