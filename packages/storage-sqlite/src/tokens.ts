import {
  type AuditEvent,
  actorFilterKeys,
  actorKeys,
  type EventFilter,
  eventSearchText,
  freeTextTerms,
  pathPrefixes,
  pathPrefixKey,
  userTargetFilterKeys,
  userTargetKeys,
} from '@trailmark/core';

/**
 * Every exact-match filter is answered by one FTS5 index of "key tokens" (`_<field code><hash>`),
 * because FTS5 segments are written append-style: one inverted index costs far less per insert than
 * a B-tree per filter (measured here: 5 secondary indexes cut raw inserts from ~95k to ~10k events/s).
 * Key tokens contain `_`, which free-text words never do, so the two vocabularies cannot collide.
 * Hash collisions (52 bits) are harmless: candidates are re-checked with eventMatchesFilter.
 */
const FIELD = {
  tenant: 't',
  source: 's',
  action: 'a',
  actor: 'u',
  workspace: 'w',
  result: 'r',
  request: 'q',
  ip: 'i',
  targetType: 'y',
  targetId: 'd',
  targetRef: 'f',
  path: 'p',
  pathPrefix: 'x',
  // Since events-006-search-tokens (reindexed at start, see reindexSearchTokens).
  sourceAction: 'b',
  category: 'g',
  actionPrefix: 'h',
  country: 'k',
  region: 'l',
  device: 'v',
  targetUser: 'e',
} as const;

/** cyrb53's mixing (public domain): two well-mixed 32-bit halves of a string hash. */
function mix(input: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < input.length; i++) {
    const ch = input.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1, h2];
}

const HEX = '0123456789abcdef';

/** 52-bit hash as 13 hex digits, built by hand: Number#toString(36) cost ~3 µs a call, this ~0.4 µs. */
function hash52(input: string): string {
  let [h1, h2] = mix(input);
  let out = '';
  for (let i = 0; i < 8; i++) {
    out += HEX[h1 & 15];
    h1 >>>= 4;
  }
  for (let i = 0; i < 5; i++) {
    out += HEX[h2 & 15];
    h2 >>>= 4;
  }
  return out;
}

export function keyToken(field: keyof typeof FIELD, value: string): string {
  return `_${FIELD[field]}${hash52(value)}`;
}

/** 20-bit tiebreak within one millisecond, derived from the event's identity so retries land on the same slot. */
export function slotOf(tenant: string, id: string): number {
  return mix(`${tenant}\u0000${id}`)[0] & 0xfffff;
}

/**
 * What is indexed for one event: its key tokens, and its free-text words (kept apart because only the
 * words go into the vocabulary that prefix search expands from).
 */
export function indexTermsOf(
  event: AuditEvent,
  actionLabel: string | undefined,
): { keys: string; words: string } {
  const tokens = new Set<string>();
  tokens.add(keyToken('tenant', event.tenant));
  tokens.add(keyToken('source', event.source));
  tokens.add(keyToken('action', event.action));
  for (const key of actorKeys(event.actor)) tokens.add(keyToken('actor', key));
  if (event.workspace) tokens.add(keyToken('workspace', event.workspace.id));
  // Names share the workspace field: the filter matches an id or a name, as the reference does.
  if (event.workspace?.name !== undefined) tokens.add(keyToken('workspace', event.workspace.name));
  if (event.source_action !== undefined) tokens.add(keyToken('sourceAction', event.source_action));
  if (event.category !== undefined) tokens.add(keyToken('category', event.category));
  for (const prefix of actionPrefixes(event.action)) tokens.add(keyToken('actionPrefix', prefix));
  if (event.client?.geo?.country_code) tokens.add(keyToken('country', event.client.geo.country_code));
  if (event.request?.region) tokens.add(keyToken('region', event.request.region));
  if (event.client?.device?.kind) tokens.add(keyToken('device', event.client.device.kind));
  for (const key of userTargetKeys(event)) tokens.add(keyToken('targetUser', key));
  tokens.add(keyToken('result', event.outcome.result));
  if (event.request?.id) tokens.add(keyToken('request', event.request.id));
  if (event.client?.ip) tokens.add(keyToken('ip', event.client.ip));
  for (const t of event.targets) {
    tokens.add(keyToken('targetType', t.type));
    if (t.id !== undefined) {
      tokens.add(keyToken('targetId', t.id));
      tokens.add(keyToken('targetRef', `${t.type}:${t.id}`));
    }
    for (const p of [t.path, t.previous_path]) {
      if (p === undefined) continue;
      tokens.add(keyToken('path', p));
      for (const prefix of pathPrefixes(p)) tokens.add(keyToken('pathPrefix', prefix));
    }
  }
  // Words never contain `_` and key tokens always do, so the two cannot collide.
  return { keys: [...tokens].join(' '), words: eventSearchText(event, actionLabel).join(' ') };
}

/** The dotted prefixes an action is found under with `action=<prefix>.*`: `a` and `a.b` for `a.b.c`. */
function actionPrefixes(action: string): string[] {
  const parts = action.split('.');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('.'));
}

const quote = (token: string) => `"${token}"`;
const anyOf = (tokens: string[]) =>
  tokens.length === 1 ? quote(tokens[0]) : `(${tokens.map(quote).join(' OR ')})`;

/**
 * Builds the FTS5 MATCH expression for a filter, or `undefined` when no indexed field is constrained.
 * `expand` turns a free-text prefix into the indexed words it covers: FTS5 answers `"word"*` by
 * materializing every matching doclist (~100 ms for a common word at 1M events), while an OR of exact
 * words is read lazily newest-first (~3 ms). Without an expansion the prefix query is the fallback.
 */
export function matchExpression(
  filter: EventFilter,
  expand?: (prefix: string) => string[] | undefined,
  /** `skip` leaves an unexpandable prefix to the caller's re-check (search does that; counts cannot). */
  tooManyWords: 'prefix' | 'skip' = 'prefix',
): string | undefined {
  const groups: string[] = [];
  const add = (field: keyof typeof FIELD, values: readonly string[] | undefined) => {
    if (values && values.length > 0) groups.push(anyOf(values.map((v) => keyToken(field, v))));
  };
  add('tenant', filter.tenant);
  add('source', filter.source);
  if (filter.action_prefix) {
    // Exact actions and prefixes are one list: any of their tokens.
    groups.push(
      anyOf([
        ...(filter.action ?? []).map((v) => keyToken('action', v)),
        ...filter.action_prefix.map((p) => keyToken('actionPrefix', p)),
      ]),
    );
  } else add('action', filter.action);
  add('sourceAction', filter.source_action);
  add('category', filter.category);
  add('workspace', filter.workspace);
  add('country', filter.country);
  add('region', filter.region);
  add('device', filter.device);
  if (filter.target_user) add('targetUser', userTargetFilterKeys(filter.target_user));
  if (filter.actor) {
    // Ids and emails share one token field: either kind of value finds the actor.
    const { ids, emails } = actorFilterKeys(filter.actor);
    add('actor', [...new Set([...ids, ...emails])]);
  }
  add('result', filter.result);
  add('request', filter.request_id);
  add('ip', filter.ip);
  if (filter.target_id && filter.target_type) {
    add(
      'targetRef',
      filter.target_type.flatMap((type) => filter.target_id!.map((id) => `${type}:${id}`)),
    );
  } else {
    add('targetType', filter.target_type);
    add('targetId', filter.target_id);
  }
  add('path', filter.target_path);
  if (filter.target_path_prefix) {
    // The root is every path: no token narrows it (the re-check drops events without a path).
    const key = pathPrefixKey(filter.target_path_prefix);
    if (key !== undefined) add('pathPrefix', [key]);
  }
  if (filter.target_any) {
    const tokens = [
      ...filter.target_any.refs.map((r) => keyToken('targetRef', r)),
      ...filter.target_any.paths.map((p) => keyToken('path', p)),
    ];
    // An empty key set matches nothing, never everything.
    groups.push(tokens.length > 0 ? anyOf(tokens) : quote('_none'));
  }
  if (filter.q) {
    const terms = freeTextTerms(filter.q);
    for (const term of terms) {
      // Numbers of 5+ digits are identifiers the writer keeps out of the vocabulary, so a prefix of
      // digits cannot be expanded from it: FTS5 answers it itself.
      if (/^[0-9]+$/.test(term)) {
        groups.push(`${quote(term)}*`);
        continue;
      }
      const words = expand?.(term);
      if (words === undefined && tooManyWords === 'skip' && expand) continue;
      // No listed word: a prefix query that matches nothing costs nothing.
      groups.push(words === undefined || words.length === 0 ? `${quote(term)}*` : anyOf(words));
    }
  }
  if (groups.length === 0) return undefined;
  // Exclusions the tokens answer exactly become an FTS5 NOT; it needs a positive side, so only then.
  const excluded = negatedTokens(filter);
  const positive = groups.join(' AND ');
  return excluded && excluded.length > 0 ? `(${positive}) NOT ${anyOf(excluded)}` : positive;
}

/**
 * The key tokens of `filter.not` when every negated part has exact tokens (an event carrying any of them
 * is excluded, exactly as the reference excludes it); undefined when some part has none.
 */
export function negatedTokens(filter: EventFilter): string[] | undefined {
  const not = filter.not;
  if (!not) return undefined;
  const tokens: string[] = [];
  for (const [key, value] of Object.entries(not)) {
    if (value === undefined) continue;
    const values = value as string[];
    switch (key) {
      case 'source':
        tokens.push(...values.map((v) => keyToken('source', v)));
        break;
      case 'action':
        tokens.push(...values.map((v) => keyToken('action', v)));
        break;
      case 'actor': {
        const { ids, emails } = actorFilterKeys(values);
        tokens.push(...[...new Set([...ids, ...emails])].map((v) => keyToken('actor', v)));
        break;
      }
      case 'result':
        tokens.push(...values.map((v) => keyToken('result', v)));
        break;
      case 'request_id':
        tokens.push(...values.map((v) => keyToken('request', v)));
        break;
      case 'ip':
        tokens.push(...values.map((v) => keyToken('ip', v)));
        break;
      case 'target_type':
        tokens.push(...values.map((v) => keyToken('targetType', v)));
        break;
      case 'target_id':
        tokens.push(...values.map((v) => keyToken('targetId', v)));
        break;
      case 'target_path':
        tokens.push(...values.map((v) => keyToken('path', v)));
        break;
      case 'action_prefix':
        tokens.push(...values.map((v) => keyToken('actionPrefix', v)));
        break;
      case 'source_action':
        tokens.push(...values.map((v) => keyToken('sourceAction', v)));
        break;
      case 'category':
        tokens.push(...values.map((v) => keyToken('category', v)));
        break;
      case 'workspace':
        tokens.push(...values.map((v) => keyToken('workspace', v)));
        break;
      case 'country':
        tokens.push(...values.map((v) => keyToken('country', v)));
        break;
      case 'region':
        tokens.push(...values.map((v) => keyToken('region', v)));
        break;
      case 'device':
        tokens.push(...values.map((v) => keyToken('device', v)));
        break;
      case 'target_user':
        tokens.push(...userTargetFilterKeys(values).map((v) => keyToken('targetUser', v)));
        break;
      case 'target_path_prefix': {
        const prefix = pathPrefixKey(value as unknown as string);
        if (prefix === undefined) return undefined;
        tokens.push(keyToken('pathPrefix', prefix));
        break;
      }
      default:
        return undefined;
    }
  }
  return tokens;
}
