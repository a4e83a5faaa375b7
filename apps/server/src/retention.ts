import { IdPrefix, type MappedEvent, newId, planPurge, type RetentionRunRecord } from '@trailmark/core';
import type { AppDeps } from './deps.ts';

/** Records one purge in the tenant's own audit trail; a run someone asked for records who and from where. */
export type PurgeRecorder = (
  tenant: string,
  act: Omit<MappedEvent, 'source' | 'occurred_at'>,
) => Promise<void>;

/** Applies the retention policy to every tenant/source partition and records what was purged. */
export async function runRetention(
  deps: AppDeps,
  now = new Date(),
  record: PurgeRecorder = (tenant, act) => deps.audit(tenant, act),
): Promise<RetentionRunRecord> {
  const started = new Date().toISOString();
  const tasks = planPurge(deps.plugins.retention, await deps.storage.partitions(), now);
  const done: RetentionRunRecord['tasks'] = [];
  let total = 0;
  for (const task of tasks) {
    const deleted = await deps.storage.purge(task);
    total += deleted;
    done.push({ ...task, deleted });
    if (deleted > 0) {
      deps.logger.info({ ...task, deleted }, 'retention purge');
      await record(task.tenant, {
        action: 'retention.purged',
        actor: { type: 'system', id: 'retention', name: 'Retention policy' },
        targets: [{ type: 'source', id: task.source }],
        outcome: { result: 'success' },
        metadata: { deleted, before: task.before, retention: task.retention },
      });
    }
  }
  deps.metrics.retentionDeleted.inc(total);
  const run: RetentionRunRecord = {
    id: newId(IdPrefix.retentionRun),
    started_at: started,
    finished_at: new Date().toISOString(),
    deleted: total,
    tasks: done,
  };
  deps.control.recordRetentionRun(run);
  return run;
}
