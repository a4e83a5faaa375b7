import { LIMITS } from '@trailmark/core';
import { principalLabel } from '../auth.ts';
import type { Principal } from '../context.ts';
import type { AppDeps } from '../deps.ts';

/** The HTTP request behind an export: its audit entries point back to it (a job ends long after it). */
export interface ExportRequestInfo {
  id: string;
  method: string;
  endpoint: string;
  /** The caller's X-Request-Id, recorded as metadata.client_request_id. */
  clientId?: string;
}

export interface ExportAuditInput {
  action: 'export.created' | 'export.downloaded';
  principal: Principal;
  id: string;
  fileName: string;
  format: string;
  params: Record<string, string[]>;
  /** Tenants the export was scoped to (empty for an operator export over all tenants). */
  scope: readonly string[];
  /** Rows that went out, per tenant. */
  rowsByTenant: ReadonlyMap<string, number>;
  outcome: { result: 'success' | 'failure'; reason?: string };
  extra?: Record<string, string | number | boolean>;
  request: ExportRequestInfo;
}

/**
 * The filters, in two places so none is ever lost: `metadata.filters` is the short JSON text people read
 * in lists (a metadata value holds at most 1000 characters, so a longer one is cut and says so), and
 * `request.request_body` keeps the full export request whenever it fits the schema's body limit. Both
 * limits are checked here, because an audit entry that fails validation would be dropped.
 */
function filterFields(input: ExportAuditInput): {
  metadata: Record<string, string | boolean>;
  requestBody?: { format: string; filters: Record<string, string[]> };
} {
  const text = JSON.stringify(input.params);
  const max = LIMITS.metadataValueChars;
  const body = { format: input.format, filters: input.params };
  const fits = Buffer.byteLength(JSON.stringify(body), 'utf8') <= LIMITS.bodyBytes;
  return {
    metadata:
      text.length <= max ? { filters: text } : { filters: text.slice(0, max), filters_truncated: true },
    ...(fits ? { requestBody: body } : {}),
  };
}

/**
 * Records an export in the audit trail of every tenant whose data it covers: each tenant in scope (even
 * with zero rows, since the attempt itself matters) plus each tenant that had rows in it. An operator
 * export over all tenants is therefore recorded in every tenant that appears in the file. With no tenant
 * at all (an empty, unscoped export) nothing left the system; it is logged only.
 */
export async function auditExport(deps: AppDeps, input: ExportAuditInput): Promise<void> {
  const tenants = new Set([...input.scope, ...input.rowsByTenant.keys()]);
  if (tenants.size === 0) {
    deps.logger.info(
      { export_id: input.id, action: input.action },
      'unscoped export with no rows; not audited',
    );
    return;
  }
  const filters = filterFields(input);
  for (const tenant of tenants) {
    await deps.audit(tenant, {
      action: input.action,
      actor: principalLabel(input.principal),
      targets: [{ type: 'export', id: input.id, name: input.fileName }],
      outcome: input.outcome,
      request: {
        id: input.request.id,
        method: input.request.method,
        endpoint: input.request.endpoint,
        ...(filters.requestBody ? { request_body: filters.requestBody } : {}),
      },
      metadata: {
        format: input.format,
        rows: input.rowsByTenant.get(tenant) ?? 0,
        ...filters.metadata,
        ...input.extra,
        ...(input.request.clientId ? { client_request_id: input.request.clientId } : {}),
      },
    });
  }
}
