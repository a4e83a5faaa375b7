import type { ClientRequest, IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import { Client, Connection } from '@opensearch-project/opensearch';
import type { SpecValidator } from './spec-validator.ts';

/**
 * Test helper: an in-memory emulator of the small part of OpenSearch this adapter uses, plugged into a
 * real `Client` through its `Connection` class, so the client's own serialization (NDJSON for `_bulk`,
 * query strings) is exercised. It is NOT a cluster: analyzers, shards, refresh and real aggregations
 * accuracy are not modelled. What it adds over plain stubs:
 * - every request is matched to an operation of the official API spec and its body validated against
 *   that operation's schema; `_bulk` action lines against `OperationContainer` (violations collected);
 * - every response it returns for search, count, bulk and delete_by_query is validated against the
 *   spec's response schema, so the adapter is fed shapes the spec promises;
 * - documents are checked against the installed template's strict mapping, like `dynamic: strict`;
 * - faults can be injected per bulk item (429, 5xx, 400) or per request.
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

interface Index {
  docs: Map<string, StoredDoc>;
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

export class FakeCluster {
  readonly indices = new Map<string, Index>();
  readonly templates = new Map<string, Obj>();
  readonly policies = new Map<string, { seqNo: number; policy: Obj }>();
  readonly requests: FakeRequest[] = [];
  readonly violations: string[] = [];
  private readonly pits = new Map<string, string[]>();
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

  /** Every stored document of every index. */
  allDocs(): StoredDoc[] {
    return [...this.indices.values()].flatMap((i) => [...i.docs.values()]);
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
    const fault = this.options.requestFault?.(request);
    if (fault) return fault;
    const response = this.route(request);
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
    if (!spec || response.status >= 300) return;
    const op = spec.findOperation(request.method, request.path);
    if (!op || !['bulk', 'search', 'count', 'delete_by_query', 'create_pit'].includes(op.group)) return;
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
    if (r.method === 'POST' && r.path === '/_bulk') return this.bulk(r.lines ?? []);
    if (r.method === 'GET' && r.path === '/_cluster/health')
      return { status: 200, body: { status: 'green' } };
    if (r.method === 'GET' && parts[0] === '_cat' && parts[1] === 'indices') {
      return { status: 200, body: this.resolve(parts[2] ?? '*').map((index) => ({ index })) };
    }
    if (r.method === 'DELETE' && r.path === '/_search/point_in_time') {
      const ids = isObj(r.body) && Array.isArray(r.body.pit_id) ? r.body.pit_id : [];
      for (const id of ids) this.pits.delete(String(id));
      return { status: 200, body: { pits: ids.map((pit_id) => ({ pit_id, successful: true })) } };
    }
    if (r.method === 'POST' && r.path === '/_search') {
      const pit = isObj(r.body) && isObj(r.body.pit) ? String(r.body.pit.id) : '';
      const indices = this.pits.get(pit);
      if (!indices)
        return {
          status: 404,
          body: { error: { type: 'search_context_missing_exception', reason: 'no pit' } },
        };
      return this.search(indices, r.body as Obj, pit);
    }
    if (r.method === 'DELETE' && parts.length === 1) {
      if (!this.indices.delete(parts[0])) return this.notFound(parts[0]);
      return { status: 200, body: { acknowledged: true } };
    }
    const indices = this.resolve(parts[0] ?? '');
    if (parts.length >= 2 && indices.length === 0 && !parts[0].includes('*')) return this.notFound(parts[0]);
    if (r.method === 'POST' && parts[1] === '_search' && parts[2] === 'point_in_time') {
      const id = `pit-${++this.pitCounter}`;
      this.pits.set(id, indices);
      return { status: 200, body: { pit_id: id, _shards: shards(), creation_time: Date.now() } };
    }
    if (r.method === 'POST' && parts[1] === '_search') return this.search(indices, (r.body ?? {}) as Obj);
    if (r.method === 'POST' && parts[1] === '_count') {
      const query = isObj(r.body) ? r.body.query : undefined;
      const count = this.docsOf(indices).filter((d) => matches(d, query)).length;
      return { status: 200, body: { count, _shards: shards() } };
    }
    if (r.method === 'POST' && parts[1] === '_delete_by_query') {
      const query = isObj(r.body) ? r.body.query : undefined;
      let deleted = 0;
      for (const name of indices) {
        const index = this.indices.get(name);
        for (const [id, doc] of index?.docs ?? []) {
          if (matches(doc, query)) {
            index?.docs.delete(id);
            deleted++;
          }
        }
      }
      const scroll = Number(r.query.get('scroll_size') ?? 1000);
      return {
        status: 200,
        body: {
          took: 1,
          timed_out: false,
          total: deleted,
          deleted,
          batches: Math.ceil(deleted / scroll),
          version_conflicts: 0,
          noops: 0,
          retries: { bulk: 0, search: 0 },
          throttled_millis: 0,
          requests_per_second: -1,
          throttled_until_millis: 0,
          failures: [],
        },
      };
    }
    return {
      status: 400,
      body: { error: { type: 'fake_cluster', reason: `not emulated: ${r.method} ${r.path}` } },
    };
  }

  private ism(r: FakeRequest, id: string): FakeResponse {
    const current = this.policies.get(id);
    if (r.method === 'GET') {
      if (!current)
        return { status: 404, body: { error: { type: 'status_exception', reason: 'Policy not found' } } };
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
    if (current && r.query.get('if_seq_no') !== String(current.seqNo)) {
      return {
        status: 409,
        body: { error: { type: 'version_conflict_engine_exception', reason: 'conflict' } },
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
      const regex = new RegExp(`^${part.split('*').map(escapeRegex).join('.*')}$`);
      for (const [name, index] of this.indices) {
        if (regex.test(name) || index.aliases.has(part)) out.add(name);
      }
    }
    return [...out].sort();
  }

  private docsOf(indices: string[]): (StoredDoc & { index: string })[] {
    return indices.flatMap((name) =>
      [...(this.indices.get(name)?.docs.values() ?? [])].map((d) => ({ ...d, index: name })),
    );
  }

  private createIndex(name: string): Index | undefined {
    for (const template of this.templates.values()) {
      const patterns = Array.isArray(template.index_patterns) ? template.index_patterns.map(String) : [];
      if (!patterns.some((p) => new RegExp(`^${p.split('*').map(escapeRegex).join('.*')}$`).test(name)))
        continue;
      const body = isObj(template.template) ? template.template : {};
      const index: Index = {
        docs: new Map(),
        aliases: new Set(isObj(body.aliases) ? Object.keys(body.aliases) : []),
        mapping: isObj(body.mappings) ? body.mappings : {},
      };
      this.indices.set(name, index);
      return index;
    }
    return undefined;
  }

  private bulk(lines: unknown[]): FakeResponse {
    const items: Obj[] = [];
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
      const fault = this.options.bulkFault?.({ index: name, id, attempt });
      const base = { _index: name, _id: id };
      if (fault) {
        items.push({
          create: { ...base, status: fault.status, error: { type: fault.type, reason: fault.reason } },
        });
        continue;
      }
      const index = this.indices.get(name) ?? this.createIndex(name);
      if (!index) {
        items.push({
          create: { ...base, status: 404, error: { type: 'index_not_found_exception', reason: name } },
        });
        continue;
      }
      const doc = lines[i + 1];
      const problem = isObj(doc) ? mappingProblem(index.mapping, doc) : 'document is not an object';
      if (problem) {
        this.violation(`document ${id}: ${problem}`);
        items.push({
          create: {
            ...base,
            status: 400,
            error: { type: 'strict_dynamic_mapping_exception', reason: problem },
          },
        });
        continue;
      }
      if (index.docs.has(id)) {
        items.push({
          create: {
            ...base,
            status: 409,
            error: {
              type: 'version_conflict_engine_exception',
              reason: `[${id}]: version conflict, document already exists`,
            },
          },
        });
        continue;
      }
      index.docs.set(id, { id, source: structuredClone(doc as Obj) });
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
    const errors = items.some((item) => Object.values(item).some((v) => isObj(v) && Number(v.status) >= 300));
    return { status: 200, body: { took: 3, errors, items } };
  }

  private search(indices: string[], body: Obj, pitId?: string): FakeResponse {
    let docs = this.docsOf(indices).filter((d) => matches(d, body.query));
    const sort = Array.isArray(body.sort) ? body.sort : [];
    const keys = (d: StoredDoc) => sort.map((s) => sortValue(d, Object.keys(s as Obj)[0]));
    docs.sort((a, b) => compareKeys(keys(b), keys(a)));
    if (Array.isArray(body.search_after)) {
      const after = body.search_after;
      docs = docs.filter((d) => compareKeys(keys(d), after) < 0);
    }
    const size = typeof body.size === 'number' ? body.size : 10;
    const hits = docs.slice(0, size).map((d) => ({
      _index: d.index,
      _id: d.id,
      _score: null,
      _source: project(d.source, body._source),
      ...(sort.length > 0 ? { sort: keys(d) } : {}),
    }));
    const aggregations = isObj(body.aggs) ? aggregate(body.aggs, docs) : undefined;
    return {
      status: 200,
      body: {
        took: 1,
        timed_out: false,
        _shards: shards(),
        hits: { max_score: null, hits },
        ...(aggregations ? { aggregations } : {}),
        ...(pitId ? { pit_id: pitId } : {}),
      },
    };
  }
}

function shards() {
  return { total: 1, successful: 1, skipped: 0, failed: 0 };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every leaf value at a dotted path, flattening arrays on the way (object fields, not nested). */
function valuesAt(source: unknown, path: string): unknown[] {
  let current: unknown[] = [source];
  for (const key of path.split('.')) {
    current = current
      .flatMap((v) => (Array.isArray(v) ? v : [v]))
      .flatMap((v) => (isObj(v) && key in v ? [v[key]] : []));
  }
  return current.flatMap((v) => (Array.isArray(v) ? v : [v])).filter((v) => v !== null && v !== undefined);
}

function sortValue(doc: StoredDoc, fieldName: string): unknown {
  const [value] = valuesAt(doc.source, fieldName);
  return fieldName === 'occurred_at' ? Date.parse(String(value)) : value;
}

function compareKeys(a: readonly unknown[], b: readonly unknown[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

function project(source: Obj, spec: unknown): Obj | undefined {
  if (spec === false) return undefined;
  if (!isObj(spec)) return source;
  const out: Obj = {};
  if (Array.isArray(spec.includes)) {
    for (const key of spec.includes.map(String)) if (key in source) out[key] = source[key];
    return out;
  }
  const excludes = new Set(Array.isArray(spec.excludes) ? spec.excludes.map(String) : []);
  for (const [key, value] of Object.entries(source)) if (!excludes.has(key)) out[key] = value;
  return out;
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** The query DSL subset the adapter emits, with OpenSearch's keyword semantics (exact, case-sensitive). */
export function matches(doc: StoredDoc, query: unknown): boolean {
  if (!isObj(query)) return true;
  const [kind, raw] = Object.entries(query)[0] ?? ['match_all', {}];
  const body = isObj(raw) ? raw : {};
  switch (kind) {
    case 'match_all':
      return true;
    case 'match_none':
      return false;
    case 'bool': {
      const all = [...asList(body.filter), ...asList(body.must)].every((q) => matches(doc, q));
      const none = asList(body.must_not).every((q) => !matches(doc, q));
      const should = asList(body.should);
      const min = typeof body.minimum_should_match === 'number' ? body.minimum_should_match : 0;
      return all && none && should.filter((q) => matches(doc, q)).length >= min;
    }
    case 'ids':
      return asList(body.values).includes(doc.id);
    case 'term': {
      const [f, v] = Object.entries(body)[0];
      return valuesAt(doc.source, f).some((x) => String(x) === String(isObj(v) ? v.value : v));
    }
    case 'terms': {
      const [f, v] = Object.entries(body)[0];
      const wanted = new Set(asList(v).map(String));
      return valuesAt(doc.source, f).some((x) => wanted.has(String(x)));
    }
    case 'prefix': {
      const [f, v] = Object.entries(body)[0];
      const p = String(isObj(v) ? v.value : v);
      return valuesAt(doc.source, f).some((x) => String(x).startsWith(p));
    }
    case 'exists':
      return valuesAt(doc.source, String(body.field)).length > 0;
    case 'range': {
      const [f, r] = Object.entries(body)[0];
      if (!isObj(r)) return false;
      return valuesAt(doc.source, f).some((x) => {
        const isDate = f === 'occurred_at' || f === 'received_at';
        const num = (v: unknown) => (isDate ? Date.parse(String(v)) : Number(v));
        const t = num(x);
        return (
          (r.gte === undefined || t >= num(r.gte)) &&
          (r.gt === undefined || t > num(r.gt)) &&
          (r.lt === undefined || t < num(r.lt)) &&
          (r.lte === undefined || t <= num(r.lte))
        );
      });
    }
    default:
      throw new Error(`fake cluster: query ${kind} is not emulated`);
  }
}

function aggregate(aggs: Obj, docs: StoredDoc[]): Obj {
  const out: Obj = {};
  for (const [name, raw] of Object.entries(aggs)) {
    if (!isObj(raw)) continue;
    if (isObj(raw.terms)) {
      const terms = raw.terms;
      const groups = new Map<string, StoredDoc[]>();
      for (const d of docs) {
        for (const v of new Set(valuesAt(d.source, String(terms.field)).map(String))) {
          groups.set(v, [...(groups.get(v) ?? []), d]);
        }
      }
      const keyDesc = isObj(terms.order) && terms.order._key === 'desc';
      const entries = [...groups.entries()].sort(([ka, a], [kb, b]) =>
        keyDesc ? (ka < kb ? 1 : -1) : b.length - a.length || (ka < kb ? -1 : 1),
      );
      const size = typeof terms.size === 'number' ? terms.size : 10;
      out[name] = {
        doc_count_error_upper_bound: 0,
        sum_other_doc_count: entries.slice(size).reduce((n, [, g]) => n + g.length, 0),
        buckets: entries.slice(0, size).map(([key, group]) => ({
          key,
          doc_count: group.length,
          ...(isObj(raw.aggs) ? aggregate(raw.aggs, group) : {}),
        })),
      };
    } else if (isObj(raw.composite)) {
      const composite = raw.composite;
      const sources = asList(composite.sources).map((s) => {
        const [key, def] = Object.entries(s as Obj)[0];
        return { key, field: String(isObj(def) && isObj(def.terms) ? def.terms.field : key) };
      });
      const groups = new Map<string, { key: Obj; count: number }>();
      for (const d of docs) {
        const key: Obj = {};
        for (const s of sources) [key[s.key]] = valuesAt(d.source, s.field);
        const id = JSON.stringify(key);
        groups.set(id, { key, count: (groups.get(id)?.count ?? 0) + 1 });
      }
      const order = (k: Obj) => sources.map((s) => k[s.key]);
      let buckets = [...groups.values()].sort((a, b) => compareKeys(order(a.key), order(b.key)));
      if (isObj(composite.after)) {
        const after = order(composite.after);
        buckets = buckets.filter((b) => compareKeys(order(b.key), after) > 0);
      }
      const size = typeof composite.size === 'number' ? composite.size : 10;
      const page = buckets.slice(0, size);
      out[name] = {
        ...(page.length > 0 ? { after_key: page[page.length - 1].key } : {}),
        buckets: page.map((b) => ({ key: b.key, doc_count: b.count })),
      };
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
    }
  }
  return undefined;
}
