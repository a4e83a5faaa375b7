import type { ActionDefinition, RetentionPeriod, SearchableField } from '@trailmark/core';

export const FILE_TRANSFER_SOURCE_ID = 'file-transfer';

/** Identity and defaults of the source; the plugin object itself is assembled in `index.ts`. */
export const fileTransferInfo = {
  id: FILE_TRANSFER_SOURCE_ID,
  name: 'File transfer',
  description:
    'Uploads, downloads, share links, deletions, member changes and blocked access of a file-transfer service.',
  /** The product keeps audit logs for 120 days on all plans. */
  retention: { days: 120 } satisfies RetentionPeriod,
} as const;

/**
 * One definition per product action. `BLOCKED` entries whose attempted action is known are stored
 * under that action (e.g. `file.downloaded`, outcome `denied`); only blocks with no known attempt
 * (an IP rejected at the edge) become `access.blocked`.
 */
export const fileTransferActions = [
  {
    action: 'file.uploaded',
    source_action: 'UPLOAD',
    label: 'File uploaded',
    description: 'A file was uploaded and stored in a region.',
    category: 'content',
    ocsf_class_uid: 6006,
    ocsf_activity_id: 1,
  },
  {
    action: 'file.downloaded',
    source_action: 'DOWNLOAD',
    label: 'File downloaded',
    description: 'A file was downloaded, by a member or through a share link.',
    category: 'content',
    ocsf_class_uid: 6006,
    ocsf_activity_id: 2,
  },
  {
    action: 'file.accessed',
    source_action: 'PREVIEW',
    label: 'File previewed',
    description: 'A file was opened or previewed without downloading it.',
    category: 'content',
    ocsf_class_uid: 6006,
    ocsf_activity_id: 14,
  },
  {
    action: 'file.deleted',
    source_action: 'DELETE',
    label: 'File deleted',
    description: 'A file was deleted.',
    category: 'content',
    ocsf_class_uid: 6006,
    ocsf_activity_id: 4,
  },
  {
    action: 'share_link.created',
    source_action: 'SHARE',
    label: 'Share link created',
    description: 'A share link was created for a file.',
    category: 'sharing',
    ocsf_class_uid: 6006,
    ocsf_activity_id: 12,
  },
  {
    action: 'share_link.expiration_updated',
    source_action: 'SHARE_UPDATE',
    label: 'Share link expiration changed',
    description: 'The expiry date, password or domain restriction of a share link was changed.',
    category: 'sharing',
    ocsf_class_uid: 6006,
    ocsf_activity_id: 12,
  },
  {
    action: 'share_link.accessed',
    source_action: 'ACCESS',
    label: 'Share link opened',
    description: 'Someone opened a share link.',
    category: 'sharing',
    ocsf_class_uid: 6004,
    ocsf_activity_id: 1,
  },
  {
    action: 'share_link.unlocked',
    source_action: 'PASSWORD_ATTEMPT',
    label: 'Share link password attempt',
    description: 'A password was entered for a protected share link (denied when wrong).',
    category: 'sharing',
    ocsf_class_uid: 6004,
    ocsf_activity_id: 1,
  },
  {
    action: 'share_link.expired',
    source_action: 'EXPIRE',
    label: 'Share link expired',
    description: 'A share link reached its expiry date and stopped working.',
    category: 'sharing',
    ocsf_class_uid: 6006,
    ocsf_activity_id: 13,
  },
  {
    action: 'share_link.revoked',
    source_action: 'REVOKE',
    label: 'Share link revoked',
    description: 'A share link was revoked by a member.',
    category: 'sharing',
    ocsf_class_uid: 6006,
    ocsf_activity_id: 13,
  },
  {
    action: 'member.invited',
    source_action: 'INVITE',
    label: 'Member invited',
    description: 'A person was invited to the workspace with a role.',
    category: 'membership',
    ocsf_class_uid: 3006,
    ocsf_activity_id: 99,
  },
  {
    action: 'member.removed',
    source_action: 'REMOVE',
    label: 'Member removed',
    description: 'A member was removed from the workspace.',
    category: 'membership',
    ocsf_class_uid: 3006,
    ocsf_activity_id: 4,
  },
  {
    action: 'member.role_changed',
    source_action: 'ROLE_CHANGE',
    label: 'Member role changed',
    description: "A member's workspace role was changed.",
    category: 'access_control',
    ocsf_class_uid: 3005,
    ocsf_activity_id: 1,
  },
  {
    action: 'permission.updated',
    source_action: 'PERMISSION_CHANGE',
    label: 'Permission updated',
    description: "A member's permission on a folder was changed.",
    category: 'access_control',
    ocsf_class_uid: 3005,
    ocsf_activity_id: 99,
  },
  {
    action: 'access.blocked',
    source_action: 'BLOCKED',
    label: 'Access blocked',
    description: 'A request was blocked before any action was attempted (for example a blocked IP).',
    category: 'security',
    ocsf_class_uid: 6004,
    ocsf_activity_id: 2,
  },
] as const satisfies readonly ActionDefinition[];

export type FileTransferAction = (typeof fileTransferActions)[number]['action'];

/** The product's own fields users search and count by (metadata keys), declared so both stores index them. */
export const fileTransferFields = [
  {
    name: 'share_link_id',
    label: 'Share link',
    type: 'keyword',
    description: 'The share link an event went through.',
  },
  {
    name: 'attempted_action',
    label: 'Attempted action',
    type: 'keyword',
    description: 'What a blocked request tried (ACCESS, DOWNLOAD, ...).',
  },
  {
    name: 'attempt',
    label: 'Password attempt',
    type: 'number',
    description: 'Which attempt at a share link password this was.',
  },
] as const satisfies readonly SearchableField[];
