import {
  type ActionDefinition,
  type AuditEvent,
  defineExportPlugin,
  type ExportEncoder,
  type ExportEncoderOptions,
  type ExportFormat,
  type Target,
} from '@trailmark/core';

export const OCSF_VERSION = '1.8.0';

/** OCSF 1.8 categories (class_uid / 1000). */
const CATEGORY_NAMES: Record<number, string> = {
  1: 'System Activity',
  2: 'Findings',
  3: 'Identity & Access Management',
  4: 'Network Activity',
  5: 'Discovery',
  6: 'Application Activity',
  7: 'Remediation',
};

/** Names and activity captions of the classes source plugins map to; others fall back to the registry label. */
const CLASSES: Record<number, { name: string; activities: Record<number, string> }> = {
  3001: {
    name: 'Account Change',
    activities: { 1: 'Create', 2: 'Enable', 3: 'Password Change', 6: 'Delete' },
  },
  3002: { name: 'Authentication', activities: { 1: 'Logon', 2: 'Logoff' } },
  3004: { name: 'Entity Management', activities: { 1: 'Create', 2: 'Read', 3: 'Update', 4: 'Delete' } },
  3005: { name: 'User Access Management', activities: { 1: 'Assign Privileges', 2: 'Revoke Privileges' } },
  3006: {
    name: 'Group Management',
    activities: {
      1: 'Assign Privileges',
      2: 'Revoke Privileges',
      3: 'Add User',
      4: 'Remove User',
      5: 'Delete',
      6: 'Create',
    },
  },
  6001: { name: 'Web Resources Activity', activities: { 1: 'Create', 2: 'Read', 3: 'Update', 4: 'Delete' } },
  6003: { name: 'API Activity', activities: { 1: 'Create', 2: 'Read', 3: 'Update', 4: 'Delete' } },
  6004: {
    name: 'Web Resource Access Activity',
    activities: { 1: 'Access Grant', 2: 'Access Deny', 3: 'Access Revoke', 4: 'Access Error' },
  },
  6005: { name: 'Datastore Activity', activities: { 1: 'Read', 2: 'Write', 3: 'Create', 4: 'Delete' } },
  6006: {
    name: 'File Hosting Activity',
    activities: {
      1: 'Upload',
      2: 'Download',
      3: 'Update',
      4: 'Delete',
      5: 'Rename',
      6: 'Copy',
      7: 'Move',
      8: 'Restore',
      9: 'Preview',
      10: 'Lock',
      11: 'Unlock',
      12: 'Share',
      13: 'Unshare',
      14: 'Open',
    },
  },
};

/** Unregistered actions still export: as API Activity / Other, the action name kept as activity_name. */
const FALLBACK_CLASS = 6003;
const OTHER = 99;

const USER_TYPE: Record<AuditEvent['actor']['type'], { type_id: number; type: string }> = {
  user: { type_id: 1, type: 'User' },
  service: { type_id: 4, type: 'Service' },
  system: { type_id: 3, type: 'System' },
  api_key: { type_id: 99, type: 'API key' },
  integration: { type_id: 4, type: 'Service' },
  anonymous: { type_id: 0, type: 'Unknown' },
};

type Json = Record<string, unknown>;

/** Drops undefined members so the output carries no empty noise. */
function compact<T extends Json>(object: T): T {
  for (const key of Object.keys(object)) if (object[key] === undefined) delete object[key];
  return object;
}

const ms = (iso: string) => Date.parse(iso);

function fileOf(target: Target): Json {
  const base = target.path?.split('/').filter(Boolean).pop();
  return compact({
    // `name` is required by the OCSF file object; fall back to the path's last segment, then the id.
    name: target.name ?? base ?? target.id ?? 'unknown',
    uid: target.id,
    path: target.path,
    size: target.size_bytes,
    mime_type: target.mime_type,
    version: target.version,
    type_id: target.type === 'folder' ? 2 : 1,
    type: target.type === 'folder' ? 'Folder' : 'Regular File',
  });
}

function resourceOf(target: Target): Json {
  return compact({
    uid: target.id ?? target.path,
    name: target.name ?? target.path,
    type: target.type,
    region: target.region,
  });
}

/** The class-specific slot for the primary target (event-schema research §b.10). */
function classSlot(classUid: number, event: AuditEvent): Json {
  const [first] = event.targets;
  if (!first) return {};
  switch (classUid) {
    case 6006:
      return { file: fileOf(first) };
    case 3001:
    case 3005:
      return { user: compact({ uid: first.id, name: first.name }) };
    case 3006:
      return {
        group: compact({ uid: first.id ?? event.workspace?.id, name: first.name ?? event.workspace?.name }),
      };
    case 3004:
      return { entity: compact({ uid: first.id, name: first.name ?? first.path, type: first.type }) };
    case 6001:
    case 6004:
      return { web_resources: event.targets.map((t) => compact({ ...resourceOf(t), url_string: t.path })) };
    default:
      return { resources: event.targets.map(resourceOf) };
  }
}

function statusOf(result: AuditEvent['outcome']['result']): Json {
  switch (result) {
    case 'success':
      return { status_id: 1, status: 'Success' };
    case 'denied':
      return {
        status_id: 2,
        status: 'Failure',
        action_id: 2,
        action: 'Denied',
        disposition_id: 2,
        disposition: 'Blocked',
      };
    default:
      return { status_id: 2, status: 'Failure' };
  }
}

/**
 * Maps one event to an OCSF 1.8 event of the class its action declares in the registry. Fields with a native
 * OCSF home go there; the authoritative copies of targets, changes, metadata and Trailmark-only fields go to
 * `unmapped`, the container OCSF sanctions for them, so nothing is lost.
 */
export function toOcsf(event: AuditEvent, definition?: ActionDefinition): Json {
  const classUid = definition?.ocsf_class_uid ?? FALLBACK_CLASS;
  const cls = CLASSES[classUid];
  const activityId = definition?.ocsf_activity_id ?? OTHER;
  const activityName =
    activityId === OTHER ? event.action : (cls?.activities[activityId] ?? definition?.label ?? event.action);
  const className = cls?.name ?? `Class ${classUid}`;
  const categoryUid = Math.floor(classUid / 1000);
  const { actor, client, request, outcome } = event;
  const synthesized: string[] = [];
  const userType = USER_TYPE[actor.type];
  const srcEndpoint = client?.ip
    ? compact({
        ip: client.ip,
        location: client.geo
          ? compact({ country: client.geo.country_code, region: client.geo.region, city: client.geo.city })
          : undefined,
      })
    : undefined;
  if (!srcEndpoint) synthesized.push('src_endpoint.name');
  const apiOperation =
    request?.api_operation ??
    (request?.method && request.endpoint ? `${request.method} ${request.endpoint}` : undefined);
  if (classUid === 6003 && !apiOperation) synthesized.push('api.operation');
  return compact({
    class_uid: classUid,
    class_name: className,
    category_uid: categoryUid,
    category_name: CATEGORY_NAMES[categoryUid] ?? `Category ${categoryUid}`,
    activity_id: activityId,
    activity_name: activityName,
    type_uid: classUid * 100 + activityId,
    type_name: `${className}: ${activityName}`,
    time: ms(event.occurred_at),
    severity_id: 1,
    severity: 'Informational',
    message: definition?.label ?? event.action,
    ...statusOf(outcome.result),
    status_code: outcome.status_code === undefined ? undefined : String(outcome.status_code),
    status_detail: outcome.message ?? outcome.reason,
    metadata: compact({
      version: OCSF_VERSION,
      uid: event.id,
      original_time: event.occurred_at,
      logged_time: ms(event.received_at),
      tenant_uid: event.tenant,
      event_code: event.source_action,
      log_name: event.source,
      log_provider: 'trailmark',
      product: { name: event.source, vendor_name: 'Trailmark' },
    }),
    actor: compact({
      user: compact({
        uid: actor.id,
        name: actor.name,
        email_addr: actor.email,
        ...userType,
        programmatic_credentials: actor.credential
          ? [compact({ uid: actor.credential.id, type: actor.credential.type })]
          : undefined,
      }),
      app_uid: actor.type === 'api_key' || actor.type === 'integration' ? actor.id : undefined,
      app_name: actor.type === 'api_key' || actor.type === 'integration' ? actor.name : undefined,
    }),
    src_endpoint: srcEndpoint ?? { name: 'unknown' },
    http_request:
      request || client?.user_agent
        ? compact({
            uid: request?.id,
            http_method: request?.method,
            url: request?.endpoint ? { path: request.endpoint } : undefined,
            user_agent: client?.user_agent,
          })
        : undefined,
    http_response: request?.status === undefined ? undefined : { code: request.status },
    api:
      classUid === 6003
        ? compact({
            operation: apiOperation ?? event.action,
            request: request?.id ? { uid: request.id } : undefined,
          })
        : undefined,
    cloud: event.workspace
      ? {
          provider: event.source,
          org: compact({ ou_uid: event.workspace.id, ou_name: event.workspace.name }),
        }
      : undefined,
    ...classSlot(classUid, event),
    unmapped: compact({
      source: event.source,
      action: event.action,
      category: event.category ?? definition?.category,
      targets: event.targets,
      changes: event.changes,
      metadata: event.metadata,
      outcome: outcome.reason ? { reason: outcome.reason } : undefined,
      client: client?.device ? { device: client.device } : undefined,
      request:
        request?.endpoint || request?.region
          ? compact({ endpoint: request.endpoint, region: request.region })
          : undefined,
      synthesized: synthesized.length > 0 ? synthesized : undefined,
    }),
  });
}

export function createOcsfEncoder(options: ExportEncoderOptions = {}): ExportEncoder {
  const resolve = options.action ?? (() => undefined);
  return {
    header: () => '',
    encode(events) {
      let out = '';
      for (const event of events)
        out += `${JSON.stringify(toOcsf(event, resolve(event.source, event.action)))}\n`;
      return out;
    },
    footer: () => '',
  };
}

export const ocsfFormat: ExportFormat = {
  id: 'ocsf',
  name: `OCSF ${OCSF_VERSION} JSON lines`,
  contentType: 'application/x-ndjson; charset=utf-8',
  extension: 'ocsf.ndjson',
  createEncoder: createOcsfEncoder,
};

/** A second export plugin, separate on purpose: it shows the format list is an extension point. */
export const ocsfExportPlugin = defineExportPlugin({
  id: 'export-ocsf',
  name: 'OCSF export',
  formats: [ocsfFormat],
});
