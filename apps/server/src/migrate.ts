import { iterateEvents, type StoragePort } from '@trailmark/core';

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
  /** Every source event is in the target and the target grew by exactly the events it newly stored. */
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
  const verified =
    copied === sourceCount &&
    inserted + duplicates === copied &&
    targetCount === targetBefore + inserted &&
    targetCount >= sourceCount;
  return { copied, duplicates, sourceCount, targetCount, verified };
}
