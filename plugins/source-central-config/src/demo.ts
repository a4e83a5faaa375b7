import { base as baseLocale, en, Faker } from '@faker-js/faker';
import {
  createDemoRandom,
  type DemoOptions,
  type DemoRandom,
  type DemoRecord,
  demoTimes,
} from '@trailmark/core';
import type { CentralConfigNative } from './native.ts';
import type { CentralConfigOperation } from './plugin.ts';

interface Person {
  id: string;
  name: string;
  email: string;
  ip: string;
  userAgent: string;
}
interface Named {
  id: string;
  name: string;
}
interface TenantPool {
  tenant: string;
  host: string;
  admins: Person[];
  others: Person[];
  origins: (Named & { type: 'S3' | 'GCS' | 'AZURE' | 'WEB_FOLDER' })[];
  endpoints: Named[];
  apiKeys: Named[];
  webhooks: Named[];
  users: Person[];
}

const WEIGHTS: { value: CentralConfigOperation; weight: number }[] = [
  { value: 'PURGE_CACHE', weight: 300 },
  { value: 'URL_ENDPOINT_UPDATE', weight: 60 },
  { value: 'PERFORMANCE_CENTER_UPDATE', weight: 50 },
  { value: 'SETTINGS_UPDATE', weight: 50 },
  { value: 'EXTERNAL_STORAGE_UPDATE', weight: 30 },
  { value: 'EXTERNAL_STORAGE_CREATE', weight: 10 },
  { value: 'EXTERNAL_STORAGE_DELETE', weight: 5 },
  { value: 'URL_ENDPOINT_CREATE', weight: 15 },
  { value: 'URL_ENDPOINT_DELETE', weight: 5 },
  { value: 'API_KEY_CREATE', weight: 12 },
  { value: 'API_KEY_DELETE', weight: 8 },
  { value: 'WEBHOOK_CREATE', weight: 8 },
  { value: 'WEBHOOK_UPDATE', weight: 8 },
  { value: 'WEBHOOK_DELETE', weight: 4 },
  { value: 'USER_ADD', weight: 15 },
  { value: 'USER_ROLE_UPDATE', weight: 10 },
  { value: 'USER_REMOVE', weight: 6 },
  { value: 'BILLING_DETAILS_UPDATE', weight: 4 },
  { value: 'PERFORMANCE_CENTER_CREATE', weight: 4 },
  { value: 'PERFORMANCE_CENTER_DELETE', weight: 2 },
  { value: 'API_KEY_UPDATE', weight: 4 },
  { value: 'BILLING_DETAILS_CREATE', weight: 2 },
  { value: 'BILLING_DETAILS_DELETE', weight: 1 },
  { value: 'SETTINGS_CREATE', weight: 6 },
  { value: 'SETTINGS_DELETE', weight: 3 },
];
/** Settings that are objects of their own: custom metadata fields, created and deleted. */
const METADATA_FIELDS = ['sku', 'campaign', 'photographer', 'license', 'expiry_date', 'alt_text'] as const;
const CARDS = [
  ['visa', '4242424242424242'],
  ['mastercard', '5555555555554444'],
  ['amex', '378282246310005'],
] as const;
const ROLES = ['admin', 'developer', 'media_manager', 'billing', 'viewer'] as const;
type SettingRow = readonly [id: string, name: string, payload: Record<string, unknown>];
const PERFORMANCE: readonly SettingRow[] = [
  ['performance_center.image_quality', 'Default image quality', { defaultQuality: 80 }],
  [
    'performance_center.auto_format',
    'Automatic format conversion',
    { autoFormat: { webp: true, avif: true } },
  ],
  ['performance_center.video_quality', 'Default video quality', { videoQuality: 50 }],
  ['performance_center.lazy_load', 'Responsive image breakpoints', { breakpoints: [320, 640, 1080, 1920] }],
];
const SETTINGS: readonly SettingRow[] = [
  ['security.restrict_unsigned_urls', 'Restrict unsigned URLs', { restrictUnsignedUrls: true }],
  ['image.default_image', 'Default image', { defaultImage: '/defaults/placeholder.png' }],
  ['account.timezone', 'Account time zone', { timezone: 'Europe/Berlin' }],
  ['security.two_factor', 'Enforce two-factor authentication', { enforce2fa: true }],
  [
    'media.upload_restrictions',
    'Upload restrictions',
    { maxFileSizeMb: 100, allowedTypes: ['image/*', 'video/mp4'] },
  ],
];

function person(faker: Faker, rng: DemoRandom, domain: string): Person {
  const first = faker.person.firstName();
  const last = faker.person.lastName();
  return {
    id: `usr_${rng.hex(6)}`,
    name: `${first} ${last}`,
    email: faker.internet.email({ firstName: first, lastName: last, provider: domain }).toLowerCase(),
    ip: rng.publicIpv4(),
    userAgent: rng.pick([
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Edg/126.0 Safari/537.36',
    ]),
  };
}

function tenantPool(faker: Faker, rng: DemoRandom, tenant: string): TenantPool {
  const slug =
    faker.company
      .name()
      .replace(/[^A-Za-z0-9]+/g, '')
      .toLowerCase()
      .slice(0, 16) || 'acme';
  const domain = `${slug}.com`;
  const people = Array.from({ length: rng.between(12, 30) }, () => person(faker, rng, domain));
  const nouns = Array.from({ length: 30 }, () =>
    faker.word
      .noun()
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-'),
  );
  return {
    tenant,
    host: `ik.imagekit.io/${slug}`,
    admins: people.slice(0, rng.between(2, 5)),
    others: people.slice(5),
    origins: Array.from({ length: 4 }, () => ({
      id: `org_${rng.hex(6)}`,
      name: `${rng.pick(nouns)} ${rng.pick(['images', 'assets', 'media'])}`,
      type: rng.pick(['S3', 'GCS', 'AZURE', 'WEB_FOLDER'] as const),
    })),
    endpoints: Array.from({ length: 3 }, () => {
      const prefix = rng.pick(nouns);
      return { id: `ep_${rng.hex(6)}`, name: `https://ik.imagekit.io/${slug}/${prefix}` };
    }),
    apiKeys: Array.from({ length: 3 }, () => ({
      id: `public_${rng.id(10)}`,
      name: `${rng.pick(nouns)} integration`,
    })),
    webhooks: [{ id: `wh_${rng.hex(4)}`, name: `https://hooks.${domain}/imagekit` }],
    users: people,
  };
}

function credentialsFor(
  rng: DemoRandom,
  type: TenantPool['origins'][number]['type'],
): Record<string, unknown> {
  if (type === 'S3') return { accessKey: `AKIA${rng.id(16).toUpperCase()}`, secretKey: rng.id(40) };
  if (type === 'GCS')
    return {
      clientEmail: 'imagekit@project.iam.gserviceaccount.com',
      credentials: { private_key: rng.id(64) },
    };
  if (type === 'AZURE') return { accountName: 'media', sasToken: `sv=2024-05-04&sig=${rng.id(32)}` };
  return { baseUrl: 'https://www.example.com/assets' };
}

/**
 * Believable dashboard activity: mostly cache purges and setting tweaks by a few admins, origins and
 * endpoints created and rewired, API keys and webhooks rotated (with secrets in payloads, masked by
 * the mapper), users invited and re-roled, the odd denied attempt by a non-admin and a failing purge.
 */
export function* centralConfigDemo(options: DemoOptions): Generator<DemoRecord<CentralConfigNative>> {
  const faker = new Faker({ locale: [en, baseLocale], seed: options.seed });
  const rng = createDemoRandom(options.seed ^ 0xc0f1);
  const pools = options.tenants.map((t) => tenantPool(faker, rng, t));
  const times = demoTimes(rng, options);
  let last: { pool: TenantPool; who: Person } | undefined;
  for (let i = 0; i < options.count; i++) {
    const sticky = last !== undefined && rng.chance(0.6);
    const pool = sticky && last ? last.pool : rng.pick(pools);
    const denied = rng.chance(0.03);
    const who = denied
      ? rng.pick(pool.others.length > 0 ? pool.others : pool.admins)
      : sticky && last
        ? last.who
        : rng.pick(pool.admins);
    last = { pool, who };
    const op = rng.weighted(WEIGHTS);
    const origin = rng.pick(pool.origins);
    const endpoint = rng.pick(pool.endpoints);
    const key = rng.pick(pool.apiKeys);
    const hook = rng.pick(pool.webhooks);
    const member = rng.pick(pool.users);
    let api: CentralConfigNative['api'];
    let resource: CentralConfigNative['resource'];
    let requestPayload: unknown;
    let responseData: unknown;
    let responseStatus = 200;
    switch (op) {
      case 'PURGE_CACHE': {
        const url = `${endpoint.name}/${rng.pick(['*', 'products/*', 'banners/hero.jpg', 'img/logo.svg'])}`;
        api = { name: 'purgeCache', method: 'POST', path: '/api/v1/files/purge' };
        resource = { name: url };
        requestPayload = { url };
        responseData = { requestId: `prg_${rng.hex(8)}` };
        responseStatus = 201;
        break;
      }
      case 'EXTERNAL_STORAGE_CREATE':
      case 'EXTERNAL_STORAGE_UPDATE':
      case 'EXTERNAL_STORAGE_DELETE': {
        const verb = op.slice('EXTERNAL_STORAGE_'.length);
        const id = verb === 'CREATE' ? `org_${rng.hex(6)}` : origin.id;
        api = {
          name: `${verb.toLowerCase()}Origin`,
          method: verb === 'CREATE' ? 'POST' : verb === 'UPDATE' ? 'PUT' : 'DELETE',
          path: verb === 'CREATE' ? '/api/v1/origins' : `/api/v1/origins/${id}`,
        };
        resource = { id, name: origin.name };
        if (verb !== 'DELETE') {
          requestPayload = {
            type: origin.type,
            name: origin.name,
            bucket: origin.name.replace(/ /g, '-'),
            ...credentialsFor(rng, origin.type),
          };
          responseData = { id, type: origin.type, name: origin.name };
        }
        responseStatus = verb === 'CREATE' ? 201 : verb === 'DELETE' ? 204 : 200;
        if (verb === 'CREATE') {
          if (pool.origins.length >= 8) pool.origins.shift();
          pool.origins.push({ ...origin, id });
        }
        break;
      }
      case 'URL_ENDPOINT_CREATE':
      case 'URL_ENDPOINT_UPDATE':
      case 'URL_ENDPOINT_DELETE': {
        const verb = op.slice('URL_ENDPOINT_'.length);
        api = {
          name: `${verb.toLowerCase()}UrlEndpoint`,
          method: verb === 'CREATE' ? 'POST' : verb === 'UPDATE' ? 'PUT' : 'DELETE',
          path: verb === 'CREATE' ? '/api/v1/url-endpoints' : `/api/v1/url-endpoints/${endpoint.id}`,
        };
        resource = { id: endpoint.id, name: endpoint.name };
        if (verb !== 'DELETE')
          requestPayload = { origins: [...new Set([origin.id, rng.pick(pool.origins).id])] };
        responseStatus = verb === 'CREATE' ? 201 : verb === 'DELETE' ? 204 : 200;
        break;
      }
      case 'PERFORMANCE_CENTER_UPDATE':
      case 'SETTINGS_UPDATE': {
        const [id, name, payload] = rng.pick(op === 'SETTINGS_UPDATE' ? SETTINGS : PERFORMANCE);
        api = {
          name: op === 'SETTINGS_UPDATE' ? 'updateSettings' : 'updatePerformanceSettings',
          method: 'PATCH',
          path:
            op === 'SETTINGS_UPDATE'
              ? `/api/v1/settings/${id.split('.')[0]}`
              : '/api/v1/settings/performance',
        };
        resource = { id, name };
        requestPayload = payload;
        break;
      }
      case 'PERFORMANCE_CENTER_CREATE':
      case 'PERFORMANCE_CENTER_DELETE': {
        const created = op === 'PERFORMANCE_CENTER_CREATE';
        const site = `https://${rng.pick(['www', 'shop', 'blog', 'docs', 'm'])}.${pool.host.split('/')[1]}.com`;
        const id = `pcw_${rng.hex(6)}`;
        api = created
          ? { name: 'addMonitoredWebsite', method: 'POST', path: '/api/v1/performance-center/websites' }
          : {
              name: 'removeMonitoredWebsite',
              method: 'DELETE',
              path: `/api/v1/performance-center/websites/${id}`,
            };
        resource = { id, name: site };
        if (created) {
          requestPayload = {
            url: site,
            schedule: rng.pick(['daily', 'weekly']),
            device: rng.pick(['mobile', 'desktop']),
          };
          responseData = { id, url: site };
        }
        responseStatus = created ? 201 : 204;
        break;
      }
      case 'SETTINGS_CREATE':
      case 'SETTINGS_DELETE': {
        const created = op === 'SETTINGS_CREATE';
        const field = rng.pick(METADATA_FIELDS);
        const id = `cmf_${rng.hex(6)}`;
        api = created
          ? { name: 'createCustomMetadataField', method: 'POST', path: '/api/v1/customMetadataFields' }
          : {
              name: 'deleteCustomMetadataField',
              method: 'DELETE',
              path: `/api/v1/customMetadataFields/${id}`,
            };
        resource = { id, name: field };
        if (created) {
          requestPayload = { name: field, label: field.replace(/_/g, ' '), schema: { type: 'Text' } };
          responseData = { id, name: field };
        }
        responseStatus = created ? 201 : 204;
        break;
      }
      case 'BILLING_DETAILS_CREATE':
      case 'BILLING_DETAILS_DELETE': {
        const created = op === 'BILLING_DETAILS_CREATE';
        const [brand, number] = rng.pick(CARDS);
        const id = `pm_${brand}_${number.slice(-4)}`;
        api = created
          ? { name: 'addPaymentMethod', method: 'POST', path: '/api/v1/billing/payment-methods' }
          : { name: 'removePaymentMethod', method: 'DELETE', path: `/api/v1/billing/payment-methods/${id}` };
        resource = { id, name: `${brand} ending ${number.slice(-4)}` };
        if (created) {
          // The card number and CVC reach the mapper, which masks them before the event leaves the plugin.
          requestPayload = {
            type: 'card',
            cardNumber: number,
            expMonth: rng.between(1, 12),
            expYear: 2027 + rng.int(4),
            cvc: String(rng.between(100, 999)),
          };
          responseData = { id, brand, last4: number.slice(-4) };
        }
        responseStatus = created ? 201 : 204;
        break;
      }
      case 'API_KEY_UPDATE':
        api = { name: 'updateApiKey', method: 'PATCH', path: `/api/v1/developer/api-keys/${key.id}` };
        resource = { id: key.id, name: key.name };
        requestPayload = {
          name: key.name,
          permissions: rng.pick([['files:read'], ['files:read', 'files:write']]),
        };
        responseData = { publicKey: key.id, name: key.name };
        break;
      case 'API_KEY_CREATE':
      case 'API_KEY_DELETE': {
        const created = op === 'API_KEY_CREATE';
        const id = created ? `public_${rng.id(10)}` : key.id;
        api = {
          name: created ? 'createApiKey' : 'deleteApiKey',
          method: created ? 'POST' : 'DELETE',
          path: created ? '/api/v1/developer/api-keys' : `/api/v1/developer/api-keys/${id}`,
        };
        resource = { id, name: key.name };
        if (created) {
          requestPayload = { name: key.name };
          responseData = { publicKey: id, privateKey: `private_${rng.id(24)}` };
          responseStatus = 201;
        } else responseStatus = 204;
        break;
      }
      case 'WEBHOOK_CREATE':
      case 'WEBHOOK_UPDATE':
      case 'WEBHOOK_DELETE': {
        const verb = op.slice('WEBHOOK_'.length);
        api = {
          name: `${verb.toLowerCase()}Webhook`,
          method: verb === 'CREATE' ? 'POST' : verb === 'UPDATE' ? 'PUT' : 'DELETE',
          path: verb === 'CREATE' ? '/api/v1/developer/webhooks' : `/api/v1/developer/webhooks/${hook.id}`,
        };
        resource = { id: hook.id, name: hook.name };
        if (verb !== 'DELETE') requestPayload = { url: hook.name, events: ['video.transformation.ready'] };
        if (verb === 'CREATE') responseData = { id: hook.id, secret: `whsec_${rng.id(16)}` };
        responseStatus = verb === 'CREATE' ? 201 : verb === 'DELETE' ? 204 : 200;
        break;
      }
      case 'USER_ADD':
      case 'USER_ROLE_UPDATE':
      case 'USER_REMOVE': {
        const role = rng.pick(ROLES);
        const email = op === 'USER_ADD' ? faker.internet.email().toLowerCase() : member.email;
        const id = op === 'USER_ADD' ? `usr_${rng.hex(6)}` : member.id;
        api = {
          name:
            op === 'USER_ADD' ? 'inviteUser' : op === 'USER_ROLE_UPDATE' ? 'updateUserRole' : 'removeUser',
          method: op === 'USER_ADD' ? 'POST' : op === 'USER_ROLE_UPDATE' ? 'PATCH' : 'DELETE',
          path: op === 'USER_ADD' ? '/api/v1/users' : `/api/v1/users/${id}`,
        };
        resource = { id, name: email };
        if (op !== 'USER_REMOVE') requestPayload = op === 'USER_ADD' ? { email, role } : { role };
        responseStatus = op === 'USER_ADD' ? 201 : op === 'USER_REMOVE' ? 204 : 200;
        break;
      }
      case 'BILLING_DETAILS_UPDATE':
        api = { name: 'updateBillingDetails', method: 'PUT', path: '/api/v1/billing/details' };
        resource = { id: `acct_${pool.tenant.replace(/[^A-Za-z0-9]/g, '').slice(0, 20) || 'x'}` };
        requestPayload = {
          companyName: faker.company.name(),
          address: { city: faker.location.city(), country: rng.pick(['DE', 'US', 'GB', 'IN', 'FR']) },
          taxId: `VAT${rng.between(100000000, 999999999)}`,
        };
    }
    const failed = denied || rng.chance(0.01);
    if (failed) {
      responseStatus = denied ? 403 : rng.pick([400, 409, 500, 503]);
      responseData = {
        message: denied
          ? 'You do not have permission to perform this action'
          : responseStatus >= 500
            ? 'Service temporarily unavailable'
            : 'Validation failed',
      };
    }
    yield {
      tenant: pool.tenant,
      native: {
        id: `dm${options.seed}_${i.toString(36)}`,
        time: new Date(times[i] as number).toISOString(),
        user: { id: who.id, name: who.name, email: who.email },
        operationType: op,
        status: failed ? 'FAILED' : 'SUCCESS',
        api,
        ...(resource ? { resource } : {}),
        ...(requestPayload !== undefined ? { requestPayload } : {}),
        ...(responseData !== undefined ? { responseData } : {}),
        responseStatus,
        ip: who.ip,
        userAgent: who.userAgent,
      },
    };
  }
}
