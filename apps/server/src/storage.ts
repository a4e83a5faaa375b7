import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ControlStore, PluginSet, StoragePort } from '@trailmark/core';
import { createOpenSearchStorage, type OpenSearchStorageOptions } from '@trailmark/storage-opensearch';
import { createSqliteControlStore, createSqliteStorage } from '@trailmark/storage-sqlite';
import type { Config } from './env.ts';

/** What the event stores take from the plugins: action labels (free text) and the retention policy. */
export type StorePlugins = Pick<PluginSet, 'registry' | 'retention'>;

const labelsOf = (plugins: StorePlugins) => (source: string, action: string) =>
  plugins.registry.action(source, action)?.label;

/**
 * Adapter options for the configured cluster. The retention policy must be the one the server purges
 * with: it picks each event's index family (and so its ISM backstop), so the server and
 * `trailmark migrate` both come through here and cannot file the same event under different classes.
 */
export function openSearchOptions(
  opensearch: NonNullable<Config['opensearch']>,
  plugins: StorePlugins,
): OpenSearchStorageOptions {
  return {
    node: opensearch.urls.length === 1 ? opensearch.urls[0] : opensearch.urls,
    ...(opensearch.username && opensearch.password
      ? { auth: { username: opensearch.username, password: opensearch.password } }
      : {}),
    tls: {
      rejectUnauthorized: opensearch.rejectUnauthorized,
      ...(opensearch.caFile ? { ca: readFileSync(opensearch.caFile, 'utf8') } : {}),
    },
    indexPrefix: opensearch.indexPrefix,
    ism: opensearch.ism,
    ...(opensearch.refreshInterval ? { refreshInterval: opensearch.refreshInterval } : {}),
    actionLabel: labelsOf(plugins),
    fields: plugins.registry.fields(),
    retention: plugins.retention,
  };
}

/** Where a store reports start-up warnings and background progress (the server's logger). */
export interface StoreLog {
  info(message: string): void;
  warn(message: string): void;
}

/** Chooses the event store from the config; control data always lives in SQLite next to it. */
export function openStores(
  config: Pick<Config, 'dataDir' | 'storage' | 'opensearch'>,
  plugins: StorePlugins,
  log?: StoreLog,
): { storage: StoragePort; control: ControlStore } {
  const control = createSqliteControlStore({ path: join(config.dataDir, 'control.db') });
  if (config.storage === 'opensearch' && config.opensearch) {
    const options = openSearchOptions(config.opensearch, plugins);
    const storage = createOpenSearchStorage({
      ...options,
      ...(log ? { onWarning: (m: string) => log.warn(m), onInfo: (m: string) => log.info(m) } : {}),
    });
    return { storage, control };
  }
  const storage = createSqliteStorage({
    path: join(config.dataDir, 'events.db'),
    actionLabel: labelsOf(plugins),
  });
  return { storage, control };
}
