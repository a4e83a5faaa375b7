import { iterateEvents, type StoragePort } from '@trailmark/core';
import { readLeaves } from './evidence/service.ts';

export interface MigrateOptions {
  /** Events read and appended per step (default 1000; the storage port's batch limit). */
  batchSize?: number;
  onProgress?: (progress: { copied: number; total: number }) => void;
}

export interface MigrateResult {
  /** Events read from the source and accepted by the target (new or already there). */
  copied: number;
  /** Of those, events the target already held (a re-run after an interruption reports them here). */
  duplicates: number;
  sourceCount: number;
  targetCount: number;
  /**
   * Leaves of the evidence log copied verbatim (both stores keep one and the target can import), so the
   * roots and every checkpoint signed before the move still verify; 0 when the log was not carried over.
   */
  leaves: number;
  /** Every source event is in the target, the target grew by exactly the events it newly stored, and a copied log has the source's size. */
  verified: boolean;
}

/**
 * Copies every event of every tenant from one store to another with keyset paging (constant memory),
 * then compares counts. Appends are idempotent (same tenant and id = duplicate), so an interrupted run
 * is resumed by running it again. Stop ingest first: events arriving meanwhile make the counts differ.
 */
export async function migrateEvents(
  from: StoragePort,
  to: StoragePort,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const batchSize = options.batchSize ?? 1000;
  // Operator scope: no tenant in the filter means all tenants.
  const sourceCount = await from.count({});
  const targetBefore = await to.count({});
  // The log first: an event then finds its leaf already there and gets no second one.
  const logged = from.log && to.log?.importLeaves ? { from: from.log, to: to.log } : undefined;
  const tenants = logged ? [...new Set((await from.partitions()).map((p) => p.tenant))] : [];
  let leaves = 0;
  for (const tenant of tenants) {
    const list = await readLeaves(logged!.from, tenant, await logged!.from.treeSize(tenant));
    await logged!.to.importLeaves!(tenant, list);
    leaves += list.length;
  }
  let copied = 0;
  let inserted = 0;
  let duplicates = 0;
  options.onProgress?.({ copied, total: sourceCount });
  for await (const batch of iterateEvents(from, {}, batchSize)) {
    const result = await to.append(batch);
    inserted += result.inserted.length;
    duplicates += result.duplicates.length;
    copied += batch.length;
    options.onProgress?.({ copied, total: sourceCount });
  }
  const targetCount = await to.count({});
  let logsMatch = true;
  for (const tenant of tenants)
    logsMatch &&= (await logged!.to.treeSize(tenant)) === (await logged!.from.treeSize(tenant));
  const verified =
    copied === sourceCount &&
    inserted + duplicates === copied &&
    targetCount === targetBefore + inserted &&
    targetCount >= sourceCount &&
    logsMatch;
  return { copied, duplicates, sourceCount, targetCount, leaves, verified };
}
