import type { EventLog } from './evidence.ts';
import type { EventFilter, FacetField, FacetResult, PageRequest } from './query.ts';
import type { Partition } from './retention.ts';
import type { AuditEvent } from './schema.ts';

/** What an adapter can do natively; the contract suite reads these (what it runs, what it requires). */
export interface StorageCapabilities {
  /** Free-text search (`q`). */
  fullText: boolean;
  /** Facet counts computed by the store. */
  facets: boolean;
  /** Consistent snapshots for long exports (OpenSearch point in time). */
  pointInTime: boolean;
}

export interface AppendResult {
  /** Ids written by this call. */
  inserted: string[];
  /** Ids that already existed for their tenant (idempotent retries); nothing was written for them. */
  duplicates: string[];
}

export interface EventPage {
  data: AuditEvent[];
  next_cursor: string | null;
}

/** Events in one time bucket; `start` is a multiple of the interval since the Unix epoch (UTC). */
export interface HistogramBucket {
  start: string;
  count: number;
}

export interface PurgeRequest extends Partition {
  /** Delete events that occurred strictly before this instant (ISO 8601). */
  before: string;
  /** Upper bound on events deleted per batch, so ingest is never blocked for long. */
  batchSize?: number;
}

/**
 * The storage port. Every adapter implements it and passes the shared contract suite
 * (`@trailmark/test-utils`). Reads always receive the caller's tenant scope inside the filter.
 * Order is newest first by occurred_at, ties broken by a stable per-event key.
 */
export interface StoragePort {
  readonly name: string;
  readonly capabilities: StorageCapabilities;
  /** Creates or migrates whatever the store needs; idempotent. */
  init(): Promise<void>;
  /** Resolves only after the events are durable. Duplicates (same tenant and id) are reported, not rewritten. */
  append(events: readonly AuditEvent[]): Promise<AppendResult>;
  get(id: string, tenants?: readonly string[]): Promise<AuditEvent | null>;
  search(filter: EventFilter, page: PageRequest): Promise<EventPage>;
  count(filter: EventFilter): Promise<number>;
  /**
   * Matching events per bucket of `intervalMs`, buckets aligned on the epoch, oldest first; empty buckets
   * are left out. Answered by the store (a GROUP BY, a date_histogram), never by reading the events.
   */
  histogram(filter: EventFilter, intervalMs: number): Promise<HistogramBucket[]>;
  /** The `limit` most frequent values of a field among the matching events, most frequent first. */
  facet(filter: EventFilter, field: FacetField, limit: number): Promise<FacetResult>;
  /** Keys (type:id refs and paths, current and previous) that co-occur in one target with any of the given keys. */
  relatedTargetKeys(
    tenants: readonly string[] | undefined,
    keys: { refs: string[]; paths: string[] },
  ): Promise<{ refs: string[]; paths: string[] }>;
  /** Tenant/source pairs present, for retention planning. */
  partitions(): Promise<Partition[]>;
  /** Deletes one partition's events before the cut-off in bounded batches; returns how many were deleted. */
  purge(request: PurgeRequest): Promise<number>;
  /** Storage-specific health: resolves when reads and writes can be served. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * Optional: every matching event from one consistent snapshot (OpenSearch point in time), newest
   * first, page by page. Adapters with `capabilities.pointInTime` implement it; callers go through
   * `exportPages`, which falls back to keyset paging.
   */
  exportEvents?(filter: EventFilter, options?: { pageSize?: number }): AsyncGenerator<AuditEvent[]>;
  /**
   * The per-tenant evidence log (Merkle leaves appended in the commit that stores the events). A store
   * without it serves no proofs or checkpoints; the contract suite holds every store that has it to it.
   */
  readonly log?: EventLog;
}

/** Walks every page of a filter with keyset paging: constant memory whatever the result size. */
export async function* iterateEvents(
  storage: StoragePort,
  filter: EventFilter,
  pageSize = 1000,
): AsyncGenerator<AuditEvent[]> {
  let cursor: string | undefined;
  for (;;) {
    const page = await storage.search(filter, { limit: pageSize, ...(cursor ? { cursor } : {}) });
    if (page.data.length > 0) yield page.data;
    if (!page.next_cursor) return;
    cursor = page.next_cursor;
  }
}

export type { FacetField };

/**
 * Pages for an export: one snapshot where the store has them (events appended or purged while a long
 * export runs do not shift it), keyset paging otherwise (already stable against newer events).
 */
export function exportPages(
  storage: StoragePort,
  filter: EventFilter,
  pageSize = 1000,
): AsyncGenerator<AuditEvent[]> {
  return storage.exportEvents
    ? storage.exportEvents(filter, { pageSize })
    : iterateEvents(storage, filter, pageSize);
}
