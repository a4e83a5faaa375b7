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

/** Said of every list filter; docs/api.md's table shows it as the `list` kind instead. */
export const FILTER_LIST_NOTE =
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
      description: `${description} ${FILTER_LIST_NOTE}`,
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
      'Tenant ids. The operator sees all tenants unless narrowed. An API key sees its own tenant (and may repeat it); naming another is `403 FORBIDDEN`.',
      { pattern: TENANT_PATTERN.source },
    ],
    source: [
      `Source ids (\`file-transfer\`, \`media-library\`, …).${known}`,
      { pattern: SOURCE_PATTERN.source },
    ],
    action: [
      "`file.uploaded`, `file.renamed`, …, or every action under a prefix: `file.*`, `share_link.*` (exact actions and prefixes in one list match any of them); see `GET /v1/catalog`. An action no registered source declares, and none of your events has, is `400 INVALID_FILTER` naming the nearest declared ones; a product's own name (`AssetDeleted`, `UPLOAD`, `repo.rename`) is `400` pointing at the action it maps to and at `source_action`.",
    ],
    actor: ['Actor `id` or `email` (emails are stored lower-cased and match in any case).'],
    workspace: ['Workspace id or exact name (`Brand Campaign 2026`).'],
    target_type: ["Any target's `type` (`file`, `share_link`, …)."],
    target_id: ["Any target's `id`."],
    target_path: ["Any target's exact `path` or `previous_path`."],
    request_id: ['`request.id`: every event of one HTTP request.'],
    result: ['`success`, `failure`, `denied`, `error`.', { enum: OUTCOME_RESULTS }],
    ip: ['`client.ip`, exact.'],
    source_action: [
      "The product's own operation name, exactly as sent (`AssetDeleted`, `UPLOAD`, `BLOCKED`).",
    ],
    category: ["The action's registry category (`sharing`, `content`, `billing`, …; see `GET /v1/catalog`)."],
    country: ['`client.geo.country_code`, ISO 3166-1 alpha-2, any case (`de` is `DE`).'],
    region: ['`request.region`: the server or storage region that handled the request (`eu-central-1`).'],
    device: [
      `\`client.device.kind\`: ${DEVICE_KINDS.map((d) => `\`${d}\``).join(', ')}.`,
      { enum: DEVICE_KINDS },
    ],
    user_agent: ['Case-insensitive substring of `client.user_agent` (`user_agent=curl`).'],
    target_user: [
      'Affected users: a target of type `user` by its `id`, its `name`, or its email (an id or name that is an address, or `attributes.email`; any case).',
    ],
  };
}

const TARGET_PATH_PREFIX =
  'Targets under a folder at any depth, at segment boundaries, e.g. `/deliverables/` (one trailing `/` is ignored). Must start with `/`. Given once.';

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
    '`occurred_at >= from`. An ISO date-time with an offset, or a date (`2026-04-01` means midnight UTC).',
    {},
    '2026-04-01',
  );
  shape.to = scalarParam(
    '`occurred_at < to` (exclusive), same formats as `from`. Must be after `from`.',
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
