import type { ActionDefinition, RetentionPeriod, SearchableField } from '@trailmark/core';

export const GENERATION_BILLING_SOURCE_ID = 'generation-billing';

export const generationBillingInfo = {
  id: GENERATION_BILLING_SOURCE_ID,
  name: 'Generation and billing',
  description:
    'Organization audit log of a generative-AI platform: accounts and permissions, assets, generations, billing and organization settings.',
  /** The product page does not state a retention; Trailmark's default of 12 months applies. */
  retention: { months: 12 } satisfies RetentionPeriod,
} as const;

/** [product action, normalized action, the page's description verbatim, OCSF class, OCSF activity] */
type Row = readonly [string, string, string, number, number];

const group = (category: string, rows: readonly Row[]): ActionDefinition[] =>
  rows.map(([source_action, action, label, ocsf_class_uid, ocsf_activity_id]) => ({
    action,
    source_action,
    label,
    category,
    ocsf_class_uid,
    ocsf_activity_id,
  }));

/**
 * Every action of the product's Action filter, grouped as on its page. Labels are the page's own
 * descriptions; categories are the page's groups in snake_case (so the Action dropdown can be rebuilt).
 * OCSF: 3001 Account Change, 3002 Authentication, 3004 Entity Management, 3005 User Access Management,
 * 3006 Group Management, 6001 Web Resources Activity, 6003 API Activity, 6006 File Hosting Activity.
 */
export const generationBillingActions: readonly ActionDefinition[] = [
  ...group('account_and_permission', [
    ['AccountLinkCreated', 'account_link.created', 'A linked account connection was created', 3001, 99],
    ['AccountLinkDeleted', 'account_link.deleted', 'A linked account connection was removed', 3001, 99],
    [
      'EmailChangeRequested',
      'user.email_change_requested',
      'A request to change the account email address was submitted',
      3001,
      99,
    ],
    ['EmailChanged', 'user.email_changed', 'The account email address was updated', 3001, 99],
    ['PasswordChanged', 'user.password_changed', 'The account password was changed', 3001, 3],
    ['PermissionAccepted', 'permission.accepted', 'A requested permission was accepted', 3005, 99],
    ['PermissionGranted', 'permission.granted', 'A permission was granted', 3005, 1],
    ['PermissionRevoked', 'permission.revoked', 'A permission was revoked', 3005, 2],
    ['PermissionUpdated', 'permission.updated', 'An existing permission was updated', 3005, 99],
    ['SSOConfigCreated', 'sso_config.created', 'An SSO configuration was created', 3004, 1],
    [
      'SSODomainRegistrationCloned',
      'sso_domain_registration.copied',
      'An SSO domain registration was cloned',
      3004,
      1,
    ],
    ['SSOLogin', 'user.sso_signed_in', 'A user logged in via SSO', 3002, 1],
    [
      'SSOUserAutoAddedToTeam',
      'member.sso_auto_added',
      'A user was automatically added to a team via SSO provisioning',
      3006,
      3,
    ],
    ['SSOUserProvisioned', 'user.provisioned', 'A user account was provisioned via SSO', 3001, 1],
    ['UserAccountDeleted', 'user.deleted', 'A user account was deleted', 3001, 6],
    ['UserLogin', 'user.signed_in', 'A user logged in', 3002, 1],
    ['UserRegistered', 'user.registered', 'A new user registered an account', 3001, 1],
    ['InviteAccepted', 'invite.accepted', 'A workspace invite was accepted', 3006, 99],
    ['InviteLinkToggled', 'invite_link.toggled', 'An invite link was enabled or disabled', 3006, 99],
    ['MemberInvited', 'member.invited', 'A member was invited to join the team', 3006, 99],
    ['MemberRemoved', 'member.removed', 'A member was removed from the team', 3006, 4],
    ['MemberRoleChanged', 'member.role_changed', "A member's role or permission level was changed", 3005, 1],
    ['UserGroupCreated', 'user_group.created', 'A project was created', 3006, 6],
    ['UserGroupDeleted', 'user_group.deleted', 'A project was deleted', 3006, 7],
    ['UserGroupMemberAdded', 'user_group.member_added', 'A member was added to a project', 3006, 3],
    ['UserGroupMemberRemoved', 'user_group.member_removed', 'A member was removed from a project', 3006, 4],
  ]),
  ...group('asset', [
    ['AssetCreated', 'file.created', 'An asset was created', 6006, 1],
    ['AssetDeleted', 'file.deleted', 'An asset was deleted', 6006, 4],
    ['AssetDownloaded', 'file.downloaded', 'An asset was downloaded', 6006, 2],
    ['AssetShared', 'file.shared', 'An asset was shared with another user or team', 6006, 12],
    ['AssetUnshared', 'file.unshared', 'Sharing access to an asset was revoked', 6006, 13],
    ['AssetUpdated', 'file.updated', "An asset's details or content were updated", 6006, 3],
    ['SessionShared', 'session.shared', 'A session was shared with another user', 6001, 8],
    ['SessionUnshared', 'session.unshared', 'Sharing access to a session was revoked', 6001, 99],
    ['VideoProjectShared', 'video_project.shared', 'A video project was shared with another user', 6001, 8],
    [
      'VideoProjectUnshared',
      'video_project.unshared',
      'Sharing access to a video project was revoked',
      6001,
      99,
    ],
  ]),
  // The page has no table row for generations ("generation events are limited to GenerationCreated").
  ...group('generation', [['GenerationCreated', 'generation.created', 'A generation was created', 6003, 1]]),
  ...group('billing', [
    [
      'CreditsTransferred',
      'credits.transferred',
      'Credits were transferred between accounts or workspaces',
      6003,
      3,
    ],
    [
      'MeteredBillingConfigUpdated',
      'metered_billing.config_updated',
      'Auto refill configuration settings were updated',
      6003,
      3,
    ],
    [
      'MeteredBillingRefillTriggered',
      'metered_billing.refill_triggered',
      'Auto refill was triggered',
      6003,
      1,
    ],
    [
      'MeteredBillingRetryTriggered',
      'metered_billing.retry_triggered',
      'Auto refill retry was triggered',
      6003,
      1,
    ],
    ['SeatsTransferred', 'seats.transferred', 'Seats were transferred between workspaces', 6003, 3],
    ['SubscriptionCancelled', 'subscription.cancelled', 'A subscription was cancelled', 6003, 3],
  ]),
  ...group('organization', [
    [
      'OrganizationDisabledModelsUpdated',
      'organization.disabled_models_updated',
      'The list of disabled models for the organization was updated',
      3004,
      3,
    ],
    [
      'OrganizationSettingsUpdated',
      'organization.settings_updated',
      'Organization-level settings were updated',
      3004,
      3,
    ],
    ['TeamSettingsUpdated', 'team.settings_updated', 'Team-level settings were updated', 3004, 3],
    [
      'WorkspaceCountryLockUpdated',
      'workspace.country_lock_updated',
      "A workspace's country lock setting was updated",
      3004,
      3,
    ],
    ['WorkspaceCreated', 'workspace.created', 'A workspace was created', 3004, 1],
    ['WorkspaceDeleted', 'workspace.deleted', 'A workspace was deleted', 3004, 4],
    ['WorkspaceTagAssigned', 'workspace.tag_assigned', 'A tag was assigned to a workspace', 3004, 3],
    ['WorkspaceTagCreated', 'workspace_tag.created', 'A workspace tag was created', 3004, 1],
    ['WorkspaceTagDeleted', 'workspace_tag.deleted', 'A workspace tag was deleted', 3004, 4],
    ['WorkspaceTagUnassigned', 'workspace.tag_unassigned', 'A tag was unassigned from a workspace', 3004, 3],
    ['WorkspaceTagUpdated', 'workspace_tag.updated', 'A workspace tag was updated', 3004, 3],
  ]),
];

export const GENERATION_BILLING_NATIVE_ACTIONS = generationBillingActions.map(
  (a) => a.source_action as string,
);

/** The product's own fields users search and count by (metadata keys), declared so both stores index them. */
export const generationBillingFields = [
  { name: 'organization_id', label: 'Organization', type: 'keyword' },
  {
    name: 'provider',
    label: 'Linked provider',
    type: 'keyword',
    description: 'The account an account link connects (google_drive, ...).',
  },
  {
    name: 'permission',
    label: 'Permission',
    type: 'keyword',
    description: 'The permission granted, revoked or updated.',
  },
] as const satisfies readonly SearchableField[];
