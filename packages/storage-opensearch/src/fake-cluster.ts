import type { ClientRequest, IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import { Client, Connection } from '@opensearch-project/opensearch';
import type { SpecValidator } from './spec-validator.ts';

/**
 * Test helper: an in-memory emulator of the small part of OpenSearch this adapter uses, plugged into a
 * real `Client` through its `Connection` class, so the client's own serialization (NDJSON for `_bulk`,
 * query strings) is exercised. It is NOT a cluster, and it is deliberately strict rather than lenient:
 * where it cannot model OpenSearch it refuses (a 400 `fake_cluster` error) instead of guessing.
 *
 * Modelled as OpenSearch does it:
 * - near-real-time search: a write is visible to `_search`, `_count`, `_delete_by_query` and new points
 *   in time only after a refresh (`refresh=true|wait_for` on the write, or `POST /_refresh`). There is no
 *   periodic refresh, so a read that depends on one the adapter did not ask for fails here;
 * - a point in time is a snapshot: later writes and deletes are invisible to it;
 * - queries, sorts and aggregations read the *indexed* fields of the installed mapping, not `_source`:
 *   an unmapped field or one inside an `enabled: false` object matches nothing, keyword values longer
 *   than `ignore_above` are not indexed, sorting or aggregating an unmapped or text field is a 400,
 *   a malformed IP or date in a query is a 400, `search_after` must have one value per sort key;
 * - `dynamic: strict` documents checks, `ip`/`date`/integer parsing, Lucene's 32766-byte term limit;
 * - sort and terms `order` are honoured as given (asc/desc per key), ties broken as in the request.
 *
 * Not modelled (differences from a real cluster): text analysis (text fields refuse queries), shards
 * and replicas (aggregations are exact; a real multi-shard terms count can be approximate), scoring,
 * keyword sort by UTF-8 bytes (compared as JS strings: identical for the ASCII ids and tenants the
 * adapter sorts on), security, timeouts, auto-creation without a matching template (refused here).
 *
 * With `spec`, every request is matched to an operation of the official API spec: its query string and
 * body are validated against the operation's schemas and `_bulk` action lines against
 * `OperationContainer`; every success response it returns is validated against the response schema.
 * Violations are collected in `violations` for the test to assert empty.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body?: unknown;
  lines?: unknown[];
}

export interface FakeResponse {
  status: number;
  body: unknown;
}

interface StoredDoc {
  id: string;
  source: Obj;
}

/** A searchable document with the mapping of the index it was found in. */
interface Located {
  index: string;
  mapping: Obj;
  doc: StoredDoc;
}

interface Index {
  /** Every write, as the primary holds it (create conflicts are checked here, in real time). */
  docs: Map<string, StoredDoc>;
  /** What searches see: the state at the last refresh. */
  searchable: Map<string, StoredDoc>;
  aliases: Set<string>;
  mapping: Obj;
}

export interface BulkFault {
  status: number;
  type: string;
  reason: string;
}

export interface FakeClusterOptions {
  spec?: SpecValidator;
  /** Per bulk item fault: return one to fail the item instead of storing it. */
  bulkFault?: (item: { index: string; id: string; attempt: number }) => BulkFault | undefined;
  /** Whole-request fault, before anything else happens. */
  requestFault?: (request: FakeRequest) => FakeResponse | undefined;
}

/** A request OpenSearch would answer with a 4xx (bad query, bad sort, unknown PIT). */
class ClusterError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    reason: string,
  ) {
    super(reason);
  }
}

/** Lucene refuses terms longer than this many UTF-8 bytes ("immense term"). */
const MAX_TERM_BYTES = 32_766;
const RESPONSE_CHECKED = new Set([
  'bulk',
  'search',
  'count',
  'delete_by_query',
  'create_pit',
  'delete_pit',
  'indices.put_index_template',
  'indices.put_mapping',
  'indices.delete',
  'indices.refresh',
  'cat.indices',
]);

export class FakeCluster {
  readonly indices = new Map<string, Index>();
  readonly templates = new Map<string, Obj>();
  readonly policies = new Map<string, { seqNo: number; policy: Obj }>();
  readonly requests: FakeRequest[] = [];
  readonly violations: string[] = [];
  private readonly pits = new Map<string, Located[]>();
  private readonly attempts = new Map<string, number>();
  private pitCounter = 0;

  constructor(private readonly options: FakeClusterOptions = {}) {}

  /** A real client whose connection is this emulator. */
  client(): Client {
    const cluster = this;
    class FakeConnection extends Connection {
      override request(
        params: Parameters<Connection['request']>[0],
        callback: Parameters<Connection['request']>[1],
      ): ReturnType<Connection['request']> {
        const raw =
          typeof params.body === 'string'
            ? params.body
            : Buffer.isBuffer(params.body)
              ? params.body.toString()
              : '';
        const query = new URLSearchParams(params.querystring ?? '');
        const response = cluster.handle(
          String(params.method),
          decodeURIComponent(String(params.path)),
          query,
          raw,
        );
        const payload = JSON.stringify(response.body);
        const stream = Object.assign(Readable.from([Buffer.from(payload)]), {
          statusCode: response.status,
          headers: {
            'content-type': 'application/json; charset=UTF-8',
            'content-length': String(Buffer.byteLength(payload)),
          },
        });
        process.nextTick(callback, null, stream as unknown as IncomingMessage);
        return { abort() {} } as unknown as ClientRequest;
      }
    }
    return new Client({
      node: 'http://fake-cluster:9200',
      Connection: FakeConnection as unknown as typeof Connection,
      maxRetries: 0,
    });
  }

  /** Every stored document of every index (written, whether refreshed or not). */
  allDocs(): StoredDoc[] {
    return [...this.indices.values()].flatMap((i) => [...i.docs.values()]);
  }

  /** Makes every write visible to search, like `POST /_refresh`. */
  refresh(names: Iterable<string> = this.indices.keys()): void {
    for (const name of names) {
      const index = this.indices.get(name);
      if (index) index.searchable = new Map(index.docs);
    }
  }

  private violation(message: string) {
    this.violations.push(message);
  }

  handle(method: string, path: string, query: URLSearchParams, raw: string): FakeResponse {
    const request: FakeRequest = { method, path, query };
    if (path === '/_bulk') {
      request.lines = raw
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as unknown);
    } else if (raw) {
      request.body = JSON.parse(raw) as unknown;
    }
    this.requests.push(request);
    this.checkRequest(request);
    let response: FakeResponse;
    try {
      response = this.options.requestFault?.(request) ?? this.route(request);
    } catch (error) {
      if (!(error instanceof ClusterError)) throw error;
      response = {
        status: error.status,
        body: {
          error: {
            root_cause: [{ type: error.type, reason: error.message }],
            type: error.type,
            reason: error.message,
          },
          status: error.status,
        },
      };
    }
    this.checkResponse(request, response);
    return response;
  }

  private checkRequest(request: FakeRequest) {
    const spec = this.options.spec;
    if (!spec) return;
    const op = spec.findOperation(request.method, request.path);
    if (!op) {
      this.violation(`${request.method} ${request.path}: no such operation in the spec`);
      return;
    }
    const query = spec.validateQuery(op, Object.fromEntries(request.query));
    if (!query.valid) this.violation(`${op.group} query string: ${JSON.stringify(query.issues)}`);
    if (op.group === 'bulk') {
      request.lines?.forEach((line, i) => {
        if (i % 2 === 1) return;
        const result = spec.validateRef(
          'schemas/_core.bulk.yaml#/components/schemas/OperationContainer',
          line,
        );
        if (!result.valid) this.violation(`bulk line ${i}: ${JSON.stringify(result.issues)}`);
      });
      return;
    }
    if (request.body !== undefined) {
      const result = spec.validateRequest(op.group, request.body);
      if (!result.valid) this.violation(`${op.group}: ${JSON.stringify(result.issues.slice(0, 5))}`);
    }
  }

  private checkResponse(request: FakeRequest, response: FakeResponse) {
    const spec = this.options.spec;
    if (!spec) return;
    if (response.status >= 400) {
      // Errors, including injected faults, have the shape every OpenSearch error has.
      const error = spec.validateResponseRef(
        'schemas/_common.yaml#/components/schemas/ErrorResponseBase',
        response.body,
      );
      if (!error.valid) this.violation(`error response ${response.status}: ${JSON.stringify(error.issues)}`);
      return;
    }
    if (response.status >= 300) return;
    const op = spec.findOperation(request.method, request.path);
    if (!op || !RESPONSE_CHECKED.has(op.group)) return;
    const result = spec.validateResponse(op.group, response.status, response.body);
    if (!result.valid) this.violation(`${op.group} response: ${JSON.stringify(result.issues.slice(0, 5))}`);
  }

  private notFound(target: string): FakeResponse {
    return {
      status: 404,
      body: {
        error: { type: 'index_not_found_exception', reason: `no such index [${target}]`, index: target },
        status: 404,
      },
    };
  }

  private route(r: FakeRequest): FakeResponse {
    const parts = r.path.split('/').filter(Boolean);
    if (r.method === 'PUT' && parts[0] === '_index_template') {
      this.templates.set(parts[1], r.body as Obj);
      return { status: 200, body: { acknowledged: true } };
    }
    if (parts[0] === '_plugins' && parts[1] === '_ism' && parts[2] === 'policies')
      return this.ism(r, parts[3]);
    if (r.method === 'POST' && r.path === '/_bulk') return this.bulk(r.lines ?? [], r.query);
    if (r.method === 'POST' && r.path === '/_refresh') {
      this.refresh();
      return { status: 200, body: { _shards: shards() } };
    }
    if (r.method === 'GET' && r.path === '/_cluster/health')
      return { status: 200, body: { status: 'green' } };
    // One node with Index Management, as the adapter's ISM detection expects of a full distribution.
    if (r.method === 'GET' && r.path === '/_cat/nodes') return { status: 200, body: [{ name: 'fake' }] };
    if (r.method === 'GET' && r.path === '/_cat/plugins')
      return { status: 200, body: [{ name: 'fake', component: 'opensearch-index-management' }] };
    if (r.method === 'GET' && parts[0] === '_cat' && parts[1] === 'indices') {
      return { status: 200, body: this.resolve(parts[2] ?? '*').map((index) => ({ index })) };
    }
    if (r.method === 'DELETE' && r.path === '/_search/point_in_time') {
      const ids = isObj(r.body) && Array.isArray(r.body.pit_id) ? r.body.pit_id.map(String) : [];
      return {
        status: 200,
        body: { pits: ids.map((pit_id) => ({ pit_id, successful: this.pits.delete(pit_id) })) },
      };
    }
    if (r.method === 'POST' && r.path === '/_search') {
      const pit = isObj(r.body) && isObj(r.body.pit) ? String(r.body.pit.id) : '';
      const snapshot = this.pits.get(pit);
      if (!snapshot) {
        throw new ClusterError(
          404,
          'search_context_missing_exception',
          pit ? `No search context found for id [${pit}]` : 'a search without index needs a pit',
        );
      }
      return this.search(snapshot, r.body as Obj, pit);
    }
    if (r.method === 'DELETE' && parts.length === 1) {
      if (!this.indices.delete(parts[0])) return this.notFound(parts[0]);
      return { status: 200, body: { acknowledged: true } };
    }
    const indices = this.resolve(parts[0] ?? '');
    if (parts.length >= 2 && indices.length === 0 && !parts[0].includes('*')) return this.notFound(parts[0]);
    if (r.method === 'PUT' && parts[1] === '_mapping') return this.putMapping(parts[0], indices, r.body);
    if (r.method === 'POST' && parts[1] === '_refresh') {
      this.refresh(indices);
      return { status: 200, body: { _shards: shards() } };
    }
    if (r.method === 'POST' && parts[1] === '_search' && parts[2] === 'point_in_time') {
      if (!r.query.get('keep_alive'))
        throw new ClusterError(400, 'action_request_validation_exception', 'keep_alive is missing');
      const id = `pit-${++this.pitCounter}`;
      this.pits.set(id, this.searchableDocs(indices));
      return { status: 200, body: { pit_id: id, _shards: shards(), creation_time: Date.now() } };
    }
    if (r.method === 'POST' && parts[1] === '_search') {
      if (isObj(r.body) && r.body.pit !== undefined)
        throw new ClusterError(400, 'illegal_argument_exception', 'an index cannot be given with a pit');
      return this.search(this.searchableDocs(indices), (r.body ?? {}) as Obj);
    }
    if (r.method === 'POST' && parts[1] === '_count') {
      const query = isObj(r.body) ? r.body.query : undefined;
      const count = this.searchableDocs(indices).filter((d) => this.matches(d, query)).length;
      return { status: 200, body: { count, _shards: shards() } };
    }
    if (r.method === 'POST' && parts[1] === '_delete_by_query') return this.deleteByQuery(indices, r);
    throw new ClusterError(400, 'fake_cluster', `not emulated: ${r.method} ${r.path}`);
  }

  /** Scrolls over what is searchable now, deletes on the primary; visible after a refresh. */
  private deleteByQuery(indices: string[], r: FakeRequest): FakeResponse {
    const query = isObj(r.body) ? r.body.query : undefined;
    const doomed = this.searchableDocs(indices).filter((d) => this.matches(d, query));
    let deleted = 0;
    for (const doc of doomed) if (this.indices.get(doc.index)?.docs.delete(doc.doc.id)) deleted++;
    const refresh = r.query.get('refresh');
    if (refresh === 'true' || refresh === '') this.refresh(indices);
    const scroll = Number(r.query.get('scroll_size') ?? 1000);
    return {
      status: 200,
      body: {
        took: 1,
        timed_out: false,
        total: doomed.length,
        deleted,
        batches: Math.ceil(doomed.length / scroll),
        version_conflicts: doomed.length - deleted,
        noops: 0,
        retries: { bulk: 0, search: 0 },
        throttled_millis: 0,
        requests_per_second: -1,
        throttled_until_millis: 0,
        failures: [],
      },
    };
  }

  /** Additive mapping update on existing indices; a changed field type is a conflict, as in OpenSearch. */
  private putMapping(target: string, indices: string[], body: unknown): FakeResponse {
    if (indices.length === 0) return this.notFound(target);
    const wanted = isObj(body) ? body : {};
    for (const name of indices) {
      const index = this.indices.get(name);
      if (!index) continue;
      const conflict = mappingConflict(index.mapping, wanted);
      if (conflict) throw new ClusterError(400, 'illegal_argument_exception', conflict);
    }
    for (const name of indices) {
      const index = this.indices.get(name);
      if (index) index.mapping = mergeMapping(index.mapping, wanted);
    }
    return { status: 200, body: { acknowledged: true } };
  }

  private ism(r: FakeRequest, id: string): FakeResponse {
    const current = this.policies.get(id);
    if (r.method === 'GET') {
      if (!current)
        return {
          status: 404,
          body: { error: { type: 'status_exception', reason: 'Policy not found' }, status: 404 },
        };
      return {
        status: 200,
        body: {
          _id: id,
          _version: current.seqNo + 1,
          _seq_no: current.seqNo,
          _primary_term: 1,
          policy: current.policy,
        },
      };
    }
    const body = isObj(r.body) && isObj(r.body.policy) ? r.body.policy : {};
    if (
      current &&
      (r.query.get('if_seq_no') !== String(current.seqNo) || r.query.get('if_primary_term') !== '1')
    ) {
      return {
        status: 409,
        body: { error: { type: 'version_conflict_engine_exception', reason: 'conflict' }, status: 409 },
      };
    }
    const seqNo = current ? current.seqNo + 1 : 0;
    this.policies.set(id, { seqNo, policy: { ...body, policy_id: id } });
    return {
      status: current ? 200 : 201,
      body: { _id: id, _seq_no: seqNo, _primary_term: 1, policy: { policy: body } },
    };
  }

  /** Concrete index names for an index, alias or wildcard expression (comma separated). */
  resolve(expression: string): string[] {
    const out = new Set<string>();
    for (const part of expression.split(',')) {
      const regex = wildcard(part);
      for (const [name, index] of this.indices) {
        if (regex.test(name) || index.aliases.has(part)) out.add(name);
      }
    }
    return [...out].sort();
  }

  private searchableDocs(indices: string[]): Located[] {
    return indices.flatMap((name) => {
      const index = this.indices.get(name);
      if (!index) return [];
      return [...index.searchable.values()].map((doc) => ({ index: name, mapping: index.mapping, doc }));
    });
  }

  private createIndex(name: string): Index | undefined {
    for (const template of this.templates.values()) {
      const patterns = Array.isArray(template.index_patterns) ? template.index_patterns.map(String) : [];
      if (!patterns.some((p) => wildcard(p).test(name))) continue;
      const body = isObj(template.template) ? template.template : {};
      const index: Index = {
        docs: new Map(),
        searchable: new Map(),
        aliases: new Set(isObj(body.aliases) ? Object.keys(body.aliases) : []),
        mapping: isObj(body.mappings) ? structuredClone(body.mappings) : {},
      };
      this.indices.set(name, index);
      return index;
    }
    return undefined;
  }

  private bulk(lines: unknown[], query: URLSearchParams): FakeResponse {
    const items: Obj[] = [];
    const touched = new Set<string>();
    for (let i = 0; i < lines.length; i += 2) {
      const action = lines[i];
      const create = isObj(action) && isObj(action.create) ? action.create : undefined;
      if (!create) {
        items.push({
          index: { status: 400, error: { type: 'fake_cluster', reason: 'only create is emulated' } },
        });
        continue;
      }
      const name = String(create._index);
      const id = String(create._id);
      const key = `${name}/${id}`;
      const attempt = (this.attempts.get(key) ?? 0) + 1;
      this.attempts.set(key, attempt);
      const base = { _index: name, _id: id };
      const failed = (status: number, type: string, reason: string) =>
        items.push({ create: { ...base, status, error: { type, reason } } });
      const fault = this.options.bulkFault?.({ index: name, id, attempt });
      if (fault) {
        failed(fault.status, fault.type, fault.reason);
        continue;
      }
      if (!/^[a-z0-9][^A-Z\\/*?"<>| ,#:]*$/.test(name) || Buffer.byteLength(name) > 255) {
        failed(400, 'invalid_index_name_exception', `Invalid index name [${name}]`);
        continue;
      }
      if (Buffer.byteLength(id) > 512) {
        failed(400, 'illegal_argument_exception', `id [${id}] is too long, must be no longer than 512 bytes`);
        continue;
      }
      const index = this.indices.get(name) ?? this.createIndex(name);
      if (!index) {
        failed(404, 'index_not_found_exception', `no template for [${name}]; the emulator does not guess`);
        continue;
      }
      const doc = lines[i + 1];
      const problem = isObj(doc) ? mappingProblem(index.mapping, doc) : 'document is not an object';
      if (problem) {
        this.violation(`document ${id}: ${problem}`);
        failed(400, 'mapper_parsing_exception', problem);
        continue;
      }
      if (index.docs.has(id)) {
        failed(
          409,
          'version_conflict_engine_exception',
          `[${id}]: version conflict, document already exists`,
        );
        continue;
      }
      index.docs.set(id, { id, source: structuredClone(doc as Obj) });
      touched.add(name);
      items.push({
        create: {
          ...base,
          _version: 1,
          result: 'created',
          _shards: { total: 2, successful: 1, failed: 0 },
          _seq_no: 0,
          _primary_term: 1,
          status: 201,
        },
      });
    }
    // wait_for returns once a refresh made the writes visible; true refreshes at once. Either way the
    // caller's next read sees them. Without either, nothing is visible until someone refreshes.
    const refresh = query.get('refresh');
    if (refresh === 'true' || refresh === 'wait_for' || refresh === '') this.refresh(touched);
    const errors = items.some((item) => Object.values(item).some((v) => isObj(v) && Number(v.status) >= 300));
    return { status: 200, body: { took: 3, errors, items } };
  }

  private search(docs: Located[], body: Obj, pitId?: string): FakeResponse {
    const mapping = this.mappingOf(docs);
    let found = docs.filter((d) => this.matches(d, body.query));
    const sort = sortKeys(body.sort, mapping);
    const keys = (d: Located) => sort.map((s) => sortValue(d.mapping, d.doc, s));
    found.sort((a, b) => compareSortKeys(keys(a), keys(b), sort));
    if (body.search_after !== undefined) {
      const after = body.search_after;
      if (!Array.isArray(after) || after.length !== sort.length) {
        throw new ClusterError(
          400,
          'illegal_argument_exception',
          `search_after has ${Array.isArray(after) ? after.length : 0} value(s) but sort has ${sort.length}`,
        );
      }
      found = found.filter((d) => compareSortKeys(keys(d), after, sort) > 0);
    }
    const size = typeof body.size === 'number' ? body.size : 10;
    const hits = found.slice(0, size).map((d) => ({
      _index: d.index,
      _id: d.doc.id,
      _score: null,
      ...(body._source === false ? {} : { _source: project(d.doc.source, body._source) }),
      ...(sort.length > 0 ? { sort: keys(d) } : {}),
    }));
    const aggregations = isObj(body.aggs) ? aggregate(body.aggs, found, mapping) : undefined;
    return {
      status: 200,
      body: {
        took: 1,
        timed_out: false,
        _shards: shards(),
        hits: {
          ...(body.track_total_hits === false ? {} : { total: { value: found.length, relation: 'eq' } }),
          max_score: null,
          hits,
        },
        ...(aggregations ? { aggregations } : {}),
        ...(pitId ? { pit_id: pitId } : {}),
      },
    };
  }

  /** The mapping sorts and aggregations are checked against (every index of the layout shares the template's). */
  private mappingOf(docs: Located[]): Obj {
    if (docs[0]) return docs[0].mapping;
    const [first] = this.indices.values();
    return first?.mapping ?? {};
  }

  /** The query DSL subset the adapter emits, over indexed values (see fieldValues). */
  private matches(d: Located, query: unknown): boolean {
    return matchQuery(d.mapping, d.doc, query);
  }
}

function shards() {
  return { total: 1, successful: 1, skipped: 0, failed: 0 };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*')}$`);
}

/** Every leaf value at a dotted path of _source, flattening arrays on the way (object fields, not nested). */
function valuesAt(source: unknown, path: string): unknown[] {
  let current: unknown[] = [source];
  for (const key of path.split('.')) {
    current = current
      .flatMap((v) => (Array.isArray(v) ? v : [v]))
      .flatMap((v) => (isObj(v) && key in v ? [v[key]] : []));
  }
  return current.flatMap((v) => (Array.isArray(v) ? v : [v])).filter((v) => v !== null && v !== undefined);
}

type FieldKind =
  | { kind: 'leaf'; def: Obj; sourcePath: string }
  | { kind: 'flat'; root: string; key: string }
  | { kind: 'object'; sourcePath: string }
  | { kind: 'absent' };

/** How the mapping indexes a field path: a leaf (or multi-field), a flat_object key, an object, or nothing. */
function resolveField(mapping: Obj, path: string): FieldKind {
  const parts = path.split('.');
  let node: Obj = mapping;
  for (let i = 0; i < parts.length; i++) {
    const properties = isObj(node.properties) ? node.properties : undefined;
    const child = properties?.[parts[i]];
    if (isObj(child)) {
      if (child.enabled === false) return { kind: 'absent' };
      if (child.type === 'flat_object') {
        return { kind: 'flat', root: parts.slice(0, i + 1).join('.'), key: parts.slice(i + 1).join('.') };
      }
      node = child;
      continue;
    }
    // A multi-field such as `actor.name.text`: the last segment names a sub-field of a leaf.
    const sub = isObj(node.fields) ? node.fields[parts[i]] : undefined;
    if (i === parts.length - 1 && isObj(sub)) {
      return { kind: 'leaf', def: sub, sourcePath: parts.slice(0, i).join('.') };
    }
    return { kind: 'absent' };
  }
  if (node.type === undefined || node.type === 'object') return { kind: 'object', sourcePath: path };
  return { kind: 'leaf', def: node, sourcePath: path };
}

const TEXT_TYPES = new Set(['text', 'match_only_text']);
const NUMERIC_TYPES = new Set(['long', 'integer', 'short', 'byte', 'double', 'float']);

/** The values a field holds in the index, as OpenSearch would compare them (keywords as strings). */
function fieldValues(mapping: Obj, doc: StoredDoc, path: string): (string | number)[] {
  const field = resolveField(mapping, path);
  if (field.kind === 'absent' || field.kind === 'object') return [];
  if (field.kind === 'flat') {
    const values = field.key ? valuesAt(valuesAt(doc.source, field.root)[0], field.key) : [];
    return values.filter((v) => !isObj(v)).map(String);
  }
  const { def, sourcePath } = field;
  const type = String(def.type);
  if (TEXT_TYPES.has(type)) {
    throw new ClusterError(400, 'fake_cluster', `[${path}] is analyzed text; the emulator does not analyze`);
  }
  if (def.index === false) {
    throw new ClusterError(
      400,
      'query_shard_exception',
      `Cannot search on field [${path}] since it is not indexed.`,
    );
  }
  const raw = valuesAt(doc.source, sourcePath).filter((v) => !isObj(v));
  if (type === 'date') return raw.map((v) => Date.parse(String(v)));
  if (NUMERIC_TYPES.has(type)) return raw.map(Number);
  const limit = typeof def.ignore_above === 'number' ? def.ignore_above : Number.POSITIVE_INFINITY;
  return raw.map(String).filter((v) => v.length <= limit);
}

function fieldType(mapping: Obj, path: string): string | undefined {
  const field = resolveField(mapping, path);
  if (field.kind === 'leaf') return String(field.def.type);
  return field.kind === 'flat' ? 'flat_object' : undefined;
}

/** A query value as the field's type parses it; unparsable values are a 400, as in OpenSearch. */
function queryValue(mapping: Obj, path: string, value: unknown): string | number {
  const type = fieldType(mapping, path);
  if (type === 'date') {
    const t = typeof value === 'number' ? value : Date.parse(String(value));
    if (Number.isNaN(t))
      throw new ClusterError(400, 'parse_exception', `failed to parse date field [${String(value)}]`);
    return t;
  }
  if (type === 'ip' && isIP(String(value)) === 0)
    throw new ClusterError(400, 'query_shard_exception', `'${String(value)}' is not an IP string literal.`);
  if (type && NUMERIC_TYPES.has(type)) return Number(value);
  return String(value);
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

function single(body: Obj, kind: string): [string, unknown] {
  const entries = Object.entries(body);
  if (entries.length !== 1) throw new ClusterError(400, 'parsing_exception', `[${kind}] needs one field`);
  return entries[0] as [string, unknown];
}

/** The query DSL subset the adapter emits, evaluated over indexed values. */
export function matchQuery(mapping: Obj, doc: StoredDoc, query: unknown): boolean {
  if (query === undefined) return true;
  if (!isObj(query)) throw new ClusterError(400, 'parsing_exception', 'query must be an object');
  const [kind, raw] = single(query, 'query');
  const body = isObj(raw) ? raw : {};
  switch (kind) {
    case 'match_all':
      return true;
    case 'match_none':
      return false;
    case 'bool': {
      const all = [...asList(body.filter), ...asList(body.must)].every((q) => matchQuery(mapping, doc, q));
      const none = asList(body.must_not).every((q) => !matchQuery(mapping, doc, q));
      const should = asList(body.should);
      // OpenSearch: with no must/filter clause, at least one should clause must match.
      const hasRequired = asList(body.filter).length + asList(body.must).length > 0;
      const min =
        typeof body.minimum_should_match === 'number'
          ? body.minimum_should_match
          : should.length > 0 && !hasRequired
            ? 1
            : 0;
      return all && none && should.filter((q) => matchQuery(mapping, doc, q)).length >= min;
    }
    case 'ids':
      return asList(body.values).map(String).includes(doc.id);
    case 'term': {
      const [f, v] = single(body, kind);
      const wanted = queryValue(mapping, f, isObj(v) ? v.value : v);
      return fieldValues(mapping, doc, f).some((x) => x === wanted);
    }
    case 'terms': {
      const [f, v] = single(body, kind);
      if (!Array.isArray(v)) throw new ClusterError(400, 'parsing_exception', '[terms] needs an array');
      const wanted = new Set(v.map((x) => queryValue(mapping, f, x)));
      return fieldValues(mapping, doc, f).some((x) => wanted.has(x));
    }
    case 'prefix': {
      const [f, v] = single(body, kind);
      const p = String(isObj(v) ? v.value : v);
      if (fieldType(mapping, f) !== 'keyword' && fieldType(mapping, f) !== 'flat_object')
        throw new ClusterError(400, 'fake_cluster', `prefix on [${f}] is only emulated for keyword fields`);
      return fieldValues(mapping, doc, f).some((x) => String(x).startsWith(p));
    }
    case 'wildcard': {
      // `*` any run, `?` one character, `\` escapes; case_insensitive lower-cases both sides.
      const [f, v] = single(body, kind);
      const spec = isObj(v) ? v : { value: v };
      if (fieldType(mapping, f) !== 'keyword')
        throw new ClusterError(400, 'fake_cluster', `wildcard on [${f}] is only emulated for keyword fields`);
      const fold = spec.case_insensitive === true;
      let source = '';
      const pattern = String(spec.value);
      for (let i = 0; i < pattern.length; i++) {
        const ch = pattern[i];
        if (ch === '\\' && i + 1 < pattern.length) source += escapeRegex(pattern[++i]);
        else if (ch === '*') source += '.*';
        else if (ch === '?') source += '.';
        else source += escapeRegex(ch);
      }
      const regex = new RegExp(`^${source}$`, `s${fold ? 'i' : ''}`);
      return fieldValues(mapping, doc, f).some((x) => regex.test(fold ? String(x).toLowerCase() : String(x)));
    }
    case 'exists': {
      const f = String(body.field);
      const field = resolveField(mapping, f);
      if (field.kind === 'object') return valuesAt(doc.source, field.sourcePath).length > 0;
      return fieldValues(mapping, doc, f).length > 0;
    }
    case 'range': {
      const [f, r] = single(body, kind);
      if (!isObj(r)) return false;
      const bound = (key: string) => (r[key] === undefined ? undefined : queryValue(mapping, f, r[key]));
      const [gte, gt, lt, lte] = [bound('gte'), bound('gt'), bound('lt'), bound('lte')];
      return fieldValues(mapping, doc, f).some(
        (t) =>
          (gte === undefined || t >= gte) &&
          (gt === undefined || t > gt) &&
          (lt === undefined || t < lt) &&
          (lte === undefined || t <= lte),
      );
    }
    default:
      throw new ClusterError(400, 'fake_cluster', `query [${kind}] is not emulated`);
  }
}

interface SortKey {
  field: string;
  desc: boolean;
}

const SORTABLE = new Set(['keyword', 'date', 'ip', 'boolean', ...NUMERIC_TYPES]);

function sortKeys(sort: unknown, mapping: Obj): SortKey[] {
  return asList(sort).map((entry) => {
    const [field, spec] = typeof entry === 'string' ? [entry, 'asc'] : single(entry as Obj, 'sort');
    const order = isObj(spec) ? spec.order : spec;
    if (order !== undefined && order !== 'asc' && order !== 'desc')
      throw new ClusterError(400, 'parsing_exception', `unknown sort order [${String(order)}]`);
    const type = fieldType(mapping, field);
    if (type === undefined)
      throw new ClusterError(
        400,
        'query_shard_exception',
        `No mapping found for [${field}] in order to sort on`,
      );
    if (!SORTABLE.has(type))
      throw new ClusterError(
        400,
        'illegal_argument_exception',
        `Fielddata is disabled on [${field}] (${type})`,
      );
    return { field, desc: order === 'desc' };
  });
}

/** A multi-valued field sorts by its smallest value ascending, by its largest descending. */
function sortValue(mapping: Obj, doc: StoredDoc, key: SortKey): string | number | null {
  const values = fieldValues(mapping, doc, key.field);
  if (values.length === 0) return null;
  return values.reduce((a, b) => ((key.desc ? b > a : b < a) ? b : a));
}

/** Negative when `a` comes first. Missing values sort last in either direction (OpenSearch's `_last`). */
function compareSortKeys(a: readonly unknown[], b: readonly unknown[], keys: SortKey[]): number {
  for (let i = 0; i < keys.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    const natural = typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : 1;
    return keys[i].desc ? -natural : natural;
  }
  return 0;
}

function project(source: Obj, spec: unknown): Obj {
  if (!isObj(spec)) return source;
  const names = [...asList(spec.includes), ...asList(spec.excludes)].map(String);
  if (names.some((n) => n.includes('*') || n.includes('.')))
    throw new ClusterError(400, 'fake_cluster', '_source filtering is emulated for top-level names only');
  const out: Obj = {};
  if (spec.includes !== undefined) {
    for (const key of asList(spec.includes).map(String)) if (key in source) out[key] = source[key];
    return out;
  }
  const excludes = new Set(asList(spec.excludes).map(String));
  for (const [key, value] of Object.entries(source)) if (!excludes.has(key)) out[key] = value;
  return out;
}

/** `order` of a terms aggregation as [criterion, descending] pairs; ties end on the key ascending. */
function termsOrder(order: unknown): ['_count' | '_key', boolean][] {
  const out: ['_count' | '_key', boolean][] = [];
  for (const entry of order === undefined ? [{ _count: 'desc' }] : asList(order)) {
    if (!isObj(entry)) throw new ClusterError(400, 'parsing_exception', 'terms order must be an object');
    for (const [key, dir] of Object.entries(entry)) {
      if ((key !== '_count' && key !== '_key') || (dir !== 'asc' && dir !== 'desc'))
        throw new ClusterError(400, 'fake_cluster', `terms order ${key}:${String(dir)} is not emulated`);
      out.push([key, dir === 'desc']);
    }
  }
  if (!out.some(([key]) => key === '_key')) out.push(['_key', false]);
  return out;
}

function aggregatableField(mapping: Obj, field: string): void {
  const type = fieldType(mapping, field);
  if (type === undefined) return; // an unmapped field aggregates to no buckets
  if (!SORTABLE.has(type))
    throw new ClusterError(
      400,
      'illegal_argument_exception',
      `Fielddata is disabled on [${field}] (${type})`,
    );
}

function aggregate(aggs: Obj, docs: Located[], mapping: Obj): Obj {
  const out: Obj = {};
  for (const [name, raw] of Object.entries(aggs)) {
    if (!isObj(raw)) continue;
    if (isObj(raw.terms)) {
      const terms = raw.terms;
      const field = String(terms.field);
      aggregatableField(mapping, field);
      const groups = new Map<string, Located[]>();
      for (const d of docs) {
        for (const v of new Set(fieldValues(mapping, d.doc, field).map(String))) {
          groups.set(v, [...(groups.get(v) ?? []), d]);
        }
      }
      const order = termsOrder(terms.order);
      const entries = [...groups.entries()].sort(([ka, a], [kb, b]) => {
        for (const [criterion, desc] of order) {
          const natural = criterion === '_count' ? a.length - b.length : ka < kb ? -1 : ka > kb ? 1 : 0;
          if (natural !== 0) return desc ? -natural : natural;
        }
        return 0;
      });
      const size = typeof terms.size === 'number' ? terms.size : 10;
      out[name] = {
        doc_count_error_upper_bound: 0,
        sum_other_doc_count: entries.slice(size).reduce((n, [, g]) => n + g.length, 0),
        buckets: entries.slice(0, size).map(([key, group]) => ({
          key,
          doc_count: group.length,
          ...(isObj(raw.aggs) ? aggregate(raw.aggs, group, mapping) : {}),
        })),
      };
    } else if (isObj(raw.date_histogram)) {
      // Fixed intervals in milliseconds only (what the adapter sends); keys are epoch-aligned bucket starts.
      const dh = raw.date_histogram;
      const field = String(dh.field);
      aggregatableField(mapping, field);
      const interval = /^(\d+)ms$/.exec(String(dh.fixed_interval));
      if (!interval) throw new ClusterError(400, 'fake_cluster', 'only fixed_interval in ms is emulated');
      const ms = Number(interval[1]);
      const counts = new Map<number, number>();
      for (const d of docs) {
        const v = fieldValues(mapping, d.doc, field)[0];
        if (v === undefined) continue;
        const t = typeof v === 'number' ? v : Date.parse(String(v));
        const key = Math.floor(t / ms) * ms;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      out[name] = {
        buckets: [...counts.entries()]
          .sort(([a], [b]) => a - b)
          .map(([key, count]) => ({ key, key_as_string: new Date(key).toISOString(), doc_count: count })),
      };
    } else if (isObj(raw.composite)) {
      const composite = raw.composite;
      const sources = asList(composite.sources).map((s) => {
        const [key, def] = single(s as Obj, 'composite source');
        const field = isObj(def) && isObj(def.terms) ? String(def.terms.field) : undefined;
        if (!field) throw new ClusterError(400, 'fake_cluster', 'only terms sources are emulated');
        aggregatableField(mapping, field);
        return { key, field };
      });
      const groups = new Map<string, { key: Obj; count: number }>();
      for (const d of docs) {
        // A document missing a source field is not in any composite bucket (missing_bucket: false).
        const values = sources.map((s) => fieldValues(mapping, d.doc, s.field).map(String));
        if (values.some((v) => v.length === 0)) continue;
        const combos = values.reduce<string[][]>(
          (acc, vs) => acc.flatMap((prefix) => [...new Set(vs)].map((v) => [...prefix, v])),
          [[]],
        );
        for (const combo of combos) {
          const key: Obj = Object.fromEntries(sources.map((s, i) => [s.key, combo[i]]));
          const id = JSON.stringify(key);
          groups.set(id, { key, count: (groups.get(id)?.count ?? 0) + 1 });
        }
      }
      const ascending = sources.map((s) => ({ field: s.key, desc: false }));
      const order = (k: Obj) => sources.map((s) => k[s.key]);
      let buckets = [...groups.values()].sort((a, b) =>
        compareSortKeys(order(a.key), order(b.key), ascending),
      );
      if (isObj(composite.after)) {
        const after = order(composite.after);
        buckets = buckets.filter((b) => compareSortKeys(order(b.key), after, ascending) > 0);
      }
      const size = typeof composite.size === 'number' ? composite.size : 10;
      const page = buckets.slice(0, size);
      out[name] = {
        ...(page.length > 0 ? { after_key: page[page.length - 1].key } : {}),
        buckets: page.map((b) => ({ key: b.key, doc_count: b.count })),
      };
    } else {
      throw new ClusterError(400, 'fake_cluster', `aggregation [${name}] is not emulated`);
    }
  }
  return out;
}

/** Why a document would be rejected by a `dynamic: strict` mapping, or undefined when it fits. */
export function mappingProblem(mapping: Obj, doc: Obj, prefix = ''): string | undefined {
  const properties = isObj(mapping.properties) ? mapping.properties : {};
  for (const [key, value] of Object.entries(doc)) {
    const path = `${prefix}${key}`;
    const def = properties[key];
    if (!isObj(def)) return `mapping set to strict, dynamic introduction of [${path}] is not allowed`;
    if (def.enabled === false || def.type === 'flat_object') continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === null) continue;
      if (isObj(def.properties) || def.type === 'object') {
        if (!isObj(item)) return `object mapping for [${path}] tried to parse a value as object`;
        const inner = mappingProblem(def, item, `${path}.`);
        if (inner) return inner;
        continue;
      }
      if (isObj(item)) return `failed to parse field [${path}]: object given to a ${String(def.type)} field`;
      const bad =
        (def.type === 'date' && Number.isNaN(Date.parse(String(item)))) ||
        (def.type === 'ip' && isIP(String(item)) === 0) ||
        (['long', 'integer', 'short'].includes(String(def.type)) && !Number.isInteger(item)) ||
        (def.type === 'keyword' &&
          typeof item !== 'string' &&
          typeof item !== 'number' &&
          typeof item !== 'boolean');
      if (bad) return `failed to parse field [${path}] of type [${String(def.type)}]`;
      const ignored = typeof def.ignore_above === 'number' && String(item).length > def.ignore_above;
      if (def.type === 'keyword' && !ignored && Buffer.byteLength(String(item)) > MAX_TERM_BYTES) {
        return `Document contains at least one immense term in field="${path}" (longer than ${MAX_TERM_BYTES} bytes)`;
      }
    }
  }
  return undefined;
}

/** The first field whose type an update would change, as `PUT _mapping` reports it. */
function mappingConflict(current: Obj, wanted: Obj, prefix = ''): string | undefined {
  const have = isObj(current.properties) ? current.properties : {};
  const want = isObj(wanted.properties) ? wanted.properties : {};
  for (const [key, def] of Object.entries(want)) {
    const old = have[key];
    if (!isObj(old) || !isObj(def)) continue;
    if ((old.type ?? 'object') !== (def.type ?? 'object'))
      return `mapper [${prefix}${key}] cannot be changed from type [${String(old.type ?? 'object')}] to [${String(def.type ?? 'object')}]`;
    const inner = mappingConflict(old, def, `${prefix}${key}.`);
    if (inner) return inner;
  }
  return undefined;
}

function mergeMapping(current: Obj, wanted: Obj): Obj {
  const have = isObj(current.properties) ? current.properties : {};
  const want = isObj(wanted.properties) ? wanted.properties : {};
  const properties: Obj = { ...have };
  for (const [key, def] of Object.entries(want)) {
    const old = have[key];
    properties[key] = isObj(old) && isObj(def) && isObj(def.properties) ? mergeMapping(old, def) : def;
  }
  return { ...current, ...wanted, properties };
}
