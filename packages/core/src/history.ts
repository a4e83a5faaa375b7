import { pathPrefixes, RELATED_KEYS_MAX_EVENTS, targetRef } from './derive.ts';
import { eventMatchesFilter } from './match.ts';
import type { EventFilter } from './query.ts';
import type { AuditEvent } from './schema.ts';
import { iterateEvents, type StoragePort } from './storage.ts';

export type AssetRef = { target_type: string; target_id: string } | { target_path: string };

const MAX_HOPS = 16;

/**
 * Every key an asset's history may involve: follow co-occurring ids and paths (rename and move events
 * carry both the old and new path and the stable id) until no new key appears. A superset: a path
 * reused after a deletion pulls in the next asset too, which `traceAssets` then tells apart.
 */
export async function resolveAssetKeys(
  storage: StoragePort,
  tenants: readonly string[] | undefined,
  asset: AssetRef | { refs: string[]; paths: string[] },
): Promise<{ refs: string[]; paths: string[] }> {
  const refs = new Set<string>();
  const paths = new Set<string>();
  if ('refs' in asset) {
    for (const r of asset.refs) refs.add(r);
    for (const p of asset.paths) paths.add(p);
  } else if ('target_path' in asset) paths.add(asset.target_path);
  else refs.add(targetRef(asset.target_type, asset.target_id));
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const found = await storage.relatedTargetKeys(tenants, { refs: [...refs], paths: [...paths] });
    const before = refs.size + paths.size;
    for (const r of found.refs) refs.add(r);
    for (const p of found.paths) paths.add(p);
    if (refs.size + paths.size === before) break;
  }
  return { refs: [...refs], paths: [...paths] };
}

/**
 * Every event that touches any key of the lineage, without time-awareness: a superset of one asset's
 * history (kept for callers that want the merged view in a single store query).
 */
export async function assetHistoryFilter(
  storage: StoragePort,
  scope: EventFilter,
  asset: AssetRef,
): Promise<EventFilter> {
  const keys = await resolveAssetKeys(storage, scope.tenant, asset);
  return { ...scope, target_any: keys };
}

/** One asset as the lineage walk found it: what identified it, the paths it held in order, when. */
export interface TracedAsset {
  /** Stable within one answer: `type:id` when the asset has an id, else `path:<first path>@<first event>`. */
  key: string;
  tenant: string;
  ref?: { target_type: string; target_id: string };
  /** Every path it held, first to last, and since when. */
  held: { path: string; from: string }[];
  /** Its path after its last event (absent once deleted). */
  path?: string;
  deleted: boolean;
  first_at: string;
  last_at: string;
  event_ids: string[];
}

type Target = AuditEvent['targets'][number];

/** Oldest first, with a stable tie-break, as events happened. */
export function byOldest(a: AuditEvent, b: AuditEvent): number {
  return a.occurred_at < b.occurred_at
    ? -1
    : a.occurred_at > b.occurred_at
      ? 1
      : a.received_at < b.received_at
        ? -1
        : a.received_at > b.received_at
          ? 1
          : a.id < b.id
            ? -1
            : a.id > b.id
              ? 1
              : 0;
}

/** Targets that stand for the asset acted on, not for where it is or whom it concerns. */
const releases = (t: Target) => t.role === undefined || t.role === 'primary' || t.role === 'affected';

/**
 * Tells assets apart through time (pure). Walks events oldest first, keeping who holds each path and
 * each `type:id`: an id names one asset whatever its path; a path names the asset that holds it *now*;
 * `previous_path` moves an asset (and, for a folder, everything under it) to its new path; a `*.deleted`
 * action frees the path, so a file created there later is a new asset. Only successful events move or
 * free a path (a denied deletion deleted nothing). Per tenant.
 */
export function traceAssets(events: readonly AuditEvent[]): TracedAsset[] {
  const assets: TracedAsset[] = [];
  const byRef = new Map<string, number>();
  const byPath = new Map<string, number>();
  const k = (tenant: string, key: string) => `${tenant}\u0000${key}`;
  const hold = (tenant: string, path: string, index: number, at: string) => {
    const asset = assets[index] as TracedAsset;
    byPath.set(k(tenant, path), index);
    asset.path = path;
    if (asset.held.at(-1)?.path !== path) asset.held.push({ path, from: at });
  };
  for (const event of [...events].sort(byOldest)) {
    const tenant = event.tenant;
    const touched = new Set<number>();
    for (const t of event.targets) {
      if (t.id === undefined && t.path === undefined) continue;
      const ref = t.id !== undefined ? targetRef(t.type, t.id) : undefined;
      let index = ref !== undefined ? byRef.get(k(tenant, ref)) : undefined;
      if (index === undefined) {
        const at = t.previous_path ?? t.path;
        const holder = at !== undefined ? byPath.get(k(tenant, at)) : undefined;
        // A path's holder is this target unless both have ids and they differ (another asset took over).
        if (holder !== undefined && (ref === undefined || (assets[holder] as TracedAsset).ref === undefined))
          index = holder;
      }
      if (index === undefined) {
        index = assets.length;
        assets.push({
          key: ref ?? `path:${t.path ?? t.previous_path}@${event.id}`,
          tenant,
          held: [],
          deleted: false,
          first_at: event.occurred_at,
          last_at: event.occurred_at,
          event_ids: [],
        });
      }
      const asset = assets[index] as TracedAsset;
      if (ref !== undefined && asset.ref === undefined) {
        asset.ref = { target_type: t.type, target_id: t.id as string };
        asset.key = ref;
        byRef.set(k(tenant, ref), index);
      }
      // Only what happened moves or frees a path: a denied or failed rename or deletion changed nothing.
      const happened = event.outcome.result === 'success';
      if (happened && asset.deleted && releases(t) && !event.action.endsWith('.deleted'))
        asset.deleted = false;
      if (happened && t.previous_path !== undefined && t.path !== undefined && t.previous_path !== t.path) {
        const from = t.previous_path;
        // Where it was before is known from the move itself when no earlier event was seen there.
        if (asset.held.at(-1)?.path !== from) asset.held.push({ path: from, from: event.occurred_at });
        if (byPath.get(k(tenant, from)) === index) byPath.delete(k(tenant, from));
        // A folder moves what is under it: each held path below `from` moves below `t.path`.
        const under = `${from}/`;
        for (const [key, held] of [...byPath]) {
          const [owner, path] = key.split('\u0000') as [string, string];
          if (owner !== tenant || !path.startsWith(under) || held === index) continue;
          byPath.delete(key);
          hold(tenant, `${t.path}/${path.slice(under.length)}`, held, event.occurred_at);
        }
      }
      if (t.path !== undefined && !asset.deleted && (happened || t.previous_path === undefined))
        hold(tenant, t.path, index, event.occurred_at);
      if (happened && event.action.endsWith('.deleted') && releases(t)) {
        asset.deleted = true;
        if (asset.path !== undefined && byPath.get(k(tenant, asset.path)) === index)
          byPath.delete(k(tenant, asset.path));
        delete asset.path;
      }
      touched.add(index);
    }
    for (const index of touched) {
      const asset = assets[index] as TracedAsset;
      asset.event_ids.push(event.id);
      asset.last_at = event.occurred_at;
    }
  }
  return assets;
}

export interface AssetHistory {
  /** The assets the request names: for an id, that one; for a path, each that ever held it, in order. */
  assets: TracedAsset[];
  /** Their events that match the request's other filters, newest first. */
  events: AuditEvent[];
  /** True when the lineage had more candidate events than were read (RELATED_KEYS_MAX_EVENTS). */
  truncated: boolean;
}

const byNewest = (a: AuditEvent, b: AuditEvent) => -byOldest(a, b);

/**
 * The exact history of an asset, time-aware: candidates are read from the store (every event on any key
 * of the lineage, and the moves and deletions of the folders above its paths), the walk tells assets
 * apart, and the request's other filters are applied by the reference matcher. Bounded by
 * RELATED_KEYS_MAX_EVENTS candidate events; `truncated` says when that bound was hit.
 */
export async function assetHistory(
  storage: StoragePort,
  scope: EventFilter,
  asset: AssetRef,
  maxEvents = RELATED_KEYS_MAX_EVENTS,
): Promise<AssetHistory> {
  const tenantScope: EventFilter = scope.tenant ? { tenant: scope.tenant } : {};
  let keys = await resolveAssetKeys(storage, scope.tenant, asset);
  let candidates = new Map<string, AuditEvent>();
  let truncated = false;
  let traced: TracedAsset[] = [];
  let wanted: TracedAsset[] = [];
  for (let hop = 0; hop < 4; hop++) {
    candidates = new Map();
    const read = async (filter: EventFilter) => {
      for await (const page of iterateEvents(storage, filter)) {
        for (const e of page) {
          if (candidates.size >= maxEvents) {
            truncated = true;
            return;
          }
          candidates.set(`${e.tenant}\u0000${e.id}`, e);
        }
      }
    };
    await read({ ...tenantScope, target_any: keys });
    // Folders above the asset's paths: their moves carry it along, their deletions free its path.
    const ancestors = [
      ...new Set(keys.paths.flatMap((p) => pathPrefixes(p).filter((a) => a !== p && a !== '/'))),
    ];
    if (ancestors.length > 0) await read({ ...tenantScope, target_any: { refs: [], paths: ancestors } });
    traced = traceAssets([...candidates.values()]);
    const since = (a: TracedAsset) =>
      'target_path' in asset ? a.held.find((h) => h.path === asset.target_path)?.from : a.first_at;
    wanted = traced
      .filter((a) =>
        'target_path' in asset
          ? since(a) !== undefined
          : a.ref?.target_type === asset.target_type && a.ref.target_id === asset.target_id,
      )
      // In the order they came to hold the path asked for.
      .sort((a, b) => ((since(a) as string) < (since(b) as string) ? -1 : 1));
    // A path-only asset moved with its folder has paths no event of it links: forward, the path the walk
    // moved it to; backward, the path under the folder's previous path that it had before the move.
    const known = new Set(keys.paths);
    const forward = wanted.flatMap((a) => a.held.map((h) => h.path));
    const backward: string[] = [];
    for (const e of candidates.values())
      for (const t of e.targets) {
        if (t.previous_path === undefined || t.path === undefined) continue;
        for (const p of keys.paths)
          if (p.startsWith(`${t.path}/`)) backward.push(`${t.previous_path}/${p.slice(t.path.length + 1)}`);
      }
    const more = [...new Set([...forward, ...backward])].filter((p) => !known.has(p));
    if (more.length === 0 || truncated) break;
    keys = await resolveAssetKeys(storage, scope.tenant, {
      refs: keys.refs,
      paths: [...keys.paths, ...more],
    });
  }
  const ids = new Set(wanted.flatMap((a) => a.event_ids.map((id) => `${a.tenant}\u0000${id}`)));
  const { target_any: _keys, ...rest } = scope;
  const events = [...ids]
    .map((id) => candidates.get(id) as AuditEvent)
    .filter((e) => eventMatchesFilter(e, rest))
    .sort(byNewest);
  return { assets: wanted, events, truncated };
}
