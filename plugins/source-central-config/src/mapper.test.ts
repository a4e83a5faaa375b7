import type { MappedEvent } from '@trailmark/core';
import { describe, expect, it } from 'vitest';
import { type CentralConfigFixtureName, centralConfigFixtures } from './fixtures.ts';
import { mapCentralConfigEvent } from './mapper.ts';
import { centralConfigNativeSchema } from './native.ts';
import { CENTRAL_CONFIG_OPERATION_KINDS, CENTRAL_CONFIG_OPERATIONS, centralConfigActions } from './plugin.ts';

function map(name: CentralConfigFixtureName): MappedEvent {
  return mapCentralConfigEvent(centralConfigNativeSchema.parse(centralConfigFixtures[name]));
}

const cases: [CentralConfigFixtureName, Record<string, unknown>][] = [
  [
    'external_storage_created',
    {
      id: 'cc_cal_26040001',
      action: 'external_storage.created',
      source_action: 'EXTERNAL_STORAGE_CREATE',
      occurred_at: '2026-04-01T09:00:00Z',
      actor: { type: 'user', id: 'usr_6a1f0c', name: 'Ana Souza', email: 'ana.souza@northwind.com' },
      targets: [{ type: 'external_storage', id: 'org_s3_1', name: 'Product images (S3)', role: 'primary' }],
      outcome: { result: 'success', status_code: 201 },
      client: { ip: '103.21.244.10', user_agent: expect.any(String), device: { kind: 'browser' } },
      request: {
        api_operation: 'createOrigin',
        method: 'POST',
        endpoint: '/api/v1/origins',
        status: 201,
        request_body: {
          type: 'S3',
          name: 'Product images (S3)',
          bucket: 'northwind-product-images',
          prefix: 'catalog',
          accessKey: '[REDACTED]',
          secretKey: '[REDACTED]',
          includeCanonicalHeader: false,
        },
        response_body: {
          id: 'org_s3_1',
          type: 'S3',
          name: 'Product images (S3)',
          bucket: 'northwind-product-images',
        },
        redacted_paths: ['/request_body/accessKey', '/request_body/secretKey'],
      },
    },
  ],
  [
    'external_storage_updated',
    {
      action: 'external_storage.updated',
      request: expect.objectContaining({
        request_body: {
          type: 'GCS',
          bucket: 'northwind-marketing',
          clientEmail: 'imagekit@northwind.iam.gserviceaccount.com',
          credentials: '[REDACTED]',
        },
        redacted_paths: ['/request_body/credentials'],
      }),
    },
  ],
  [
    'external_storage_deleted',
    { action: 'external_storage.deleted', outcome: { result: 'success', status_code: 204 } },
  ],
  [
    'url_endpoint_created',
    {
      action: 'url_endpoint.created',
      targets: [
        {
          type: 'url_endpoint',
          id: 'ep_catalog',
          name: 'https://ik.imagekit.io/northwind/catalog',
          role: 'primary',
        },
      ],
    },
  ],
  [
    'url_endpoint_create_failed',
    {
      action: 'url_endpoint.created',
      targets: [{ type: 'url_endpoint', name: 'URL endpoint created', role: 'primary' }],
      outcome: {
        result: 'failure',
        message: 'urlPrefix may only contain letters, digits and dashes',
        status_code: 400,
      },
    },
  ],
  ['url_endpoint_updated', { action: 'url_endpoint.updated' }],
  [
    'url_endpoint_deleted',
    { action: 'url_endpoint.deleted', targets: [{ type: 'url_endpoint', id: 'ep_old', role: 'primary' }] },
  ],
  [
    'performance_center_updated',
    {
      action: 'performance_setting.updated',
      targets: [
        {
          type: 'setting',
          id: 'performance_center.image_quality',
          name: 'Default image quality',
          role: 'primary',
        },
      ],
      request: expect.objectContaining({
        api_operation: 'updateImageSettings',
        method: 'PATCH',
        request_body: { defaultQuality: 75, autoFormat: { webp: true, avif: true } },
      }),
    },
  ],
  [
    'api_key_created',
    {
      action: 'api_key.created',
      targets: [{ type: 'api_key', id: 'public_k3Yb9Q', name: 'CMS sync', role: 'primary' }],
      request: expect.objectContaining({
        response_body: { publicKey: 'public_k3Yb9Q', privateKey: '[REDACTED]' },
        redacted_paths: ['/response_body/privateKey'],
      }),
    },
  ],
  [
    'api_key_create_denied',
    {
      action: 'api_key.created',
      actor: expect.objectContaining({ id: 'usr_7b2e1d' }),
      outcome: {
        result: 'denied',
        message: 'Only account owners and admins can manage API keys',
        status_code: 403,
      },
      client: expect.objectContaining({ ip: '198.51.100.77' }),
    },
  ],
  ['api_key_revoked', { action: 'api_key.revoked', source_action: 'API_KEY_DELETE' }],
  [
    'webhook_created',
    {
      action: 'webhook.created',
      request: expect.objectContaining({
        response_body: { id: 'wh_91', secret: '[REDACTED]' },
        redacted_paths: ['/response_body/secret'],
      }),
    },
  ],
  ['webhook_updated', { action: 'webhook.updated' }],
  ['webhook_deleted', { action: 'webhook.deleted' }],
  [
    'user_added',
    {
      action: 'member.added',
      targets: [{ type: 'user', id: 'usr_8c3f2e', name: 'lena.berg@northwind.com', role: 'primary' }],
      request: expect.objectContaining({
        request_body: { email: 'lena.berg@northwind.com', role: 'developer' },
      }),
    },
  ],
  [
    'user_role_changed',
    {
      action: 'member.role_changed',
      request: expect.objectContaining({
        request_body: { role: 'admin' },
        response_body: { id: 'usr_7b2e1d', role: 'admin', previousRole: 'developer' },
      }),
    },
  ],
  ['user_removed', { action: 'member.removed' }],
  [
    'billing_details_updated',
    {
      action: 'billing_details.updated',
      request: expect.objectContaining({
        request_body: expect.objectContaining({ taxId: 'DE123456789', iban: '[REDACTED]' }),
        redacted_paths: ['/request_body/iban'],
      }),
    },
  ],
  [
    'performance_center_created',
    {
      action: 'performance_setting.created',
      targets: [{ type: 'setting', id: 'pcw_shop', name: 'https://shop.northwind.com', role: 'primary' }],
      request: expect.objectContaining({ method: 'POST', endpoint: '/api/v1/performance-center/websites' }),
    },
  ],
  [
    'performance_center_deleted',
    { action: 'performance_setting.deleted', outcome: { result: 'success', status_code: 204 } },
  ],
  [
    'api_key_updated',
    {
      action: 'api_key.updated',
      targets: [{ type: 'api_key', id: 'public_k3Yb9Q', name: 'CMS sync (read only)', role: 'primary' }],
    },
  ],
  [
    'billing_details_created',
    {
      action: 'billing_details.created',
      request: expect.objectContaining({
        request_body: {
          type: 'card',
          cardNumber: '[REDACTED]',
          expMonth: 12,
          expYear: 2028,
          cvc: '[REDACTED]',
        },
        response_body: { id: 'pm_visa_4242', brand: 'visa', last4: '4242' },
        redacted_paths: ['/request_body/cardNumber', '/request_body/cvc'],
      }),
    },
  ],
  [
    'billing_details_deleted',
    {
      action: 'billing_details.deleted',
      targets: [expect.objectContaining({ type: 'billing_details', id: 'pm_amex_0005' })],
    },
  ],
  [
    'settings_created',
    {
      action: 'account_setting.created',
      targets: [expect.objectContaining({ type: 'setting', id: 'cmf_sku' })],
    },
  ],
  ['settings_deleted', { action: 'account_setting.deleted' }],
  ['settings_updated', { action: 'account_setting.updated' }],
  [
    'cache_purged',
    {
      action: 'cache.purged',
      targets: [{ type: 'cache', name: 'https://ik.imagekit.io/northwind/catalog/*', role: 'primary' }],
      request: expect.objectContaining({ response_body: { requestId: 'prg_598821fd' } }),
    },
  ],
  [
    'cache_purge_error',
    {
      action: 'cache.purged',
      outcome: { result: 'error', message: 'Purge service temporarily unavailable', status_code: 503 },
    },
  ],
];

describe('mapCentralConfigEvent', () => {
  it.each(cases)('%s', (name, expected) => {
    expect(map(name)).toMatchObject({ source: 'central-config', ...expected });
  });

  it('has a case for every fixture', () => {
    expect(cases.map(([n]) => n).sort()).toEqual(Object.keys(centralConfigFixtures).sort());
  });

  it('never lets a secret value through', () => {
    const secrets = [
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'AKIAIOSFODNN7EXAMPLE',
      'PRIVATE KEY',
      'private_Zx81mQ0vT2aL9pWc=',
      'whsec_9fK2l0aQ',
      'DE89370400440532013000',
      '4242424242424242',
    ];
    const all = JSON.stringify((Object.keys(centralConfigFixtures) as CentralConfigFixtureName[]).map(map));
    for (const s of secrets) expect(all).not.toContain(s);
  });

  it('records the fields of the row details: API, payload, response, time and IP', () => {
    for (const name of Object.keys(centralConfigFixtures) as CentralConfigFixtureName[]) {
      const e = map(name);
      expect(e.request?.api_operation).toBeTruthy();
      expect(e.request?.method).toBeTruthy();
      expect(e.request?.endpoint).toMatch(/^\//);
      expect(e.client?.ip).toBeTruthy();
      expect(e.actor.email).toBeTruthy();
    }
  });
});

describe('central-config registry', () => {
  // The page's own list of areas is checked against the registry in test/seed-pages.test.ts.
  it('the native operation enum and the registry declare the same operations', () => {
    expect([...CENTRAL_CONFIG_OPERATIONS].sort()).toEqual(
      centralConfigActions.map((a) => a.source_action).sort(),
    );
    expect([...CENTRAL_CONFIG_OPERATION_KINDS.keys()].sort()).toEqual([...CENTRAL_CONFIG_OPERATIONS].sort());
  });

  it('names each action after its kind of write', () => {
    const verb = {
      create: /\.(created|added)$/,
      update: /\.(updated|role_changed)$/,
      delete: /\.(deleted|removed|revoked|purged)$/,
    };
    for (const def of centralConfigActions) {
      const kind = CENTRAL_CONFIG_OPERATION_KINDS.get(def.source_action as string);
      expect(def.action, def.source_action).toMatch(verb[kind?.write ?? 'create']);
      expect(def.description?.startsWith(`${kind?.area}: `), def.source_action).toBe(true);
    }
  });
});
