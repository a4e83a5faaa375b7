import type { ActionDefinition, RetentionPeriod, SearchableField } from '@trailmark/core';

export const CENTRAL_CONFIG_SOURCE_ID = 'central-config';

export const centralConfigInfo = {
  id: CENTRAL_CONFIG_SOURCE_ID,
  name: 'Central configuration',
  description:
    'Dashboard write operations (create, update, delete) on external storage, URL endpoints, performance center, developer options, user management, billing details, settings and cache purges.',
  /** "We store audit logs for 12 months." */
  retention: { months: 12 } satisfies RetentionPeriod,
} as const;

/** Which kind of write an operation is: the page logs "all write activities, i.e., create, update, and delete". */
export type CentralConfigWrite = 'create' | 'update' | 'delete';

/** [operation type, action, label, area of the dashboard (the page's wording), write, category, OCSF class, OCSF activity] */
type Row = readonly [string, string, string, string, CentralConfigWrite, string, number, number];

const C = 'configuration';

/**
 * Every write operation of the dashboard areas the product lists, each area with its create, update and
 * delete (a cache purge is one operation that deletes cached copies, so only "delete"). OCSF: 6003 API Activity (1 Create,
 * 3 Update, 4 Delete) for configuration, 3006 Group Management and 3005 User Access Management for
 * users, 3004 Entity Management for account settings.
 */
const rows: readonly Row[] = [
  [
    'EXTERNAL_STORAGE_CREATE',
    'external_storage.created',
    'External storage created',
    'External storage',
    'create',
    C,
    6003,
    1,
  ],
  [
    'EXTERNAL_STORAGE_UPDATE',
    'external_storage.updated',
    'External storage updated',
    'External storage',
    'update',
    C,
    6003,
    3,
  ],
  [
    'EXTERNAL_STORAGE_DELETE',
    'external_storage.deleted',
    'External storage deleted',
    'External storage',
    'delete',
    C,
    6003,
    4,
  ],
  [
    'URL_ENDPOINT_CREATE',
    'url_endpoint.created',
    'URL endpoint created',
    'URL endpoints',
    'create',
    C,
    6003,
    1,
  ],
  [
    'URL_ENDPOINT_UPDATE',
    'url_endpoint.updated',
    'URL endpoint updated',
    'URL endpoints',
    'update',
    C,
    6003,
    3,
  ],
  [
    'URL_ENDPOINT_DELETE',
    'url_endpoint.deleted',
    'URL endpoint deleted',
    'URL endpoints',
    'delete',
    C,
    6003,
    4,
  ],
  // Performance center entries: websites monitored and their optimization settings.
  [
    'PERFORMANCE_CENTER_CREATE',
    'performance_setting.created',
    'Performance center setting created',
    'Performance center',
    'create',
    C,
    6003,
    1,
  ],
  [
    'PERFORMANCE_CENTER_UPDATE',
    'performance_setting.updated',
    'Performance center setting updated',
    'Performance center',
    'update',
    C,
    6003,
    3,
  ],
  [
    'PERFORMANCE_CENTER_DELETE',
    'performance_setting.deleted',
    'Performance center setting deleted',
    'Performance center',
    'delete',
    C,
    6003,
    4,
  ],
  [
    'API_KEY_CREATE',
    'api_key.created',
    'API key created',
    'Developer options',
    'create',
    'credential',
    6003,
    1,
  ],
  [
    'API_KEY_UPDATE',
    'api_key.updated',
    'API key updated',
    'Developer options',
    'update',
    'credential',
    6003,
    3,
  ],
  [
    'API_KEY_DELETE',
    'api_key.revoked',
    'API key revoked',
    'Developer options',
    'delete',
    'credential',
    6003,
    4,
  ],
  ['WEBHOOK_CREATE', 'webhook.created', 'Webhook created', 'Developer options', 'create', C, 6003, 1],
  ['WEBHOOK_UPDATE', 'webhook.updated', 'Webhook updated', 'Developer options', 'update', C, 6003, 3],
  ['WEBHOOK_DELETE', 'webhook.deleted', 'Webhook deleted', 'Developer options', 'delete', C, 6003, 4],
  ['USER_ADD', 'member.added', 'User added', 'User management', 'create', 'membership', 3006, 3],
  [
    'USER_ROLE_UPDATE',
    'member.role_changed',
    'User role changed',
    'User management',
    'update',
    'access_control',
    3005,
    1,
  ],
  ['USER_REMOVE', 'member.removed', 'User removed', 'User management', 'delete', 'membership', 3006, 4],
  // Billing details: the billing contact and address, and the payment methods on file.
  [
    'BILLING_DETAILS_CREATE',
    'billing_details.created',
    'Billing details added',
    'Billing details',
    'create',
    'billing',
    6003,
    1,
  ],
  [
    'BILLING_DETAILS_UPDATE',
    'billing_details.updated',
    'Billing details updated',
    'Billing details',
    'update',
    'billing',
    6003,
    3,
  ],
  [
    'BILLING_DETAILS_DELETE',
    'billing_details.deleted',
    'Billing details removed',
    'Billing details',
    'delete',
    'billing',
    6003,
    4,
  ],
  // Settings that are objects of their own (custom metadata fields, named transformations) are created and deleted.
  ['SETTINGS_CREATE', 'account_setting.created', 'Setting created', 'Settings', 'create', C, 3004, 1],
  ['SETTINGS_UPDATE', 'account_setting.updated', 'Settings updated', 'Settings', 'update', C, 3004, 3],
  ['SETTINGS_DELETE', 'account_setting.deleted', 'Setting deleted', 'Settings', 'delete', C, 3004, 4],
  ['PURGE_CACHE', 'cache.purged', 'Cache purged', 'Purge cache', 'delete', 'processing', 6003, 4],
];

export const centralConfigActions: readonly ActionDefinition[] = rows.map(
  ([source_action, action, label, area, _write, category, ocsf_class_uid, ocsf_activity_id]) => ({
    action,
    source_action,
    label,
    description: `${area}: ${label.toLowerCase()} in the dashboard.`,
    category,
    ocsf_class_uid,
    ocsf_activity_id,
  }),
);

/** The dashboard area (as the product page names it) and the kind of write of each operation type. */
export const CENTRAL_CONFIG_OPERATION_KINDS: ReadonlyMap<
  string,
  { area: string; write: CentralConfigWrite }
> = new Map(rows.map(([op, , , area, write]) => [op, { area, write }]));

export const CENTRAL_CONFIG_OPERATIONS = [
  'EXTERNAL_STORAGE_CREATE',
  'EXTERNAL_STORAGE_UPDATE',
  'EXTERNAL_STORAGE_DELETE',
  'URL_ENDPOINT_CREATE',
  'URL_ENDPOINT_UPDATE',
  'URL_ENDPOINT_DELETE',
  'PERFORMANCE_CENTER_CREATE',
  'PERFORMANCE_CENTER_UPDATE',
  'PERFORMANCE_CENTER_DELETE',
  'API_KEY_CREATE',
  'API_KEY_UPDATE',
  'API_KEY_DELETE',
  'WEBHOOK_CREATE',
  'WEBHOOK_UPDATE',
  'WEBHOOK_DELETE',
  'USER_ADD',
  'USER_ROLE_UPDATE',
  'USER_REMOVE',
  'BILLING_DETAILS_CREATE',
  'BILLING_DETAILS_UPDATE',
  'BILLING_DETAILS_DELETE',
  'SETTINGS_CREATE',
  'SETTINGS_UPDATE',
  'SETTINGS_DELETE',
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

/** The product's own fields users search and count by (metadata keys), declared so both stores index them. */
export const centralConfigFields = [
  {
    name: 'area',
    label: 'Dashboard area',
    type: 'keyword',
    description: 'The part of the dashboard the operation changed, as the product names it.',
  },
  { name: 'write_kind', label: 'Operation type', type: 'keyword', description: 'create, update or delete.' },
] as const satisfies readonly SearchableField[];
