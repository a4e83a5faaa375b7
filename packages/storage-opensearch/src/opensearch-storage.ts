import { Client, errors } from '@opensearch-project/opensearch';
import {
  type AppendResult,
  type AuditEvent,
  decodeCursor,
  ErrorCode,
  type ErrorDetail,
  type EventFilter,
  type EventPage,
  encodeCursor,
  type FacetField,
  type FacetResult,
  type HistogramBucket,
  type PageRequest,
  type Partition,
  type PurgeRequest,
  type RetentionPolicy,
  type StorageCapabilities,
  StorageError,
  type StoragePort,
  targetKeysOf,
} from '@trailmark/core';
import {
  DEFAULT_RETENTION_POLICY,
  documentId,
  type IndexLayout,
  indexFor,
  indexLayout,
  indexMonthEnd,
  retentionPeriods,
} from './layout.ts';
import {
  type BulkItem,
  bulkBody,
  countBody,
  deleteByQueryBody,
  deletePitBody,
  eventMapping,
  existingIdsBody,
  facetBody,
  fromDocument,
  getBody,
  histogramBody,
  indexTemplate,
  ismPolicy,
  ismPolicyId,
  isSortKey,
  type JsonObject,
  type JsonValue,
  othersCountBody,
  partitionsBody,
  pitSearchBody,
  relatedBody,
  type SortKey,
  searchBody,
  toDocument,
} from './requests.ts';
import {
  type BulkItemResult,
  bulkItems,
  compositeBuckets,
  countOf,
  errorReason,
  errorType,
  field,
  type Hit,
  hits,
  termsBuckets,
} from './responses.ts';

export interface OpenSearchRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  querystring?: Record<string, string | number | boolean>;
  body?: JsonValue;
  /** NDJSON lines (`_bulk`). */
  bulkBody?: JsonObject[];
  /** Client-side timeout of this request, when the default (30 s) is too short for its work. */
  timeoutMs?: number;
}

export interface OpenSearchResponse {
  statusCode: number;
  body: unknown;
}

export interface OpenSearchStorageOptions {
  /** Cluster URL, e.g. https://localhost:9200. Ignored when `client` is given. */
  node: string;
  auth?: { username: string; password: string };
  tls?: {
    /** Default true. Only turn off for a throwaway local cluster; prefer `ca`. */
    rejectUnauthorized?: boolean;
    /** PEM of the CA that signed the cluster's certificate (the demo or your own). */
    ca?: string;
  };
  /** Stem of every index, template, alias and ISM policy name. Default `trailmark`. */
  indexPrefix?: string;
  /** `wait_for` (default): append resolves once the events are visible to reads. */
  refresh?: 'wait_for' | false;
  /** A configured client; the adapter then does not close it. */
  client?: Client;
  /** Chooses each event's index family; one ISM backstop policy is installed per retention class. */
  retention?: RetentionPolicy;
  /** Resolves an action's human label so free text finds events by it (as the SQLite adapter does). */
  actionLabel?: (source: string, action: string) => string | undefined;
  /** Install ISM backstop policies at init (needs the Index Management plugin). Default true. */
  ism?: boolean;
  /** Retries of 429 / 5xx bulk items: exponential backoff from baseDelayMs, capped at maxDelayMs. */
  retry?: { retries?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Upper bound of one `_bulk` request body; larger appends are split. Default 8 MiB. */
  maxBulkBytes?: number;
  /** Injected in tests to observe backoff without waiting. */
  sleep?: (ms: number) => Promise<void>;
}

const RELATED_PAGE = 1000;
/** The SQLite adapter also looks at the newest 10,000 matching events when resolving related keys. */
const RELATED_MAX = 10_000;
const RETRYABLE_REQUEST = new Set([429, 502, 503, 504]);
const PURGE_TIMEOUT_MS = 30 * 60_000;

const isRetryableItem = (status: number) => status === 429 || status >= 500;

function createClient(options: OpenSearchStorageOptions): Client {
  return new Client({
    node: options.node,
    ...(options.auth ? { auth: options.auth } : {}),
    ...(options.tls
      ? {
          ssl: {
            rejectUnauthorized: options.tls.rejectUnauthorized ?? true,
            ...(options.tls.ca ? { ca: options.tls.ca } : {}),
          },
        }
      : {}),
  });
}

/** The node URL without credentials, for error messages (OPENSEARCH_URL may carry user:password@). */
function displayNode(node: string): string {
  try {
    const url = new URL(node);
    url.username = '';
    url.password = '';
    return url.href.replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

/** Client calls go through the generic transport so every request is a plain, spec-checkable value. */
function requesterFor(
  client: Client,
  node: string,
): (request: OpenSearchRequest) => Promise<OpenSearchResponse> {
  return async (request) => {
    try {
      const response = await client.transport.request(
        {
          method: request.method,
          path: request.path,
          ...(request.querystring ? { querystring: request.querystring } : {}),
          ...(request.body !== undefined ? { body: request.body as JsonObject } : {}),
          ...(request.bulkBody ? { bulkBody: request.bulkBody } : {}),
        },
        request.timeoutMs !== undefined ? { requestTimeout: request.timeoutMs } : {},
      );
      return { statusCode: response.statusCode ?? 0, body: response.body as unknown };
    } catch (error) {
      if (error instanceof errors.ResponseError) {
        return { statusCode: error.statusCode, body: error.body as unknown };
      }
      // Names the node and the request: "unreachable" alone does not tell an operator which setting is wrong.
      throw new StorageError(
        `OpenSearch at ${displayNode(node)} unreachable (${request.method} ${request.path}): ${(error as Error).message}`,
        { cause: error },
      );
    }
  };
}

function fieldOfReason(reason: string | undefined): string {
  const match = reason ? /field \[([^\]]+)\]/.exec(reason) : null;
  return match ? match[1] : '(event)';
}

export function createOpenSearchStorage(options: OpenSearchStorageOptions): OpenSearchStorage {
  return new OpenSearchStorage(options);
}

/**
 * OpenSearch adapter: monthly indices per retention class behind a read alias, `_bulk` create with
 * tenant-scoped `_id`s, filters translated clause for clause into `bool.filter`, keyset paging with
 * `search_after`, point in time for exports.
 */
export class OpenSearchStorage implements StoragePort {
  readonly name = 'opensearch';
  readonly capabilities: StorageCapabilities = {
    fullText: true,
    facets: true,
    deleteGranularity: 'partition',
    pointInTime: true,
  };
  readonly layout: IndexLayout;
  private readonly client: Client;
  private readonly ownsClient: boolean;
  private readonly send: (request: OpenSearchRequest) => Promise<OpenSearchResponse>;
  private readonly retention: RetentionPolicy;
  private readonly refresh: 'wait_for' | false;
  private readonly retries: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxBulkBytes: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private closed = false;

  constructor(private readonly options: OpenSearchStorageOptions) {
    this.layout = indexLayout(options.indexPrefix);
    this.client = options.client ?? createClient(options);
    this.ownsClient = options.client === undefined;
    this.send = requesterFor(this.client, options.node);
    this.retention = options.retention ?? DEFAULT_RETENTION_POLICY;
    this.refresh = options.refresh ?? 'wait_for';
    this.retries = options.retry?.retries ?? 5;
    this.baseDelayMs = options.retry?.baseDelayMs ?? 200;
    this.maxDelayMs = options.retry?.maxDelayMs ?? 10_000;
    this.maxBulkBytes = options.maxBulkBytes ?? 8 * 1024 * 1024;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Sends a request; statuses outside `ok` become a StorageError naming the operation. */
  private async call(
    what: string,
    request: OpenSearchRequest,
    ok: number[] = [],
  ): Promise<OpenSearchResponse> {
    if (this.closed) throw new StorageError('storage is closed');
    const response = await this.send(request);
    if (response.statusCode < 300 || ok.includes(response.statusCode)) return response;
    const code =
      response.statusCode >= 500 || response.statusCode === 429 || response.statusCode === 401
        ? ErrorCode.STORAGE_UNAVAILABLE
        : ErrorCode.STORAGE_REJECTED;
    throw new StorageError(
      `OpenSearch ${what} failed (${response.statusCode}): ${errorReason(response.body)}`,
      {
        code,
      },
    );
  }

  /** Reads on the alias before the first event was written find no index: that is an empty store. */
  private async read(what: string, path: string, body: JsonObject): Promise<unknown> {
    const response = await this.call(what, { method: 'POST', path, body }, [404]);
    if (response.statusCode === 404) {
      if (errorType(response.body) === 'index_not_found_exception') return undefined;
      throw new StorageError(`OpenSearch ${what} failed (404): ${errorReason(response.body)}`);
    }
    return response.body;
  }

  async init(): Promise<void> {
    await this.call('install index template', {
      method: 'PUT',
      path: `/_index_template/${this.layout.template}`,
      body: indexTemplate(this.layout),
    });
    // A template only shapes indices created after it. Without this, an upgrade that adds a field would
    // have this month's index (created with the old mapping, `dynamic: strict`) reject every event that
    // carries it until the month ends. Additive changes apply in place; a changed field type is refused by
    // OpenSearch, and start-up stops with its reason instead of failing ingest later. 404: no index yet.
    await this.call(
      'update the mapping of existing indices',
      { method: 'PUT', path: `/${this.layout.pattern}/_mapping`, body: eventMapping() },
      [404],
    );
    if (this.options.ism === false) return;
    for (const [cls, period] of retentionPeriods(this.retention)) {
      await this.installPolicy(ismPolicyId(this.layout, cls), ismPolicy(this.layout, cls, period));
    }
  }

  /**
   * Idempotent ISM install. Updating a policy needs its seq_no and primary term; the description encodes
   * class and age, so an unchanged description means an unchanged policy (ISM adds defaults to the stored
   * states, which makes comparing whole documents useless).
   */
  private async installPolicy(id: string, body: JsonObject): Promise<void> {
    const path = `/_plugins/_ism/policies/${id}`;
    const current = await this.call('read ISM policy', { method: 'GET', path }, [404]);
    if (current.statusCode === 404) {
      await this.call('install ISM policy', { method: 'PUT', path, body }, [409]);
      return;
    }
    const wanted = field(field(body, 'policy'), 'description');
    if (field(field(current.body, 'policy'), 'description') === wanted) return;
    const seqNo = field(current.body, '_seq_no');
    const primaryTerm = field(current.body, '_primary_term');
    await this.call('update ISM policy', {
      method: 'PUT',
      path,
      body,
      ...(typeof seqNo === 'number' && typeof primaryTerm === 'number'
        ? { querystring: { if_seq_no: seqNo, if_primary_term: primaryTerm } }
        : {}),
    });
  }

  /**
   * Durable, idempotent append. `_id` = tenant:id with op_type=create, so a replay answers 409 and is
   * reported as a duplicate. Because the index is chosen from occurred_at, the same id re-sent with another
   * month would land in another index: a lookup of the batch's ids over the read alias catches that first.
   * Resolves only when OpenSearch acknowledged every new event (translog fsynced per request).
   */
  async append(events: readonly AuditEvent[]): Promise<AppendResult> {
    if (this.closed) throw new StorageError('storage is closed');
    if (events.length === 0) return { inserted: [], duplicates: [] };
    const status: ('inserted' | 'duplicate' | undefined)[] = new Array(events.length);
    const seen = new Set<string>();
    const candidates: { position: number; item: BulkItem }[] = [];
    for (const [position, event] of events.entries()) {
      const id = documentId(event.tenant, event.id);
      if (seen.has(id)) {
        status[position] = 'duplicate';
        continue;
      }
      seen.add(id);
      candidates.push({
        position,
        item: {
          index: indexFor(this.layout, this.retention, event),
          id,
          document: toDocument(event, this.options.actionLabel?.(event.source, event.action)),
        },
      });
    }
    const existing = await this.existingIds(candidates.map((c) => c.item.id));
    const pending = candidates.filter((c) => {
      if (!existing.has(c.item.id)) return true;
      status[c.position] = 'duplicate';
      return false;
    });
    const failures: ErrorDetail[] = [];
    let permanent = false;
    for (const chunk of this.chunks(pending)) {
      const outcome = await this.bulkWithRetry(chunk);
      for (const [position, result] of outcome.done) status[position] = result;
      failures.push(...outcome.failures);
      permanent ||= outcome.permanent;
    }
    if (failures.length > 0) {
      const stored = status.filter((s) => s === 'inserted').length;
      throw new StorageError(
        `${failures.length} of ${events.length} event(s) not stored by OpenSearch` +
          (stored > 0 ? `; ${stored} were stored and a retry will report them as duplicates` : ''),
        {
          code: permanent ? ErrorCode.STORAGE_REJECTED : ErrorCode.STORAGE_UNAVAILABLE,
          details: failures.sort((a, b) => (a.index ?? 0) - (b.index ?? 0)).slice(0, 100),
        },
      );
    }
    const inserted: string[] = [];
    const duplicates: string[] = [];
    for (const [i, e] of events.entries()) (status[i] === 'inserted' ? inserted : duplicates).push(e.id);
    return { inserted, duplicates };
  }

  private async existingIds(ids: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += 1000) {
      const body = await this.read(
        'duplicate check',
        `/${this.layout.readAlias}/_search`,
        existingIdsBody(ids.slice(i, i + 1000)),
      );
      if (body === undefined) return found;
      for (const hit of hits(body)) found.add(hit.id);
    }
    return found;
  }

  private chunks<T extends { item: BulkItem }>(items: T[]): T[][] {
    const out: T[][] = [];
    let current: T[] = [];
    let bytes = 0;
    for (const entry of items) {
      const size = Buffer.byteLength(JSON.stringify(entry.item.document), 'utf8') + 200;
      if (current.length > 0 && bytes + size > this.maxBulkBytes) {
        out.push(current);
        current = [];
        bytes = 0;
      }
      current.push(entry);
      bytes += size;
    }
    if (current.length > 0) out.push(current);
    return out;
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** attempt);
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  /**
   * One `_bulk` with item-by-item handling (research: reliability-anchors §2.6): 201 stored, 409 already
   * stored, 429 and 5xx retried alone with exponential backoff up to `retries` times, anything else
   * (mapping or parse errors) is permanent and would fail again, so it is reported, never retried.
   */
  private async bulkWithRetry(chunk: { position: number; item: BulkItem }[]): Promise<{
    done: [number, 'inserted' | 'duplicate'][];
    failures: ErrorDetail[];
    permanent: boolean;
  }> {
    const done: [number, 'inserted' | 'duplicate'][] = [];
    const failures: ErrorDetail[] = [];
    let permanent = false;
    let pending = chunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const response = await this.send({
        method: 'POST',
        path: '/_bulk',
        ...(this.refresh ? { querystring: { refresh: this.refresh } } : {}),
        bulkBody: bulkBody(pending.map((p) => p.item)),
      });
      let retry: typeof pending = [];
      let lastErrors: BulkItemResult[] = [];
      if (RETRYABLE_REQUEST.has(response.statusCode)) {
        retry = pending;
        lastErrors = pending.map(() => ({ status: response.statusCode, reason: errorReason(response.body) }));
      } else if (response.statusCode >= 300) {
        throw new StorageError(
          `OpenSearch _bulk failed (${response.statusCode}): ${errorReason(response.body)}`,
          {
            code: ErrorCode.STORAGE_REJECTED,
          },
        );
      } else {
        const items = bulkItems(response.body, pending.length);
        items.forEach((result, i) => {
          const entry = pending[i];
          if (result.status === 200 || result.status === 201) done.push([entry.position, 'inserted']);
          else if (result.status === 409) done.push([entry.position, 'duplicate']);
          else if (isRetryableItem(result.status)) {
            retry.push(entry);
            lastErrors.push(result);
          } else {
            permanent = true;
            failures.push(this.detail(entry, result));
          }
        });
      }
      if (retry.length === 0) break;
      if (attempt >= this.retries) {
        for (const [i, entry] of retry.entries())
          failures.push(this.detail(entry, lastErrors[i], attempt + 1));
        break;
      }
      await this.sleep(this.backoff(attempt));
      pending = retry;
    }
    return { done, failures, permanent };
  }

  private detail(
    entry: { position: number; item: BulkItem },
    result: BulkItemResult,
    attempts?: number,
  ): ErrorDetail {
    const type = result.errorType ? `${result.errorType}: ` : '';
    const tries = attempts ? ` after ${attempts} attempts` : '';
    return {
      index: entry.position,
      path: fieldOfReason(result.reason),
      message: `${type}${result.reason ?? `status ${result.status}`} (index ${entry.item.index}, status ${result.status}${tries})`,
    };
  }

  async get(id: string, tenants?: readonly string[]): Promise<AuditEvent | null> {
    if (tenants && tenants.length === 0) return null;
    const body = await this.read('get', `/${this.layout.readAlias}/_search`, getBody(id, tenants));
    const [hit] = body === undefined ? [] : hits(body);
    return hit ? fromDocument(hit.source) : null;
  }

  private pageOf(list: Hit[], limit: number): EventPage {
    const data = list.slice(0, limit).map((h) => fromDocument(h.source));
    const last = list[limit - 1];
    const more = list.length > limit && last?.sort !== undefined;
    return { data, next_cursor: more ? encodeCursor(last.sort) : null };
  }

  private after(cursor: string | undefined): SortKey | undefined {
    return cursor ? decodeCursor(cursor, isSortKey) : undefined;
  }

  async search(filter: EventFilter, page: PageRequest): Promise<EventPage> {
    const after = this.after(page.cursor);
    const body = await this.read(
      'search',
      `/${this.layout.readAlias}/_search`,
      searchBody(filter, { limit: page.limit, ...(after ? { after } : {}) }),
    );
    return body === undefined ? { data: [], next_cursor: null } : this.pageOf(hits(body), page.limit);
  }

  async count(filter: EventFilter): Promise<number> {
    const body = await this.read('count', `/${this.layout.readAlias}/_count`, countBody(filter));
    return body === undefined ? 0 : countOf(body);
  }

  async histogram(filter: EventFilter, intervalMs: number): Promise<HistogramBucket[]> {
    const body = await this.read(
      'histogram',
      `/${this.layout.readAlias}/_search`,
      histogramBody(filter, intervalMs),
    );
    if (body === undefined) return [];
    return termsBuckets(body, 'histogram')
      .filter((b) => b.count > 0)
      .map((b) => ({ start: new Date(Number(b.key)).toISOString(), count: b.count }));
  }

  /** A terms aggregation counts every matching document, so the result is always complete. */
  async facet(filter: EventFilter, field: FacetField, limit: number): Promise<FacetResult> {
    const body = await this.read(
      'facet',
      `/${this.layout.readAlias}/_search`,
      facetBody(filter, field, limit),
    );
    if (body === undefined) return { buckets: [], complete: true };
    const buckets = termsBuckets(body, 'facet').map((b) => ({
      value: b.key,
      count: b.count,
      ...(b.label !== undefined ? { label: b.label } : {}),
    }));
    return { buckets, complete: true };
  }

  async relatedTargetKeys(
    tenants: readonly string[] | undefined,
    keys: { refs: string[]; paths: string[] },
  ): Promise<{ refs: string[]; paths: string[] }> {
    const refs = new Set<string>();
    const paths = new Set<string>();
    if (keys.refs.length === 0 && keys.paths.length === 0) return { refs: [], paths: [] };
    const wantedRefs = new Set(keys.refs);
    const wantedPaths = new Set(keys.paths);
    let after: SortKey | undefined;
    for (let seen = 0; seen < RELATED_MAX; seen += RELATED_PAGE) {
      const body = await this.read(
        'related keys',
        `/${this.layout.readAlias}/_search`,
        relatedBody(tenants, keys, { size: RELATED_PAGE, ...(after ? { after } : {}) }),
      );
      if (body === undefined) break;
      const list = hits(body);
      for (const hit of list) {
        const targets = field(hit.source, 'targets');
        if (!Array.isArray(targets)) continue;
        for (const t of targets as AuditEvent['targets']) {
          const matched =
            (t.id !== undefined && wantedRefs.has(`${t.type}:${t.id}`)) ||
            (t.path !== undefined && wantedPaths.has(t.path)) ||
            (t.previous_path !== undefined && wantedPaths.has(t.previous_path));
          if (!matched) continue;
          const found = targetKeysOf([t]);
          for (const r of found.refs) refs.add(r);
          for (const p of found.paths) paths.add(p);
        }
      }
      after = list.at(-1)?.sort;
      if (list.length < RELATED_PAGE || !after) break;
    }
    return { refs: [...refs], paths: [...paths] };
  }

  async partitions(): Promise<Partition[]> {
    const out: Partition[] = [];
    let after: Partition | undefined;
    for (;;) {
      const body = await this.read('partitions', `/${this.layout.readAlias}/_search`, partitionsBody(after));
      if (body === undefined) break;
      const page = compositeBuckets(body, 'partitions');
      for (const b of page.buckets) out.push({ tenant: String(b.key.tenant), source: String(b.key.source) });
      if (page.buckets.length === 0 || !page.after) break;
      after = { tenant: String(page.after.tenant), source: String(page.after.source) };
    }
    return out;
  }

  /**
   * Whole monthly indices go first (cheap, frees disk at once) when the month ended before the cut-off and
   * the index holds no other partition's events: an index family is shared by every tenant of a retention
   * class, so that is the exception. Everything else is `_delete_by_query` over the read alias.
   */
  async purge(request: PurgeRequest): Promise<number> {
    const before = Date.parse(request.before);
    const partition = { tenant: request.tenant, source: request.source };
    let deleted = 0;
    const listing = await this.call(
      'list indices',
      {
        method: 'GET',
        path: `/_cat/indices/${this.layout.pattern}`,
        querystring: { format: 'json', h: 'index' },
      },
      [404],
    );
    const indices = Array.isArray(listing.body) ? listing.body.map((row) => field(row, 'index')) : [];
    for (const index of indices) {
      if (typeof index !== 'string') continue;
      const end = indexMonthEnd(this.layout, index);
      if (end === undefined || end > before) continue;
      const others = await this.call('count', {
        method: 'POST',
        path: `/${index}/_count`,
        body: othersCountBody(partition),
      });
      if (countOf(others.body) !== 0) continue;
      const total = await this.call('count', {
        method: 'POST',
        path: `/${index}/_count`,
        body: { query: { match_all: {} } },
      });
      await this.call('delete index', { method: 'DELETE', path: `/${index}` }, [404]);
      deleted += countOf(total.body);
    }
    const response = await this.call(
      'delete by query',
      {
        method: 'POST',
        path: `/${this.layout.readAlias}/_delete_by_query`,
        // Deleting a large partition takes longer than the client's 30 s default; a timeout here would
        // leave the task running in OpenSearch and report a failure that is not one.
        timeoutMs: PURGE_TIMEOUT_MS,
        querystring: {
          conflicts: 'proceed',
          refresh: true,
          scroll_size: request.batchSize ?? 1000,
          wait_for_completion: true,
        },
        body: deleteByQueryBody(partition, request.before),
      },
      [404],
    );
    if (response.statusCode === 404) return deleted;
    const failures = field(response.body, 'failures');
    if (Array.isArray(failures) && failures.length > 0) {
      throw new StorageError(
        `purge of ${request.tenant}/${request.source} left ${failures.length} failure(s)`,
        {
          details: failures.slice(0, 20).map((f) => ({
            path: String(field(f, 'index') ?? '(index)'),
            message: errorReason({ error: field(f, 'cause') }),
          })),
        },
      );
    }
    const count = field(response.body, 'deleted');
    return deleted + (typeof count === 'number' ? count : 0);
  }

  async ping(): Promise<void> {
    const response = await this.call('health', { method: 'GET', path: '/_cluster/health' });
    const status = field(response.body, 'status');
    if (status === 'red') throw new StorageError('OpenSearch cluster health is red');
  }

  /** Opens a point in time over the read alias, for exports that must see one consistent snapshot. */
  async openPointInTime(keepAlive = '5m'): Promise<string> {
    const response = await this.call('open point in time', {
      method: 'POST',
      path: `/${this.layout.readAlias}/_search/point_in_time`,
      querystring: { keep_alive: keepAlive },
    });
    const id = field(response.body, 'pit_id');
    if (typeof id !== 'string') throw new StorageError('OpenSearch returned no pit_id');
    return id;
  }

  /** One page inside a point in time; pass the returned pit_id to the next call (it may change). */
  async searchPointInTime(
    pitId: string,
    filter: EventFilter,
    page: PageRequest & { keepAlive?: string },
  ): Promise<EventPage & { pit_id: string }> {
    const after = this.after(page.cursor);
    const response = await this.call('search point in time', {
      method: 'POST',
      path: '/_search',
      body: pitSearchBody(filter, {
        pitId,
        keepAlive: page.keepAlive ?? '5m',
        limit: page.limit,
        ...(after ? { after } : {}),
      }),
    });
    const next = field(response.body, 'pit_id');
    return {
      ...this.pageOf(hits(response.body), page.limit),
      pit_id: typeof next === 'string' ? next : pitId,
    };
  }

  async closePointInTime(pitId: string): Promise<void> {
    await this.call(
      'close point in time',
      { method: 'DELETE', path: '/_search/point_in_time', body: deletePitBody([pitId]) },
      [404],
    );
  }

  /** Every matching event from one snapshot, in listing order; the point in time is always closed. */
  async *exportEvents(
    filter: EventFilter,
    options: { pageSize?: number; keepAlive?: string } = {},
  ): AsyncGenerator<AuditEvent[]> {
    let pitId = await this.openPointInTime(options.keepAlive);
    try {
      let cursor: string | undefined;
      for (;;) {
        const page = await this.searchPointInTime(pitId, filter, {
          limit: options.pageSize ?? 1000,
          ...(cursor ? { cursor } : {}),
          ...(options.keepAlive ? { keepAlive: options.keepAlive } : {}),
        });
        pitId = page.pit_id;
        if (page.data.length > 0) yield page.data;
        if (!page.next_cursor) return;
        cursor = page.next_cursor;
      }
    } finally {
      await this.closePointInTime(pitId);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) await this.client.close();
  }
}
