import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ControlStore, RetentionPolicy, StoragePort } from '@trailmark/core';
import { createOpenSearchStorage } from '@trailmark/storage-opensearch';
import { createSqliteControlStore, createSqliteStorage } from '@trailmark/storage-sqlite';
import type { Config } from './env.ts';

/** Chooses the event store from the config; control data always lives in SQLite next to it. */
export function openStores(
  config: Pick<Config, 'dataDir' | 'storage' | 'opensearch'>,
  actionLabel?: (source: string, action: string) => string | undefined,
  retention?: RetentionPolicy,
): { storage: StoragePort; control: ControlStore } {
  const control = createSqliteControlStore({ path: join(config.dataDir, 'control.db') });
  if (config.storage === 'opensearch' && config.opensearch) {
    const os = config.opensearch;
    const storage = createOpenSearchStorage({
      node: os.url,
      ...(os.username && os.password ? { auth: { username: os.username, password: os.password } } : {}),
      tls: {
        rejectUnauthorized: os.rejectUnauthorized,
        ...(os.caFile ? { ca: readFileSync(os.caFile, 'utf8') } : {}),
      },
      indexPrefix: os.indexPrefix,
      ...(actionLabel ? { actionLabel } : {}),
      // Each retention class gets its own index family and ISM backstop.
      ...(retention ? { retention } : {}),
    });
    return { storage, control };
  }
  const storage = createSqliteStorage({
    path: join(config.dataDir, 'events.db'),
    ...(actionLabel ? { actionLabel } : {}),
  });
  return { storage, control };
}
