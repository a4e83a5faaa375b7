import type { GenerationBillingNative } from './native.ts';

const org = { id: 'org_nw7c1e', name: 'Northwind Pictures' };
const maya = { id: 'usr_maya01', name: 'Maya Chen', email: 'maya.chen@northwind.studio' };
const leo = { id: 'usr_leo002', name: 'Leo Martins', email: 'leo.martins@northwind.studio' };
const priya = { id: 'usr_priya3', name: 'Priya Raman', email: 'priya.raman@northwind.studio' };
const trailers = { id: 'ws_trailers', name: 'Trailer Team' };
const brand = { id: 'ws_brandlab', name: 'Brand Lab' };
const ua = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36';

let seq = 0;
/** A row of the product's log with the fields every row has; `parts` adds what the action is about. */
function row(
  action: string,
  created_at: string,
  parts: Partial<GenerationBillingNative> = {},
): GenerationBillingNative {
  seq += 1;
  const entry: GenerationBillingNative = {
    id: `0f3c2a10-5b1e-4c7a-9d2e-${String(seq).padStart(12, '0')}`,
    action,
    created_at,
    organization: org,
    actor: maya,
    workspace: trailers,
    resources: [],
    ip: '81.2.69.142',
    user_agent: ua,
    ...parts,
  };
  // `ip: undefined` in `parts` means "this row has no IP" (system jobs): drop the key.
  return Object.fromEntries(
    Object.entries(entry).filter(([, v]) => v !== undefined),
  ) as GenerationBillingNative;
}

const asset = { kind: 'asset', id: 'ast_9f2k1', name: 'hero-shot-v3.mp4' } as const;
const userLeo = { kind: 'user', id: leo.id, name: leo.name, email: leo.email } as const;
const userPriya = { kind: 'user', id: priya.id, name: priya.name, email: priya.email } as const;

/** One or more realistic rows per action of the product's Action filter. */
export const generationBillingFixtures = {
  AccountLinkCreated: row('AccountLinkCreated', '2026-04-01T09:00:00Z', {
    resources: [{ kind: 'account_link', id: 'lnk_gdrive_1', name: 'Google Drive' }],
    details: { provider: 'google_drive' },
  }),
  AccountLinkDeleted: row('AccountLinkDeleted', '2026-04-01T09:05:00Z', {
    resources: [{ kind: 'account_link', id: 'lnk_gdrive_1', name: 'Google Drive' }],
    details: { provider: 'google_drive' },
  }),
  EmailChangeRequested: row('EmailChangeRequested', '2026-04-01T10:00:00Z', {
    actor: leo,
    workspace: null,
    resources: [userLeo],
    details: { new_email: 'leo@northwind.studio' },
  }),
  EmailChanged: row('EmailChanged', '2026-04-01T10:04:00Z', {
    actor: leo,
    workspace: null,
    resources: [userLeo],
    changes: [{ field: 'email', from: 'leo.martins@northwind.studio', to: 'leo@northwind.studio' }],
  }),
  PasswordChanged: row('PasswordChanged', '2026-04-01T10:10:00Z', {
    actor: leo,
    workspace: null,
    resources: [userLeo],
  }),
  PermissionAccepted: row('PermissionAccepted', '2026-04-02T08:00:00Z', {
    actor: priya,
    resources: [{ kind: 'permission', id: 'perm_771', name: 'Model access: Gen-4' }, userPriya],
    details: { permission: 'model_access' },
  }),
  PermissionGranted: row('PermissionGranted', '2026-04-02T08:10:00Z', {
    resources: [{ kind: 'permission', id: 'perm_772', name: 'Export 4K' }, userPriya],
    details: { permission: 'export_4k' },
  }),
  PermissionRevoked: row('PermissionRevoked', '2026-04-02T08:20:00Z', {
    resources: [{ kind: 'permission', id: 'perm_772', name: 'Export 4K' }, userPriya],
    details: { permission: 'export_4k' },
  }),
  PermissionUpdated: row('PermissionUpdated', '2026-04-02T08:30:00Z', {
    resources: [{ kind: 'permission', id: 'perm_771', name: 'Model access: Gen-4' }, userPriya],
    changes: [{ field: 'level', from: 'view', to: 'generate' }],
  }),
  SSOConfigCreated: row('SSOConfigCreated', '2026-03-20T14:00:00Z', {
    workspace: null,
    resources: [{ kind: 'sso_config', id: 'sso_okta_1', name: 'Okta SAML' }],
    details: { protocol: 'saml', idp: 'okta' },
  }),
  SSODomainRegistrationCloned: row('SSODomainRegistrationCloned', '2026-03-20T14:30:00Z', {
    workspace: null,
    resources: [{ kind: 'sso_domain', id: 'dom_northwind', name: 'northwind.studio' }],
    details: { cloned_from: 'org_nwparent' },
  }),
  SSOLogin: row('SSOLogin', '2026-04-03T07:58:12Z', {
    actor: priya,
    workspace: null,
    resources: [userPriya],
    details: { protocol: 'saml', idp: 'okta' },
  }),
  SSOUserAutoAddedToTeam: row('SSOUserAutoAddedToTeam', '2026-04-03T07:58:13Z', {
    actor: { id: 'scim_okta', name: 'Okta SCIM', type: 'scim' },
    resources: [userPriya, { kind: 'team', id: trailers.id, name: trailers.name, role: 'related' }],
  }),
  SSOUserProvisioned: row('SSOUserProvisioned', '2026-04-03T07:58:11Z', {
    actor: { id: 'scim_okta', name: 'Okta SCIM', type: 'scim' },
    workspace: null,
    resources: [userPriya],
  }),
  UserAccountDeleted: row('UserAccountDeleted', '2026-04-04T16:00:00Z', {
    workspace: null,
    resources: [{ kind: 'user', id: 'usr_old999', name: 'Sam Old', email: 'sam@northwind.studio' }],
  }),
  UserLogin: row('UserLogin', '2026-04-05T08:00:00Z', { actor: leo, workspace: null, resources: [userLeo] }),
  UserLogin_failed: row('UserLogin', '2026-04-05T07:59:30Z', {
    actor: leo,
    workspace: null,
    resources: [userLeo],
    status: 'failed',
    failure_reason: 'invalid_credentials',
    ip: '185.220.101.7',
  }),
  UserRegistered: row('UserRegistered', '2026-03-01T12:00:00Z', {
    actor: priya,
    workspace: null,
    resources: [userPriya],
  }),
  InviteAccepted: row('InviteAccepted', '2026-04-06T09:00:00Z', {
    actor: priya,
    resources: [{ kind: 'invite', id: 'inv_5521' }],
  }),
  InviteLinkToggled: row('InviteLinkToggled', '2026-04-06T09:10:00Z', {
    resources: [{ kind: 'invite_link', id: 'invl_trailers' }],
    changes: [{ field: 'enabled', from: true, to: false }],
  }),
  MemberInvited: row('MemberInvited', '2026-04-06T09:20:00Z', {
    resources: [{ kind: 'user', id: 'inv_5522', email: 'dana@freelance.io' }],
    details: { role: 'editor' },
  }),
  MemberRemoved: row('MemberRemoved', '2026-04-06T09:30:00Z', {
    resources: [userLeo],
    details: { role: 'editor' },
  }),
  MemberRoleChanged: row('MemberRoleChanged', '2026-04-06T09:40:00Z', {
    resources: [userPriya],
    changes: [{ field: 'role', from: 'member', to: 'admin' }],
  }),
  UserGroupCreated: row('UserGroupCreated', '2026-04-07T11:00:00Z', {
    resources: [{ kind: 'project', id: 'prj_spring', name: 'Spring Spot' }],
  }),
  UserGroupDeleted: row('UserGroupDeleted', '2026-04-07T11:05:00Z', {
    resources: [{ kind: 'project', id: 'prj_old', name: 'Old Pitch' }],
  }),
  UserGroupMemberAdded: row('UserGroupMemberAdded', '2026-04-07T11:10:00Z', {
    resources: [{ kind: 'project', id: 'prj_spring', name: 'Spring Spot' }, userLeo],
  }),
  UserGroupMemberRemoved: row('UserGroupMemberRemoved', '2026-04-07T11:15:00Z', {
    resources: [{ kind: 'project', id: 'prj_spring', name: 'Spring Spot' }, userLeo],
  }),
  AssetCreated: row('AssetCreated', '2026-04-08T10:00:00Z', {
    actor: leo,
    resources: [asset],
    details: { size_bytes: 48_213_004, mime_type: 'video/mp4' },
  }),
  AssetDeleted: row('AssetDeleted', '2026-04-08T18:00:00Z', { actor: leo, resources: [asset] }),
  AssetDownloaded: row('AssetDownloaded', '2026-04-08T12:00:00Z', { actor: priya, resources: [asset] }),
  AssetShared: row('AssetShared', '2026-04-08T10:30:00Z', {
    actor: leo,
    resources: [asset, userPriya],
    details: { permission: 'view' },
  }),
  AssetUnshared: row('AssetUnshared', '2026-04-08T17:00:00Z', { actor: leo, resources: [asset, userPriya] }),
  AssetUpdated: row('AssetUpdated', '2026-04-08T11:00:00Z', {
    actor: leo,
    resources: [asset],
    changes: [{ field: 'name', from: 'hero-shot-v2.mp4', to: 'hero-shot-v3.mp4' }],
  }),
  SessionShared: row('SessionShared', '2026-04-09T10:00:00Z', {
    resources: [{ kind: 'session', id: 'ses_a81', name: 'Storyboard jam' }, userLeo],
  }),
  SessionUnshared: row('SessionUnshared', '2026-04-09T15:00:00Z', {
    resources: [{ kind: 'session', id: 'ses_a81', name: 'Storyboard jam' }, userLeo],
  }),
  VideoProjectShared: row('VideoProjectShared', '2026-04-09T10:30:00Z', {
    resources: [{ kind: 'video_project', id: 'vp_3301', name: 'Teaser cut' }, userPriya],
  }),
  VideoProjectUnshared: row('VideoProjectUnshared', '2026-04-09T16:00:00Z', {
    resources: [{ kind: 'video_project', id: 'vp_3301', name: 'Teaser cut' }, userPriya],
  }),
  GenerationCreated: row('GenerationCreated', '2026-04-10T13:45:09Z', {
    actor: priya,
    resources: [
      { kind: 'generation', id: 'gen_8d21f0' },
      { kind: 'asset', id: 'ast_out771', name: 'gen-8d21f0.mp4', role: 'related' },
    ],
    details: { model: 'gen-4-turbo', credits_used: 50, duration_seconds: 10 },
  }),
  CreditsTransferred: row('CreditsTransferred', '2026-04-11T09:00:00Z', {
    resources: [
      { kind: 'workspace', id: trailers.id, name: trailers.name, role: 'source' },
      { kind: 'workspace', id: brand.id, name: brand.name, role: 'destination' },
    ],
    details: { amount: 5000, unit: 'credits' },
  }),
  MeteredBillingConfigUpdated: row('MeteredBillingConfigUpdated', '2026-04-11T09:30:00Z', {
    resources: [{ kind: 'metered_billing', id: 'mb_trailers' }],
    changes: [
      { field: 'threshold_credits', from: 1000, to: 2500 },
      { field: 'refill_credits', from: 5000, to: 10000 },
    ],
  }),
  MeteredBillingRefillTriggered: row('MeteredBillingRefillTriggered', '2026-04-12T03:14:00Z', {
    actor: { id: 'system_auto_refill', name: 'Auto refill', type: 'system' },
    resources: [{ kind: 'metered_billing', id: 'mb_trailers' }],
    details: { amount: 10000, unit: 'credits', invoice: 'in_1PQx7' },
    ip: undefined,
    user_agent: undefined,
  }),
  MeteredBillingRetryTriggered: row('MeteredBillingRetryTriggered', '2026-04-12T04:14:00Z', {
    actor: { id: 'system_auto_refill', name: 'Auto refill', type: 'system' },
    resources: [{ kind: 'metered_billing', id: 'mb_trailers' }],
    details: { attempt: 2, previous_error: 'card_declined' },
    status: 'failed',
    failure_reason: 'card_declined',
    ip: undefined,
    user_agent: undefined,
  }),
  SeatsTransferred: row('SeatsTransferred', '2026-04-11T10:00:00Z', {
    resources: [
      { kind: 'workspace', id: brand.id, name: brand.name, role: 'source' },
      { kind: 'workspace', id: trailers.id, name: trailers.name, role: 'destination' },
    ],
    details: { seats: 3 },
  }),
  SubscriptionCancelled: row('SubscriptionCancelled', '2026-04-13T17:00:00Z', {
    workspace: brand,
    resources: [{ kind: 'subscription', id: 'sub_1Nw8', name: 'Enterprise (annual)' }],
    details: { effective_at: '2026-05-01T00:00:00Z' },
  }),
  OrganizationDisabledModelsUpdated: row('OrganizationDisabledModelsUpdated', '2026-04-14T08:00:00Z', {
    workspace: null,
    resources: [{ kind: 'organization', id: org.id, name: org.name }],
    changes: [{ field: 'disabled_models', from: ['gen-2'], to: ['gen-2', 'gen-3-alpha'] }],
  }),
  OrganizationSettingsUpdated: row('OrganizationSettingsUpdated', '2026-04-14T08:10:00Z', {
    workspace: null,
    resources: [{ kind: 'organization', id: org.id, name: org.name }],
    changes: [{ field: 'require_sso', from: false, to: true }],
  }),
  TeamSettingsUpdated: row('TeamSettingsUpdated', '2026-04-14T08:20:00Z', {
    resources: [{ kind: 'team', id: trailers.id, name: trailers.name }],
    changes: [{ field: 'default_role', from: 'viewer', to: 'member' }],
  }),
  WorkspaceCountryLockUpdated: row('WorkspaceCountryLockUpdated', '2026-04-14T08:30:00Z', {
    resources: [{ kind: 'workspace', id: trailers.id, name: trailers.name }],
    changes: [{ field: 'allowed_countries', from: ['US'], to: ['US', 'CA', 'GB'] }],
  }),
  WorkspaceCreated: row('WorkspaceCreated', '2026-04-14T08:40:00Z', {
    workspace: brand,
    resources: [{ kind: 'workspace', id: brand.id, name: brand.name }],
  }),
  WorkspaceDeleted: row('WorkspaceDeleted', '2026-04-14T08:50:00Z', {
    workspace: { id: 'ws_sandbox', name: 'Sandbox' },
    resources: [{ kind: 'workspace', id: 'ws_sandbox', name: 'Sandbox' }],
  }),
  WorkspaceTagAssigned: row('WorkspaceTagAssigned', '2026-04-14T09:00:00Z', {
    resources: [
      { kind: 'workspace', id: trailers.id, name: trailers.name },
      { kind: 'workspace_tag', id: 'tag_paid', name: 'client-paid' },
    ],
  }),
  WorkspaceTagCreated: row('WorkspaceTagCreated', '2026-04-14T08:55:00Z', {
    workspace: null,
    resources: [{ kind: 'workspace_tag', id: 'tag_paid', name: 'client-paid' }],
  }),
  WorkspaceTagDeleted: row('WorkspaceTagDeleted', '2026-04-14T09:20:00Z', {
    workspace: null,
    resources: [{ kind: 'workspace_tag', id: 'tag_old', name: 'q1-internal' }],
  }),
  WorkspaceTagUnassigned: row('WorkspaceTagUnassigned', '2026-04-14T09:10:00Z', {
    resources: [
      { kind: 'workspace', id: trailers.id, name: trailers.name },
      { kind: 'workspace_tag', id: 'tag_old', name: 'q1-internal' },
    ],
  }),
  WorkspaceTagUpdated: row('WorkspaceTagUpdated', '2026-04-14T09:15:00Z', {
    workspace: null,
    resources: [{ kind: 'workspace_tag', id: 'tag_paid', name: 'client-paid' }],
    changes: [{ field: 'name', from: 'paid', to: 'client-paid' }],
  }),
} satisfies Record<string, GenerationBillingNative>;

export type GenerationBillingFixtureName = keyof typeof generationBillingFixtures;
