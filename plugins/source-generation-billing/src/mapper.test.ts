import type { MappedEvent } from '@trailmark/core';
import { describe, expect, it } from 'vitest';
import { type GenerationBillingFixtureName, generationBillingFixtures } from './fixtures.ts';
import { mapGenerationBillingEvent } from './mapper.ts';
import { generationBillingNativeSchema } from './native.ts';
import { generationBillingActions } from './plugin.ts';

function map(name: GenerationBillingFixtureName): MappedEvent {
  return mapGenerationBillingEvent(generationBillingNativeSchema.parse(generationBillingFixtures[name]));
}

/** Every action of the page's Action filter, copied from its tables (and "GenerationCreated" from its text). */
const PAGE_ACTIONS: Record<string, string[]> = {
  account_and_permission: [
    'AccountLinkCreated',
    'AccountLinkDeleted',
    'EmailChangeRequested',
    'EmailChanged',
    'PasswordChanged',
    'PermissionAccepted',
    'PermissionGranted',
    'PermissionRevoked',
    'PermissionUpdated',
    'SSOConfigCreated',
    'SSODomainRegistrationCloned',
    'SSOLogin',
    'SSOUserAutoAddedToTeam',
    'SSOUserProvisioned',
    'UserAccountDeleted',
    'UserLogin',
    'UserRegistered',
    'InviteAccepted',
    'InviteLinkToggled',
    'MemberInvited',
    'MemberRemoved',
    'MemberRoleChanged',
    'UserGroupCreated',
    'UserGroupDeleted',
    'UserGroupMemberAdded',
    'UserGroupMemberRemoved',
  ],
  asset: [
    'AssetCreated',
    'AssetDeleted',
    'AssetDownloaded',
    'AssetShared',
    'AssetUnshared',
    'AssetUpdated',
    'SessionShared',
    'SessionUnshared',
    'VideoProjectShared',
    'VideoProjectUnshared',
  ],
  generation: ['GenerationCreated'],
  billing: [
    'CreditsTransferred',
    'MeteredBillingConfigUpdated',
    'MeteredBillingRefillTriggered',
    'MeteredBillingRetryTriggered',
    'SeatsTransferred',
    'SubscriptionCancelled',
  ],
  organization: [
    'OrganizationDisabledModelsUpdated',
    'OrganizationSettingsUpdated',
    'TeamSettingsUpdated',
    'WorkspaceCountryLockUpdated',
    'WorkspaceCreated',
    'WorkspaceDeleted',
    'WorkspaceTagAssigned',
    'WorkspaceTagCreated',
    'WorkspaceTagDeleted',
    'WorkspaceTagUnassigned',
    'WorkspaceTagUpdated',
  ],
};
const PAGE_ROWS = Object.entries(PAGE_ACTIONS).flatMap(([category, names]) =>
  names.map((name) => [name, category] as const),
);

describe('generation-billing registry', () => {
  it('declares exactly the 54 actions of the page', () => {
    expect(PAGE_ROWS).toHaveLength(54);
    expect(generationBillingActions.map((a) => a.source_action).sort()).toEqual(
      PAGE_ROWS.map(([n]) => n).sort(),
    );
  });

  it.each(PAGE_ROWS)('declares %s in category %s', (sourceAction, category) => {
    const def = generationBillingActions.find((a) => a.source_action === sourceAction);
    expect(def).toBeDefined();
    expect(def?.category).toBe(category);
  });

  it('keeps the page wording as labels', () => {
    const label = (s: string) => generationBillingActions.find((a) => a.source_action === s)?.label;
    expect(label('AssetDeleted')).toBe('An asset was deleted');
    expect(label('UserGroupCreated')).toBe('A project was created');
    expect(label('MemberRoleChanged')).toBe("A member's role or permission level was changed");
    expect(label('MeteredBillingConfigUpdated')).toBe('Auto refill configuration settings were updated');
  });

  it('names actions noun.verb_past, distinct per product action', () => {
    const action = (s: string) => generationBillingActions.find((a) => a.source_action === s)?.action;
    expect(action('AssetDeleted')).toBe('file.deleted');
    expect(action('UserLogin')).toBe('user.signed_in');
    expect(action('SSOLogin')).toBe('user.sso_signed_in');
    expect(action('UserGroupCreated')).toBe('user_group.created');
    expect(action('GenerationCreated')).toBe('generation.created');
    expect(new Set(generationBillingActions.map((a) => a.action)).size).toBe(54);
  });
});

describe('mapGenerationBillingEvent', () => {
  it.each(Object.keys(generationBillingFixtures) as GenerationBillingFixtureName[])(
    '%s keeps the product action verbatim and its registry action',
    (name) => {
      const native = generationBillingFixtures[name];
      const event = map(name);
      const def = generationBillingActions.find((a) => a.source_action === native.action);
      expect(event).toMatchObject({
        id: `gb_${native.id}`,
        source: 'generation-billing',
        source_action: native.action,
        action: def?.action,
        category: def?.category,
        occurred_at: native.created_at,
        actor: { id: native.actor.id, name: native.actor.name },
        metadata: { organization_id: 'org_nw7c1e', organization_name: 'Northwind Pictures' },
      });
      if (native.workspace) expect(event.workspace).toEqual(native.workspace);
      else expect(event.workspace).toBeUndefined();
    },
  );

  const cases: [GenerationBillingFixtureName, Record<string, unknown>][] = [
    [
      'AssetDeleted',
      {
        action: 'file.deleted',
        actor: { type: 'user', id: 'usr_leo002', name: 'Leo Martins', email: 'leo.martins@northwind.studio' },
        workspace: { id: 'ws_trailers', name: 'Trailer Team' },
        targets: [{ type: 'file', id: 'ast_9f2k1', name: 'hero-shot-v3.mp4', role: 'primary' }],
        outcome: { result: 'success' },
        client: { ip: '81.2.69.142' },
      },
    ],
    [
      'UserLogin_failed',
      {
        action: 'user.signed_in',
        outcome: { result: 'failure', reason: 'invalid_credentials' },
        client: { ip: '185.220.101.7' },
      },
    ],
    [
      'SSOUserProvisioned',
      {
        action: 'user.provisioned',
        actor: { type: 'integration', id: 'scim_okta', name: 'Okta SCIM' },
        targets: [
          {
            type: 'user',
            id: 'usr_priya3',
            name: 'Priya Raman',
            role: 'primary',
            attributes: { email: 'priya.raman@northwind.studio' },
          },
        ],
      },
    ],
    [
      'GenerationCreated',
      {
        action: 'generation.created',
        category: 'generation',
        targets: [
          { type: 'generation', id: 'gen_8d21f0', role: 'primary' },
          { type: 'file', id: 'ast_out771', name: 'gen-8d21f0.mp4', role: 'related' },
        ],
        metadata: { model: 'gen-4-turbo', credits_used: 50, duration_seconds: 10 },
      },
    ],
    [
      'CreditsTransferred',
      {
        action: 'credits.transferred',
        category: 'billing',
        targets: [
          { type: 'workspace', id: 'ws_trailers', name: 'Trailer Team', role: 'source' },
          { type: 'workspace', id: 'ws_brandlab', name: 'Brand Lab', role: 'destination' },
        ],
        metadata: { amount: 5000, unit: 'credits' },
      },
    ],
    [
      'MeteredBillingRetryTriggered',
      {
        actor: { type: 'system', id: 'system_auto_refill', name: 'Auto refill' },
        outcome: { result: 'failure', reason: 'card_declined' },
      },
    ],
    [
      'MemberRoleChanged',
      { action: 'member.role_changed', changes: [{ field: 'role', before: 'member', after: 'admin' }] },
    ],
    [
      'UserGroupMemberAdded',
      {
        action: 'user_group.member_added',
        targets: [
          { type: 'user_group', id: 'prj_spring', name: 'Spring Spot', role: 'primary' },
          expect.objectContaining({ type: 'user', id: 'usr_leo002', role: 'related' }),
        ],
      },
    ],
    [
      'WorkspaceCountryLockUpdated',
      {
        action: 'workspace.country_lock_updated',
        category: 'organization',
        changes: [{ field: 'allowed_countries', before: ['US'], after: ['US', 'CA', 'GB'] }],
      },
    ],
  ];

  it.each(cases)('%s maps its specific fields', (name, expected) => {
    expect(map(name)).toMatchObject(expected);
  });

  it('leaves client out when the row has no IP (system jobs)', () => {
    expect(map('MeteredBillingRefillTriggered').client).toBeUndefined();
  });
});

describe('generation-billing details', () => {
  const base = generationBillingFixtures.AssetDeleted;

  it('cannot overwrite the organization or the summary', () => {
    const event = mapGenerationBillingEvent(
      generationBillingNativeSchema.parse({
        ...base,
        summary: 'Deleted hero-shot-v3.mp4',
        details: { organization_id: 'org_forged', summary: 'forged', reason: 'cleanup' },
      }),
    );
    expect(event.metadata).toMatchObject({
      organization_id: base.organization.id,
      summary: 'Deleted hero-shot-v3.mp4',
      reason: 'cleanup',
    });
  });

  it('rejects more details than an event can hold, naming the field', () => {
    const details = Object.fromEntries(Array.from({ length: 38 }, (_, i) => [`k${i}`, i]));
    const parsed = generationBillingNativeSchema.safeParse({ ...base, details });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['details']);
  });
});
