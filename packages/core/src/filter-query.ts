/**
 * The filter query string of every read route (list, count, histogram, facets, history, live tail,
 * export) as one zod schema: the server's routes use it as their `request.query`, so the OpenAPI
 * document's filter parameters are generated from it.
 *
 * It documents each parameter (description, repeat/comma form, bounds, enums) but validates loosely:
 * any string or repeat passes, and parseEventFilter (query.ts) is the semantic check that refuses bad
 * values with INVALID_FILTER / UNKNOWN_FILTER and the parameter's path. A stricter zod check here would
 * answer the same mistakes with another code and message. Unknown keys pass through for the same
 * reason, and because `attr.<name>` keys (declared by plugins) cannot be listed in advance.
 */
import { z } from 'zod';
import { LIST_FILTERS, type ListFilter, listValues, NEGATABLE_FILTERS } from './query.ts';
import { DEVICE_KINDS, OUTCOME_RESULTS, SOURCE_PATTERN, TENANT_PATTERN } from './schema.ts';

const LIST_NOTE =
  'Repeat the parameter or separate values with commas; any value matches (OR). At most 100 values.';

/** Bounds stated in the document; parseEventFilter enforces them (a zod failure would change the code). */
const MAX_VALUES = 100;
const MAX_VALUE_LENGTH = 2048;

/**
 * A query value as the validator hands it over: one string, or an array of them when repeated. For
 * parameters whose check (and its error) belongs to a later step; `.meta()` documents the contract.
 */
export const queryValue = () =>
  z.custom<string | string[]>(
    (v) => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')),
  );

type ItemDoc = { pattern?: string; enum?: readonly string[] };

/** A list filter: repeated or comma-separated values, read as one list (split, trimmed, deduplicated). */
function listParam(description: string, items: ItemDoc = {}) {
  return queryValue()
    .transform((v) => listValues(typeof v === 'string' ? [v] : v))
    .optional()
    .meta({
      description: `${description} ${LIST_NOTE}`,
      type: 'array',
      items: { type: 'string', ...(items.pattern || items.enum ? items : { maxLength: MAX_VALUE_LENGTH }) },
      maxItems: MAX_VALUES,
      param: { style: 'form', explode: true },
    });
}

/**
 * A parameter given once. A repeat still passes here: parseEventFilter refuses it as `may be given
 * once` under its own name, with the other problems of the filter.
 */
function scalarParam(description: string, doc: { maxLength?: number; pattern?: string }, example?: string) {
  return queryValue()
    .optional()
    .meta({ description, type: 'string', ...doc, ...(example ? { param: { example } } : {}) });
}

const Q_DESCRIPTION =
  'The query language of the search box (docs/api.md, "Query language"): `qualifier:value` terms for every filter (`actor:`, `action:file.*`, `result:`, `workspace:"Brand Campaign 2026"`, `path:/forest/*`, `after:`/`before:`, `source:`, `category:`, `country:`, `device:`, `user:`, `attr.<name>:`, ...), `-qualifier:value` to exclude, `a,b` or `q:a OR q:b` for any of several values, AND between terms. Bare words and quoted phrases are free text over names, paths, emails and action labels: every word must match, as a prefix. Problems are 400 INVALID_FILTER with `path: q`, the offending `token` and its `position`. Given once. Besides the listed parameters, every keyword filter takes a negated form, the name followed by `!` (`result!=success`), and declared fields filter as `attr.<name>=v` (ranges `attr.<name>>=v`, `attr.<name><=v`, `attr.<name>=a..b`; negated `attr.<name>!=v`).';

/** The descriptions of the list filters; the registered sources are named where known. */
function listDescriptions(sources: readonly string[]): Record<ListFilter, [string, ItemDoc?]> {
  const known =
    sources.length > 0 ? ` Registered sources: ${sources.map((s) => `\`${s}\``).join(', ')}.` : '';
  return {
    tenant: [
      'Tenant ids. The operator token sees all tenants unless narrowed; an API key sees only its own and may repeat it (naming another tenant is 403 FORBIDDEN).',
      { pattern: TENANT_PATTERN.source },
    ],
    source: [`Source ids.${known}`, { pattern: SOURCE_PATTERN.source }],
    action: [
      "Normalized actions, e.g. `file.uploaded`, or every action under a prefix, `file.*`. See `GET /v1/catalog`. An action (or prefix) that no registered source declares and none of your events has is 400 INVALID_FILTER naming the nearest ones; a product's own name (`UPLOAD`) points at `source_action`.",
    ],
    actor: ["Actor id or email (emails match case-insensitively, they're stored lower-cased)."],
    workspace: ['Workspace ids or names (exact).'],
    target_type: ['Target types, e.g. `file`, `share_link`.'],
    target_id: ['Target ids, matched on any target of the event.'],
    target_path: ['Exact target paths (current or previous path of any target).'],
    request_id: ['The `request.id` of the HTTP request that caused the event.'],
    result: ['Outcome results.', { enum: OUTCOME_RESULTS }],
    ip: ['Client IP addresses (exact).'],
    source_action: [
      "The product's own operation name, exactly as the source sent it (`AssetDeleted`, `UPLOAD`).",
    ],
    category: ['Registry categories of the action, e.g. `sharing`, `billing`.'],
    country: ['Client country, ISO 3166-1 alpha-2 (`client.geo.country_code`), any case.'],
    region: ['Server or storage region that handled the request (`request.region`).'],
    device: ['Client device kind (`client.device.kind`).', { enum: DEVICE_KINDS }],
    user_agent: ['Case-insensitive substring of `client.user_agent`.'],
    target_user: ['Affected users: a target of type `user` by its id, its name, or its email (any case).'],
  };
}

const TARGET_PATH_PREFIX = 'Targets under a folder, e.g. `/deliverables/`. Must start with `/`. Given once.';

/** `result!=success`: the negated form of a keyword filter, documented from its positive one. */
const negatedNote = (base: string) =>
  `Excludes every event that \`${base}\` with these values would match (the URL reads \`${base}!=value\`).`;

const NEGATED_LISTS = NEGATABLE_FILTERS.filter((n): n is ListFilter & typeof n => n !== 'action_prefix');

/**
 * The filter query schema. `sources`: the registered source ids, named in the `source` description.
 * Loose: `attr.<name>` forms and anything else pass on to parseEventFilter, which refuses the unknown.
 */
export function filterQuerySchema(options: { sources?: readonly string[] } = {}) {
  const lists = listDescriptions(options.sources ?? []);
  const shape: Record<string, z.ZodType> = {};
  for (const name of LIST_FILTERS) {
    const [description, items] = lists[name];
    shape[name] = listParam(description, items);
    if (name === 'target_path')
      shape.target_path_prefix = scalarParam(TARGET_PATH_PREFIX, { pattern: '^/', maxLength: 2048 });
  }
  shape.q = scalarParam(
    Q_DESCRIPTION,
    { maxLength: 512 },
    'actor:ana@acme.test action:file.deleted -result:success "render final"',
  );
  shape.from = scalarParam(
    'Inclusive lower bound on `occurred_at`: ISO 8601 date-time with offset, or a date (midnight UTC).',
    {},
    '2026-04-01',
  );
  shape.to = scalarParam(
    'Exclusive upper bound on `occurred_at`, same formats as `from`; must be after `from`.',
    {},
    '2026-04-15T00:00:00Z',
  );
  for (const name of NEGATED_LISTS) {
    const [description, items] = lists[name];
    shape[`${name}!`] = listParam(`${negatedNote(name)} ${description}`, items);
  }
  shape['target_path_prefix!'] = scalarParam(`${negatedNote('target_path_prefix')} ${TARGET_PATH_PREFIX}`, {
    pattern: '^/',
    maxLength: 2048,
  });
  return z.looseObject(shape);
}

/** Every filter parameter the schema names, in the order the document lists them (negated forms last). */
export const FILTER_QUERY_NAMES: readonly string[] = Object.keys(filterQuerySchema().shape);
