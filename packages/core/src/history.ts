import { targetRef } from './derive.ts';
import type { EventFilter } from './query.ts';
import type { StoragePort } from './storage.ts';

export type AssetRef = { target_type: string; target_id: string } | { target_path: string };

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
