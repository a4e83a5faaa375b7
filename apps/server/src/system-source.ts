import { defineSourcePlugin } from '@trailmark/core';

/** Trailmark audits itself: key management, exports and retention purges land in the `trailmark` source. */
export const trailmarkSource = defineSourcePlugin({
  id: 'trailmark',
  name: 'Trailmark',
  description: "Trailmark's own audit trail: API keys, exports, retention purges and settings.",
  actions: [
    {
      action: 'api_key.created',
      label: 'API key created',
      category: 'credential',
      ocsf_class_uid: 6003,
      ocsf_activity_id: 1,
    },
    {
      action: 'api_key.revoked',
      label: 'API key revoked',
      category: 'credential',
      ocsf_class_uid: 6003,
      ocsf_activity_id: 4,
    },
    {
      action: 'export.created',
      label: 'Export created',
      category: 'processing',
      ocsf_class_uid: 6003,
      ocsf_activity_id: 1,
    },
    {
      action: 'export.downloaded',
      label: 'Export downloaded',
      category: 'processing',
      ocsf_class_uid: 6003,
      ocsf_activity_id: 2,
    },
    {
      action: 'retention.purged',
      label: 'Events purged by retention',
      category: 'system',
      ocsf_class_uid: 6003,
      ocsf_activity_id: 4,
    },
    {
      action: 'tenant_settings.updated',
      label: 'Tenant settings updated',
      category: 'configuration',
      ocsf_class_uid: 6003,
      ocsf_activity_id: 3,
    },
  ],
  retention: { months: 24 },
});
