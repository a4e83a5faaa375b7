import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createPluginSet, type StoragePort, type TrailmarkPlugin } from '@trailmark/core';
import { createOpenSearchStorage, type OpenSearchStorageOptions } from '@trailmark/storage-opensearch';
import { createSqliteStorage } from '@trailmark/storage-sqlite';
import type { Config } from './env.ts';
import { type MigrateResult, migrateEvents } from './migrate.ts';
import { defaultPlugins } from './plugins.ts';
import { openSearchOptions } from './storage.ts';

export interface MigrateCommandOptions {
  to: string;
  batch: number;
  /** The plugins whose retention policy and action labels the server runs with. Default: the bundled ones. */
  plugins?: readonly TrailmarkPlugin[];
  /** Opens the target; tests pass one that talks to the in-memory emulator. */
  openTarget?: (options: OpenSearchStorageOptions) => StoragePort;
  /** Progress line (rewritten in place on a terminal) and the final report. */
  progress?: (line: string) => void;
  report?: (result: MigrateResult) => void;
  error?: (line: string) => void;
}

/**
 * `trailmark migrate --to opensearch`: embedded store -> OpenSearch, then a count check.
 * Exit code 0 = verified, 1 = copied but the counts disagree, 2 = nothing done (bad usage or setup).
 */
export async function migrateCommand(config: Config, opts: MigrateCommandOptions): Promise<number> {
  const error = opts.error ?? ((line: string) => console.error(line));
  if (opts.to !== 'opensearch') {
    error('only --to opensearch is supported');
    return 2;
  }
  if (!config.opensearch) {
    error('set OPENSEARCH_URL (and credentials) first');
    return 2;
  }
  if (opts.batch < 1 || opts.batch > 1000) {
    error('--batch must be between 1 and 1000');
    return 2;
  }
  const sourcePath = join(config.dataDir, 'events.db');
  // Opening a missing file would create an empty store and "verify" a copy of nothing.
  if (!existsSync(sourcePath)) {
    error(`no embedded store at ${sourcePath}; set TRAILMARK_DATA_DIR to the data directory to migrate`);
    return 2;
  }
  const plugins = createPluginSet(opts.plugins ?? defaultPlugins);
  const from = createSqliteStorage({ path: sourcePath });
  const targetOptions = openSearchOptions(config.opensearch, plugins);
  const to = (opts.openTarget ?? createOpenSearchStorage)(targetOptions);
  const progress = opts.progress ?? ((line: string) => process.stderr.write(`\r${line}`));
  try {
    await from.init();
    await to.init();
    const result = await migrateEvents(from, to, {
      batchSize: opts.batch,
      onProgress: (p) => progress(`copied ${p.copied} of ${p.total}`),
    });
    if (!opts.progress) process.stderr.write('\n');
    (opts.report ?? ((r: MigrateResult) => console.log(JSON.stringify(r, null, 2))))(result);
    return result.verified ? 0 : 1;
  } finally {
    await from.close();
    await to.close();
  }
}
