import {
  type AuditEvent,
  type ControlStore,
  type IngestScope,
  type MappedEvent,
  type PluginSet,
  prepareEvents,
  type StoragePort,
  TrailmarkError,
} from '@trailmark/core';
import type { Logger } from 'pino';
import type { Metrics } from './metrics.ts';

export interface IngestResult {
  accepted: number;
  duplicates: number;
  ids: string[];
}

/** Everything routes need, built once by the server (or by a test with a temp-file store). */
export interface AppDeps {
  storage: StoragePort;
  control: ControlStore;
  plugins: PluginSet;
  logger: Logger;
  metrics: Metrics;
  adminToken?: string;
  bodyLimitBytes: number;
  dataDir: string;
  exportTtlHours: number;
  ingest(inputs: readonly unknown[], scope: IngestScope): Promise<IngestResult>;
  /** Writes one event to Trailmark's own `trailmark` source; failures are logged, never thrown. */
  audit(tenant: string, event: Omit<MappedEvent, 'source' | 'occurred_at'>): Promise<void>;
  touchKey(id: string): void;
}

export type CreateDepsOptions = Pick<
  AppDeps,
  'storage' | 'control' | 'plugins' | 'logger' | 'metrics' | 'dataDir'
> &
  Partial<Pick<AppDeps, 'adminToken' | 'bodyLimitBytes' | 'exportTtlHours'>>;

export function createDeps(options: CreateDepsOptions): AppDeps {
  const { storage, plugins, logger, metrics, control } = options;
  const lastTouched = new Map<string, number>();

  async function ingest(inputs: readonly unknown[], scope: IngestScope): Promise<IngestResult> {
    let events: AuditEvent[];
    try {
      events = prepareEvents(inputs, scope, plugins.registry);
    } catch (error) {
      if (error instanceof TrailmarkError) metrics.ingestRejected.inc({ code: error.code });
      throw error;
    }
    const result = await storage.append(events);
    const inserted = new Set(result.inserted);
    const stored = events.filter((e) => inserted.has(e.id));
    for (const e of stored) metrics.eventsIngested.inc({ source: e.source });
    if (result.duplicates.length > 0) metrics.eventsDuplicate.inc(result.duplicates.length);
    for (const stream of plugins.streams) {
      // After the commit: a slow or failing stream never delays or undoes an acknowledgement.
      Promise.resolve()
        .then(() => stream.afterIngest(stored))
        .catch((err: unknown) => logger.warn({ err, plugin: stream.id }, 'stream plugin failed'));
    }
    return {
      accepted: result.inserted.length,
      duplicates: result.duplicates.length,
      ids: events.map((e) => e.id),
    };
  }

  return {
    storage,
    control,
    plugins,
    logger,
    metrics,
    ...(options.adminToken ? { adminToken: options.adminToken } : {}),
    bodyLimitBytes: options.bodyLimitBytes ?? 10 * 1024 * 1024,
    dataDir: options.dataDir,
    exportTtlHours: options.exportTtlHours ?? 24,
    ingest,
    async audit(tenant, event) {
      try {
        await ingest([{ ...event, source: 'trailmark', occurred_at: new Date().toISOString() }], { tenant });
      } catch (err) {
        logger.error({ err, action: event.action }, 'could not record self-audit event');
      }
    },
    touchKey(id) {
      // At most one write a minute per key: "last used" need not cost a write per request.
      const now = Date.now();
      if ((lastTouched.get(id) ?? 0) > now - 60_000) return;
      lastTouched.set(id, now);
      control.touchApiKey(id, new Date(now).toISOString());
    },
  };
}
