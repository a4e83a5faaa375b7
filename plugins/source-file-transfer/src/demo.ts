import { base as baseLocale, en, Faker } from '@faker-js/faker';
import {
  createDemoRandom,
  type DemoOptions,
  type DemoRandom,
  type DemoRecord,
  demoTimes,
} from '@trailmark/core';
import type { FileTransferNative, FileTransferNativeAction } from './native.ts';

const REGIONS = ['eu-central-2', 'eu-west-1', 'us-east-1', 'us-west-1', 'ap-southeast-1'] as const;
const COUNTRIES = [
  ['US', 'United States', 'New York'],
  ['US', 'United States', 'Portland'],
  ['DE', 'Germany', 'Berlin'],
  ['FR', 'France', 'Paris'],
  ['GB', 'United Kingdom', 'London'],
  ['NL', 'Netherlands', 'Amsterdam'],
  ['TR', 'Turkey', 'Istanbul'],
  ['IN', 'India', 'Bengaluru'],
  ['BR', 'Brazil', 'São Paulo'],
  ['JP', 'Japan', 'Tokyo'],
  ['SG', 'Singapore', 'Singapore'],
  ['RU', 'Russia', 'Moscow'],
  ['CN', 'China', 'Shenzhen'],
  ['NG', 'Nigeria', 'Lagos'],
  ['VN', 'Vietnam', 'Hanoi'],
] as const;
const EXTENSIONS = [
  ['mp4', 'video/mp4', 4e8, 1.5e10],
  ['mov', 'video/quicktime', 2e8, 8e9],
  ['zip', 'application/zip', 1e7, 3e9],
  ['pdf', 'application/pdf', 1e5, 4e7],
  ['psd', 'image/vnd.adobe.photoshop', 2e7, 9e8],
  ['wav', 'audio/wav', 1e7, 6e8],
  ['png', 'image/png', 1e5, 3e7],
] as const;
const ROLES = ['Viewer', 'Editor', 'Admin'] as const;
const WEIGHTS: readonly [FileTransferNativeAction, number][] = [
  ['UPLOAD', 22],
  ['DOWNLOAD', 24],
  ['PREVIEW', 10],
  ['SHARE', 6],
  ['ACCESS', 14],
  ['PASSWORD_ATTEMPT', 3],
  ['SHARE_UPDATE', 1],
  ['REVOKE', 1],
  ['DELETE', 6],
  ['INVITE', 2],
  ['REMOVE', 1],
  ['ROLE_CHANGE', 1],
  ['PERMISSION_CHANGE', 1],
  ['BLOCKED', 4],
];

interface Person {
  email: string;
  name: string;
  id: string;
  ip: string;
  country: (typeof COUNTRIES)[number];
  region: string;
}
interface DemoFile {
  id: string;
  name: string;
  path: string;
  size: number;
  mime_type: string;
  storage_region: string;
}
interface Link {
  id: string;
  url: string;
  file: DemoFile;
  /** Epoch ms: compared on every record, so it is kept as a number, not re-parsed. */
  expiresAt: number;
  password_protected: boolean;
  allowed_domains?: string[];
}
interface Workspace {
  id: string;
  name: string;
  region: string;
  files: DemoFile[];
  links: Link[];
  /** Links that expired or were revoked: visitors keep trying them (blocked, `link_expired`). */
  dead: Link[];
  leaked?: Link;
}
interface TenantPool {
  tenant: string;
  nouns: string[];
  people: Person[];
  outsiders: Person[];
  apiKeys: { id: string; name: string; owner_email: string }[];
  workspaces: Workspace[];
  hostileIps: { ip: string; country: (typeof COUNTRIES)[number] }[];
}

function newFile(rng: DemoRandom, nouns: readonly string[], ws: Workspace, seq: number): DemoFile {
  const [ext, mime, min, max] = rng.pick(EXTENSIONS);
  const folder = rng.pick(['deliverables', 'renders', 'drafts', 'contracts', 'raw', 'press']);
  const name = `${rng.pick(nouns)}-${rng.pick(['final', 'v2', 'v3', 'cut', 'master', 'review'])}-${seq}.${ext}`;
  return {
    id: `fil_${rng.id(12)}`,
    name,
    path: `/${folder}/${name}`,
    size: rng.between(min, max),
    mime_type: mime,
    storage_region: ws.region,
  };
}

function person(faker: Faker, rng: DemoRandom, domain: string): Person {
  const first = faker.person.firstName();
  const last = faker.person.lastName();
  return {
    id: `usr_${rng.id(10)}`,
    name: `${first} ${last}`,
    email: faker.internet.email({ firstName: first, lastName: last, provider: domain }).toLowerCase(),
    ip: rng.publicIpv4(),
    country: rng.pick(COUNTRIES.slice(0, 11)),
    region: rng.pick(REGIONS),
  };
}

function tenantPool(faker: Faker, rng: DemoRandom, tenant: string, seq: { n: number }): TenantPool {
  const nouns = Array.from({ length: 60 }, () =>
    faker.word
      .noun()
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-'),
  );
  const domain = `${faker.word.noun().toLowerCase()}${rng.pick(['studio', 'media', 'labs', 'works'])}.com`;
  const people = Array.from({ length: rng.between(20, 45) }, () => person(faker, rng, domain));
  const outsiders = Array.from({ length: 15 }, () =>
    person(faker, rng, rng.pick(['gmail.com', 'outlook.com', 'acme.com', 'client.io'])),
  );
  const workspaces = Array.from({ length: rng.between(2, 4) }, (): Workspace => {
    const ws: Workspace = {
      id: `ws_${rng.id(8)}`,
      name: `${faker.company.buzzNoun()} ${rng.pick(['Campaign', 'Launch', 'Archive', 'Studio', 'Review'])} ${rng.between(2024, 2026)}`.replace(
        /^./,
        (c) => c.toUpperCase(),
      ),
      region: rng.pick(REGIONS),
      files: [],
      links: [],
      dead: [],
    };
    for (let i = 0; i < 25; i++) ws.files.push(newFile(rng, nouns, ws, seq.n++));
    return ws;
  });
  return {
    tenant,
    nouns,
    people,
    outsiders,
    apiKeys: Array.from({ length: 3 }, (_, i) => ({
      id: `key_live_${rng.id(6).toLowerCase()}`,
      name: ['render-farm', 'backup-sync', 'ci-publisher'][i] as string,
      owner_email: rng.pick(people).email,
    })),
    workspaces,
    hostileIps: Array.from({ length: 60 }, () => ({
      ip: rng.publicIpv4(),
      country: rng.pick(COUNTRIES),
    })),
  };
}

/**
 * Believable activity as native payloads: uploads stored in a workspace region, downloads and
 * previews, share links that get opened (one per workspace leaks: opened from dozens of IPs and
 * countries), password attempts, expiries, deletions, member changes and blocked attempts.
 * Pools are built once per tenant, so 50k records take well under a second.
 */
export function* fileTransferDemo(options: DemoOptions): Generator<DemoRecord<FileTransferNative>> {
  const faker = new Faker({ locale: [en, baseLocale], seed: options.seed });
  const rng = createDemoRandom(options.seed);
  const seq = { n: 1 };
  const pools = options.tenants.map((t) => tenantPool(faker, rng, t, seq));
  const times = demoTimes(rng, options);
  const weighted = WEIGHTS.map(([value, weight]) => ({ value, weight }));
  let previous: { pool: TenantPool; ws: Workspace; who: Person } | undefined;
  for (let i = 0; i < options.count; i++) {
    const at = times[i] as number;
    const timestamp = new Date(at).toISOString();
    const sticky = previous !== undefined && rng.int(99) < 60;
    const pool = sticky && previous ? previous.pool : rng.pick(pools);
    const ws = sticky && previous ? previous.ws : rng.pick(pool.workspaces);
    const who = sticky && previous ? previous.who : rng.pick(pool.people);
    previous = { pool, ws, who };
    let action = rng.weighted(weighted);
    if (ws.files.length < 3) action = 'UPLOAD';
    if (ws.links.length === 0 && ['ACCESS', 'PASSWORD_ATTEMPT', 'SHARE_UPDATE', 'REVOKE'].includes(action))
      action = 'SHARE';
    // Links expire when their date passes, not at random: the service logs the expiry, and from then on
    // the link is dead (opening it is blocked with link_expired), so no link is opened after its expiry.
    const due = ws.links.find((l) => l.expiresAt <= at);
    if (due) action = 'EXPIRE';
    const device = rng.weighted([
      { value: 'browser' as const, weight: 70 },
      { value: 'cli' as const, weight: 12 },
      { value: 'sdk' as const, weight: 10 },
      { value: 'api' as const, weight: 8 },
    ]);
    const viaKey =
      (device === 'sdk' || device === 'api') && ['UPLOAD', 'DOWNLOAD', 'DELETE'].includes(action);
    const key = rng.pick(pool.apiKeys);
    const base: FileTransferNative = {
      event_id: `dm${options.seed}_${i.toString(36)}`,
      timestamp,
      action,
      ...(viaKey ? { api_key: key } : { user: { id: who.id, email: who.email, name: who.name } }),
      ip: who.ip,
      country_code: who.country[0],
      country: who.country[1],
      region: who.region,
      device: viaKey ? device : device === 'sdk' ? 'browser' : device,
      result: 'success',
      workspace: { id: ws.id, name: ws.name },
    };
    if (base.device === 'cli') base.user_agent = 'dosya-cli/2.4.1 (linux; x64)';
    if (base.device === 'sdk') base.user_agent = 'dosya-node/5.1.0';
    const file = rng.pick(ws.files);
    const errored = rng.int(999) < 8;
    const native: FileTransferNative = (() => {
      switch (action) {
        case 'UPLOAD': {
          const f = newFile(rng, pool.nouns, ws, seq.n++);
          if (!errored) ws.files.push(f);
          return errored
            ? {
                ...base,
                file: f,
                result: 'error',
                reason: 'upload_interrupted',
                message: 'connection reset by peer',
              }
            : { ...base, file: f };
        }
        case 'DOWNLOAD':
        case 'PREVIEW':
          return errored
            ? { ...base, file, result: 'error', reason: 'storage_unavailable' }
            : { ...base, file };
        case 'DELETE':
          ws.files.splice(ws.files.indexOf(file), 1);
          // Deleting a file kills its links: they stop working (and stop leaking).
          ws.dead = [...ws.dead, ...ws.links.filter((l) => l.file === file)].slice(-10);
          ws.links = ws.links.filter((l) => l.file !== file);
          if (ws.leaked?.file === file) ws.leaked = undefined;
          return { ...base, file };
        case 'SHARE': {
          const link: Link = {
            id: `lnk_${rng.id(8)}`,
            url: '',
            file,
            expiresAt: at + rng.between(1, 30) * 86_400_000,
            password_protected: rng.chance(0.3),
            // Client deliveries are often restricted to the client's email domain.
            ...(rng.chance(0.2)
              ? { allowed_domains: [rng.pick(pool.outsiders).email.split('@')[1] as string] }
              : {}),
          };
          link.url = `https://dosya.dev/s/${link.id.slice(4)}`;
          ws.links.push(link);
          if (!ws.leaked && file.mime_type !== 'image/png') ws.leaked = link;
          return { ...base, action: 'SHARE', file, share_link: shareLinkOf(link) };
        }
        case 'ACCESS':
        case 'PASSWORD_ATTEMPT': {
          const leak = ws.leaked !== undefined && rng.int(99) < 45;
          const link = leak && ws.leaked ? ws.leaked : rng.pick(ws.links);
          const visitor = leak ? rng.pick(pool.hostileIps) : undefined;
          const wrong = action === 'PASSWORD_ATTEMPT' && rng.int(99) < 35;
          const { user: _u, api_key: _k, ...anon } = base;
          return {
            ...anon,
            action,
            device: 'browser',
            file: link.file,
            share_link: shareLinkOf(link),
            ...(visitor
              ? {
                  ip: visitor.ip,
                  country_code: visitor.country[0],
                  country: visitor.country[1],
                  city: visitor.country[2],
                }
              : {}),
            ...(wrong
              ? {
                  result: 'denied' as const,
                  reason: 'invalid_password',
                  attempt: rng.between(1, 5),
                }
              : {}),
          };
        }
        case 'SHARE_UPDATE': {
          const link = rng.pick(ws.links);
          link.expiresAt = at + rng.between(1, 14) * 86_400_000;
          return { ...base, file: link.file, share_link: shareLinkOf(link) };
        }
        case 'EXPIRE':
        case 'REVOKE': {
          const link = action === 'EXPIRE' && due ? due : rng.pick(ws.links);
          ws.links.splice(ws.links.indexOf(link), 1);
          ws.dead = [...ws.dead.slice(-9), link];
          if (ws.leaked === link) ws.leaked = undefined;
          if (action === 'EXPIRE') {
            const { user: _u, api_key: _k, ip: _ip, country_code: _c, country: _n, ...system } = base;
            return {
              ...system,
              device: 'api',
              region: ws.region,
              file: link.file,
              share_link: shareLinkOf(link),
            };
          }
          return { ...base, file: link.file, share_link: shareLinkOf(link) };
        }
        case 'INVITE': {
          const invitee = rng.pick(pool.outsiders);
          return { ...base, member: { email: invitee.email, role: rng.pick(ROLES) } };
        }
        case 'REMOVE':
          return {
            ...base,
            member: { email: rng.pick(pool.people).email, role: 'Viewer' },
          };
        case 'ROLE_CHANGE': {
          const [previous_role, role] = rng.shuffle(ROLES).slice(0, 2) as [string, string];
          return {
            ...base,
            member: { email: rng.pick(pool.people).email, role, previous_role },
          };
        }
        case 'PERMISSION_CHANGE':
          return {
            ...base,
            member: {
              email: rng.pick(pool.outsiders).email,
              folder: file.path.slice(0, file.path.lastIndexOf('/')) || '/',
              permission: 'download',
              previous_permission: 'view',
            },
          };
        case 'BLOCKED': {
          const picked = rng.pick([
            'permission_denied',
            'permission_denied',
            'ip_blocked',
            'domain_not_allowed',
            'link_expired',
          ] as const);
          const reason = picked === 'link_expired' && ws.dead.length === 0 ? 'permission_denied' : picked;
          const outsider = rng.pick(pool.outsiders);
          const hostile = rng.pick(pool.hostileIps);
          const denied = { ...base, result: 'denied' as const, reason };
          if (reason === 'ip_blocked') {
            const { user: _u, api_key: _k, ...anon } = denied;
            return { ...anon, ip: hostile.ip, country_code: hostile.country[0], country: hostile.country[1] };
          }
          if (reason === 'domain_not_allowed') {
            // Mostly someone outside the allowed domains opening a restricted link (the page's own
            // preview row), sometimes an invite to an address outside them.
            const restricted = ws.links.find((l) => l.allowed_domains !== undefined) ?? ws.links[0];
            if (restricted && rng.chance(0.7))
              return {
                ...denied,
                attempted_action: 'ACCESS',
                user: { email: outsider.email },
                device: 'browser',
                file: restricted.file,
                share_link: shareLinkOf(restricted),
              };
            return {
              ...denied,
              attempted_action: 'INVITE',
              member: { email: outsider.email, role: 'Viewer' },
            };
          }
          if (reason === 'link_expired') {
            const { user: _u, api_key: _k, ...anon } = denied;
            // Someone opening a link that already expired or was revoked (the leaked one, often).
            const link = rng.pick(ws.dead);
            return {
              ...anon,
              attempted_action: 'ACCESS',
              device: 'browser',
              file: link.file,
              share_link: shareLinkOf(link),
              ...(rng.chance(0.5)
                ? { ip: hostile.ip, country_code: hostile.country[0], country: hostile.country[1] }
                : {}),
            };
          }
          return {
            ...denied,
            attempted_action: rng.pick(['DOWNLOAD', 'DELETE', 'UPLOAD'] as const),
            user: { id: outsider.id, email: outsider.email, name: outsider.name },
            file,
          };
        }
      }
    })();
    yield { tenant: pool.tenant, native };
  }
}

function shareLinkOf(link: Link): NonNullable<FileTransferNative['share_link']> {
  return {
    id: link.id,
    url: link.url,
    expires_at: new Date(link.expiresAt).toISOString(),
    password_protected: link.password_protected,
    ...(link.allowed_domains ? { allowed_domains: link.allowed_domains } : {}),
  };
}
