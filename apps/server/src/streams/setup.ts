import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PluginSet, StoragePort } from '@trailmark/core';
import { createEventsStreamLog, createSqliteStreamStore, SqliteStorage } from '@trailmark/storage-sqlite';
import type { Logger } from 'pino';
import type { Config } from '../env.ts';
import type { Metrics } from '../metrics.ts';
import { createSecretBox, secretKeyFrom } from './secrets.ts';
import { createStreamService, type StreamService, type StreamServiceOptions } from './service.ts';
import { parseAllowList } from './ssrf.ts';

/** The credentials key: TRAILMARK_SECRET_KEY, or generated once and kept (0600) in the data directory. */
export function resolveSecretKey(config: Pick<Config, 'dataDir' | 'streams'>): Buffer {
  if (config.streams?.secretKey) return secretKeyFrom(config.streams.secretKey);
  const file = join(config.dataDir, 'secret-key');
  if (existsSync(file)) return secretKeyFrom(readFileSync(file, 'utf8'));
  mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600 });
  return key;
}

/**
 * Streaming for a server: delivery state in control.db; the stream log is the embedded store's own
 * (written in its transaction) or, for OpenSearch, the control-database outbox the ingest path feeds.
 */
export function createServerStreams(
  config: Pick<Config, 'dataDir' | 'streams' | 'accounts'>,
  storage: StoragePort,
  plugins: PluginSet,
  logger: Logger,
  metrics: Metrics,
  overrides: Partial<StreamServiceOptions> = {},
): StreamService {
  let allow: ReturnType<typeof parseAllowList>;
  try {
    allow = parseAllowList(config.streams?.allowPrivate);
  } catch (error) {
    throw new Error(`invalid environment:\n  TRAILMARK_STREAM_ALLOW_PRIVATE: ${(error as Error).message}`);
  }
  const store = createSqliteStreamStore({ path: join(config.dataDir, 'control.db') });
  const log = storage instanceof SqliteStorage ? createEventsStreamLog(storage.db) : store.outbox;
  const service = createStreamService({
    store,
    log,
    storage,
    plugins: plugins.streams,
    box: createSecretBox(resolveSecretKey(config)),
    logger,
    allow,
    ...(config.accounts.publicUrl ? { publicUrl: config.accounts.publicUrl } : {}),
    onDelivered: (d, m) => metrics.streamDelivered.inc({ destination: d.id, kind: d.kind }, m.event_count),
    onFailed: (d, m) => metrics.streamFailed.inc({ destination: d.id, kind: d.kind }, m.event_count),
    closeStore: () => store.close(),
    ...overrides,
  });
  return service;
}
