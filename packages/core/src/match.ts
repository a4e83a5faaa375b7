import { normalizeEmail, pathUnder } from './derive.ts';
import { type EventFilter, freeTextTerms } from './query.ts';
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
  return freeTextTerms(parts.filter(Boolean).join(' '));
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
  const time = Date.parse(event.occurred_at);
  if (filter.from && time < Date.parse(filter.from)) return false;
  if (filter.to && time >= Date.parse(filter.to)) return false;
  if (!anyOf(filter.tenant, (v) => v === event.tenant)) return false;
  if (!anyOf(filter.source, (v) => v === event.source)) return false;
  if (!anyOf(filter.action, (v) => v === event.action)) return false;
  if (!anyOf(filter.actor, (v) => v === event.actor.id || normalizeEmail(v) === event.actor.email))
    return false;
  if (!anyOf(filter.workspace, (v) => v === event.workspace?.id)) return false;
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
