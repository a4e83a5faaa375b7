import type { FacetBucket, FacetField } from './query.ts';
import type { AuditEvent } from './schema.ts';

/**
 * The values every filter rule derives from an event, written once: the reference matcher
 * (match.ts) and both adapters' indexes use these, so a store cannot answer a filter by a rule of
 * its own (the SQLite index once capped path prefixes at 32 segments, and a deeper prefix found
 * nothing there while the reference and OpenSearch found it).
 */

/**
 * Every key a path is found under with `target_path_prefix`: the path itself, then its part before
 * each `/` after the first character (`/a//b` gives `/a//b`, `/a`, `/a/`). Not capped: a path is at
 * most 2048 characters (schema), which bounds the keys, and a cap would make deeper prefixes match
 * nothing in an index while the reference matches them.
 */
export function pathPrefixes(path: string): string[] {
  const out = new Set<string>([path]);
  for (let i = 1; i < path.length; i++) if (path[i] === '/') out.add(path.slice(0, i));
  return [...out];
}

/**
 * The key a `target_path_prefix` filter looks up among `pathPrefixes`: one trailing slash is dropped
 * (`/a/` means "under /a"). `undefined` means the root, which every path is under.
 */
export function pathPrefixKey(prefix: string): string | undefined {
  const key = prefix.length > 1 && prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return key === '/' ? undefined : key;
}

/** True when `path` is the prefix or lies under it at a segment boundary (the reference rule). */
export function pathUnder(path: string, prefix: string): boolean {
  const key = pathPrefixKey(prefix);
  return key === undefined || path === key || path.startsWith(`${key}/`);
}

/** Emails are stored lower-cased (ingest) and compared lower-cased (filters): one address, any case. */
export function normalizeEmail(email: string): string {
  return email.toLowerCase();
}

/** The values an event's actor is found by with the `actor` filter: its id, and its email. */
export function actorKeys(actor: AuditEvent['actor']): string[] {
  return actor.email ? [actor.id, actor.email] : [actor.id];
}

/**
 * What `actor` filter values are compared with: ids exactly, emails in any case. A value without `@`
 * cannot be an address (the schema validates emails), so it is looked up as an id only.
 */
export function actorFilterKeys(values: readonly string[]): { ids: string[]; emails: string[] } {
  const emails = new Set<string>();
  for (const v of values) if (v.includes('@')) emails.add(normalizeEmail(v));
  return { ids: [...new Set(values)], emails: [...emails] };
}

/** The value and display label an event contributes to a stored facet (none, one, or one per target type). */
export function facetValues(event: AuditEvent, field: FacetField): Omit<FacetBucket, 'count'>[] {
  switch (field) {
    case 'action':
      return [{ value: event.action }];
    case 'actor': {
      const label = actorLabel(event.actor);
      return [label === undefined ? { value: event.actor.id } : { value: event.actor.id, label }];
    }
    case 'workspace':
      if (!event.workspace) return [];
      return [
        event.workspace.name === undefined
          ? { value: event.workspace.id }
          : { value: event.workspace.id, label: event.workspace.name },
      ];
    case 'source':
      return [{ value: event.source }];
    case 'result':
      return [{ value: event.outcome.result }];
    case 'target_type':
      return targetTypes(event).map((value) => ({ value }));
  }
}

/** How an actor is shown in facets: its name, else its email. */
export function actorLabel(actor: AuditEvent['actor']): string | undefined {
  return actor.name ?? actor.email;
}

/** The distinct target types of an event, in first-seen order. */
export function targetTypes(event: AuditEvent): string[] {
  return [...new Set(event.targets.map((t) => t.type))];
}

/**
 * Most events a store reads to answer `relatedTargetKeys` (newest first): one shared cap, so the
 * stores agree on how far an asset's history is followed.
 */
export const RELATED_KEYS_MAX_EVENTS = 10_000;

/** `type:id`: a target's stable identity, which survives renames and moves. */
export function targetRef(type: string, id: string): string {
  return `${type}:${id}`;
}

type TargetLike = { type: string; id?: string; path?: string; previous_path?: string };

/** The keys targets contribute to history lookups: `type:id` refs and paths, current and previous. */
export function targetKeysOf(targets: readonly TargetLike[]): { refs: string[]; paths: string[] } {
  const refs: string[] = [];
  const paths: string[] = [];
  for (const t of targets) {
    if (t.id !== undefined) refs.push(targetRef(t.type, t.id));
    if (t.path !== undefined) paths.push(t.path);
    if (t.previous_path !== undefined) paths.push(t.previous_path);
  }
  return { refs, paths };
}

/**
 * Collects the keys that co-occur in one target with any wanted key: what `relatedTargetKeys` returns,
 * computed from the candidate events a store read (tenant-scoped by the store).
 */
export class RelatedKeys {
  private readonly refs = new Set<string>();
  private readonly paths = new Set<string>();
  private readonly wantedRefs: Set<string>;
  private readonly wantedPaths: Set<string>;

  constructor(wanted: { refs: readonly string[]; paths: readonly string[] }) {
    this.wantedRefs = new Set(wanted.refs);
    this.wantedPaths = new Set(wanted.paths);
  }

  add(targets: readonly TargetLike[]): void {
    for (const target of targets) {
      const own = targetKeysOf([target]);
      if (own.refs.some((r) => this.wantedRefs.has(r)) || own.paths.some((p) => this.wantedPaths.has(p))) {
        for (const r of own.refs) this.refs.add(r);
        for (const p of own.paths) this.paths.add(p);
      }
    }
  }

  result(): { refs: string[]; paths: string[] } {
    return { refs: [...this.refs], paths: [...this.paths] };
  }
}
