import {
  type ActionDefinition,
  type Actor,
  type Change,
  type MappedEvent,
  type OutcomeResult,
  redactSecrets,
  type Target,
} from '@trailmark/core';
import type { MediaLibraryAsset, MediaLibraryNative } from './native.ts';
import { MEDIA_LIBRARY_SOURCE_ID, mediaLibraryActions } from './plugin.ts';

const BY_OPERATION = new Map<string, ActionDefinition>(
  mediaLibraryActions.map((a) => [a.source_action as string, a]),
);

export function mediaLibraryEventId(nativeId: string): string {
  return `ml_${nativeId}`;
}

/** The schema guarantees a user or an API key. */
function actorOf(n: MediaLibraryNative): Actor {
  if (n.user) return { type: 'user', id: n.user.id, name: n.user.name, email: n.user.email };
  const key = n.apiKey as NonNullable<MediaLibraryNative['apiKey']>;
  return {
    type: 'api_key',
    id: key.id,
    ...(key.name ? { name: key.name } : {}),
    credential: { type: 'api_key', id: key.id },
  };
}

/** Path, previous path and the stable id together: that is what lets history follow an asset across renames. */
function assetTarget(a: MediaLibraryAsset, role: Target['role']): Target {
  return {
    type: a.type,
    id: a.id,
    name: a.name,
    ...(a.path ? { path: a.path } : {}),
    ...(a.previousPath && a.previousPath !== a.path ? { previous_path: a.previousPath } : {}),
    ...(a.size !== undefined ? { size_bytes: a.size } : {}),
    ...(a.mimeType ? { mime_type: a.mimeType } : {}),
    role,
  };
}

function targetsOf(n: MediaLibraryNative, action: string): Target[] {
  const d = n.details ?? {};
  const targets: Target[] = [];
  if (action.startsWith('collection.item_') && d.collection) {
    targets.push({ type: 'collection', id: d.collection.id, name: d.collection.name, role: 'primary' });
    targets.push(assetTarget(n.asset, 'affected'));
    for (const item of d.items ?? []) if (item.id !== n.asset.id) targets.push(assetTarget(item, 'affected'));
    return targets;
  }
  if (action.startsWith('public_link.') && d.publicLink) {
    targets.push({
      type: 'public_link',
      id: d.publicLink.id,
      name: d.publicLink.url,
      role: 'primary',
      ...(d.publicLink.expiresAt ? { attributes: { expires_at: d.publicLink.expiresAt } } : {}),
    });
    targets.push(assetTarget(n.asset, 'affected'));
    return targets;
  }
  if (action.startsWith('file_version.') && d.version) {
    targets.push({
      type: 'file_version',
      id: d.version.id,
      name: `${n.asset.name} (version ${d.version.number})`,
      version: String(d.version.number),
      role: 'primary',
    });
    targets.push(assetTarget(n.asset, 'parent'));
    return targets;
  }
  targets.push(assetTarget(n.asset, 'primary'));
  for (const r of d.sharedWith ?? [])
    targets.push({
      type: r.type,
      id: r.id,
      ...(r.name ? { name: r.name } : r.email ? { name: r.email } : {}),
      role: 'related',
      attributes: { permission: r.permission, ...(r.email ? { email: r.email } : {}) },
    });
  if (d.draft) targets.push({ type: 'draft', id: d.draft.id, role: 'related' });
  return targets;
}

function changesOf(n: MediaLibraryNative, action: string): Change[] | undefined {
  const d = n.details ?? {};
  const a = n.asset;
  if (action.endsWith('.renamed') || action.endsWith('.moved')) {
    const changes: Change[] = [];
    if (a.previousPath && a.path && a.previousPath !== a.path)
      changes.push({ field: 'path', before: a.previousPath, after: a.path });
    if (a.previousName && a.previousName !== a.name)
      changes.push({ field: 'name', before: a.previousName, after: a.name });
    return changes;
  }
  if (action === 'file.metadata_updated' && d.customMetadata) {
    const { before, after } = d.customMetadata;
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys
      .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
      .slice(0, 50)
      .map((k) => ({
        field: `customMetadata.${k}`,
        ...(before[k] !== undefined ? { before: before[k] } : {}),
        ...(after[k] !== undefined ? { after: after[k] } : {}),
      }));
  }
  if (action.includes('tags_added') && d.tags) return [{ field: 'tags', after: d.tags }];
  if (action.includes('tags_removed') && d.tags) return [{ field: 'tags', before: d.tags }];
  return undefined;
}

function resultOf(status: number): OutcomeResult {
  if (status < 400) return 'success';
  if (status === 401 || status === 403) return 'denied';
  if (status >= 500) return 'error';
  return 'failure';
}

/** Pure: one media library audit-log entry in, one normalized event out. */
export function mapMediaLibraryEvent(n: MediaLibraryNative): MappedEvent {
  const def = BY_OPERATION.get(n.operation);
  if (!def) throw new Error(`unknown media-library operation "${n.operation}"`);
  const d = n.details ?? {};
  const redactedPaths: string[] = [];
  const body = (key: 'request_body' | 'response_body', value: unknown) => {
    if (value === undefined) return {};
    const masked = redactSecrets(value, { base: `/${key}` });
    redactedPaths.push(...masked.paths);
    return { [key]: masked.value };
  };
  const request = {
    id: n.requestId,
    method: n.method,
    endpoint: n.endpoint,
    status: n.statusCode,
    ...body('request_body', n.requestBody),
    ...body('response_body', n.responseBody),
  };
  const metadata: Record<string, string | number | boolean> = {};
  if (d.extension) {
    metadata.extension = d.extension.name;
    metadata.extension_status = d.extension.status;
  }
  if (def.action.includes('auto_tags')) metadata.tag_source = 'auto';
  else if (def.action.includes('tags_')) metadata.tag_source = 'manual';
  if (d.tags) metadata.tags = d.tags.join(',').slice(0, 1000);
  const changes = changesOf(n, def.action);
  const result = d.extension?.status === 'failed' ? 'error' : resultOf(n.statusCode);
  return {
    id: mediaLibraryEventId(n.id),
    source: MEDIA_LIBRARY_SOURCE_ID,
    action: def.action,
    source_action: n.operation,
    occurred_at: n.createdAt,
    actor: actorOf(n),
    targets: targetsOf(n, def.action),
    outcome: {
      result,
      ...(n.error ? { reason: n.error.code, message: n.error.message } : {}),
      status_code: n.statusCode,
    },
    ...(n.ip || n.userAgent
      ? {
          client: {
            ...(n.ip ? { ip: n.ip } : {}),
            ...(n.userAgent ? { user_agent: n.userAgent } : {}),
            device: { kind: n.user ? ('browser' as const) : ('api' as const) },
          },
        }
      : {}),
    request: { ...request, ...(redactedPaths.length > 0 ? { redacted_paths: redactedPaths } : {}) },
    ...(changes && changes.length > 0 ? { changes } : {}),
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
  };
}
