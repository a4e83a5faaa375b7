import type { ActionDefinition, Actor, MappedEvent, Target } from '@trailmark/core';
import type { GenerationBillingNative, GenerationBillingResourceKind } from './native.ts';
import { GENERATION_BILLING_SOURCE_ID, generationBillingActions } from './plugin.ts';

const BY_SOURCE_ACTION = new Map<string, ActionDefinition>(
  generationBillingActions.map((a) => [a.source_action as string, a]),
);

/** The product says asset and project; Trailmark's shared nouns are file and user_group. */
const TARGET_TYPE: Partial<Record<GenerationBillingResourceKind, string>> = {
  asset: 'file',
  project: 'user_group',
};

export function generationBillingEventId(nativeId: string): string {
  return `gb_${nativeId}`;
}

function actorOf(n: GenerationBillingNative): Actor {
  const type = n.actor.type === 'system' ? 'system' : n.actor.type === 'scim' ? 'integration' : 'user';
  return { type, id: n.actor.id, name: n.actor.name, ...(n.actor.email ? { email: n.actor.email } : {}) };
}

function targetOf(r: GenerationBillingNative['resources'][number], index: number): Target {
  const attributes = r.email ? { email: r.email } : undefined;
  return {
    type: TARGET_TYPE[r.kind] ?? r.kind,
    id: r.id,
    ...(r.name ? { name: r.name } : r.email ? { name: r.email } : {}),
    role: r.role ?? (index === 0 ? 'primary' : 'related'),
    ...(attributes ? { attributes } : {}),
  };
}

/** Pure: one row of the organization audit log in, one normalized event out. */
export function mapGenerationBillingEvent(n: GenerationBillingNative): MappedEvent {
  const def = BY_SOURCE_ACTION.get(n.action);
  if (!def) throw new Error(`unknown generation-billing action "${n.action}"`);
  const failed = n.status === 'failed';
  // The product's own details first, so they can never overwrite the organization or the summary.
  const metadata: Record<string, string | number | boolean | null> = {
    ...n.details,
    organization_id: n.organization.id,
    organization_name: n.organization.name,
    ...(n.summary ? { summary: n.summary } : {}),
  };
  return {
    id: generationBillingEventId(n.id),
    source: GENERATION_BILLING_SOURCE_ID,
    action: def.action,
    source_action: n.action,
    category: def.category,
    occurred_at: n.created_at,
    actor: actorOf(n),
    targets: n.resources.map(targetOf),
    outcome: failed
      ? { result: 'failure', ...(n.failure_reason ? { reason: n.failure_reason } : {}) }
      : { result: 'success' },
    ...(n.workspace ? { workspace: { id: n.workspace.id, name: n.workspace.name } } : {}),
    ...(n.ip || n.user_agent
      ? { client: { ...(n.ip ? { ip: n.ip } : {}), ...(n.user_agent ? { user_agent: n.user_agent } : {}) } }
      : {}),
    ...(n.changes && n.changes.length > 0
      ? {
          changes: n.changes.map((c) => ({
            field: c.field,
            ...(c.from !== undefined ? { before: c.from } : {}),
            ...(c.to !== undefined ? { after: c.to } : {}),
          })),
        }
      : {}),
    metadata,
  };
}
