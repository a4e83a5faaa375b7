import {
  type ActionDefinition,
  type MappedEvent,
  type OutcomeResult,
  redactSecrets,
  type Target,
} from '@trailmark/core';
import type { CentralConfigNative } from './native.ts';
import {
  CENTRAL_CONFIG_OPERATION_KINDS,
  CENTRAL_CONFIG_SECRET_KEYS,
  CENTRAL_CONFIG_SOURCE_ID,
  centralConfigActions,
  TARGET_TYPE_BY_PREFIX,
} from './plugin.ts';

const BY_OPERATION = new Map<string, ActionDefinition>(
  centralConfigActions.map((a) => [a.source_action as string, a]),
);

export function centralConfigEventId(nativeId: string): string {
  return `cc_${nativeId}`;
}

function targetOf(n: CentralConfigNative, label: string): Target {
  const type = TARGET_TYPE_BY_PREFIX.find(([prefix]) => n.operationType.startsWith(prefix))?.[1] ?? 'setting';
  const id = n.resource?.id;
  const name = n.resource?.name;
  return { type, ...(id ? { id } : {}), ...(name ? { name } : id ? {} : { name: label }), role: 'primary' };
}

function resultOf(n: CentralConfigNative): OutcomeResult {
  if (n.status === 'SUCCESS') return 'success';
  const status = n.responseStatus ?? 0;
  if (status === 401 || status === 403) return 'denied';
  if (status >= 500) return 'error';
  return 'failure';
}

/** A human message from the response, when the product returned one for a failure. */
function messageOf(response: unknown): string | undefined {
  if (response && typeof response === 'object' && 'message' in response) {
    const m = (response as { message: unknown }).message;
    if (typeof m === 'string' && m.length > 0) return m.slice(0, 1024);
  }
  return undefined;
}

/**
 * Pure: one central audit-log row in, one event out. Payloads are kept (they show the exact change)
 * with secrets masked here, before they leave the plugin; the masked JSON pointers are recorded.
 */
export function mapCentralConfigEvent(n: CentralConfigNative): MappedEvent {
  const def = BY_OPERATION.get(n.operationType);
  if (!def) throw new Error(`unknown central-config operation "${n.operationType}"`);
  const redacted: string[] = [];
  const body = (key: 'request_body' | 'response_body', value: unknown) => {
    if (value === undefined) return {};
    const masked = redactSecrets(value, { extraKeys: CENTRAL_CONFIG_SECRET_KEYS, base: `/${key}` });
    redacted.push(...masked.paths);
    return { [key]: masked.value };
  };
  const requestBody = body('request_body', n.requestPayload);
  const responseBody = body('response_body', n.responseData);
  const result = resultOf(n);
  const kind = CENTRAL_CONFIG_OPERATION_KINDS.get(n.operationType);
  const message = result === 'success' ? undefined : messageOf(n.responseData);
  return {
    id: centralConfigEventId(n.id),
    source: CENTRAL_CONFIG_SOURCE_ID,
    action: def.action,
    source_action: n.operationType,
    occurred_at: n.time,
    actor: { type: 'user', id: n.user.id, name: n.user.name, email: n.user.email },
    targets: [targetOf(n, def.label)],
    outcome: {
      result,
      ...(message ? { message } : {}),
      ...(n.responseStatus ? { status_code: n.responseStatus } : {}),
    },
    client: {
      ip: n.ip,
      ...(n.userAgent ? { user_agent: n.userAgent } : {}),
      device: { kind: 'browser' },
    },
    request: {
      api_operation: n.api.name,
      method: n.api.method,
      endpoint: n.api.path,
      ...(n.responseStatus ? { status: n.responseStatus } : {}),
      ...requestBody,
      ...responseBody,
      ...(redacted.length > 0 ? { redacted_paths: redacted } : {}),
    },
    // Declared searchable fields (plugin.ts): the dashboard area and the kind of write.
    ...(kind ? { metadata: { area: kind.area, write_kind: kind.write } } : {}),
  };
}
