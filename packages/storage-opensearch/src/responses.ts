import { ErrorCode, StorageError } from '@trailmark/core';
import { isSortKey, type SortKey } from './requests.ts';

/**
 * Narrowing of OpenSearch responses. The client types bodies as `any`; everything here starts from
 * `unknown` and fails loudly (StorageError) when a response does not have the shape the spec promises.
 */

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function malformed(what: string): StorageError {
  return new StorageError(`unexpected OpenSearch response: ${what}`, { code: ErrorCode.STORAGE_UNAVAILABLE });
}

export function field(value: unknown, key: string): unknown {
  return isObj(value) ? value[key] : undefined;
}

export interface BulkItemResult {
  status: number;
  index?: string;
  id?: string;
  errorType?: string;
  reason?: string;
}

/** The `items` of a `_bulk` response, in request order, whatever the action key. */
export function bulkItems(body: unknown, expected: number): BulkItemResult[] {
  const items = field(body, 'items');
  if (!Array.isArray(items) || items.length !== expected) {
    throw malformed(
      `_bulk returned ${Array.isArray(items) ? items.length : 'no'} items for ${expected} actions`,
    );
  }
  return items.map((item) => {
    const result = isObj(item) ? Object.values(item)[0] : undefined;
    const status = field(result, 'status');
    if (typeof status !== 'number') throw malformed('_bulk item without status');
    const error = field(result, 'error');
    const index = field(result, '_index');
    const id = field(result, '_id');
    const errorType = field(error, 'type');
    const reason = field(error, 'reason');
    return {
      status,
      ...(typeof index === 'string' ? { index } : {}),
      ...(typeof id === 'string' ? { id } : {}),
      ...(typeof errorType === 'string' ? { errorType } : {}),
      ...(typeof reason === 'string' ? { reason } : typeof error === 'string' ? { reason: error } : {}),
    };
  });
}

export interface Hit {
  id: string;
  index: string;
  source: Obj;
  sort?: SortKey;
  /** With `seq_no_primary_term: true`: the version a conditional write (`if_seq_no`) names. */
  seqNo?: number;
  primaryTerm?: number;
}

export function hits(body: unknown): Hit[] {
  const list = field(field(body, 'hits'), 'hits');
  if (!Array.isArray(list)) throw malformed('search without hits.hits');
  return list.map((hit) => {
    const id = field(hit, '_id');
    const index = field(hit, '_index');
    const source = field(hit, '_source');
    const sort = field(hit, 'sort');
    const seqNo = field(hit, '_seq_no');
    const primaryTerm = field(hit, '_primary_term');
    if (typeof id !== 'string' || typeof index !== 'string') throw malformed('hit without _id or _index');
    return {
      id,
      index,
      source: isObj(source) ? source : {},
      ...(isSortKey(sort) ? { sort } : {}),
      ...(typeof seqNo === 'number' && typeof primaryTerm === 'number' ? { seqNo, primaryTerm } : {}),
    };
  });
}

export function countOf(body: unknown): number {
  const count = field(body, 'count');
  if (typeof count !== 'number') throw malformed('_count without count');
  return count;
}

export interface TermsBucket {
  key: string;
  count: number;
  label?: string;
}

export function termsBuckets(body: unknown, name: string): TermsBucket[] {
  const buckets = field(field(field(body, 'aggregations'), name), 'buckets');
  if (!Array.isArray(buckets)) throw malformed(`aggregation ${name} without buckets`);
  return buckets.map((bucket) => {
    const key = field(bucket, 'key');
    const count = field(bucket, 'doc_count');
    if (typeof count !== 'number' || (typeof key !== 'string' && typeof key !== 'number')) {
      throw malformed(`bucket of ${name}`);
    }
    const labels = field(field(bucket, 'label'), 'buckets');
    const label = Array.isArray(labels) ? field(labels[0], 'key') : undefined;
    return { key: String(key), count, ...(typeof label === 'string' ? { label } : {}) };
  });
}

/** The terms aggregation's bound on how far any count may be low (0: exact). */
export function termsErrorBound(body: unknown, name: string): number {
  const bound = field(field(field(body, 'aggregations'), name), 'doc_count_error_upper_bound');
  return typeof bound === 'number' ? bound : 0;
}

export interface CompositePage {
  buckets: { key: Obj; count: number; label?: string }[];
  after?: Obj;
}

export function compositeBuckets(body: unknown, name: string): CompositePage {
  const agg = field(field(body, 'aggregations'), name);
  const buckets = field(agg, 'buckets');
  if (!Array.isArray(buckets)) throw malformed(`aggregation ${name} without buckets`);
  const after = field(agg, 'after_key');
  return {
    buckets: buckets.map((b) => {
      const key = field(b, 'key');
      const count = field(b, 'doc_count');
      if (!isObj(key) || typeof count !== 'number') throw malformed(`bucket of ${name}`);
      const labels = field(field(b, 'label'), 'buckets');
      const label = Array.isArray(labels) ? field(labels[0], 'key') : undefined;
      return { key, count, ...(typeof label === 'string' ? { label } : {}) };
    }),
    ...(isObj(after) ? { after } : {}),
  };
}

/** The error `type` of an error response body (`index_not_found_exception`, ...). */
export function errorType(body: unknown): string | undefined {
  const type = field(field(body, 'error'), 'type');
  return typeof type === 'string' ? type : undefined;
}

export function errorReason(body: unknown): string {
  const error = field(body, 'error');
  const reason = field(error, 'reason');
  if (typeof reason === 'string') return reason;
  if (typeof error === 'string') return error;
  return JSON.stringify(body)?.slice(0, 500) ?? 'no body';
}
