import {
  type ActionRegistry,
  ErrorCode,
  type ErrorDetail,
  type EventFilter,
  editDistance,
  filterQuerySchema,
  type ParseFilterOptions,
  parseEventFilter,
  parseQuery,
  type QueryParams,
  type StoragePort,
  ValidationError,
} from '@trailmark/core';
import type { Context } from 'hono';
import { tenantScope } from './auth.ts';
import type { AppEnv } from './context.ts';
import type { AppDeps } from './deps.ts';
import { pageParams } from './http.ts';

const querySchemas = new WeakMap<ActionRegistry, ReturnType<typeof filterQuerySchema>>();

/**
 * The `request.query` of every route that takes filters: core's filter query schema, naming this app's
 * registered sources. It documents the parameters and lets every value through; readFilter (below)
 * is the check, so a bad filter keeps its INVALID_FILTER or UNKNOWN_FILTER answer and its path.
 */
export function filterQuery(deps: AppDeps) {
  const registry = deps.plugins.registry;
  let schema = querySchemas.get(registry);
  if (!schema) {
    schema = filterQuerySchema({ sources: registry.list().map((s) => s.id) });
    querySchemas.set(registry, schema);
  }
  return schema;
}

/** Where a product's own name is declared, as filters that find it. */
function sourceActionHint(registry: ActionRegistry, value: string): string | undefined {
  const found = registry.findBySourceAction(value);
  if (found.length === 0) return undefined;
  const where = found.map((f) => `action=${f.definition.action}&source=${f.source}`).join(' or ');
  return `the product name ${value} is ${where}; source_action=${value} matches the product's own name exactly`;
}

/**
 * Filter parsing options that know the registry: an `action` value that is a product's own name gets
 * pointed at the action it is declared as and at `source_action`; an action no registered source
 * declares is a 400 with the nearest declared names (unless a source accepts custom actions, whose
 * names cannot be known in advance); `attr.<name>` needs a declared field.
 */
export function filterOptions(registry: ActionRegistry): ParseFilterOptions {
  return {
    actionHint: (value) => sourceActionHint(registry, value),
    // A product's own name used as an action is certainly a mix-up: a 400 right away, with the way out.
    checkAction: (value, kind) => {
      if (kind === 'prefix' || registry.declaresAction(value)) return undefined;
      const product = sourceActionHint(registry, value);
      return product ? `no source declares the action ${value}: ${product}` : undefined;
    },
    attribute: (name) => {
      const field = registry.field(name);
      return field ? { name: field.name, type: field.type } : undefined;
    },
  };
}

/** Every action and prefix a filter names, negated and AND-ed parts included. */
function namedActions(filter: EventFilter, out: { action: Set<string>; prefix: Set<string> }): void {
  for (const f of [filter, filter.not ?? {}]) {
    for (const a of f.action ?? []) out.action.add(a);
    for (const p of f.action_prefix ?? []) out.prefix.add(p);
  }
  for (const part of filter.and ?? []) namedActions(part, out);
}

/**
 * An action (or prefix) that no registered source declares is a 400 naming the nearest declared ones,
 * unless the caller's events hold it: unregistered sources and custom actions are accepted at ingest
 * (see docs/api.md), so the store is the only place that knows their names. One indexed count each.
 */
export async function assertActionsKnown(
  registry: ActionRegistry,
  storage: StoragePort,
  filter: EventFilter,
  /** The request's parameters: a name that came from `q` is reported at its token there. */
  params: QueryParams = {},
): Promise<void> {
  const typed = params.q?.[0] ? parseQuery(params.q[0]).terms : [];
  const where = (shown: string): Partial<ErrorDetail> => {
    const term = typed.find((t) =>
      Object.entries(t.params).some(([k, vs]) => (k === 'action' || k === 'action!') && vs.includes(shown)),
    );
    return term ? { path: 'q', token: term.token, position: term.position } : {};
  };
  const named = { action: new Set<string>(), prefix: new Set<string>() };
  namedActions(filter, named);
  const tenant = filter.tenant ? { tenant: filter.tenant } : {};
  const details: ErrorDetail[] = [];
  for (const kind of ['action', 'prefix'] as const) {
    for (const value of named[kind]) {
      if (registry.declaresAction(value, kind)) continue;
      const probe: EventFilter =
        kind === 'action' ? { ...tenant, action: [value] } : { ...tenant, action_prefix: [value] };
      if ((await storage.count(probe)) > 0) continue;
      const shown = kind === 'prefix' ? `${value}.*` : value;
      const names =
        kind === 'prefix'
          ? [
              ...new Set(
                registry.actionNames().flatMap((a) => [a.split('.')[0], a.split('.').slice(0, 2).join('.')]),
              ),
            ]
          : registry.actionNames();
      const near = names
        .map((n) => ({ n, d: editDistance(value, n) }))
        .sort((a, b) => a.d - b.d || (a.n < b.n ? -1 : 1))
        .slice(0, 3)
        .map((x) => (kind === 'prefix' ? `${x.n}.*` : x.n));
      const at = where(shown);
      details.push({
        path: 'action',
        ...at,
        message: `${at.token === undefined ? '' : `"${at.token}" at position ${at.position}: `}no registered source declares the action ${shown} and no event has it${near.length > 0 ? `; nearest: ${near.join(', ')}` : ''}; GET /v1/catalog lists every action, and source_action= matches a product's own name`,
      });
    }
  }
  if (details.length > 0) throw new ValidationError('invalid filter', details, ErrorCode.INVALID_FILTER);
}

/**
 * Filter parameters to the filter a request may read: parsed with the registry's checks, the caller's
 * tenant scope applied, every action it names checked. Query strings and export job bodies alike.
 */
export async function scopedFilter(
  c: Context<AppEnv>,
  deps: AppDeps,
  params: QueryParams,
  /** Off for a live tail: an action no event has yet is what it may be waiting for. */
  actionsMustExist = true,
): Promise<{ filter: EventFilter; tenant: string[] | undefined }> {
  const parsed = parseEventFilter(params, [], filterOptions(deps.plugins.registry));
  const tenant = tenantScope(c, parsed.tenant);
  const filter = { ...parsed, ...(tenant ? { tenant } : {}) };
  if (actionsMustExist) await assertActionsKnown(deps.plugins.registry, deps.storage, filter, params);
  return { filter, tenant };
}

export interface FilterRequest<Own extends string> {
  /** The filter with the caller's tenant scope applied. */
  filter: EventFilter;
  /** The tenants the caller may read and asked for (undefined: the operator over every tenant). */
  tenant: string[] | undefined;
  /** `limit` as given (each route has its own default and bound). */
  limit?: string[];
  cursor?: string;
  /** The route's own parameters (not filters), each given at most once. */
  own: Partial<Record<Own, string>>;
}

/**
 * The one step every read route starts with: the query string split into the route's own parameters,
 * the page (`limit`, `cursor`; refused where the route does not page) and the filters, scoped.
 */
export async function readFilter<Own extends string = never>(
  c: Context<AppEnv>,
  deps: AppDeps,
  options: {
    own?: readonly Own[];
    /** `cursor`: paged; `limit`: a size but no cursor; `none`: neither. */
    paging?: 'cursor' | 'limit' | 'none';
    /** Names the answer in the refusal of a page parameter ("a count"). */
    what?: string;
    hint?: string;
    actionsMustExist?: boolean;
  } = {},
): Promise<FilterRequest<Own>> {
  const { params, limit, cursor } = pageParams(c);
  const paging = options.paging ?? 'cursor';
  const refused =
    paging === 'none'
      ? limit
        ? 'limit'
        : cursor
          ? 'cursor'
          : undefined
      : paging === 'limit' && cursor
        ? 'cursor'
        : undefined;
  if (refused)
    throw new ValidationError(`${options.what ?? 'this answer'} is not paged`, [
      { path: refused, message: options.hint ?? 'not accepted here' },
    ]);
  const own: Partial<Record<Own, string>> = {};
  for (const name of options.own ?? []) {
    const values = params[name];
    delete params[name];
    if (values === undefined) continue;
    if (values.length > 1)
      throw new ValidationError(`${name} may be given once`, [
        { path: name, message: 'given more than once' },
      ]);
    own[name] = values[0];
  }
  const { filter, tenant } = await scopedFilter(c, deps, params, options.actionsMustExist);
  return { filter, tenant, ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}), own };
}
