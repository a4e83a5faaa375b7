import type { EventFilter } from './query.ts';
import type { StoragePort } from './storage.ts';

export type AssetRef = { target_type: string; target_id: string } | { target_path: string };

/** `type:id`: a target's stable identity, which survives renames and moves. */
export function targetRef(type: string, id: string): string {
  return `${type}:${id}`;
}

const MAX_HOPS = 16;

/**
 * An asset's history spans every name it had: follow co-occurring ids and paths (rename and move events
 * carry both the old and new path and the stable id) until no new key appears.
 */
export async function resolveAssetKeys(
  storage: StoragePort,
  tenants: readonly string[] | undefined,
  asset: AssetRef,
): Promise<{ refs: string[]; paths: string[] }> {
  const refs = new Set<string>();
  const paths = new Set<string>();
  if ('target_path' in asset) paths.add(asset.target_path);
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

export async function assetHistoryFilter(
  storage: StoragePort,
  scope: EventFilter,
  asset: AssetRef,
): Promise<EventFilter> {
  const keys = await resolveAssetKeys(storage, scope.tenant, asset);
  return { ...scope, target_any: keys };
}

/** The keys an event's targets contribute to history lookups. */
export function targetKeysOf(
  targets: readonly { type: string; id?: string; path?: string; previous_path?: string }[],
) {
  const refs: string[] = [];
  const paths: string[] = [];
  for (const t of targets) {
    if (t.id !== undefined) refs.push(targetRef(t.type, t.id));
    if (t.path !== undefined) paths.push(t.path);
    if (t.previous_path !== undefined) paths.push(t.previous_path);
  }
  return { refs, paths };
}
