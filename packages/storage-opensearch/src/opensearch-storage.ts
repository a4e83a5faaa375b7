import { Client, errors } from '@opensearch-project/opensearch';
import {
  type AppendResult,
  type AuditEvent,
  canonicalEvent,
  decodeCursor,
  ErrorCode,
  type ErrorDetail,
  type EventFilter,
  type EventPage,
  encodeCursor,
  type FacetBucket,
  type FacetField,
  type FacetResult,
  type HistogramBucket,
  type PageRequest,
  type Partition,
  type PurgeRequest,
  RELATED_KEYS_MAX_EVENTS,
  RelatedKeys,
  type RetentionPolicy,
  type StorageCapabilities,
  StorageError,
  type StoragePort,
  topBuckets,
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
import { type BulkAction, logIndexBody, logMapping, OpenSearchLog } from './opensearch-log.ts';
import {
  type BulkItem,
  bulkBody,
  countBody,
  DERIVED_META_KEY,
  deleteByQueryBody,
  deletePitBody,
  derivationStamp,
  eventMapping,
  existingIdsBody,
  facetBody,
  facetExactBody,
  fromDocument,
  getBody,
  histogramBody,
  type IndexedField,
  indexTemplate,
  ismPolicy,
  ismPolicyId,
  isSortKey,
  type JsonObject,
  type JsonValue,
  othersCountBody,
  partitionsBody,
  pitSearchBody,
  rederivePageBody,
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
  isObj,
  type Obj,
  termsBuckets,
  termsErrorBound,
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

export type IsmMode = 'require' | 'auto' | 'off';

export interface OpenSearchStorageOptions {
  /**
   * Cluster URL, e.g. https://localhost:9200, or several nodes of one cluster: requests go round-robin
   * and a node that stops answering is skipped until it is back. Ignored when `client` is given.
   */
  node: string | readonly string[];
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
  /**
   * The event indices' `refresh_interval` (default `1s`): how soon written events become searchable, and
   * so how long an append waits under `wait_for`. Shorter costs the cluster more small segments. Set,
   * init applies it to the existing indices too.
   */
  refreshInterval?: string;
  /** A configured client; the adapter then does not close it. */
  client?: Client;
  /** Chooses each event's index family; one ISM backstop policy is installed per retention class. */
  retention?: RetentionPolicy;
  /** Resolves an action's human label so free text finds events by it (as the SQLite adapter does). */
  actionLabel?: (source: string, action: string) => string | undefined;
  /**
   * Declared searchable fields (source plugins' `fields`), indexed typed under `attrs.<name>` so that
   * `attr.<name>` filters, ranges included, are answered by the index. When the declared fields change
   * (or a release derives fields differently), init re-derives the documents of older indices in the
   * background (see rederive).
   */
  fields?: readonly IndexedField[];
  /**
   * ISM backstop policies (Index Management plugin), detected with `_cat/plugins` at init.
   * `require` (default): init fails when the plugin is missing on any node. `auto`: install when present,
   * otherwise warn and rely on the server's retention purge alone. `off`: never touch ISM.
   */
  ism?: IsmMode;
  /** Receives start-up warnings (ISM absent under `auto`). Default console.warn. */
  onWarning?: (message: string) => void;
  /** Receives progress of background work (re-deriving search fields). Default console.info. */
  onInfo?: (message: string) => void;
  /**
   * Retries of 429 / 5xx bulk items and of bulks that got no answer: exponential backoff from
   * baseDelayMs, capped at maxDelayMs. The defaults (10 tries, 250 ms to 15 s: 40-75 s in all) outlast a
   * node's failover (a replica promoted, shards reassigned after node_left.delayed_timeout).
   */
  retry?: { retries?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Upper bound of one `_bulk` request body; larger appends are split. Default 8 MiB. */
  maxBulkBytes?: number;
  /** Injected in tests to observe backoff without waiting. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * The per-tenant evidence log (Merkle leaves in `<prefix>-log`, see opensearch-log.ts). Default on;
   * off, the store serves no proofs or checkpoints and purges with one `_delete_by_query`.
   */
  evidenceLog?: boolean;
}

const RELATED_PAGE = 1000;
const RETRYABLE_REQUEST = new Set([429, 502, 503, 504]);
const PURGE_TIMEOUT_MS = 30 * 60_000;
/** Distinct values an exact facet pass reads at most (100 pages of 1000). */
const FACET_EXACT_MAX = 100_000;

const isRetryableItem = (status: number) => status === 429 || status >= 500;

function createClient(options: OpenSearchStorageOptions): Client {
  return new Client({
    node: typeof options.node === 'string' ? options.node : [...options.node],
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
function displayNode(node: string | readonly string[]): string {
  if (typeof node !== 'string') return node.map((n) => displayNode(n)).join(', ');
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
  node: string | readonly string[],
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
        {
          ...(request.timeoutMs !== undefined ? { requestTimeout: request.timeoutMs } : {}),
          // The client re-sends on timeouts and connection errors; a re-sent `create` whose first try was
          // stored answers 409 and would be reported as a duplicate. bulkWithRetry retries bulks itself.
          ...(request.path === '/_bulk' ? { maxRetries: 0 } : {}),
        },
      );
      return { statusCode: response.statusCode ?? 0, body: response.body as unknown };
    } catch (error) {
      if (error instanceof errors.ResponseError) {
        return { statusCode: error.statusCode, body: error.body as unknown };
      }
      // Names the node and the request: "unreachable" alone does not tell an operator which setting is wrong.
      const message = (error as Error).message;
      const untrusted = /certificate|self[- ]signed|CERT_|unable to verify/i.test(message);
      throw new StorageError(
        untrusted
          ? `OpenSearch at ${displayNode(node)}: its TLS certificate is not trusted (${message}); give the CA that signed it (OPENSEARCH_CA_FILE on the server)`
          : `OpenSearch at ${displayNode(node)} unreachable (${request.method} ${request.path}): ${message}`,
        { cause: error },
      );
    }
  };
}

/** A read answered by only some shards (or timed out) fails: it is complete or it is an error. */
function completeOf(what: string, body: unknown): unknown {
  const shards = field(body, '_shards');
  const failed = field(shards, 'failed');
  if ((typeof failed === 'number' && failed > 0) || field(body, 'timed_out') === true) {
    throw new StorageError(
      `OpenSearch ${what} answered from ${String(field(shards, 'successful'))} of ${String(
        field(shards, 'total'),
      )} shards${field(body, 'timed_out') === true ? ' (timed out)' : ''}; not returning a partial result`,
      { code: ErrorCode.STORAGE_UNAVAILABLE },
    );
  }
  return body;
}

function fieldOfReason(reason: string | undefined): string {
  const match = reason ? /field \[([^\]]+)\]/.exec(reason) : null;
  return match ? match[1] : '(event)';
}

export interface RederiveResult {
  indices: number;
  documents: number;
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
  readonly log?: OpenSearchLog;
  /** After init: whether ISM policies back the retention purge on this cluster. */
  ismInstalled = false;
  private rederiving: Promise<RederiveResult> = Promise.resolve({ indices: 0, documents: 0 });

  constructor(private readonly options: OpenSearchStorageOptions) {
    this.layout = indexLayout(options.indexPrefix);
    this.client = options.client ?? createClient(options);
    this.ownsClient = options.client === undefined;
    this.send = requesterFor(this.client, options.node);
    this.retention = options.retention ?? DEFAULT_RETENTION_POLICY;
    this.refresh = options.refresh ?? 'wait_for';
    this.retries = options.retry?.retries ?? 10;
    this.baseDelayMs = options.retry?.baseDelayMs ?? 250;
    this.maxDelayMs = options.retry?.maxDelayMs ?? 15_000;
    this.maxBulkBytes = options.maxBulkBytes ?? 8 * 1024 * 1024;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    if (options.evidenceLog !== false)
      this.log = new OpenSearchLog(
        {
          index: this.layout.log,
          eventsAlias: this.layout.readAlias,
          search: (what, index, body) => this.readForWrite(what, `/${index}/_search`, body),
          create: (items) => this.createAll(items),
          bulk: (what, lines) => this.bulkStatuses(what, lines),
          mget: (what, index, ids) => this.mget(what, index, ids),
          refresh: async () => {
            await this.call('refresh the evidence log', {
              method: 'POST',
              path: `/${this.layout.log}/_refresh`,
            });
          },
        },
        (tenant, ids) => this.erase(tenant, ids),
      );
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
    // The two an operator meets at first start get a sentence that says what to change.
    const hint =
      response.statusCode === 401
        ? ': the cluster refused the credentials; check the user name and password (OPENSEARCH_USERNAME, OPENSEARCH_PASSWORD on the server)'
        : response.statusCode === 403
          ? ': the user lacks a permission for this (see the least-privilege role in the operations guide)'
          : '';
    throw new StorageError(
      `OpenSearch ${what} failed (${response.statusCode})${hint}: ${errorReason(response.body)}`,
      { code },
    );
  }

  /** Reads on the alias before the first event was written find no index: that is an empty store. */
  private async read(what: string, path: string, body: JsonObject): Promise<unknown> {
    const response = await this.call(
      what,
      {
        method: 'POST',
        path,
        body,
        // OpenSearch answers 200 with the shards it could reach by default: a read that lost a shard would
        // return a short page or a low count as if complete. `_count` has no such switch; completeOf checks.
        ...(path.endsWith('/_search') ? { querystring: { allow_partial_search_results: false } } : {}),
      },
      [404],
    );
    if (response.statusCode === 404) {
      if (errorType(response.body) === 'index_not_found_exception') return undefined;
      throw new StorageError(`OpenSearch ${what} failed (404): ${errorReason(response.body)}`);
    }
    return completeOf(what, response.body);
  }

  /**
   * A read inside append (duplicate check, log lookups): a shard not yet started (the first event of a
   * month creates its index while other appends read the alias) answers 503, which is retried with the
   * bulk's backoff instead of failing the append (the evidence log reads this way too). Listings fail at once.
   */
  private async readForWrite(what: string, path: string, body: JsonObject): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.read(what, path, body);
      } catch (error) {
        const retryable = error instanceof StorageError && error.code === ErrorCode.STORAGE_UNAVAILABLE;
        if (!retryable || this.closed || attempt >= this.retries) throw error;
        await this.sleep(this.backoff(attempt));
      }
    }
  }

  async init(): Promise<void> {
    await this.call('install index template', {
      method: 'PUT',
      path: `/_index_template/${this.layout.template}`,
      body: indexTemplate(
        this.layout,
        this.options.refreshInterval ? { refreshInterval: this.options.refreshInterval } : {},
        this.options.fields ?? [],
      ),
    });
    if (this.options.refreshInterval)
      await this.call(
        'set the refresh interval of existing indices',
        {
          method: 'PUT',
          path: `/${this.layout.pattern}/_settings`,
          body: { index: { refresh_interval: this.options.refreshInterval } },
        },
        [404],
      );
    // A template only shapes indices created after it. Without this, an upgrade that adds a field would
    // have this month's index (created with the old mapping, `dynamic: strict`) reject every event that
    // carries it until the month ends. Additive changes apply in place; a changed field type is refused by
    // OpenSearch, and start-up stops with its reason instead of failing ingest later. 404: no index yet.
    await this.call(
      'update the mapping of existing indices',
      {
        method: 'PUT',
        path: `/${this.layout.pattern}/_mapping`,
        body: eventMapping(this.options.fields ?? []),
      },
      [404],
    );
    await this.startRederive();
    if (this.log) await this.initLog();
    const mode = this.options.ism ?? 'require';
    this.ismInstalled = false;
    if (mode === 'off') return;
    const missing = await this.nodesWithoutIsm();
    if (missing.length > 0) {
      const message =
        `the OpenSearch Index Management plugin (ISM) is not installed on node(s) ${missing.join(', ')}: ` +
        "no retention backstop policy; expired events are removed only by Trailmark's retention purge";
      if (mode === 'require')
        throw new StorageError(
          `${message}. Install opensearch-index-management, or set OPENSEARCH_ISM=auto (warn) or off`,
          { code: ErrorCode.STORAGE_REJECTED },
        );
      (this.options.onWarning ?? console.warn)(message);
      return;
    }
    this.ismInstalled = true;
    for (const [cls, period] of retentionPeriods(this.retention)) {
      await this.installPolicy(ismPolicyId(this.layout, cls), ismPolicy(this.layout, cls, period));
    }
  }

  /**
   * Indices whose documents were derived with other declared fields (or by an older release) are
   * re-derived in the background, so the server starts at once: until an index is done, `attr.<name>`
   * and `target_user` may miss its older events (every other filter reads fields stored as sent).
   */
  private async startRederive(): Promise<void> {
    const stamp = derivationStamp(this.options.fields ?? []);
    const response = await this.call(
      'read the mappings of existing indices',
      { method: 'GET', path: `/${this.layout.pattern}/_mapping` },
      [404],
    );
    const stale = Object.entries(isObj(response.body) ? response.body : {})
      .filter(([, index]) => field(field(field(index, 'mappings'), '_meta'), DERIVED_META_KEY) !== stamp)
      .map(([name]) => name)
      .sort();
    if (stale.length === 0) return;
    (this.options.onInfo ?? console.info)(
      `OpenSearch: re-deriving the search fields of ${stale.length} index(es) in the background (declared fields changed); attr.<name> and target_user filters may miss their older events until done`,
    );
    this.rederiving = this.rederive(stale, stamp).then(
      (result) => {
        if (!this.closed)
          (this.options.onInfo ?? console.info)(
            `OpenSearch: search fields re-derived for ${result.documents} event(s) in ${result.indices} index(es)`,
          );
        return result;
      },
      (error: unknown) => {
        (this.options.onWarning ?? console.warn)(
          `OpenSearch: re-deriving search fields stopped (${(error as Error).message}); the next start resumes it`,
        );
        return { indices: 0, documents: 0 };
      },
    );
  }

  /** The background re-derivation started by init (resolved at once when nothing was stale). */
  searchFieldsReady(): Promise<RederiveResult> {
    return this.rederiving;
  }

  /**
   * Rewrites each document from its own stored event, conditionally on its version (`if_seq_no`): an
   * event erased or purged meanwhile answers 409 and stays gone. Then the index gets the current stamp.
   * Every event body is unchanged, so evidence-log hashes are unaffected.
   */
  private async rederive(indices: readonly string[], stamp: string): Promise<RederiveResult> {
    const fields = this.options.fields ?? [];
    let documents = 0;
    let done = 0;
    for (const index of indices) {
      let after: SortKey | undefined;
      for (;;) {
        if (this.closed) return { indices: done, documents };
        const body = await this.read(
          're-derive search fields',
          `/${index}/_search`,
          rederivePageBody(500, after),
        );
        const page = body === undefined ? [] : hits(body);
        if (page.length === 0) break;
        const actions: BulkAction[] = page.map((hit) => {
          const event = fromDocument(hit.source);
          return {
            action: {
              index: {
                _index: hit.index,
                _id: hit.id,
                ...(hit.seqNo !== undefined
                  ? { if_seq_no: hit.seqNo, if_primary_term: hit.primaryTerm }
                  : {}),
              },
            },
            document: toDocument(event, this.options.actionLabel?.(event.source, event.action), fields),
          };
        });
        await this.bulkStatuses('re-derive search fields', actions);
        documents += page.length;
        after = page.at(-1)?.sort;
        if (!after) break;
      }
      // Unless the index went away meanwhile (a purge dropped it): then there is nothing to stamp.
      await this.call(
        'stamp re-derived index',
        { method: 'PUT', path: `/${index}/_mapping`, body: { _meta: { [DERIVED_META_KEY]: stamp } } },
        [404],
      );
      done++;
    }
    return { indices: done, documents };
  }

  /** Creates the log index once; later starts add new mapping fields in place. */
  private async initLog(): Promise<void> {
    const created = await this.call(
      'create the evidence log index',
      { method: 'PUT', path: `/${this.layout.log}`, body: logIndexBody() },
      [400],
    );
    if (created.statusCode === 400) {
      if (errorType(created.body) !== 'resource_already_exists_exception')
        throw new StorageError(
          `OpenSearch create the evidence log index failed (400): ${errorReason(created.body)}`,
          {
            code: ErrorCode.STORAGE_REJECTED,
          },
        );
      await this.call('update the evidence log mapping', {
        method: 'PUT',
        path: `/${this.layout.log}/_mapping`,
        body: logMapping(),
      });
    }
  }

  /**
   * Nodes that lack the plugin. `_cat/plugins` lists one row per node and plugin; a node with no plugin
   * at all has no row, so the node list comes from `_cat/nodes`.
   */
  private async nodesWithoutIsm(): Promise<string[]> {
    const nodes = await this.call('list nodes', {
      method: 'GET',
      path: '/_cat/nodes',
      querystring: { format: 'json', h: 'name' },
    });
    const plugins = await this.call('list plugins', {
      method: 'GET',
      path: '/_cat/plugins',
      querystring: { format: 'json' },
    });
    const withIsm = new Set(
      (Array.isArray(plugins.body) ? plugins.body : [])
        .filter((row) => field(row, 'component') === 'opensearch-index-management')
        .map((row) => String(field(row, 'name'))),
    );
    return (Array.isArray(nodes.body) ? nodes.body : [])
      .map((row) => String(field(row, 'name')))
      .filter((name) => !withIsm.has(name))
      .sort();
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
          // Stored in its canonical (RFC 8785) form, keys sorted, as the SQLite store keeps it: both give back
          // the same JSON, so exports and hashes do not depend on the store or on the sender's key order.
          document: toDocument(
            JSON.parse(canonicalEvent(event)) as AuditEvent,
            this.options.actionLabel?.(event.source, event.action),
            this.options.fields ?? [],
          ),
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
    // Leaves for what was stored, even when part of the batch failed: a stored event never waits for a
    // retry that may not come. A duplicate (a retry of an append that failed before its leaves were
    // written) gets its leaf here too, over the body stored the first time.
    if (this.log) {
      const stored = candidates
        .filter((c) => status[c.position] === 'inserted')
        .map((c) => fromDocument(c.item.document));
      const duplicates = candidates
        .filter((c) => status[c.position] === 'duplicate')
        .map((c) => events[c.position] as AuditEvent);
      if (duplicates.length > 0) stored.push(...(await this.withoutLeaves(duplicates)));
      await this.log.append(stored);
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

  /** The stored bodies of these events that have no leaf yet. */
  private async withoutLeaves(events: readonly AuditEvent[]): Promise<AuditEvent[]> {
    const log = this.log as OpenSearchLog;
    const byTenant = new Map<string, string[]>();
    for (const e of events) byTenant.set(e.tenant, [...(byTenant.get(e.tenant) ?? []), e.id]);
    const out: AuditEvent[] = [];
    for (const [tenant, ids] of byTenant) {
      const lacking = await log.lacking(tenant, ids);
      for (let i = 0; i < lacking.length; i += 1000) {
        const chunk = lacking.slice(i, i + 1000).map((id) => documentId(tenant, id));
        const body = await this.readForWrite('read stored events', `/${this.layout.readAlias}/_search`, {
          size: chunk.length,
          track_total_hits: false,
          query: { ids: { values: chunk } },
        });
        if (body !== undefined) for (const hit of hits(body)) out.push(fromDocument(hit.source));
      }
    }
    return out;
  }

  /** `_bulk` create of log leaves with the events' retries; per item, stored now or already there. */
  private async createAll(items: BulkItem[]): Promise<('inserted' | 'duplicate')[]> {
    const result: ('inserted' | 'duplicate')[] = new Array(items.length);
    for (const chunk of this.chunks(items.map((item, position) => ({ position, item })))) {
      // Leaves do not wait for a refresh: the log keeps what it wrote in view itself and refreshes its
      // index before it is read (see OpenSearchLog), which saves a second refresh wait per append.
      const outcome = await this.bulkWithRetry(chunk, false);
      if (outcome.failures.length > 0)
        throw new StorageError(
          `${outcome.failures.length} evidence log leaf/leaves not stored by OpenSearch; the events were stored and a retry gives them their leaves`,
          { code: ErrorCode.STORAGE_UNAVAILABLE, details: outcome.failures.slice(0, 100) },
        );
      for (const [position, r] of outcome.done) result[position] = r;
    }
    return result;
  }

  /** Real-time read of documents by `_id`, in order; undefined where not found. */
  private async mget(what: string, index: string, ids: readonly string[]): Promise<(Obj | undefined)[]> {
    if (ids.length === 0) return [];
    const response = await this.call(
      what,
      { method: 'POST', path: `/${index}/_mget`, body: { ids: [...ids] } },
      [404],
    );
    const docs = field(response.body, 'docs');
    if (response.statusCode === 404 || !Array.isArray(docs)) return ids.map(() => undefined);
    return docs.map((d) =>
      field(d, 'found') === true && isObj(field(d, '_source')) ? (field(d, '_source') as Obj) : undefined,
    );
  }

  /** A `_bulk` of create or delete lines, visible to searches once it resolves; each item's status. */
  private async bulkStatuses(what: string, actions: BulkAction[]): Promise<number[]> {
    const response = await this.call(what, {
      method: 'POST',
      path: '/_bulk',
      querystring: { refresh: true },
      bulkBody: actions.flatMap((a) => (a.document ? [a.action, a.document] : [a.action])),
    });
    const items = bulkItems(response.body, actions.length);
    // 404: already deleted; 409: already recorded. Both leave the state asked for.
    const failed = items.filter((i) => i.status >= 300 && i.status !== 404 && i.status !== 409);
    if (failed.length > 0)
      throw new StorageError(
        `OpenSearch ${what}: ${failed.length} item(s) failed (${failed[0]?.reason ?? failed[0]?.status})`,
        {
          code: failed.some((f) => isRetryableItem(f.status))
            ? ErrorCode.STORAGE_UNAVAILABLE
            : ErrorCode.STORAGE_REJECTED,
        },
      );
    return items.map((i) => i.status);
  }

  /**
   * A person's erasure: the leaves are marked `erased` first, then the bodies are deleted; returns how many
   * bodies were removed (ids not stored count nothing).
   */
  async erase(tenant: string, eventIds: readonly string[]): Promise<number> {
    let erased = 0;
    for (let i = 0; i < eventIds.length; i += 1000) {
      const chunk = eventIds.slice(i, i + 1000).map((id) => documentId(tenant, id));
      const body = await this.read('find events to erase', `/${this.layout.readAlias}/_search`, {
        size: chunk.length,
        track_total_hits: false,
        _source: ['id'],
        query: { ids: { values: chunk } },
      });
      const found = body === undefined ? [] : hits(body);
      if (found.length === 0) continue;
      erased += await this.removeBodies(tenant, found, 'erased');
    }
    return erased;
  }

  /** Marks the leaves, then deletes the bodies of these hits; returns how many were deleted. */
  private async removeBodies(tenant: string, found: Hit[], removed: 'erased' | 'purged'): Promise<number> {
    await this.log?.markRemoved(
      tenant,
      found.map((h) => String(h.source.id)),
      removed,
    );
    const statuses = await this.bulkStatuses(
      removed === 'erased' ? 'erase events' : 'purge events',
      found.map((h) => ({ action: { delete: { _index: h.index, _id: h.id } } })),
    );
    return statuses.filter((s) => s === 200).length;
  }

  private async existingIds(ids: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += 1000) {
      const body = await this.readForWrite(
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
  private async bulkWithRetry(
    chunk: { position: number; item: BulkItem }[],
    refresh: 'wait_for' | false = this.refresh,
  ): Promise<{
    done: [number, 'inserted' | 'duplicate'][];
    failures: ErrorDetail[];
    permanent: boolean;
  }> {
    const done: [number, 'inserted' | 'duplicate'][] = [];
    const failures: ErrorDetail[] = [];
    let permanent = false;
    let pending = chunk;
    // Positions whose last attempt got no usable answer (no response, 502/503/504 for the whole request):
    // it may have been stored. append() checked beforehand that none of these ids existed, so a 409 on
    // the next attempt is this call's own earlier write, reported as inserted, not as a duplicate.
    let unknown = new Set<number>();
    // Indices holding such an earlier write: its refresh=wait_for never answered, so the event may not be
    // searchable yet on the copy that now serves reads (a primary that died mid-request): refreshed below
    // before the append is acknowledged, so an acknowledged event is always in the next count.
    const unrefreshed = new Set<string>();
    for (let attempt = 0; pending.length > 0; attempt++) {
      let response: OpenSearchResponse;
      try {
        response = await this.send({
          method: 'POST',
          path: '/_bulk',
          ...(refresh ? { querystring: { refresh } } : {}),
          bulkBody: bulkBody(pending.map((p) => p.item)),
        });
      } catch (error) {
        if (this.closed) throw error;
        // No answer (node down, connection reset): retried like a 503, on the next node.
        response = { statusCode: 503, body: { error: { reason: (error as Error).message } } };
      }
      let retry: typeof pending = [];
      let lastErrors: BulkItemResult[] = [];
      const outcomeUnknown = unknown;
      unknown = new Set();
      if (RETRYABLE_REQUEST.has(response.statusCode)) {
        retry = pending;
        for (const p of pending) unknown.add(p.position);
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
          else if (result.status === 409) {
            const own = outcomeUnknown.has(entry.position);
            done.push([entry.position, own ? 'inserted' : 'duplicate']);
            if (own) unrefreshed.add(entry.item.index);
          } else if (isRetryableItem(result.status)) {
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
    if (refresh && unrefreshed.size > 0) {
      try {
        await this.send({ method: 'POST', path: `/${[...unrefreshed].join(',')}/_refresh` });
      } catch {
        // Stored either way; it becomes searchable at the index's next refresh.
      }
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

  /**
   * A terms aggregation takes each shard's top `shard_size` values, so with many monthly indices a count
   * may be low; OpenSearch says by how much (`doc_count_error_upper_bound`). Then every value is counted
   * exactly with a composite aggregation, up to FACET_EXACT_MAX values; past that the approximate counts
   * are returned with `complete: false`, never as exact.
   */
  async facet(filter: EventFilter, field: FacetField, limit: number): Promise<FacetResult> {
    const path = `/${this.layout.readAlias}/_search`;
    const body = await this.read('facet', path, facetBody(filter, field, limit));
    if (body === undefined) return { buckets: [], complete: true };
    const approximate = termsBuckets(body, 'facet').map((b) => ({
      value: b.key,
      count: b.count,
      ...(b.label !== undefined ? { label: b.label } : {}),
    }));
    if (termsErrorBound(body, 'facet') === 0) return { buckets: approximate, complete: true };
    const all: FacetBucket[] = [];
    let after: string | undefined;
    while (all.length < FACET_EXACT_MAX) {
      const page = await this.read('facet (exact)', path, facetExactBody(filter, field, after));
      if (page === undefined) break;
      const { buckets, after: next } = compositeBuckets(page, 'facet');
      for (const b of buckets)
        all.push({
          value: String(b.key.value),
          count: b.count,
          ...(b.label !== undefined ? { label: b.label } : {}),
        });
      if (buckets.length === 0 || !next) return { buckets: topBuckets(all, limit), complete: true };
      after = String(next.value);
    }
    return { buckets: approximate, complete: false };
  }

  async relatedTargetKeys(
    tenants: readonly string[] | undefined,
    keys: { refs: string[]; paths: string[] },
  ): Promise<{ refs: string[]; paths: string[] }> {
    if (keys.refs.length === 0 && keys.paths.length === 0) return { refs: [], paths: [] };
    const related = new RelatedKeys(keys);
    let after: SortKey | undefined;
    for (let seen = 0; seen < RELATED_KEYS_MAX_EVENTS; seen += RELATED_PAGE) {
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
        related.add(targets as AuditEvent['targets']);
      }
      after = list.at(-1)?.sort;
      if (list.length < RELATED_PAGE || !after) break;
    }
    return related.result();
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
    if (this.log) return this.purgeLogged(request);
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
    // Seen on OpenSearch 2.19: a purge of another partition that drops an index while this
    // `_delete_by_query` scrolls over it ends this one early, 404 with `search_context_missing_exception`
    // failures and the documents deleted so far. Deleting by query again is idempotent (it finds only what
    // is left), so such a run is repeated; any other failure is reported.
    for (let attempt = 1; ; attempt++) {
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
      const count = field(response.body, 'deleted');
      deleted += typeof count === 'number' ? count : 0;
      if (response.statusCode === 404 && errorType(response.body) === 'index_not_found_exception')
        return deleted;
      const failures = field(response.body, 'failures');
      const list = Array.isArray(failures) ? failures : [];
      if (response.statusCode < 300 && list.length === 0) return deleted;
      const vanished = list.every(
        (f) => field(field(f, 'reason'), 'type') === 'search_context_missing_exception',
      );
      if (list.length > 0 && vanished && attempt < 5) continue;
      throw new StorageError(
        `purge of ${request.tenant}/${request.source} left ${list.length} failure(s) (${response.statusCode})`,
        {
          details: list.slice(0, 20).map((f) => ({
            path: String(field(f, 'index') ?? '(index)'),
            message: errorReason({ error: field(f, 'cause') ?? field(f, 'reason') }),
          })),
        },
      );
    }
  }

  /**
   * With the evidence log, each batch's leaves are marked `purged` before exactly those bodies are deleted
   * by id, so no body goes without its record (an event backfilled meanwhile is simply left for the next
   * run). Whole-index drops are not used: they would delete bodies whose leaves were never marked.
   */
  private async purgeLogged(request: PurgeRequest): Promise<number> {
    const query = field(deleteByQueryBody(request, request.before), 'query') as JsonObject;
    let deleted = 0;
    for (;;) {
      const body = await this.read('find events to purge', `/${this.layout.readAlias}/_search`, {
        size: request.batchSize ?? 1000,
        track_total_hits: false,
        _source: ['id'],
        query,
      });
      const found = body === undefined ? [] : hits(body);
      if (found.length === 0) return deleted;
      const removed = await this.removeBodies(request.tenant, found, 'purged');
      deleted += removed;
      if (removed === 0) return deleted;
    }
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
      // A snapshot missing a shard would export part of the events as if they were all.
      querystring: { keep_alive: keepAlive, allow_partial_pit_creation: false },
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
      querystring: { allow_partial_search_results: false },
      body: pitSearchBody(filter, {
        pitId,
        keepAlive: page.keepAlive ?? '5m',
        limit: page.limit,
        ...(after ? { after } : {}),
      }),
    });
    completeOf('search point in time', response.body);
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
    // The re-derivation stops at its next page; wait so the client is not closed under it.
    await this.rederiving.catch(() => {});
    if (this.ownsClient) await this.client.close();
  }
}
