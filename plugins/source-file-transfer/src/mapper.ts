import type { Actor, Change, Client, MappedEvent, Target } from '@trailmark/core';
import type { FileTransferNative, FileTransferNativeAction } from './native.ts';
import { FILE_TRANSFER_SOURCE_ID, type FileTransferAction } from './plugin.ts';

const ACTION_BY_NATIVE: Record<Exclude<FileTransferNativeAction, 'BLOCKED'>, FileTransferAction> = {
  UPLOAD: 'file.uploaded',
  DOWNLOAD: 'file.downloaded',
  PREVIEW: 'file.accessed',
  DELETE: 'file.deleted',
  SHARE: 'share_link.created',
  SHARE_UPDATE: 'share_link.expiration_updated',
  ACCESS: 'share_link.accessed',
  PASSWORD_ATTEMPT: 'share_link.unlocked',
  EXPIRE: 'share_link.expired',
  REVOKE: 'share_link.revoked',
  INVITE: 'member.invited',
  REMOVE: 'member.removed',
  ROLE_CHANGE: 'member.role_changed',
  PERMISSION_CHANGE: 'permission.updated',
};

/** Events of this source get `ft_` + the product's event id, so a re-delivered entry overwrites itself. */
export function fileTransferEventId(nativeId: string): string {
  return `ft_${nativeId}`;
}

function actorOf(n: FileTransferNative): Actor {
  if (n.user) {
    return {
      type: 'user',
      id: n.user.id ?? n.user.email,
      email: n.user.email,
      ...(n.user.name ? { name: n.user.name } : {}),
    };
  }
  if (n.api_key) {
    return {
      type: 'api_key',
      id: n.api_key.id,
      ...(n.api_key.name ? { name: n.api_key.name } : {}),
      credential: { type: 'api_key', id: n.api_key.id, ...(n.api_key.name ? { name: n.api_key.name } : {}) },
    };
  }
  if (n.action === 'EXPIRE')
    return { type: 'system', id: FILE_TRANSFER_SOURCE_ID, name: 'File transfer service' };
  return {
    type: 'anonymous',
    id: 'anonymous',
    ...(n.share_link ? { credential: { type: 'share_link', id: n.share_link.id } } : {}),
  };
}

function fileTarget(n: FileTransferNative, role: Target['role']): Target[] {
  if (!n.file) return [];
  const f = n.file;
  return [
    {
      type: 'file',
      id: f.id,
      name: f.name,
      ...(f.path ? { path: f.path } : {}),
      size_bytes: f.size,
      ...(f.mime_type ? { mime_type: f.mime_type } : {}),
      ...(f.storage_region ? { region: f.storage_region } : {}),
      role,
    },
  ];
}

function shareLinkTarget(n: FileTransferNative, role: Target['role']): Target[] {
  if (!n.share_link) return [];
  const l = n.share_link;
  const attributes: Record<string, string | boolean> = {};
  if (l.expires_at) attributes.expires_at = l.expires_at;
  if (l.password_protected !== undefined) attributes.password_protected = l.password_protected;
  if (l.allowed_domains) attributes.allowed_domains = l.allowed_domains.join(',');
  return [
    {
      type: 'share_link',
      id: l.id,
      ...(l.url ? { name: l.url } : {}),
      role,
      ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
    },
  ];
}

function memberTargets(n: FileTransferNative): Target[] {
  if (!n.member) return [];
  const m = n.member;
  const targets: Target[] = [
    {
      type: 'user',
      id: m.email,
      name: m.email,
      role: 'primary',
      ...(m.role ? { attributes: { role: m.role } } : {}),
    },
  ];
  if (m.folder) targets.push({ type: 'folder', path: m.folder, role: 'related' });
  return targets;
}

function targetsOf(n: FileTransferNative, action: FileTransferAction): Target[] {
  if (action.startsWith('file.')) return [...fileTarget(n, 'primary'), ...shareLinkTarget(n, 'related')];
  if (action.startsWith('share_link.'))
    return [...shareLinkTarget(n, 'primary'), ...fileTarget(n, 'affected')];
  if (action.startsWith('member.') || action === 'permission.updated') return memberTargets(n);
  return [{ type: 'workspace', id: n.workspace.id, name: n.workspace.name, role: 'primary' }];
}

function changesOf(n: FileTransferNative, action: FileTransferAction): Change[] | undefined {
  const m = n.member;
  if (action === 'member.role_changed' && m?.role)
    return [{ field: 'role', ...(m.previous_role ? { before: m.previous_role } : {}), after: m.role }];
  if (action === 'permission.updated' && m?.permission)
    return [
      {
        field: 'permission',
        ...(m.previous_permission ? { before: m.previous_permission } : {}),
        after: m.permission,
      },
    ];
  if (action === 'share_link.expiration_updated' && n.share_link?.expires_at)
    return [{ field: 'expires_at', after: n.share_link.expires_at }];
  return undefined;
}

function clientOf(n: FileTransferNative): Client {
  const geo = {
    ...(n.country_code ? { country_code: n.country_code } : {}),
    ...(n.country ? { country: n.country } : {}),
    ...(n.city ? { city: n.city } : {}),
  };
  return {
    ...(n.ip ? { ip: n.ip } : {}),
    ...(n.user_agent ? { user_agent: n.user_agent } : {}),
    ...(Object.keys(geo).length > 0 ? { geo } : {}),
    device: { kind: n.device },
  };
}

/**
 * Pure: one audit-log entry of the file-transfer service in, one normalized event out.
 * `region` (the server that handled the request) goes to `request.region`; the storage region of the
 * file goes to `targets[].region`. A BLOCKED entry keeps the attempted action with outcome `denied`.
 */
export function mapFileTransferEvent(n: FileTransferNative): MappedEvent {
  const blocked = n.action === 'BLOCKED';
  const attempted = n.action === 'BLOCKED' ? n.attempted_action : n.action;
  const action: FileTransferAction = attempted === undefined ? 'access.blocked' : ACTION_BY_NATIVE[attempted];
  const reason = n.reason ?? (blocked ? 'permission_denied' : undefined);
  const changes = changesOf(n, action);
  const metadata: Record<string, string | number> = {};
  if (blocked && attempted) metadata.attempted_action = attempted;
  if (n.attempt !== undefined) metadata.attempt = n.attempt;
  if (n.member?.role && action === 'member.invited') metadata.role = n.member.role;
  if (n.api_key?.owner_email) metadata.api_key_owner = n.api_key.owner_email;
  // A declared searchable field (plugin.ts): "every access of this link" is one filter, attr.share_link_id.
  if (n.share_link) metadata.share_link_id = n.share_link.id;
  return {
    id: fileTransferEventId(n.event_id),
    source: FILE_TRANSFER_SOURCE_ID,
    action,
    source_action: n.action,
    occurred_at: n.timestamp,
    actor: actorOf(n),
    targets: targetsOf(n, action),
    outcome: {
      result: blocked ? 'denied' : n.result,
      ...(reason ? { reason } : {}),
      ...(n.message ? { message: n.message } : {}),
    },
    workspace: { id: n.workspace.id, name: n.workspace.name },
    client: clientOf(n),
    request: { region: n.region },
    ...(changes ? { changes } : {}),
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
  };
}
