import { base as baseLocale, en, Faker } from '@faker-js/faker';
import {
  createDemoRandom,
  type DemoOptions,
  type DemoRandom,
  type DemoRecord,
  demoTimes,
} from '@trailmark/core';
import type { GenerationBillingNative } from './native.ts';
import { GENERATION_BILLING_NATIVE_ACTIONS, generationBillingActions } from './plugin.ts';

type Resource = GenerationBillingNative['resources'][number];
interface Person {
  id: string;
  name: string;
  email: string;
  ip: string;
  user_agent: string;
}
interface DemoWorkspace {
  id: string;
  name: string;
  assets: { id: string; name: string }[];
}
interface TenantPool {
  tenant: string;
  org: { id: string; name: string };
  people: Person[];
  admins: Person[];
  workspaces: DemoWorkspace[];
  projects: { id: string; name: string }[];
  tags: { id: string; name: string }[];
}

const MODELS = ['gen-4-turbo', 'gen-4', 'gen-3-alpha-turbo', 'act-two', 'frames', 'aleph'] as const;
const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
] as const;
const HEAVY: Record<string, number> = {
  GenerationCreated: 400,
  UserLogin: 60,
  SSOLogin: 70,
  AssetCreated: 60,
  AssetUpdated: 35,
  AssetDownloaded: 45,
  AssetShared: 15,
  AssetUnshared: 5,
  AssetDeleted: 15,
  SessionShared: 8,
  VideoProjectShared: 8,
  MemberInvited: 6,
  InviteAccepted: 5,
  MemberRoleChanged: 4,
  PermissionGranted: 4,
  MeteredBillingRefillTriggered: 3,
  CreditsTransferred: 3,
};
const WEIGHTED = GENERATION_BILLING_NATIVE_ACTIONS.map((value) => ({ value, weight: HEAVY[value] ?? 1 }));
const SYSTEM_ACTOR = { id: 'system_auto_refill', name: 'Auto refill', type: 'system' as const };
const SCIM_ACTOR = { id: 'scim_okta', name: 'Okta SCIM', type: 'scim' as const };

function tenantPool(faker: Faker, rng: DemoRandom, tenant: string): TenantPool {
  const company = faker.company.name().replace(/[^A-Za-z0-9 &-]/g, '');
  const domain = `${company.split(/[ ,&-]+/)[0]?.toLowerCase() || 'studio'}.studio`;
  const people = Array.from({ length: rng.between(25, 60) }, (): Person => {
    const first = faker.person.firstName();
    const last = faker.person.lastName();
    return {
      id: `usr_${rng.id(10)}`,
      name: `${first} ${last}`,
      email: faker.internet.email({ firstName: first, lastName: last, provider: domain }).toLowerCase(),
      ip: rng.publicIpv4(),
      user_agent: rng.pick(USER_AGENTS),
    };
  });
  const nouns = Array.from({ length: 40 }, () =>
    faker.word
      .noun()
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-'),
  );
  const workspaces = Array.from({ length: rng.between(2, 5) }, (): DemoWorkspace => {
    const name = `${faker.word.adjective()} ${rng.pick(['Team', 'Studio', 'Lab', 'Unit', 'Squad'])}`.replace(
      /^./,
      (c) => c.toUpperCase(),
    );
    return {
      id: `ws_${rng.id(10)}`,
      name,
      assets: Array.from({ length: 20 }, () => ({
        id: `ast_${rng.id(10)}`,
        name: `${rng.pick(nouns)}-${rng.pick(['shot', 'plate', 'ref', 'frame', 'clip'])}-${rng.between(1, 99)}.${rng.pick(['mp4', 'png', 'jpg', 'mov'])}`,
      })),
    };
  });
  return {
    tenant,
    org: { id: `org_${rng.id(8)}`, name: company },
    people,
    admins: people.slice(0, 3),
    workspaces,
    projects: Array.from({ length: 6 }, () => ({
      id: `prj_${rng.id(8)}`,
      name: `${faker.word.adjective()} ${rng.pick(nouns)}`,
    })),
    tags: ['client-paid', 'internal', 'pitch', 'archive', 'priority'].map((name) => ({
      id: `tag_${rng.id(6)}`,
      name,
    })),
  };
}

const userRes = (p: Person): Resource => ({ kind: 'user', id: p.id, name: p.name, email: p.email });

/**
 * Believable organization activity: mostly generations (with model and credits), logins (password
 * and SSO, some failing), asset lifecycles, sharing, member and permission changes, billing jobs run
 * by the system, and rare organization changes. Every action of the product appears.
 */
export function* generationBillingDemo(options: DemoOptions): Generator<DemoRecord<GenerationBillingNative>> {
  const faker = new Faker({ locale: [en, baseLocale], seed: options.seed });
  const rng = createDemoRandom(options.seed ^ 0x5eed);
  const pools = options.tenants.map((t) => tenantPool(faker, rng, t));
  const times = demoTimes(rng, options);
  let last: { pool: TenantPool; who: Person; ws: DemoWorkspace } | undefined;
  for (let i = 0; i < options.count; i++) {
    const sticky = last !== undefined && rng.chance(0.55);
    const pool = sticky && last ? last.pool : rng.pick(pools);
    const ws = sticky && last ? last.ws : rng.pick(pool.workspaces);
    const who = sticky && last ? last.who : rng.pick(pool.people);
    last = { pool, who, ws };
    const action = rng.weighted(WEIGHTED);
    const admin = rng.pick(pool.admins);
    const other = rng.pick(pool.people);
    const asset = rng.pick(ws.assets);
    const project = rng.pick(pool.projects);
    const tag = rng.pick(pool.tags);
    const wsOther = rng.pick(pool.workspaces);
    let actor: GenerationBillingNative['actor'] = { id: who.id, name: who.name, email: who.email };
    let workspace: GenerationBillingNative['workspace'] = { id: ws.id, name: ws.name };
    let resources: Resource[] = [];
    let details: GenerationBillingNative['details'];
    let changes: GenerationBillingNative['changes'];
    let failed: string | undefined;
    const adminActor = { id: admin.id, name: admin.name, email: admin.email };
    switch (action) {
      case 'GenerationCreated': {
        const model = rng.pick(MODELS);
        const seconds = rng.pick([5, 10]);
        resources = [
          { kind: 'generation', id: `gen_${rng.id(12)}` },
          { kind: 'asset', id: `ast_${rng.id(10)}`, name: `${model}-${rng.id(6)}.mp4`, role: 'related' },
        ];
        details = {
          model,
          credits_used: seconds * (model.startsWith('gen-4') ? 12 : 5),
          duration_seconds: seconds,
        };
        if (rng.chance(0.02)) failed = 'content_moderation';
        break;
      }
      case 'UserLogin':
      case 'SSOLogin':
        workspace = null;
        resources = [userRes(who)];
        if (action === 'SSOLogin') details = { protocol: 'saml', idp: 'okta' };
        if (rng.chance(0.06)) failed = action === 'UserLogin' ? 'invalid_credentials' : 'assertion_expired';
        break;
      case 'AssetCreated': {
        const created = {
          id: `ast_${rng.id(10)}`,
          name: `${rng.pick(ws.assets).name.split('-')[0]}-${rng.between(100, 999)}.png`,
        };
        ws.assets.push(created);
        resources = [{ kind: 'asset', ...created }];
        details = { size_bytes: rng.between(200_000, 400_000_000) };
        break;
      }
      case 'AssetDeleted':
        if (ws.assets.length > 5) ws.assets.splice(ws.assets.indexOf(asset), 1);
        resources = [{ kind: 'asset', ...asset }];
        break;
      case 'AssetUpdated': {
        const renamed = `${asset.name.replace(/\.[a-z0-9]+$/, '')}-v${rng.between(2, 9)}${asset.name.match(/\.[a-z0-9]+$/)?.[0] ?? ''}`;
        changes = [{ field: 'name', from: asset.name, to: renamed }];
        asset.name = renamed;
        resources = [{ kind: 'asset', ...asset }];
        break;
      }
      case 'AssetDownloaded':
        resources = [{ kind: 'asset', ...asset }];
        break;
      case 'AssetShared':
      case 'AssetUnshared':
        resources = [{ kind: 'asset', ...asset }, userRes(other)];
        if (action === 'AssetShared') details = { permission: rng.pick(['view', 'edit']) };
        break;
      case 'SessionShared':
      case 'SessionUnshared':
        resources = [
          { kind: 'session', id: `ses_${rng.id(8)}`, name: `${asset.name.split('-')[0]} session` },
          userRes(other),
        ];
        break;
      case 'VideoProjectShared':
      case 'VideoProjectUnshared':
        resources = [
          { kind: 'video_project', id: `vp_${rng.id(8)}`, name: `${asset.name.split('-')[0]} cut` },
          userRes(other),
        ];
        break;
      case 'AccountLinkCreated':
      case 'AccountLinkDeleted':
        workspace = null;
        resources = [
          {
            kind: 'account_link',
            id: `lnk_${rng.id(8)}`,
            name: rng.pick(['Google Drive', 'Dropbox', 'Frame.io']),
          },
        ];
        break;
      case 'EmailChangeRequested':
      case 'EmailChanged':
      case 'PasswordChanged':
      case 'UserRegistered':
        workspace = null;
        resources = [userRes(who)];
        if (action === 'EmailChanged')
          changes = [
            { field: 'email', from: who.email, to: who.email.replace('@', `.${rng.between(1, 9)}@`) },
          ];
        break;
      case 'PermissionAccepted':
      case 'PermissionGranted':
      case 'PermissionRevoked':
      case 'PermissionUpdated': {
        if (action !== 'PermissionAccepted') actor = adminActor;
        const perm = rng.pick(['export_4k', 'model_access', 'api_access', 'custom_voices']);
        resources = [{ kind: 'permission', id: `perm_${rng.id(6)}`, name: perm }, userRes(other)];
        details = { permission: perm };
        if (action === 'PermissionUpdated') changes = [{ field: 'level', from: 'view', to: 'use' }];
        break;
      }
      case 'SSOConfigCreated':
      case 'SSODomainRegistrationCloned':
        actor = adminActor;
        workspace = null;
        resources =
          action === 'SSOConfigCreated'
            ? [{ kind: 'sso_config', id: `sso_${rng.id(6)}`, name: 'Okta SAML' }]
            : [
                {
                  kind: 'sso_domain',
                  id: `dom_${rng.id(6)}`,
                  name: who.email.split('@')[1] ?? 'example.com',
                },
              ];
        break;
      case 'SSOUserAutoAddedToTeam':
      case 'SSOUserProvisioned':
        actor = SCIM_ACTOR;
        if (action === 'SSOUserProvisioned') workspace = null;
        resources = [
          userRes(other),
          ...(action === 'SSOUserAutoAddedToTeam'
            ? [{ kind: 'team' as const, id: ws.id, name: ws.name, role: 'related' as const }]
            : []),
        ];
        break;
      case 'UserAccountDeleted':
        actor = adminActor;
        workspace = null;
        resources = [userRes(other)];
        break;
      case 'InviteAccepted':
        resources = [{ kind: 'invite', id: `inv_${rng.id(6)}` }];
        break;
      case 'InviteLinkToggled': {
        actor = adminActor;
        const on = rng.chance(0.5);
        resources = [{ kind: 'invite_link', id: `invl_${ws.id.slice(3)}` }];
        changes = [{ field: 'enabled', from: !on, to: on }];
        break;
      }
      case 'MemberInvited':
        actor = adminActor;
        resources = [{ kind: 'user', id: `inv_${rng.id(6)}`, email: faker.internet.email().toLowerCase() }];
        details = { role: rng.pick(['member', 'editor', 'viewer']) };
        break;
      case 'MemberRemoved':
      case 'MemberRoleChanged':
        actor = adminActor;
        resources = [userRes(other)];
        if (action === 'MemberRoleChanged')
          changes = [{ field: 'role', from: 'member', to: rng.pick(['admin', 'viewer']) }];
        break;
      case 'UserGroupCreated':
      case 'UserGroupDeleted':
        actor = adminActor;
        resources = [{ kind: 'project', ...project }];
        break;
      case 'UserGroupMemberAdded':
      case 'UserGroupMemberRemoved':
        actor = adminActor;
        resources = [{ kind: 'project', ...project }, userRes(other)];
        break;
      case 'CreditsTransferred':
      case 'SeatsTransferred':
        actor = adminActor;
        resources = [
          { kind: 'workspace', id: ws.id, name: ws.name, role: 'source' },
          { kind: 'workspace', id: wsOther.id, name: wsOther.name, role: 'destination' },
        ];
        details =
          action === 'CreditsTransferred'
            ? { amount: rng.between(1, 50) * 500, unit: 'credits' }
            : { seats: rng.between(1, 5) };
        break;
      case 'MeteredBillingConfigUpdated':
        actor = adminActor;
        resources = [{ kind: 'metered_billing', id: `mb_${ws.id.slice(3)}` }];
        changes = [{ field: 'threshold_credits', from: 1000, to: rng.pick([2500, 5000]) }];
        break;
      case 'MeteredBillingRefillTriggered':
      case 'MeteredBillingRetryTriggered':
        actor = SYSTEM_ACTOR;
        resources = [{ kind: 'metered_billing', id: `mb_${ws.id.slice(3)}` }];
        details = { amount: rng.pick([5000, 10000]), unit: 'credits' };
        if (action === 'MeteredBillingRetryTriggered' && rng.chance(0.5)) failed = 'card_declined';
        break;
      case 'SubscriptionCancelled':
        actor = adminActor;
        resources = [{ kind: 'subscription', id: `sub_${rng.id(8)}`, name: 'Team (monthly)' }];
        break;
      case 'OrganizationDisabledModelsUpdated':
      case 'OrganizationSettingsUpdated':
        actor = adminActor;
        workspace = null;
        resources = [{ kind: 'organization', ...pool.org }];
        changes =
          action === 'OrganizationSettingsUpdated'
            ? [{ field: 'require_sso', from: false, to: true }]
            : [{ field: 'disabled_models', from: [], to: [rng.pick(MODELS)] }];
        break;
      case 'TeamSettingsUpdated':
        actor = adminActor;
        resources = [{ kind: 'team', id: ws.id, name: ws.name }];
        changes = [{ field: 'default_role', from: 'viewer', to: 'member' }];
        break;
      case 'WorkspaceCountryLockUpdated':
        actor = adminActor;
        resources = [{ kind: 'workspace', id: ws.id, name: ws.name }];
        changes = [
          { field: 'allowed_countries', from: ['US'], to: ['US', rng.pick(['CA', 'GB', 'DE', 'JP'])] },
        ];
        break;
      case 'WorkspaceCreated':
      case 'WorkspaceDeleted':
        actor = adminActor;
        resources = [{ kind: 'workspace', id: ws.id, name: ws.name }];
        break;
      case 'WorkspaceTagAssigned':
      case 'WorkspaceTagUnassigned':
        actor = adminActor;
        resources = [
          { kind: 'workspace', id: ws.id, name: ws.name },
          { kind: 'workspace_tag', ...tag },
        ];
        break;
      default:
        // WorkspaceTagCreated / Deleted / Updated
        actor = adminActor;
        workspace = null;
        resources = [{ kind: 'workspace_tag', ...tag }];
        if (action === 'WorkspaceTagUpdated')
          changes = [{ field: 'color', from: 'grey', to: rng.pick(['green', 'blue']) }];
    }
    const human = actor.type === undefined;
    const actorPerson = pool.people.find((p) => p.id === actor.id) ?? who;
    yield {
      tenant: pool.tenant,
      native: {
        id: uuid(rng),
        action,
        created_at: new Date(times[i] as number).toISOString(),
        organization: pool.org,
        actor,
        workspace,
        resources,
        summary: summaryOf(action, actor.name, resources),
        ...(details ? { details } : {}),
        ...(changes ? { changes } : {}),
        ...(failed ? { status: 'failed' as const, failure_reason: failed } : {}),
        ...(human ? { ip: actorPerson.ip, user_agent: actorPerson.user_agent } : {}),
      },
    };
  }
}

const LABELS = new Map(generationBillingActions.map((a) => [a.source_action, a.label]));

/** The Details column: what happened, by whom, to what ("A member was invited to join the team: Ana Lima by Leo Novak"). */
function summaryOf(action: string, actor: string, resources: GenerationBillingNative['resources']): string {
  const objects = resources.map((r) => r.name ?? r.email ?? r.id).join(', ');
  return `${LABELS.get(action) ?? action}${objects ? `: ${objects}` : ''} (by ${actor})`.slice(0, 1000);
}

function uuid(rng: DemoRandom): string {
  const h = rng.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'.charAt(rng.int(3))}${h.slice(17, 20)}-${h.slice(20)}`;
}
