import { principalLabel } from '../auth.ts';
import type { Principal } from '../context.ts';
import type { AppDeps } from '../deps.ts';

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
  const filters = JSON.stringify(input.params).slice(0, 500);
  for (const tenant of tenants) {
    await deps.audit(tenant, {
      action: input.action,
      actor: principalLabel(input.principal),
      targets: [{ type: 'export', id: input.id, name: input.fileName }],
      outcome: input.outcome,
      metadata: {
        format: input.format,
        rows: input.rowsByTenant.get(tenant) ?? 0,
        filters,
        ...input.extra,
      },
    });
  }
}
