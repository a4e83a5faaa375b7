import { normalizeEmail, pathUnder } from './derive.ts';
import {
  type AttributeCondition,
  type EventFilter,
  freeTextTerms,
  NEGATABLE_FILTERS,
  type NegatedFilter,
  searchWords,
} from './query.ts';
import type { AuditEvent } from './schema.ts';

/** Normalized words an event can be found by with `q`: names, paths, emails, action and its label. */
export function eventSearchText(event: AuditEvent, actionLabel?: string): string[] {
  const parts: (string | undefined)[] = [
    event.action,
    event.source_action,
    actionLabel,
    event.actor.id,
    event.actor.name,
    event.actor.email,
    event.workspace?.name,
    event.workspace?.id,
  ];
  for (const t of event.targets) parts.push(t.name, t.path, t.previous_path, t.id);
  // Every word: the cap of 16 is on a query's terms, an event is found by any of its words.
  return searchWords(parts.filter(Boolean).join(' '));
}

function anyOf<T>(values: readonly T[] | undefined, test: (v: T) => boolean): boolean {
  return values === undefined || values.some(test);
}

/**
 * The reference semantics of EventFilter, evaluated on one event. Adapters use it to re-check
 * candidates from hashed indexes; the contract suite uses it as the oracle.
 * Free text is checked as word prefixes against eventSearchText.
 */
export function eventMatchesFilter(event: AuditEvent, filter: EventFilter, actionLabel?: string): boolean {
  if (!matchesPositive(event, filter, actionLabel)) return false;
  if (filter.not && matchesAnyNegated(event, filter.not)) return false;
  if (filter.and && !filter.and.every((f) => eventMatchesFilter(event, f, actionLabel))) return false;
  return true;
}

/** Whether a declared field's value (`metadata[name]`) meets a condition; an absent value never does. */
export function attributeMatches(value: unknown, condition: AttributeCondition): boolean {
  if (value === undefined || value === null) return false;
  let key: string | undefined;
  let ordered: number | undefined;
  switch (condition.type) {
    case 'keyword':
      key = typeof value === 'string' ? value : undefined;
      break;
    case 'boolean':
      key = typeof value === 'boolean' ? String(value) : undefined;
      break;
    case 'number':
      ordered = typeof value === 'number' && Number.isFinite(value) ? value : undefined;
      key = ordered === undefined ? undefined : String(ordered);
      break;
    case 'date': {
      const t = typeof value === 'string' ? Date.parse(value) : Number.NaN;
      ordered = Number.isNaN(t) ? undefined : t;
      key = ordered === undefined ? undefined : new Date(ordered).toISOString();
      break;
    }
  }
  if (key === undefined) return false;
  if (condition.values && !condition.values.includes(key)) return false;
  if (condition.gte !== undefined || condition.lte !== undefined) {
    if (ordered === undefined) return false;
    const bound = (b: string) => (condition.type === 'date' ? Date.parse(b) : Number(b));
    if (condition.gte !== undefined && ordered < bound(condition.gte)) return false;
    if (condition.lte !== undefined && ordered > bound(condition.lte)) return false;
  }
  return true;
}

/** True when the event matches the positive filter of any one negated key (so it is excluded). */
function matchesAnyNegated(event: AuditEvent, not: NegatedFilter): boolean {
  for (const key of NEGATABLE_FILTERS) {
    const values = not[key];
    if (values !== undefined && matchesPositive(event, { [key]: values })) return true;
  }
  if (
    not.target_path_prefix !== undefined &&
    matchesPositive(event, { target_path_prefix: not.target_path_prefix })
  )
    return true;
  for (const [name, condition] of Object.entries(not.attr ?? {}))
    if (attributeMatches(event.metadata?.[name], condition)) return true;
  return false;
}

/**
 * The keys a user target is found by with `target_user`: its id and name exactly, and every email it
 * carries (an id or name that is an address, or `attributes.email`) lower-cased. Stores index this list.
 */
export function userTargetKeys(event: AuditEvent): string[] {
  const keys = new Set<string>();
  for (const t of event.targets) {
    if (t.type !== 'user') continue;
    const email = t.attributes?.email;
    for (const v of [t.id, t.name, typeof email === 'string' ? email : undefined]) {
      if (v === undefined) continue;
      if (v !== email) keys.add(v);
      if (v.includes('@')) keys.add(normalizeEmail(v));
    }
  }
  return [...keys];
}

/** What `target_user` values are looked up as among userTargetKeys: as given, and addresses lower-cased. */
export function userTargetFilterKeys(values: readonly string[]): string[] {
  const keys = new Set<string>();
  for (const v of values) {
    keys.add(v);
    if (v.includes('@')) keys.add(normalizeEmail(v));
  }
  return [...keys];
}

function matchesPositive(event: AuditEvent, filter: EventFilter, actionLabel?: string): boolean {
  const time = Date.parse(event.occurred_at);
  if (filter.from && time < Date.parse(filter.from)) return false;
  if (filter.to && time >= Date.parse(filter.to)) return false;
  if (!anyOf(filter.tenant, (v) => v === event.tenant)) return false;
  if (!anyOf(filter.source, (v) => v === event.source)) return false;
  // Exact actions and prefixes are one list (`action=file.*,share_link.accessed`): any of them.
  if (filter.action !== undefined || filter.action_prefix !== undefined) {
    const exact = filter.action?.includes(event.action) ?? false;
    if (!exact && !(filter.action_prefix ?? []).some((p) => event.action.startsWith(`${p}.`))) return false;
  }
  if (!anyOf(filter.actor, (v) => v === event.actor.id || normalizeEmail(v) === event.actor.email))
    return false;
  if (!anyOf(filter.source_action, (v) => v === event.source_action)) return false;
  if (!anyOf(filter.category, (v) => v === event.category)) return false;
  if (
    !anyOf(
      filter.workspace,
      (v) => event.workspace !== undefined && (v === event.workspace.id || v === event.workspace.name),
    )
  )
    return false;
  if (!anyOf(filter.country, (v) => v === event.client?.geo?.country_code)) return false;
  if (!anyOf(filter.region, (v) => v === event.request?.region)) return false;
  if (!anyOf(filter.device, (v) => v === event.client?.device?.kind)) return false;
  if (filter.user_agent) {
    const agent = event.client?.user_agent?.toLowerCase();
    if (agent === undefined || !filter.user_agent.some((v) => agent.includes(v.toLowerCase()))) return false;
  }
  if (filter.target_user) {
    const keys = new Set(userTargetKeys(event));
    if (!userTargetFilterKeys(filter.target_user).some((k) => keys.has(k))) return false;
  }
  for (const [name, condition] of Object.entries(filter.attr ?? {}))
    if (!attributeMatches(event.metadata?.[name], condition)) return false;
  if (!anyOf(filter.request_id, (v) => v === event.request?.id)) return false;
  if (!anyOf(filter.result, (v) => v === event.outcome.result)) return false;
  if (!anyOf(filter.ip, (v) => v === event.client?.ip)) return false;
  const targets = event.targets;
  if (!anyOf(filter.target_type, (v) => targets.some((t) => t.type === v))) return false;
  if (filter.target_id && filter.target_type) {
    const types = filter.target_type;
    if (!filter.target_id.some((id) => targets.some((t) => t.id === id && types.includes(t.type))))
      return false;
  } else if (!anyOf(filter.target_id, (v) => targets.some((t) => t.id === v))) return false;
  if (!anyOf(filter.target_path, (v) => targets.some((t) => t.path === v || t.previous_path === v)))
    return false;
  if (filter.target_path_prefix) {
    const prefix = filter.target_path_prefix;
    if (!targets.some((t) => [t.path, t.previous_path].some((p) => p !== undefined && pathUnder(p, prefix))))
      return false;
  }
  if (filter.target_any) {
    const { refs, paths } = filter.target_any;
    const hit = targets.some(
      (t) =>
        (t.id !== undefined && refs.includes(`${t.type}:${t.id}`)) ||
        (t.path !== undefined && paths.includes(t.path)) ||
        (t.previous_path !== undefined && paths.includes(t.previous_path)),
    );
    if (!hit) return false;
  }
  if (filter.q) {
    const words = eventSearchText(event, actionLabel);
    if (!freeTextTerms(filter.q).every((term) => words.some((w) => w.startsWith(term)))) return false;
  }
  return true;
}
