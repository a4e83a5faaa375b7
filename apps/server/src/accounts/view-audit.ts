import type { Context } from 'hono';
import { principalLabel, tenantOf } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import type { AppDeps } from '../deps.ts';
import { auditAct } from './audit.ts';

/** One `audit_log.viewed` per person and tenant per window; the views in between are counted into the next. */
export const VIEW_AUDIT_WINDOW_MS = 15 * 60_000;

/** Per app instance (AppDeps.viewWindows), like the per-instance throttle counters: person+tenant to window. */
export type ViewWindows = Map<string, { last: number; since: number }>;

/**
 * Records that a person read the audit log (search, facets, one event), batched so that scrolling does
 * not write an event per page. API keys and the operator token are machines and are not recorded here.
 */
export async function auditView(
  c: Context<AppEnv>,
  deps: AppDeps,
  view: {
    kind: 'search' | 'facets' | 'event';
    tenants: string[] | undefined;
    query?: string;
    eventId?: string;
  },
): Promise<void> {
  const principal = c.get('principal');
  if (principal.kind === 'api_key' || !principal.user) return;
  const state = deps.viewWindows;
  const tenant = tenantOf(principal) ?? (view.tenants?.length === 1 ? view.tenants[0] : undefined);
  const key = `${principal.user.id}\u0000${tenant ?? ''}`;
  const now = deps.now().getTime();
  const entry = state.get(key);
  if (entry && now - entry.last < VIEW_AUDIT_WINDOW_MS) {
    entry.since++;
    return;
  }
  state.set(key, { last: now, since: 0 });
  await auditAct(c, deps, tenant, {
    action: 'audit_log.viewed',
    actor: principalLabel(principal),
    targets: [{ type: 'audit_log', id: tenant ?? 'all', ...(view.eventId ? { name: view.eventId } : {}) }],
    outcome: { result: 'success' },
    metadata: {
      view: view.kind,
      ...(view.query ? { query: view.query.slice(0, 1000) } : {}),
      earlier_views_in_window: entry?.since ?? 0,
    },
  });
}
