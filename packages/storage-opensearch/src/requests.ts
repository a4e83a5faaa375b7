import {
  type AttributeCondition,
  type AttributeType,
  type AuditEvent,
  actorFilterKeys,
  actorLabel,
  canonicalEvent,
  type EventFilter,
  eventSearchText,
  type FacetField,
  freeTextTerms,
  NEGATABLE_FILTERS,
  type Partition,
  pathPrefixes,
  pathPrefixKey,
  type RetentionPeriod,
  targetRef,
  userTargetFilterKeys,
  userTargetKeys,
} from '@trailmark/core';
import { documentId, familyPattern, type IndexLayout, retentionDays } from './layout.ts';

/**
 * Every request body the adapter sends, as pure functions. Nothing here does I/O, so each body can be
 * checked against the official OpenSearch API specification without a cluster (see requests.test.ts).
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };
export type Query = JsonObject;

/** Fields the adapter adds to each document; stripped again on read. */
export const DERIVED_FIELDS = [
  'doc_key',
  'target_refs',
  'target_paths',
  'target_path_prefixes',
  'search_text',
  'actor_label',
  'client_ip',
  'target_user_keys',
  'attrs',
] as const;

/**
 * Bumped whenever toDocument derives its fields differently. With the declared fields it forms the stamp
 * each index keeps in its mapping's `_meta` (DERIVED_META_KEY): an index whose stamp differs holds
 * documents derived another way, and init re-derives them (OpenSearchStorage.rederive).
 */
export const DERIVATION_VERSION = 1;
export const DERIVED_META_KEY = 'trailmark_derived';

export function derivationStamp(fields: readonly IndexedField[]): string {
  const declared = fields.map((f) => `${f.name}:${f.type}`).sort();
  return `v${DERIVATION_VERSION};${declared.join(',')}`;
}

/** A declared searchable field as the index maps it (the registry's SearchableField, name and type). */
export interface IndexedField {
  name: string;
  type: AttributeType;
}

const ATTRIBUTE_MAPPING: Record<AttributeType, JsonObject> = {
  keyword: { type: 'keyword', ignore_above: 1000 },
  number: { type: 'double' },
  boolean: { type: 'boolean' },
  date: { type: 'date' },
};

/** Sort of every listing: newest first, then the tenant-scoped document key (unique, so pages never skip). */
export const SORT: JsonObject[] = [{ occurred_at: { order: 'desc' } }, { doc_key: { order: 'desc' } }];

const keyword = (extra: JsonObject = {}): JsonObject => ({ type: 'keyword', ...extra });
/** Names: exact keyword for filters and facets, plus a text sub-field for Dashboards users. */
const name = (ignoreAbove: number): JsonObject => ({
  type: 'keyword',
  ignore_above: ignoreAbove,
  fields: { text: { type: 'match_only_text' } },
});
/** Kept in _source for the detail view, never parsed or indexed; accepts any JSON value. */
const stored: JsonObject = { type: 'object', enabled: false };

/** The strict mapping of event schema v1 plus the derived fields. Unknown fields are rejected, not guessed. */
export function eventMapping(fields: readonly IndexedField[] = []): JsonObject {
  return {
    dynamic: 'strict',
    properties: {
      id: keyword(),
      tenant: keyword(),
      source: keyword(),
      action: keyword(),
      source_action: keyword(),
      category: keyword(),
      occurred_at: { type: 'date' },
      received_at: { type: 'date' },
      actor: {
        properties: {
          type: keyword(),
          id: keyword(),
          name: name(256),
          // No lowercase normalizer: the filter lower-cases its value and compares with the stored email,
          // exactly like the reference semantics (ingest already lower-cases emails).
          email: { type: 'keyword', fields: { text: { type: 'match_only_text' } } },
          credential: { properties: { type: keyword(), id: keyword(), name: keyword() } },
        },
      },
      targets: {
        // A plain object array, not nested: the composite target_refs field answers "this type with this
        // id" without cross-object false matches and without nested-document cost.
        properties: {
          type: keyword(),
          id: keyword(),
          name: name(512),
          path: keyword({ ignore_above: 2048 }),
          previous_path: keyword({ ignore_above: 2048 }),
          size_bytes: { type: 'long' },
          mime_type: keyword(),
          region: keyword(),
          version: keyword(),
          role: keyword(),
          attributes: stored,
        },
      },
      outcome: {
        properties: {
          result: keyword(),
          reason: keyword(),
          message: { type: 'match_only_text' },
          status_code: { type: 'integer' },
        },
      },
      workspace: { properties: { id: keyword(), name: name(256) } },
      client: {
        properties: {
          ip: { type: 'ip' },
          user_agent: name(1024),
          geo: {
            properties: { country_code: keyword(), country: keyword(), region: keyword(), city: keyword() },
          },
          device: { properties: { kind: keyword(), name: keyword() } },
        },
      },
      request: {
        properties: {
          id: keyword(),
          method: keyword(),
          endpoint: keyword({ ignore_above: 512 }),
          api_operation: keyword(),
          status: { type: 'short' },
          region: keyword(),
          request_body: stored,
          response_body: stored,
          redacted_paths: keyword(),
        },
      },
      changes: stored,
      metadata: { type: 'flat_object' },
      redacted_paths: keyword(),
      // Derived, computed from the event before indexing (no ingest pipeline needed).
      doc_key: keyword(),
      target_refs: keyword(),
      target_paths: keyword({ ignore_above: 2048 }),
      target_path_prefixes: keyword({ ignore_above: 2048 }),
      search_text: keyword(),
      actor_label: keyword({ ignore_above: 320 }),
      client_ip: keyword(),
      target_user_keys: keyword(),
      // Declared searchable fields, typed (metadata is a flat_object: strings only, no ranges).
      attrs: { properties: Object.fromEntries(fields.map((f) => [f.name, ATTRIBUTE_MAPPING[f.type]])) },
    },
  };
}

export interface TemplateOptions {
  shards?: number;
  /** `0-1` by default: no replica on a single node, one as soon as a second node joins. */
  autoExpandReplicas?: string;
  refreshInterval?: string;
}

/** PUT /_index_template/{name}: settings, strict mapping and the read alias of every monthly index. */
export function indexTemplate(
  layout: IndexLayout,
  options: TemplateOptions = {},
  fields: readonly IndexedField[] = [],
): JsonObject {
  return {
    index_patterns: [layout.pattern],
    priority: 200,
    template: {
      settings: {
        index: {
          number_of_shards: options.shards ?? 1,
          auto_expand_replicas: options.autoExpandReplicas ?? '0-1',
          refresh_interval: options.refreshInterval ?? '1s',
          codec: 'best_compression',
          // Durability: fsync the translog before acknowledging each request (the default, stated so that
          // nobody "tunes" it to async, which may lose up to sync_interval of acknowledged writes).
          translog: { durability: 'request' },
          mapping: { total_fields: { limit: 400 } },
          // Matches SORT, so "latest N" listings can terminate early.
          sort: { field: ['occurred_at', 'doc_key'], order: ['desc', 'desc'] },
        },
      },
      // A new index holds only documents derived by this release with these fields: stamped as such.
      mappings: { ...eventMapping(fields), _meta: { [DERIVED_META_KEY]: derivationStamp(fields) } },
      aliases: { [layout.readAlias]: {} },
    },
    _meta: { managed_by: 'trailmark', schema: 'event-v1' },
  };
}

/** Margin over a class's retention before the ISM backstop deletes an index (see ismPolicy). */
export const ISM_MARGIN_DAYS = 35;

/**
 * Retention backstop for one index family. ISM ages count from index creation, and a month's index is
 * created when its first event arrives (never more than a day before the month starts), so deleting at
 * creation + retention + a month-plus margin never drops an event early. Exact retention is the purge
 * job's work; this only guarantees that nothing outlives its class if that job stops running.
 */
export function ismPolicy(layout: IndexLayout, cls: string, period: RetentionPeriod): JsonObject {
  const days = retentionDays(period) + ISM_MARGIN_DAYS;
  return {
    policy: {
      description: `Trailmark ${cls}: backstop delete ${days}d after index creation; exact retention runs in Trailmark.`,
      default_state: 'hot',
      states: [
        {
          name: 'hot',
          actions: [],
          transitions: [{ state_name: 'delete', conditions: { min_index_age: `${days}d` } }],
        },
        { name: 'delete', actions: [{ delete: {} }], transitions: [] },
      ],
      ism_template: [{ index_patterns: [familyPattern(layout, cls)], priority: 100 }],
    },
  };
}

export function ismPolicyId(layout: IndexLayout, cls: string): string {
  return `${layout.prefix}-events-${cls}`;
}

/** Ancestors at every `/` boundary plus the path itself, so a term query answers "under this prefix". */
export function pathAncestors(path: string): string[] {
  return pathPrefixes(path);
}

/** The indexed document: the event as stored (snake_case, no mapping layer) plus derived fields. */
/**
 * The declared fields an event carries, typed for the index; a value of another type is left out,
 * as the reference leaves it unmatched (attributeMatches), so a stray value never fails the write.
 */
function indexedAttributes(event: AuditEvent, fields: readonly IndexedField[]): JsonObject | undefined {
  const out: JsonObject = {};
  for (const f of fields) {
    const v = event.metadata?.[f.name];
    if (v === undefined || v === null) continue;
    if (f.type === 'keyword' && typeof v === 'string' && v.length <= 1000) out[f.name] = v;
    else if (f.type === 'number' && typeof v === 'number' && Number.isFinite(v)) out[f.name] = v;
    else if (f.type === 'boolean' && typeof v === 'boolean') out[f.name] = v;
    else if (f.type === 'date' && typeof v === 'string' && !Number.isNaN(Date.parse(v)))
      out[f.name] = new Date(Date.parse(v)).toISOString();
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function toDocument(
  event: AuditEvent,
  actionLabel?: string,
  fields: readonly IndexedField[] = [],
): JsonObject {
  const refs = new Set<string>();
  const paths = new Set<string>();
  const prefixes = new Set<string>();
  for (const t of event.targets) {
    if (t.id !== undefined) refs.add(targetRef(t.type, t.id));
    for (const p of [t.path, t.previous_path]) {
      if (p === undefined) continue;
      paths.add(p);
      for (const a of pathAncestors(p)) prefixes.add(a);
    }
  }
  const label = actorLabel(event.actor);
  const userKeys = userTargetKeys(event);
  const attrs = indexedAttributes(event, fields);
  return {
    ...(JSON.parse(JSON.stringify(event)) as JsonObject),
    doc_key: documentId(event.tenant, event.id),
    target_refs: [...refs],
    target_paths: [...paths],
    target_path_prefixes: [...prefixes],
    search_text: eventSearchText(event, actionLabel),
    ...(label !== undefined ? { actor_label: label } : {}),
    ...(event.client?.ip !== undefined ? { client_ip: event.client.ip } : {}),
    ...(userKeys.length > 0 ? { target_user_keys: userKeys } : {}),
    ...(attrs ? { attrs } : {}),
  };
}

/** The event back from a stored document: derived fields removed. */
export function fromDocument(source: Record<string, unknown>): AuditEvent {
  const event: Record<string, unknown> = { ...source };
  for (const field of DERIVED_FIELDS) delete event[field];
  // In canonical (RFC 8785) key order, as the SQLite store returns it: OpenSearch's source filtering does
  // not keep the stored order of nested keys, and exports must not depend on the store.
  return JSON.parse(canonicalEvent(event)) as AuditEvent;
}

export interface BulkItem {
  index: string;
  id: string;
  document: JsonObject;
}

/** `_bulk` NDJSON lines: `create` (never `index`), so an existing `_id` answers 409 instead of being overwritten. */
/** One page of an index in SORT order with the versions a conditional re-write needs (search_after). */
export function rederivePageBody(size: number, after?: SortKey): JsonObject {
  return {
    size,
    sort: SORT,
    seq_no_primary_term: true,
    track_total_hits: false,
    query: { match_all: {} },
    ...(after ? { search_after: [...after] } : {}),
  };
}

export function bulkBody(items: readonly BulkItem[]): JsonObject[] {
  return items.flatMap((item) => [{ create: { _index: item.index, _id: item.id } }, item.document]);
}

function isoMillis(instant: string): string {
  return new Date(Date.parse(instant)).toISOString();
}

const MATCH_NONE: Query = { match_none: {} };

function terms(field: string, values: readonly string[]): Query {
  return values.length === 0 ? MATCH_NONE : { terms: { [field]: [...values] } };
}

function anyOf(clauses: Query[]): Query {
  return { bool: { should: clauses, minimum_should_match: 1 } };
}

/**
 * EventFilter as `bool.filter` clauses, clause for clause the reference semantics of
 * `eventMatchesFilter` (core/match.ts). Every clause is a filter: no scoring, cacheable.
 * The tenant clause comes first and is present whenever the caller is scoped to tenants.
 */
export function filterClauses(filter: EventFilter): Query[] {
  const clauses: Query[] = [];
  if (filter.tenant) clauses.push(terms('tenant', filter.tenant));
  if (filter.from !== undefined || filter.to !== undefined) {
    // Normalized to UTC milliseconds: the precision of the reference (Date.parse) and of the `date` field.
    const range: JsonObject = {};
    if (filter.from !== undefined) range.gte = isoMillis(filter.from);
    if (filter.to !== undefined) range.lt = isoMillis(filter.to);
    clauses.push({ range: { occurred_at: range } });
  }
  if (filter.source) clauses.push(terms('source', filter.source));
  if (filter.action || filter.action_prefix) {
    // Exact actions and prefixes are one list (`action=file.*,share_link.accessed`): any of them.
    const options: Query[] = [
      ...(filter.action ? [terms('action', filter.action)] : []),
      ...(filter.action_prefix ?? []).map((p) => ({ prefix: { action: `${p}.` } })),
    ];
    clauses.push(options.length === 1 ? options[0] : anyOf(options));
  }
  if (filter.actor) {
    clauses.push(
      filter.actor.length === 0
        ? MATCH_NONE
        : anyOf([
            terms('actor.id', filter.actor),
            terms('actor.email', actorFilterKeys(filter.actor).emails),
          ]),
    );
  }
  if (filter.source_action) clauses.push(terms('source_action', filter.source_action));
  if (filter.category) clauses.push(terms('category', filter.category));
  if (filter.workspace)
    clauses.push(anyOf([terms('workspace.id', filter.workspace), terms('workspace.name', filter.workspace)]));
  if (filter.country) clauses.push(terms('client.geo.country_code', filter.country));
  if (filter.region) clauses.push(terms('request.region', filter.region));
  if (filter.device) clauses.push(terms('client.device.kind', filter.device));
  if (filter.user_agent) {
    // A case-insensitive substring, as in the reference; the keyword holds the whole user agent (the
    // schema caps it at 1024, the mapping's ignore_above). Wildcard syntax in the value is escaped.
    clauses.push(
      anyOf(
        filter.user_agent.map((v) => ({
          wildcard: {
            'client.user_agent': { value: `*${v.replace(/[\\*?]/g, '\\$&')}*`, case_insensitive: true },
          },
        })),
      ),
    );
  }
  if (filter.target_user) clauses.push(terms('target_user_keys', userTargetFilterKeys(filter.target_user)));
  for (const [name, condition] of Object.entries(filter.attr ?? {}))
    clauses.push(attributeClause(name, condition));
  if (filter.request_id) clauses.push(terms('request.id', filter.request_id));
  if (filter.result) clauses.push(terms('outcome.result', filter.result));
  // A keyword copy of client.ip: exact string equality like the reference, and a malformed value in the
  // filter cannot turn into a 400 from the `ip` field type.
  if (filter.ip) clauses.push(terms('client_ip', filter.ip));
  if (filter.target_type) clauses.push(terms('targets.type', filter.target_type));
  if (filter.target_id) {
    // With a type filter, id and type must belong to the same target: "type:id" refs say exactly that.
    const types = filter.target_type;
    clauses.push(
      types
        ? terms(
            'target_refs',
            types.flatMap((t) => filter.target_id?.map((id) => `${t}:${id}`) ?? []),
          )
        : terms('targets.id', filter.target_id),
    );
  }
  if (filter.target_path) clauses.push(terms('target_paths', filter.target_path));
  if (filter.target_path_prefix !== undefined) {
    const prefix = pathPrefixKey(filter.target_path_prefix);
    clauses.push(
      prefix === undefined
        ? { exists: { field: 'target_paths' } }
        : { term: { target_path_prefixes: prefix } },
    );
  }
  if (filter.target_any) {
    const { refs, paths } = filter.target_any;
    const keys: Query[] = [];
    if (refs.length > 0) keys.push(terms('target_refs', refs));
    if (paths.length > 0) keys.push(terms('target_paths', paths));
    clauses.push(keys.length === 0 ? MATCH_NONE : anyOf(keys));
  }
  if (filter.q !== undefined) {
    // Every word must prefix-match one of the event's normalized words, as in the reference. Words are
    // letters and digits only (freeTextTerms), so no query syntax reaches OpenSearch.
    for (const term of freeTextTerms(filter.q)) clauses.push({ prefix: { search_text: term } });
  }
  if (filter.not) {
    const not = filter.not;
    const excluded: Query[] = [];
    for (const key of NEGATABLE_FILTERS) {
      const values = not[key];
      if (values !== undefined) excluded.push(...filterClauses({ [key]: values }));
    }
    if (not.target_path_prefix !== undefined)
      excluded.push(...filterClauses({ target_path_prefix: not.target_path_prefix }));
    for (const [name, condition] of Object.entries(not.attr ?? {}))
      excluded.push(attributeClause(name, condition));
    if (excluded.length > 0) clauses.push({ bool: { must_not: excluded } });
  }
  for (const part of filter.and ?? []) clauses.push({ bool: { filter: filterClauses(part) } });
  return clauses;
}

/** One declared field's condition on its typed `attrs.<name>` field: any of the values, within the bounds. */
function attributeClause(name: string, condition: AttributeCondition): Query {
  const field = `attrs.${name}`;
  const parts: Query[] = [];
  if (condition.values) parts.push(terms(field, condition.values));
  if (condition.gte !== undefined || condition.lte !== undefined) {
    const range: JsonObject = {};
    if (condition.gte !== undefined) range.gte = condition.gte;
    if (condition.lte !== undefined) range.lte = condition.lte;
    parts.push({ range: { [field]: range } });
  }
  if (parts.length === 0) parts.push({ exists: { field } });
  return parts.length === 1 ? parts[0] : { bool: { filter: parts } };
}

export function filterQuery(filter: EventFilter): Query {
  return { bool: { filter: filterClauses(filter) } };
}

/** The search_after tuple of a hit: occurred_at (epoch ms) and doc_key. */
export type SortKey = [number, string];

export function isSortKey(value: unknown): value is SortKey {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    Number.isSafeInteger(value[0]) &&
    typeof value[1] === 'string' &&
    value[1].length <= 512
  );
}

const sourceWithoutDerived: JsonObject = { excludes: [...DERIVED_FIELDS] };

/** One page of a listing: limit + 1 hits, so the adapter knows whether another page exists. */
export function searchBody(filter: EventFilter, page: { limit: number; after?: SortKey }): JsonObject {
  return {
    size: page.limit + 1,
    query: filterQuery(filter),
    sort: SORT,
    track_total_hits: false,
    _source: sourceWithoutDerived,
    ...(page.after ? { search_after: [...page.after] } : {}),
  };
}

/** A page inside a point in time: the same query and sort, the index comes from the PIT. */
export function pitSearchBody(
  filter: EventFilter,
  page: { pitId: string; keepAlive: string; limit: number; after?: SortKey },
): JsonObject {
  return {
    ...searchBody(filter, page),
    pit: { id: page.pitId, keep_alive: page.keepAlive },
  };
}

export function deletePitBody(pitIds: readonly string[]): JsonObject {
  return { pit_id: [...pitIds] };
}

export function countBody(filter: EventFilter): JsonObject {
  return { query: filterQuery(filter) };
}

/** histogram(): a date_histogram on occurred_at with a fixed interval, buckets aligned on the epoch. */
export function histogramBody(filter: EventFilter, intervalMs: number): JsonObject {
  return {
    size: 0,
    track_total_hits: false,
    query: filterQuery(filter),
    aggs: {
      histogram: {
        date_histogram: { field: 'occurred_at', fixed_interval: `${intervalMs}ms`, min_doc_count: 1 },
      },
    },
  };
}

/** get(): tenant-scoped ids when the caller has tenants, the plain id for the operator. */
export function getBody(id: string, tenants?: readonly string[]): JsonObject {
  const query: Query = tenants
    ? { ids: { values: tenants.map((t) => documentId(t, id)) } }
    : { bool: { filter: [{ term: { id } }] } };
  return { size: 1, query, sort: SORT, _source: sourceWithoutDerived };
}

const FACET_SOURCES: Record<FacetField, { field: string; label?: string }> = {
  action: { field: 'action' },
  actor: { field: 'actor.id', label: 'actor_label' },
  workspace: { field: 'workspace.id', label: 'workspace.name' },
  source: { field: 'source' },
  result: { field: 'outcome.result' },
  target_type: { field: 'targets.type' },
};

/**
 * Terms aggregation, most frequent first then by value (the SQLite adapter's order). The label is the
 * greatest label seen for the value (a one-bucket terms sub-aggregation ordered by key, descending),
 * which is what SQLite's max() returns. Several monthly indices mean several shards, so shard_size is
 * raised to keep top-N counts exact on realistic cardinalities.
 */
export function facetBody(filter: EventFilter, field: FacetField, limit: number): JsonObject {
  const { field: path, label } = FACET_SOURCES[field];
  return {
    size: 0,
    track_total_hits: false,
    query: filterQuery(filter),
    aggs: {
      facet: {
        terms: {
          field: path,
          size: limit,
          shard_size: Math.max(limit * 5, 100),
          order: [{ _count: 'desc' }, { _key: 'asc' }],
        },
        ...(label ? { aggs: { label: { terms: { field: label, size: 1, order: { _key: 'desc' } } } } } : {}),
      },
    },
  };
}

/**
 * Exact facet counts, every value paged with a composite aggregation: used when the terms aggregation
 * reports a `doc_count_error_upper_bound` (shard-level top terms, so the counts may be low).
 */
export function facetExactBody(
  filter: EventFilter,
  field: FacetField,
  after?: string,
  size = 1000,
): JsonObject {
  const { field: path, label } = FACET_SOURCES[field];
  return {
    size: 0,
    track_total_hits: false,
    query: filterQuery(filter),
    aggs: {
      facet: {
        composite: {
          size,
          sources: [{ value: { terms: { field: path } } }],
          ...(after !== undefined ? { after: { value: after } } : {}),
        },
        ...(label ? { aggs: { label: { terms: { field: label, size: 1, order: { _key: 'desc' } } } } } : {}),
      },
    },
  };
}

/** Events that have a target with one of the keys; only their targets are fetched. */
export function relatedBody(
  tenants: readonly string[] | undefined,
  keys: { refs: string[]; paths: string[] },
  page: { size: number; after?: SortKey },
): JsonObject {
  return {
    size: page.size,
    query: filterQuery({ ...(tenants ? { tenant: [...tenants] } : {}), target_any: keys }),
    sort: SORT,
    track_total_hits: false,
    _source: { includes: ['targets'] },
    ...(page.after ? { search_after: [...page.after] } : {}),
  };
}

/** Tenant × source pairs, paged with the composite aggregation's after_key. */
export function partitionsBody(after?: Partition, size = 1000): JsonObject {
  return {
    size: 0,
    track_total_hits: false,
    aggs: {
      partitions: {
        composite: {
          size,
          sources: [{ tenant: { terms: { field: 'tenant' } } }, { source: { terms: { field: 'source' } } }],
          ...(after ? { after: { tenant: after.tenant, source: after.source } } : {}),
        },
      },
    },
  };
}

function partitionClauses(partition: Partition): Query[] {
  return [{ term: { tenant: partition.tenant } }, { term: { source: partition.source } }];
}

/** `_delete_by_query` body of a purge: one partition's events strictly before the cut-off. */
export function deleteByQueryBody(partition: Partition, before: string): JsonObject {
  return {
    query: {
      bool: {
        filter: [...partitionClauses(partition), { range: { occurred_at: { lt: isoMillis(before) } } }],
      },
    },
  };
}

/** `_count` of documents in an index that do NOT belong to the partition: 0 means the index may be dropped. */
export function othersCountBody(partition: Partition): JsonObject {
  return { query: { bool: { must_not: [{ bool: { filter: partitionClauses(partition) } }] } } };
}

/** Existing `_id`s among a batch, checked before a bulk create (see OpenSearchStorage.append). */
export function existingIdsBody(ids: readonly string[]): JsonObject {
  return { size: ids.length, query: { ids: { values: [...ids] } }, _source: false, track_total_hits: false };
}
