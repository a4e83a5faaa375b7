import type { ActionDefinition, RetentionPeriod } from '@trailmark/core';

export const CENTRAL_CONFIG_SOURCE_ID = 'central-config';

export const centralConfigInfo = {
  id: CENTRAL_CONFIG_SOURCE_ID,
  name: 'Central configuration',
  description:
    'Dashboard write operations (create, update, delete) on external storage, URL endpoints, performance center, developer options, user management, billing details, settings and cache purges.',
  /** "We store audit logs for 12 months." */
  retention: { months: 12 } satisfies RetentionPeriod,
} as const;

/** [operation type, action, label, area of the dashboard, category, OCSF class, OCSF activity] */
type Row = readonly [string, string, string, string, string, number, number];

/**
 * Every write operation of the dashboard areas the product lists. OCSF: 6003 API Activity
 * (1 Create, 3 Update, 4 Delete) for configuration, 3006 Group Management and 3005 User Access
 * Management for users, 3004 Entity Management for account settings.
 */
const rows: readonly Row[] = [
  [
    'EXTERNAL_STORAGE_CREATE',
    'external_storage.created',
    'External storage created',
    'External storage',
    'configuration',
    6003,
    1,
  ],
  [
    'EXTERNAL_STORAGE_UPDATE',
    'external_storage.updated',
    'External storage updated',
    'External storage',
    'configuration',
    6003,
    3,
  ],
  [
    'EXTERNAL_STORAGE_DELETE',
    'external_storage.deleted',
    'External storage deleted',
    'External storage',
    'configuration',
    6003,
    4,
  ],
  [
    'URL_ENDPOINT_CREATE',
    'url_endpoint.created',
    'URL endpoint created',
    'URL endpoints',
    'configuration',
    6003,
    1,
  ],
  [
    'URL_ENDPOINT_UPDATE',
    'url_endpoint.updated',
    'URL endpoint updated',
    'URL endpoints',
    'configuration',
    6003,
    3,
  ],
  [
    'URL_ENDPOINT_DELETE',
    'url_endpoint.deleted',
    'URL endpoint deleted',
    'URL endpoints',
    'configuration',
    6003,
    4,
  ],
  [
    'PERFORMANCE_CENTER_UPDATE',
    'performance_setting.updated',
    'Performance center setting updated',
    'Performance center',
    'configuration',
    6003,
    3,
  ],
  ['API_KEY_CREATE', 'api_key.created', 'API key created', 'Developer options', 'credential', 6003, 1],
  ['API_KEY_DELETE', 'api_key.revoked', 'API key revoked', 'Developer options', 'credential', 6003, 4],
  ['WEBHOOK_CREATE', 'webhook.created', 'Webhook created', 'Developer options', 'configuration', 6003, 1],
  ['WEBHOOK_UPDATE', 'webhook.updated', 'Webhook updated', 'Developer options', 'configuration', 6003, 3],
  ['WEBHOOK_DELETE', 'webhook.deleted', 'Webhook deleted', 'Developer options', 'configuration', 6003, 4],
  ['USER_ADD', 'member.added', 'User added', 'User management', 'membership', 3006, 3],
  [
    'USER_ROLE_UPDATE',
    'member.role_changed',
    'User role changed',
    'User management',
    'access_control',
    3005,
    1,
  ],
  ['USER_REMOVE', 'member.removed', 'User removed', 'User management', 'membership', 3006, 4],
  [
    'BILLING_DETAILS_UPDATE',
    'billing_details.updated',
    'Billing details updated',
    'Billing details',
    'billing',
    6003,
    3,
  ],
  ['SETTINGS_UPDATE', 'account_setting.updated', 'Settings updated', 'Settings', 'configuration', 3004, 3],
  ['PURGE_CACHE', 'cache.purged', 'Cache purged', 'Purge cache', 'processing', 6003, 4],
];

export const centralConfigActions: readonly ActionDefinition[] = rows.map(
  ([source_action, action, label, area, category, ocsf_class_uid, ocsf_activity_id]) => ({
    action,
    source_action,
    label,
    description: `${area}: ${label.toLowerCase()} in the dashboard.`,
    category,
    ocsf_class_uid,
    ocsf_activity_id,
  }),
);

export const CENTRAL_CONFIG_OPERATIONS = [
  'EXTERNAL_STORAGE_CREATE',
  'EXTERNAL_STORAGE_UPDATE',
  'EXTERNAL_STORAGE_DELETE',
  'URL_ENDPOINT_CREATE',
  'URL_ENDPOINT_UPDATE',
  'URL_ENDPOINT_DELETE',
  'PERFORMANCE_CENTER_UPDATE',
  'API_KEY_CREATE',
  'API_KEY_DELETE',
  'WEBHOOK_CREATE',
  'WEBHOOK_UPDATE',
  'WEBHOOK_DELETE',
  'USER_ADD',
  'USER_ROLE_UPDATE',
  'USER_REMOVE',
  'BILLING_DETAILS_UPDATE',
  'SETTINGS_UPDATE',
  'PURGE_CACHE',
] as const;
export type CentralConfigOperation = (typeof CENTRAL_CONFIG_OPERATIONS)[number];

/** Target type of each dashboard area's objects. */
export const TARGET_TYPE_BY_PREFIX: readonly [string, string][] = [
  ['EXTERNAL_STORAGE_', 'external_storage'],
  ['URL_ENDPOINT_', 'url_endpoint'],
  ['PERFORMANCE_CENTER_', 'setting'],
  ['API_KEY_', 'api_key'],
  ['WEBHOOK_', 'webhook'],
  ['USER_', 'user'],
  ['BILLING_DETAILS_', 'billing_details'],
  ['SETTINGS_', 'setting'],
  ['PURGE_CACHE', 'cache'],
];

/**
 * Keys masked in payloads on top of core's list (password, secret, token, private key, ...):
 * storage credentials of S3 / GCS / Azure origins, and bank details.
 */
export const CENTRAL_CONFIG_SECRET_KEYS = [
  'secretKey',
  'accessKey',
  'accountKey',
  'privateKeyId',
  'sasToken',
  'connectionString',
  'iban',
  'accountNumber',
] as const;
