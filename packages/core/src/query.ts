import { z } from 'zod';
import { ErrorCode, type ErrorDetail, ValidationError } from './errors.ts';
import { ACTION_PATTERN, type AuditEvent, OUTCOME_RESULTS, type OutcomeResult } from './schema.ts';

/**
 * The filter every read path shares: list, facets, history, export.
 * Lists match any of their values; different fields combine with AND.
 */
export interface EventFilter {
  /** Tenants the caller may see. `undefined` only for the operator token: all tenants. */
  tenant?: string[];
  source?: string[];
  action?: string[];
  /** Matches the actor's id or email. */
  actor?: string[];
  workspace?: string[];
  target_type?: string[];
  target_id?: string[];
  target_path?: string[];
  target_path_prefix?: string;
  request_id?: string[];
  result?: OutcomeResult[];
  ip?: string[];
  /** Free text over names, paths, emails and action labels; every word must match (prefix match). */
  q?: string;
  /** Inclusive lower bound on occurred_at (ISO 8601). */
  from?: string;
  /** Exclusive upper bound on occurred_at (ISO 8601). */
  to?: string;
  /** Internal: asset history keys, matched with OR ("type:id" refs and exact paths). */
  target_any?: { refs: string[]; paths: string[] };
}

export const LIST_FILTERS = [
  'tenant',
  'source',
  'action',
  'actor',
  'workspace',
  'target_type',
  'target_id',
  'target_path',
  'request_id',
  'result',
  'ip',
] as const;
export const SCALAR_FILTERS = ['target_path_prefix', 'q', 'from', 'to'] as const;
export const FILTER_PARAMS: readonly string[] = [...LIST_FILTERS, ...SCALAR_FILTERS];

export const FACET_FIELDS = ['action', 'actor', 'workspace', 'source', 'result', 'target_type'] as const;
export type FacetField = (typeof FACET_FIELDS)[number];

/**
 * Facets on client and request fields ("which IPs opened this share link, from which countries, how
 * many times"). Stores do not keep counts for these, so the server counts them over the newest
 * SCANNED_FACET_MAX_EVENTS matching events, and says when a broader filter matched more.
 */
export const SCANNED_FACET_FIELDS = ['ip', 'country', 'region', 'device'] as const;
export type ScannedFacetField = (typeof SCANNED_FACET_FIELDS)[number];
export const SCANNED_FACET_MAX_EVENTS = 50_000;

/** The value (and display label) an event contributes to a scanned facet, or undefined when it has none. */
export function scannedFacetValue(
  event: AuditEvent,
  field: ScannedFacetField,
): { value: string; label?: string } | undefined {
  const client = event.client;
  switch (field) {
    case 'ip':
      return client?.ip ? { value: client.ip } : undefined;
    case 'country': {
      const code = client?.geo?.country_code;
      if (!code) return undefined;
      return client?.geo?.country ? { value: code, label: client.geo.country } : { value: code };
    }
    case 'region':
      return event.request?.region ? { value: event.request.region } : undefined;
    case 'device':
      return client?.device?.kind ? { value: client.device.kind } : undefined;
  }
}

export interface FacetBucket {
  value: string;
  label?: string;
  count: number;
}

/** The `limit` most frequent buckets, most frequent first, ties by value: the order every facet answers in. */
export function topBuckets(buckets: Iterable<FacetBucket>, limit: number): FacetBucket[] {
  return [...buckets]
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
    .slice(0, limit);
}

/**
 * Facet counts. A store may bound the work a facet does on a very broad filter: it then counts the
 * newest `counted` matching events and says so with `complete: false`, never silently.
 */
export interface FacetResult {
  buckets: FacetBucket[];
  /** True when every matching event was counted. */
  complete: boolean;
  /** When incomplete: how many of the newest matching events the counts cover. */
  counted?: number;
}

export const PAGE_LIMIT = { default: 100, max: 1000 } as const;

export interface PageRequest {
  limit: number;
  cursor?: string;
}

/** Query-string parameters as the server sees them: every key may repeat. */
export type QueryParams = Record<string, string[]>;

const dateLike = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

function normalizeInstant(value: string): string {
  return new Date(value.length === 10 ? `${value}T00:00:00.000Z` : value).toISOString();
}

/**
 * Parses the shared filters (plus `allowed` extra parameters) from query parameters.
 * Unknown parameters are rejected so that a typo never silently widens a query.
 */
export interface ParseFilterOptions {
  /**
   * Extra words for an `action` value that is not an action name, typically the product's own name
   * ("AssetDeleted is file.deleted in generation-billing"); the server builds it from the registry.
   */
  actionHint?: (value: string) => string | undefined;
}

export function parseEventFilter(
  params: QueryParams,
  allowed: readonly string[] = [],
  options: ParseFilterOptions = {},
): EventFilter {
  const details: ErrorDetail[] = [];
  const unknown = Object.keys(params).filter((k) => !FILTER_PARAMS.includes(k) && !allowed.includes(k));
  if (unknown.length > 0) {
    throw new ValidationError(
      `unknown filter: ${unknown.join(', ')}`,
      unknown.map((k) => ({
        path: k,
        message: `unknown parameter; filters are ${FILTER_PARAMS.join(', ')}`,
      })),
      ErrorCode.UNKNOWN_FILTER,
    );
  }
  const filter: EventFilter = {};
  for (const key of LIST_FILTERS) {
    const raw = params[key];
    if (!raw) continue;
    const values = [
      ...new Set(
        raw
          .flatMap((v) => v.split(','))
          .map((v) => v.trim())
          .filter(Boolean),
      ),
    ];
    if (values.length === 0) continue;
    if (values.length > 100) details.push({ path: key, message: 'at most 100 values' });
    if (values.some((v) => v.length > 2048)) details.push({ path: key, message: 'value longer than 2048' });
    if (key === 'action') {
      // A product's own name (AssetDeleted, UPLOAD) would match nothing: say so instead of answering [].
      for (const v of values.filter((a) => !ACTION_PATTERN.test(a))) {
        const hint = options.actionHint?.(v);
        details.push({
          path: key,
          message: `"${v}" is not an action name (noun.verb_past, e.g. file.deleted)${hint ? `: ${hint}` : "; GET /v1/catalog maps each product's own names (source_action) to actions"}`,
        });
      }
      filter.action = values;
    } else if (key === 'result') {
      const bad = values.filter((v) => !(OUTCOME_RESULTS as readonly string[]).includes(v));
      if (bad.length > 0)
        details.push({ path: key, message: `must be one of ${OUTCOME_RESULTS.join(', ')}` });
      filter.result = values as OutcomeResult[];
    } else {
      filter[key] = values;
    }
  }
  for (const key of SCALAR_FILTERS) {
    const raw = params[key];
    if (!raw || raw.length === 0) continue;
    if (raw.length > 1) details.push({ path: key, message: 'may be given once' });
    const value = raw[0].trim();
    if (!value) continue;
    if (key === 'from' || key === 'to') {
      if (!dateLike.safeParse(value).success) {
        details.push({
          path: key,
          message: 'must be an ISO 8601 date or date-time, e.g. 2026-04-14T10:32:15Z',
        });
      } else {
        filter[key] = normalizeInstant(value);
      }
    } else if (key === 'target_path_prefix') {
      if (!value.startsWith('/')) details.push({ path: key, message: 'must start with /' });
      filter.target_path_prefix = value;
    } else {
      if (value.length > 512) details.push({ path: key, message: 'at most 512 characters' });
      filter.q = value;
    }
  }
  if (filter.from && filter.to && filter.from >= filter.to)
    details.push({ path: 'to', message: 'must be after from' });
  if (details.length > 0) throw new ValidationError('invalid filter', details, ErrorCode.INVALID_FILTER);
  return filter;
}

export function parseLimit(raw: string[] | undefined): number {
  if (!raw || raw.length === 0) return PAGE_LIMIT.default;
  if (raw.length > 1)
    throw new ValidationError('invalid limit', [{ path: 'limit', message: 'may be given once' }]);
  // Plain decimal digits only: Number() would also take 1e3, 0x10, 5.0, +5 and padded spaces.
  const n = /^[1-9][0-9]{0,6}$/.test(raw[0]) ? Number(raw[0]) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > PAGE_LIMIT.max) {
    throw new ValidationError('invalid limit', [
      { path: 'limit', message: `an integer from 1 to ${PAGE_LIMIT.max}` },
    ]);
  }
  return n;
}

/** Words of a free-text query: letters and digits only, so no query syntax reaches a storage engine. */
export function freeTextTerms(q: string): string[] {
  return [...new Set((q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length > 0))].slice(
    0,
    16,
  );
}

/** Whether an event's occurred_at (ms) falls within the filter's window. */
export function filterWindowMs(filter: EventFilter): { from?: number; to?: number } {
  return {
    ...(filter.from ? { from: Date.parse(filter.from) } : {}),
    ...(filter.to ? { to: Date.parse(filter.to) } : {}),
  };
}
