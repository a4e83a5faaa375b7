import { z } from 'zod';
import { ErrorCode, type ErrorDetail, ValidationError } from './errors.ts';
import { parseQuery } from './query-language.ts';
import {
  ACTION_PATTERN,
  type AuditEvent,
  CODE_PATTERN,
  DEVICE_KINDS,
  OUTCOME_RESULTS,
  type OutcomeResult,
} from './schema.ts';

/** The types a plugin may declare for a searchable field of its own (see SearchableField in registry.ts). */
export const ATTRIBUTE_TYPES = ['keyword', 'number', 'boolean', 'date'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

/**
 * A condition on one declared field (`metadata[name]` of the event): any of `values`, and within the
 * bounds. Values are canonical strings (numbers as `String(Number(v))`, booleans `true`/`false`, dates
 * as UTC instants); bounds apply to numbers and dates only.
 */
export interface AttributeCondition {
  type: AttributeType;
  values?: string[];
  gte?: string;
  lte?: string;
}

/**
 * The filter every read path shares: list, count, histogram, facets, history, export, streams.
 * Lists match any of their values; different fields combine with AND; `not` excludes.
 */
export interface EventFilter {
  /** Tenants the caller may see. `undefined` only for the operator token: all tenants. */
  tenant?: string[];
  source?: string[];
  action?: string[];
  /**
   * Actions under a dotted prefix: `file` matches `file.deleted` and `file.tags_added` (API form
   * `file.*`). With `action` it forms one list: an event matches either.
   */
  action_prefix?: string[];
  /** The product's own operation name, exactly as the source sent it (`AssetDeleted`, `repo.rename`). */
  source_action?: string[];
  /** The registry category the action belongs to (`sharing`, `billing`). */
  category?: string[];
  /** Matches the actor's id or email. */
  actor?: string[];
  /** Matches the workspace's id or its name (exactly). */
  workspace?: string[];
  target_type?: string[];
  target_id?: string[];
  target_path?: string[];
  target_path_prefix?: string;
  /** A target of type `user` found by its id, its email (any case) or its name. */
  target_user?: string[];
  request_id?: string[];
  result?: OutcomeResult[];
  ip?: string[];
  /** ISO 3166-1 alpha-2 code of client.geo.country_code. */
  country?: string[];
  /** The server or storage region that handled the request (request.region). */
  region?: string[];
  /** client.device.kind: browser, cli, sdk, api, ... */
  device?: string[];
  /** Case-insensitive substring of client.user_agent; any of the values. */
  user_agent?: string[];
  /** Declared searchable fields, by name. */
  attr?: Record<string, AttributeCondition>;
  /** Free text over names, paths, emails and action labels; every word must match (prefix match). */
  q?: string;
  /** Inclusive lower bound on occurred_at (ISO 8601). */
  from?: string;
  /** Exclusive upper bound on occurred_at (ISO 8601). */
  to?: string;
  /** Excludes every event that the positive filter of any of these keys would match (`result!=success`). */
  not?: NegatedFilter;
  /** Further filters every event must also match (a `q` qualifier repeating a field given elsewhere). */
  and?: EventFilter[];
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
  'source_action',
  'category',
  'country',
  'region',
  'device',
  'user_agent',
  'target_user',
] as const;
export type ListFilter = (typeof LIST_FILTERS)[number];
export const SCALAR_FILTERS = ['target_path_prefix', 'q', 'from', 'to'] as const;
export const FILTER_PARAMS: readonly string[] = [...LIST_FILTERS, ...SCALAR_FILTERS];

/** Keyword filters that can be negated: the API form is the key with `!` (`result!=success`). */
export const NEGATABLE_FILTERS = [
  'source',
  'action',
  'action_prefix',
  'source_action',
  'category',
  'actor',
  'workspace',
  'target_type',
  'target_id',
  'target_path',
  'target_user',
  'request_id',
  'result',
  'ip',
  'country',
  'region',
  'device',
  'user_agent',
] as const;
export type NegatableFilter = (typeof NEGATABLE_FILTERS)[number];
export type NegatedFilter = Partial<Pick<EventFilter, NegatableFilter | 'target_path_prefix' | 'attr'>>;

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

export const dateLike = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

export function normalizeInstant(value: string): string {
  return new Date(value.length === 10 ? `${value}T00:00:00.000Z` : value).toISOString();
}

/** A searchable field as the filter parser needs it: its type, from the source that declares it. */
export interface AttributeDeclaration {
  name: string;
  type: AttributeType;
}

export interface ParseFilterOptions {
  /**
   * Extra words for an `action` value that is not an action name, typically the product's own name
   * ("AssetDeleted is file.deleted in generation-billing"); the server builds it from the registry.
   */
  actionHint?: (value: string) => string | undefined;
  /**
   * Checks an action name (or a `noun.*` prefix, given as `noun`) against the registry: returns the
   * problem (with a suggestion) when no registered source declares it, undefined when it is fine.
   */
  checkAction?: (value: string, kind: 'action' | 'prefix') => string | undefined;
  /** The declared searchable field of that name, or undefined: `attr.<name>` needs a declaration. */
  attribute?: (name: string) => AttributeDeclaration | undefined;
}

/** `attr.<name>` with an optional operator suffix: `!` (not), `>` (at least), `<` (at most). */
const ATTR_PARAM = /^attr\.([a-z][a-z0-9_]{0,63})([!<>]?)$/;
const ACTION_PREFIX = /^([a-z][a-z0-9_]{0,39}(?:\.[a-z][a-z0-9_]{0,39})?)\.\*$/;
const COUNTRY = /^[A-Za-z]{2}$/;

/** Splits commas, trims, drops empty values and duplicates. */
export function listValues(raw: readonly string[]): string[] {
  return [
    ...new Set(
      raw
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter(Boolean),
    ),
  ];
}

/** Whether a parameter name is a filter: a listed one, its negation (`result!`), or `attr.<name>` forms. */
export function isFilterParam(key: string): boolean {
  return isKnownParam(key, []);
}

function isKnownParam(key: string, allowed: readonly string[]): boolean {
  if (FILTER_PARAMS.includes(key) || allowed.includes(key)) return true;
  if (ATTR_PARAM.test(key)) return true;
  if (!key.endsWith('!')) return false;
  const base = key.slice(0, -1);
  return (
    (base !== 'action_prefix' && (NEGATABLE_FILTERS as readonly string[]).includes(base)) ||
    base === 'target_path_prefix'
  );
}

/** Canonical form of one attribute value, or an error message. */
export function attributeValue(type: AttributeType, raw: string): { value: string } | { error: string } {
  switch (type) {
    case 'keyword':
      return raw.length > 1000 ? { error: 'at most 1000 characters' } : { value: raw };
    case 'number': {
      const n = /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/.test(raw) ? Number(raw) : Number.NaN;
      return Number.isFinite(n) ? { value: String(n) } : { error: `"${raw}" is not a number` };
    }
    case 'boolean':
      return raw === 'true' || raw === 'false' ? { value: raw } : { error: `"${raw}" is not true or false` };
    case 'date':
      return dateLike.safeParse(raw).success
        ? { value: normalizeInstant(raw) }
        : { error: `"${raw}" is not an ISO 8601 date or date-time` };
  }
}

/**
 * One attribute condition from its parameter values: exact values, or `a..b` ranges (either end open)
 * for numbers and dates; `op` is the key suffix (`>` at least, `<` at most).
 */
function attributeCondition(
  declaration: AttributeDeclaration,
  values: readonly string[],
  op: '' | '<' | '>',
  path: string,
  details: ErrorDetail[],
): AttributeCondition {
  const condition: AttributeCondition = { type: declaration.type };
  const ranged = declaration.type === 'number' || declaration.type === 'date';
  const canonical = (raw: string): string | undefined => {
    const parsed = attributeValue(declaration.type, raw);
    if ('error' in parsed) {
      details.push({ path, message: parsed.error });
      return undefined;
    }
    return parsed.value;
  };
  for (const raw of values) {
    const range = raw.match(/^(.*)\.\.(.*)$/);
    if (op || range) {
      if (!ranged) {
        details.push({
          path,
          message: `ranges apply to number and date fields; ${declaration.name} is a ${declaration.type}`,
        });
        continue;
      }
      const [low, high] = op === '>' ? [raw, ''] : op === '<' ? ['', raw] : [range![1], range![2]];
      if (!low && !high) {
        details.push({ path, message: 'a range needs at least one end' });
        continue;
      }
      if (low) {
        const v = canonical(low);
        if (v !== undefined) condition.gte = v;
      }
      if (high) {
        const v = canonical(high);
        if (v !== undefined) condition.lte = v;
      }
    } else {
      const v = canonical(raw);
      if (v !== undefined) condition.values = [...(condition.values ?? []), v];
    }
  }
  return condition;
}

/**
 * Checks and normalizes the values of one list filter (given or negated); problems go to `details`.
 * `action` values ending in `.*` become `action_prefix` entries.
 */
function listFilterValues(
  key: ListFilter,
  values: string[],
  path: string,
  details: ErrorDetail[],
  options: ParseFilterOptions,
): Partial<EventFilter> {
  if (values.length > 100) details.push({ path, message: 'at most 100 values' });
  if (values.some((v) => v.length > 2048)) details.push({ path, message: 'value longer than 2048' });
  switch (key) {
    case 'action': {
      const exact: string[] = [];
      const prefixes: string[] = [];
      for (const v of values) {
        const prefix = v.match(ACTION_PREFIX)?.[1];
        if (prefix !== undefined) {
          const problem = options.checkAction?.(prefix, 'prefix');
          if (problem) details.push({ path, message: problem });
          prefixes.push(prefix);
        } else if (!ACTION_PATTERN.test(v)) {
          // A product's own name (AssetDeleted, UPLOAD) would match nothing: say so instead of answering [].
          const hint = options.actionHint?.(v);
          details.push({
            path,
            message: `"${v}" is not an action name (noun.verb_past, e.g. file.deleted, or a prefix such as file.*)${hint ? `: ${hint}` : "; GET /v1/catalog maps each product's own names (source_action) to actions"}`,
          });
        } else {
          const problem = options.checkAction?.(v, 'action');
          if (problem) details.push({ path, message: problem });
          exact.push(v);
        }
      }
      return {
        ...(exact.length > 0 ? { action: exact } : {}),
        ...(prefixes.length > 0 ? { action_prefix: prefixes } : {}),
      };
    }
    case 'result': {
      if (values.some((v) => !(OUTCOME_RESULTS as readonly string[]).includes(v)))
        details.push({ path, message: `must be one of ${OUTCOME_RESULTS.join(', ')}` });
      return { result: values as OutcomeResult[] };
    }
    case 'device': {
      if (values.some((v) => !(DEVICE_KINDS as readonly string[]).includes(v)))
        details.push({ path, message: `must be one of ${DEVICE_KINDS.join(', ')}` });
      return { device: values };
    }
    case 'country': {
      if (values.some((v) => !COUNTRY.test(v)))
        details.push({ path, message: 'ISO 3166-1 alpha-2 codes, e.g. DE' });
      return { country: values.map((v) => v.toUpperCase()) };
    }
    case 'category': {
      if (values.some((v) => !CODE_PATTERN.test(v)))
        details.push({ path, message: 'lower snake case category, e.g. sharing' });
      return { category: values };
    }
    default:
      return { [key]: values };
  }
}

/** Adds `part` to `filter`; a field already set goes to a further AND-ed filter instead of widening it. */
export function mergeFilters(filter: EventFilter, part: EventFilter): EventFilter {
  const clash = (Object.keys(part) as (keyof EventFilter)[]).some(
    (k) => filter[k] !== undefined && k !== 'and',
  );
  if (clash) return { ...filter, and: [...(filter.and ?? []), part] };
  const { and, ...rest } = part;
  const merged: EventFilter = { ...filter, ...rest };
  const all = [...(filter.and ?? []), ...(and ?? [])];
  if (all.length > 0) merged.and = all;
  return merged;
}

/**
 * Parses the shared filters (plus `allowed` extra parameters) from query parameters. Unknown
 * parameters are rejected so that a typo never silently widens a query. `q` is read as the query
 * language (query-language.ts): its qualifiers join the filter, its remaining words stay free text.
 */
export function parseEventFilter(
  params: QueryParams,
  allowed: readonly string[] = [],
  options: ParseFilterOptions = {},
): EventFilter {
  const details: ErrorDetail[] = [];
  const unknown = Object.keys(params).filter((k) => !isKnownParam(k, allowed));
  if (unknown.length > 0) {
    throw new ValidationError(
      `unknown filter: ${unknown.join(', ')}`,
      unknown.map((k) => ({
        path: k,
        message: k.startsWith('attr.')
          ? 'declared fields are attr.<name> (lower snake case), optionally followed by !, > or <'
          : `unknown parameter; filters are ${FILTER_PARAMS.join(', ')}, each keyword filter also as <name>! (not), and attr.<name>`,
      })),
      ErrorCode.UNKNOWN_FILTER,
    );
  }
  let filter: EventFilter = {};
  const not: NegatedFilter = {};
  let text: string | undefined;
  for (const key of LIST_FILTERS) {
    for (const negated of [false, true]) {
      if (negated && key === 'tenant') continue;
      const path = negated ? `${key}!` : key;
      const raw = params[path];
      if (!raw) continue;
      const values = listValues(raw);
      if (values.length === 0) continue;
      const part = listFilterValues(key, values, path, details, options);
      Object.assign(negated ? not : filter, part);
    }
  }
  for (const [key, raw] of Object.entries(params)) {
    const m = key.match(ATTR_PARAM);
    if (!m) continue;
    const [, name, op] = m;
    const declaration = options.attribute?.(name);
    if (!declaration) {
      details.push({
        path: key,
        message: `no registered source declares a searchable field "${name}"; GET /v1/catalog lists them`,
      });
      continue;
    }
    const values = listValues(raw);
    if (values.length === 0) continue;
    if (values.length > 100) details.push({ path: key, message: 'at most 100 values' });
    const target = op === '!' ? not : filter;
    const condition = attributeCondition(
      declaration,
      values,
      op === '!' ? '' : (op as '' | '<' | '>'),
      key,
      details,
    );
    const attr = { ...(target.attr ?? {}) };
    const existing = attr[name];
    attr[name] = existing
      ? { ...existing, ...condition, values: [...(existing.values ?? []), ...(condition.values ?? [])] }
      : condition;
    if (attr[name].values?.length === 0) delete attr[name].values;
    target.attr = attr;
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
    } else if (value.length > 512) {
      details.push({ path: key, message: 'at most 512 characters' });
    } else {
      text = value;
    }
  }
  // After the other parameters, so that `after:` in q and `from=` are both kept (AND-ed), never overwritten.
  if (text !== undefined) {
    const parsed = parseQuery(text);
    details.push(...parsed.problems);
    for (const term of parsed.terms) {
      try {
        filter = mergeFilters(filter, parseEventFilter(term.params, [], options));
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        for (const d of error.details ?? [])
          details.push({
            path: 'q',
            token: term.token,
            position: term.position,
            message: `"${term.token}" at position ${term.position}: ${d.message}`,
          });
      }
    }
    if (parsed.text) filter = mergeFilters(filter, { q: parsed.text });
  }
  const negatedPrefix = params['target_path_prefix!']?.map((v) => v.trim()).filter(Boolean);
  if (negatedPrefix && negatedPrefix.length > 0) {
    if (negatedPrefix.length > 1) details.push({ path: 'target_path_prefix!', message: 'may be given once' });
    if (!negatedPrefix[0].startsWith('/'))
      details.push({ path: 'target_path_prefix!', message: 'must start with /' });
    not.target_path_prefix = negatedPrefix[0];
  }
  if (Object.keys(not).length > 0) filter = mergeFilters(filter, { not });
  if (filter.from && filter.to && filter.from >= filter.to)
    details.push({ path: 'to', message: 'must be after from' });
  if (details.length > 0) throw new ValidationError('invalid filter', details, ErrorCode.INVALID_FILTER);
  return filter;
}

/** One `limit`, given once, in plain decimal digits from 1 to `max`; absent is `fallback`. */
export function parseLimit(
  raw: string[] | undefined,
  max: number = PAGE_LIMIT.max,
  fallback: number = PAGE_LIMIT.default,
): number {
  if (!raw || raw.length === 0) return fallback;
  if (raw.length > 1)
    throw new ValidationError('invalid limit', [{ path: 'limit', message: 'may be given once' }]);
  // Plain decimal digits only: Number() would also take 1e3, 0x10, 5.0, +5 and padded spaces.
  const n = /^[1-9][0-9]{0,6}$/.test(raw[0]) ? Number(raw[0]) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new ValidationError('invalid limit', [{ path: 'limit', message: `an integer from 1 to ${max}` }]);
  }
  return n;
}

/** Words of a free-text query: letters and digits only, so no query syntax reaches a storage engine. */
/** The words of a text as free-text search sees them: lower-cased runs of letters and digits, once each. */
export function searchWords(text: string): string[] {
  return [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];
}

/** The terms of a `q`: its words, at most 16 (a bound on the query's cost, not on what is indexed). */
export function freeTextTerms(q: string): string[] {
  return searchWords(q).slice(0, 16);
}

/** Whether an event's occurred_at (ms) falls within the filter's window. */
export function filterWindowMs(filter: EventFilter): { from?: number; to?: number } {
  return {
    ...(filter.from ? { from: Date.parse(filter.from) } : {}),
    ...(filter.to ? { to: Date.parse(filter.to) } : {}),
  };
}

/**
 * A filter as normalized query parameters (what parseEventFilter reads back): stored with export jobs
 * and written to the audit trail. Further AND-ed filters (`and`) are listed as JSON under `and`.
 */
export function filterToParams(filter: EventFilter): Record<string, string[]> {
  const params: Record<string, string[]> = {};
  const put = (key: string, values: readonly string[] | undefined) => {
    if (values && values.length > 0) params[key] = [...(params[key] ?? []), ...values];
  };
  const putAttrs = (attr: EventFilter['attr'], suffix: '' | '!') => {
    for (const [name, c] of Object.entries(attr ?? {})) {
      put(`attr.${name}${suffix}`, c.values);
      if (c.gte !== undefined) put(`attr.${name}>`, [c.gte]);
      if (c.lte !== undefined) put(`attr.${name}<`, [c.lte]);
    }
  };
  for (const key of LIST_FILTERS) put(key, filter[key]);
  put(
    'action',
    filter.action_prefix?.map((p) => `${p}.*`),
  );
  putAttrs(filter.attr, '');
  for (const key of SCALAR_FILTERS) if (filter[key]) params[key] = [filter[key] as string];
  const not = filter.not ?? {};
  for (const key of NEGATABLE_FILTERS) if (key !== 'action_prefix') put(`${key}!`, not[key]);
  put(
    'action!',
    not.action_prefix?.map((p) => `${p}.*`),
  );
  if (not.target_path_prefix) put('target_path_prefix!', [not.target_path_prefix]);
  putAttrs(not.attr, '!');
  if (filter.and && filter.and.length > 0)
    params.and = filter.and.map((f) => JSON.stringify(filterToParams(f)));
  return params;
}
