import { join } from 'node:path';
import { createSqliteStorage } from '@trailmark/storage-sqlite';
import type { Config } from './env.ts';
import { migrateEvents } from './migrate.ts';
import { openStores } from './storage.ts';

/** `trailmark migrate --to opensearch`: embedded store -> OpenSearch, then a count check. */
export async function migrateCommand(config: Config, opts: { to: string; batch: number }): Promise<number> {
  if (opts.to !== 'opensearch') {
    console.error('only --to opensearch is supported');
    return 2;
  }
  if (!config.opensearch) {
    console.error('set OPENSEARCH_URL (and credentials) first');
    return 2;
  }
  const from = createSqliteStorage({ path: join(config.dataDir, 'events.db') });
  await from.init();
  const { storage: to, control } = openStores({ ...config, storage: 'opensearch' });
  await to.init();
  const result = await migrateEvents(from, to, {
    batchSize: opts.batch,
    onProgress: (p) => process.stderr.write(`\rcopied ${p.copied} of ${p.total}`),
  });
  process.stderr.write('\n');
  console.log(JSON.stringify(result, null, 2));
  await from.close();
  await to.close();
  control.close();
  return result.verified ? 0 : 1;
}
