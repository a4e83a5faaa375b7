import type { CentralConfigNative } from './native.ts';

const ana = { id: 'usr_6a1f0c', name: 'Ana Souza', email: 'ana.souza@northwind.com' };
const raj = { id: 'usr_7b2e1d', name: 'Raj Patel', email: 'raj.patel@northwind.com' };
const ua = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/537.36 Chrome/124.0 Safari/537.36';

let seq = 0;
function row(
  operationType: CentralConfigNative['operationType'],
  time: string,
  parts: Omit<Partial<CentralConfigNative>, 'operationType' | 'time'> & Pick<CentralConfigNative, 'api'>,
): CentralConfigNative {
  seq += 1;
  return {
    id: `cal_2604${String(seq).padStart(4, '0')}`,
    time,
    user: ana,
    operationType,
    status: 'SUCCESS',
    responseStatus: 200,
    ip: '103.21.244.10',
    userAgent: ua,
    ...parts,
  };
}

/** Rows of the central audit log, one or more per operation type, with the payloads the dashboard sent. */
export const centralConfigFixtures = {
  external_storage_created: row('EXTERNAL_STORAGE_CREATE', '2026-04-01T09:00:00Z', {
    api: { name: 'createOrigin', method: 'POST', path: '/api/v1/origins' },
    resource: { id: 'org_s3_1', name: 'Product images (S3)' },
    requestPayload: {
      type: 'S3',
      name: 'Product images (S3)',
      bucket: 'northwind-product-images',
      prefix: 'catalog',
      accessKey: 'AKIAIOSFODNN7EXAMPLE',
      secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      includeCanonicalHeader: false,
    },
    responseData: {
      id: 'org_s3_1',
      type: 'S3',
      name: 'Product images (S3)',
      bucket: 'northwind-product-images',
    },
    responseStatus: 201,
  }),
  external_storage_updated: row('EXTERNAL_STORAGE_UPDATE', '2026-04-01T09:30:00Z', {
    api: { name: 'updateOrigin', method: 'PUT', path: '/api/v1/origins/org_gcs_2' },
    resource: { id: 'org_gcs_2', name: 'Marketing assets (GCS)' },
    requestPayload: {
      type: 'GCS',
      bucket: 'northwind-marketing',
      clientEmail: 'imagekit@northwind.iam.gserviceaccount.com',
      credentials: {
        private_key_id: 'a1b2c3',
        private_key: '-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----\n',
      },
    },
    responseData: { id: 'org_gcs_2', type: 'GCS', bucket: 'northwind-marketing' },
  }),
  external_storage_deleted: row('EXTERNAL_STORAGE_DELETE', '2026-04-01T10:00:00Z', {
    api: { name: 'deleteOrigin', method: 'DELETE', path: '/api/v1/origins/org_az_3' },
    resource: { id: 'org_az_3', name: 'Legacy blobs (Azure)' },
    responseStatus: 204,
  }),
  url_endpoint_created: row('URL_ENDPOINT_CREATE', '2026-04-02T09:00:00Z', {
    api: { name: 'createUrlEndpoint', method: 'POST', path: '/api/v1/url-endpoints' },
    resource: { id: 'ep_catalog', name: 'https://ik.imagekit.io/northwind/catalog' },
    requestPayload: { urlPrefix: 'catalog', origins: ['org_s3_1'], urlRewriter: { type: 'CLOUDINARY' } },
    responseData: { id: 'ep_catalog', urlPrefix: 'catalog', origins: ['org_s3_1'] },
    responseStatus: 201,
  }),
  url_endpoint_create_failed: row('URL_ENDPOINT_CREATE', '2026-04-02T08:58:00Z', {
    status: 'FAILED',
    api: { name: 'createUrlEndpoint', method: 'POST', path: '/api/v1/url-endpoints' },
    requestPayload: { urlPrefix: 'catalog/', origins: [] },
    responseData: { message: 'urlPrefix may only contain letters, digits and dashes' },
    responseStatus: 400,
  }),
  url_endpoint_updated: row('URL_ENDPOINT_UPDATE', '2026-04-02T09:30:00Z', {
    api: { name: 'updateUrlEndpoint', method: 'PUT', path: '/api/v1/url-endpoints/ep_catalog' },
    resource: { id: 'ep_catalog', name: 'https://ik.imagekit.io/northwind/catalog' },
    requestPayload: { origins: ['org_s3_1', 'org_gcs_2'] },
  }),
  url_endpoint_deleted: row('URL_ENDPOINT_DELETE', '2026-04-02T10:00:00Z', {
    api: { name: 'deleteUrlEndpoint', method: 'DELETE', path: '/api/v1/url-endpoints/ep_old' },
    resource: { id: 'ep_old' },
    responseStatus: 204,
  }),
  performance_center_updated: row('PERFORMANCE_CENTER_UPDATE', '2026-04-03T09:00:00Z', {
    api: { name: 'updateImageSettings', method: 'PATCH', path: '/api/v1/settings/performance' },
    resource: { id: 'performance_center.image_quality', name: 'Default image quality' },
    requestPayload: { defaultQuality: 75, autoFormat: { webp: true, avif: true } },
  }),
  performance_center_created: row('PERFORMANCE_CENTER_CREATE', '2026-04-03T08:30:00Z', {
    api: { name: 'addMonitoredWebsite', method: 'POST', path: '/api/v1/performance-center/websites' },
    resource: { id: 'pcw_shop', name: 'https://shop.northwind.com' },
    requestPayload: { url: 'https://shop.northwind.com', schedule: 'weekly', device: 'mobile' },
    responseData: { id: 'pcw_shop', url: 'https://shop.northwind.com' },
    responseStatus: 201,
  }),
  performance_center_deleted: row('PERFORMANCE_CENTER_DELETE', '2026-04-03T10:00:00Z', {
    api: {
      name: 'removeMonitoredWebsite',
      method: 'DELETE',
      path: '/api/v1/performance-center/websites/pcw_blog',
    },
    resource: { id: 'pcw_blog', name: 'https://blog.northwind.com' },
    responseStatus: 204,
  }),
  api_key_created: row('API_KEY_CREATE', '2026-04-04T09:00:00Z', {
    api: { name: 'createApiKey', method: 'POST', path: '/api/v1/developer/api-keys' },
    resource: { id: 'public_k3Yb9Q', name: 'CMS sync' },
    requestPayload: { name: 'CMS sync' },
    responseData: { publicKey: 'public_k3Yb9Q', privateKey: 'private_Zx81mQ0vT2aL9pWc=' },
    responseStatus: 201,
  }),
  api_key_create_denied: row('API_KEY_CREATE', '2026-04-04T09:02:00Z', {
    user: raj,
    status: 'FAILED',
    ip: '198.51.100.77',
    api: { name: 'createApiKey', method: 'POST', path: '/api/v1/developer/api-keys' },
    requestPayload: { name: 'my-script' },
    responseData: { message: 'Only account owners and admins can manage API keys' },
    responseStatus: 403,
  }),
  api_key_updated: row('API_KEY_UPDATE', '2026-04-04T09:30:00Z', {
    api: { name: 'updateApiKey', method: 'PATCH', path: '/api/v1/developer/api-keys/public_k3Yb9Q' },
    resource: { id: 'public_k3Yb9Q', name: 'CMS sync (read only)' },
    requestPayload: { name: 'CMS sync (read only)', permissions: ['files:read'] },
    responseData: { publicKey: 'public_k3Yb9Q', name: 'CMS sync (read only)' },
  }),
  api_key_revoked: row('API_KEY_DELETE', '2026-04-04T10:00:00Z', {
    api: { name: 'deleteApiKey', method: 'DELETE', path: '/api/v1/developer/api-keys/public_old77' },
    resource: { id: 'public_old77', name: 'Old storefront' },
    responseStatus: 204,
  }),
  webhook_created: row('WEBHOOK_CREATE', '2026-04-04T11:00:00Z', {
    api: { name: 'createWebhook', method: 'POST', path: '/api/v1/developer/webhooks' },
    resource: { id: 'wh_91', name: 'https://hooks.northwind.com/imagekit' },
    requestPayload: { url: 'https://hooks.northwind.com/imagekit', events: ['video.transformation.ready'] },
    responseData: { id: 'wh_91', secret: 'whsec_9fK2l0aQ' },
    responseStatus: 201,
  }),
  webhook_updated: row('WEBHOOK_UPDATE', '2026-04-04T11:10:00Z', {
    api: { name: 'updateWebhook', method: 'PUT', path: '/api/v1/developer/webhooks/wh_91' },
    resource: { id: 'wh_91', name: 'https://hooks.northwind.com/imagekit' },
    requestPayload: { events: ['video.transformation.ready', 'upload.pre-transform.success'] },
  }),
  webhook_deleted: row('WEBHOOK_DELETE', '2026-04-04T11:20:00Z', {
    api: { name: 'deleteWebhook', method: 'DELETE', path: '/api/v1/developer/webhooks/wh_80' },
    resource: { id: 'wh_80' },
    responseStatus: 204,
  }),
  user_added: row('USER_ADD', '2026-04-05T09:00:00Z', {
    api: { name: 'inviteUser', method: 'POST', path: '/api/v1/users' },
    resource: { id: 'usr_8c3f2e', name: 'lena.berg@northwind.com' },
    requestPayload: { email: 'lena.berg@northwind.com', role: 'developer' },
    responseStatus: 201,
  }),
  user_role_changed: row('USER_ROLE_UPDATE', '2026-04-05T09:30:00Z', {
    api: { name: 'updateUserRole', method: 'PATCH', path: '/api/v1/users/usr_7b2e1d' },
    resource: { id: 'usr_7b2e1d', name: 'raj.patel@northwind.com' },
    requestPayload: { role: 'admin' },
    responseData: { id: 'usr_7b2e1d', role: 'admin', previousRole: 'developer' },
  }),
  user_removed: row('USER_REMOVE', '2026-04-05T10:00:00Z', {
    api: { name: 'removeUser', method: 'DELETE', path: '/api/v1/users/usr_1d9a0b' },
    resource: { id: 'usr_1d9a0b', name: 'former.intern@northwind.com' },
    responseStatus: 204,
  }),
  billing_details_updated: row('BILLING_DETAILS_UPDATE', '2026-04-06T09:00:00Z', {
    api: { name: 'updateBillingDetails', method: 'PUT', path: '/api/v1/billing/details' },
    resource: { id: 'acct_northwind', name: 'Northwind Traders GmbH' },
    requestPayload: {
      companyName: 'Northwind Traders GmbH',
      address: { line1: 'Torstraße 1', city: 'Berlin', postalCode: '10119', country: 'DE' },
      taxId: 'DE123456789',
      iban: 'DE89370400440532013000',
    },
  }),
  billing_details_created: row('BILLING_DETAILS_CREATE', '2026-04-06T08:30:00Z', {
    api: { name: 'addPaymentMethod', method: 'POST', path: '/api/v1/billing/payment-methods' },
    resource: { id: 'pm_visa_4242', name: 'Visa ending 4242' },
    requestPayload: { type: 'card', cardNumber: '4242424242424242', expMonth: 12, expYear: 2028, cvc: '123' },
    responseData: { id: 'pm_visa_4242', brand: 'visa', last4: '4242' },
    responseStatus: 201,
  }),
  billing_details_deleted: row('BILLING_DETAILS_DELETE', '2026-04-06T10:00:00Z', {
    api: {
      name: 'removePaymentMethod',
      method: 'DELETE',
      path: '/api/v1/billing/payment-methods/pm_amex_0005',
    },
    resource: { id: 'pm_amex_0005', name: 'Amex ending 0005' },
    responseStatus: 204,
  }),
  settings_created: row('SETTINGS_CREATE', '2026-04-07T08:30:00Z', {
    api: { name: 'createCustomMetadataField', method: 'POST', path: '/api/v1/customMetadataFields' },
    resource: { id: 'cmf_sku', name: 'SKU' },
    requestPayload: { name: 'sku', label: 'SKU', schema: { type: 'Text', isValueRequired: false } },
    responseData: { id: 'cmf_sku', name: 'sku', label: 'SKU' },
    responseStatus: 201,
  }),
  settings_deleted: row('SETTINGS_DELETE', '2026-04-07T10:00:00Z', {
    api: {
      name: 'deleteCustomMetadataField',
      method: 'DELETE',
      path: '/api/v1/customMetadataFields/cmf_legacy',
    },
    resource: { id: 'cmf_legacy', name: 'Legacy code' },
    responseStatus: 204,
  }),
  settings_updated: row('SETTINGS_UPDATE', '2026-04-07T09:00:00Z', {
    api: { name: 'updateSecuritySettings', method: 'PATCH', path: '/api/v1/settings/security' },
    resource: { id: 'security.restrict_unsigned_urls', name: 'Restrict unsigned URLs' },
    requestPayload: { restrictUnsignedUrls: true, allowedDomains: ['northwind.com'] },
  }),
  cache_purged: row('PURGE_CACHE', '2026-04-08T12:00:00Z', {
    api: { name: 'purgeCache', method: 'POST', path: '/api/v1/files/purge' },
    resource: { name: 'https://ik.imagekit.io/northwind/catalog/*' },
    requestPayload: { url: 'https://ik.imagekit.io/northwind/catalog/*' },
    responseData: { requestId: 'prg_598821fd' },
    responseStatus: 201,
  }),
  cache_purge_error: row('PURGE_CACHE', '2026-04-08T12:05:00Z', {
    status: 'FAILED',
    api: { name: 'purgeCache', method: 'POST', path: '/api/v1/files/purge' },
    resource: { name: 'https://ik.imagekit.io/northwind/*' },
    requestPayload: { url: 'https://ik.imagekit.io/northwind/*' },
    responseData: { message: 'Purge service temporarily unavailable' },
    responseStatus: 503,
  }),
} satisfies Record<string, CentralConfigNative>;

export type CentralConfigFixtureName = keyof typeof centralConfigFixtures;
