import {
  type ControlStore,
  createEngine,
  type DestinationPause,
  type Engine,
  type MappedEvent,
  type PluginSet,
  type StoragePort,
} from '@trailmark/core';
import type { Logger } from 'pino';
import { createPasswordHasher, type PasswordHasher } from './accounts/passwords.ts';
import { createSignInThrottle, type SignInThrottle } from './accounts/throttle.ts';
import type { ViewWindows } from './accounts/view-audit.ts';
import { type CursorSealer, createCursorSealer } from './cursors.ts';
import { type AccountsConfig, DEFAULT_ACCOUNTS } from './env.ts';
import type { Evidence } from './evidence/service.ts';
import { createExportJobRunner, type ExportJobRunner } from './exports/jobs.ts';
import { createExportSlots, type ExportSlots } from './exports/slots.ts';
import { createLiveHub, type LiveHub } from './live.ts';
import type { Metrics } from './metrics.ts';
import type { StreamService } from './streams/service.ts';

/** The `outcome.reason` of the system's audit event when the dispatcher pauses a destination by itself. */
const PAUSE_REASONS = {
  gone: 'receiver_gone',
  unauthorized: 'credentials_refused',
  failing: 'failing_too_long',
} as const satisfies Record<DestinationPause, string>;

/** Everything routes need, built once by the server (or by a test with a temp-file store). */
export interface AppDeps {
  storage: StoragePort;
  control: ControlStore;
  plugins: PluginSet;
  logger: Logger;
  metrics: Metrics;
  adminToken?: string;
  bodyLimitBytes: number;
  /** Time a request body may take to arrive (TRAILMARK_BODY_TIMEOUT_MS). */
  bodyTimeoutMs: number;
  /** Request bodies received at once (TRAILMARK_MAX_INFLIGHT_BODIES). */
  maxInflightBodies: number;
  /** Most events accepted for storing but not yet committed; beyond it ingest answers 503 OVERLOADED. */
  maxPendingEvents: number;
  dataDir: string;
  exportTtlHours: number;
  ingest: Engine['ingest'];
  /** A product's own payloads through its source plugin (POST /v1/sources/{id}/events). */
  ingestNative: Engine['ingestNative'];
  /** Writes one event to Trailmark's own `trailmark` source; failures are logged, never thrown. */
  audit(tenant: string, event: Omit<MappedEvent, 'source' | 'occurred_at'>): Promise<void>;
  touchKey(id: string): void;
  accounts: AccountsConfig;
  passwords: PasswordHasher;
  /** Per-instance sign-in counters (the only account state not in the control store). */
  throttle: SignInThrottle;
  /** The clock sessions, links and throttling read; tests pass a fake one. */
  now(): Date;
  /** Stream destinations and their delivery (absent in apps built without streaming). */
  streams?: StreamService;
  /** Checkpoints and proofs over the store's evidence log (absent when the store keeps none). */
  evidence?: Evidence;
  /** Tells live tails (GET /v1/events/live) about stored events. */
  live: LiveHub;
  /** Export jobs of this instance: queued and running ones, their files. */
  exportJobs: ExportJobRunner;
  /** Streamed exports running now, bounded overall and per tenant (TRAILMARK_MAX_EXPORT_STREAMS[_PER_TENANT]). */
  exportSlots: ExportSlots;
  /** Seals page cursors with the data directory's key and opens them. */
  cursors: CursorSealer;
  /** When each person last had an `audit_log.viewed` recorded, per tenant. */
  viewWindows: ViewWindows;
}

export type CreateDepsOptions = Pick<
  AppDeps,
  'storage' | 'control' | 'plugins' | 'logger' | 'metrics' | 'dataDir'
> &
  Partial<
    Pick<
      AppDeps,
      | 'adminToken'
      | 'bodyLimitBytes'
      | 'bodyTimeoutMs'
      | 'maxInflightBodies'
      | 'exportTtlHours'
      | 'maxPendingEvents'
      | 'accounts'
      | 'passwords'
      | 'throttle'
      | 'now'
      | 'streams'
      | 'evidence'
      | 'live'
    >
  > & {
    /** Streamed exports (`GET /v1/export`) running at once, overall and per tenant; beyond them 429. */
    exportStreams?: { total: number; perTenant: number };
  };

export function createDeps(options: CreateDepsOptions): AppDeps {
  const { storage, plugins, logger, metrics, control } = options;
  const lastTouched = new Map<string, number>();
  const now = options.now ?? (() => new Date());
  const maxPendingEvents = options.maxPendingEvents ?? 100_000;
  const live = options.live ?? createLiveHub();
  const exportStreams = options.exportStreams ?? { total: 16, perTenant: 4 };

  const engine = createEngine({
    storage,
    plugins,
    maxPendingEvents,
    hooks: {
      afterAppend: (events) => options.streams?.afterAppend(events),
      stored(events, duplicates) {
        for (const e of events) metrics.eventsIngested.inc({ source: e.source });
        if (duplicates > 0) metrics.eventsDuplicate.inc(duplicates);
        live.publish(events);
      },
      rejected: (code) => metrics.ingestRejected.inc({ code }),
    },
  });

  const audit: AppDeps['audit'] = async (tenant, event) => {
    try {
      await engine.ingestSystem(
        [{ ...event, source: 'trailmark', occurred_at: new Date().toISOString() }],
        tenant,
      );
    } catch (err) {
      logger.error({ err, action: event.action }, 'could not record self-audit event');
    }
  };

  // A destination the dispatcher pauses by itself (410 Gone, failing for days) is a change of
  // configuration like an admin's, so it is audited too, by the system.
  options.streams?.onPause((d, reason, error) => {
    void audit(d.tenant, {
      action: 'stream_destination.paused',
      actor: { type: 'system', id: 'stream-dispatcher', name: 'Stream dispatcher' },
      targets: [{ type: 'stream_destination', id: d.id, name: d.name }],
      outcome: {
        result: 'success',
        reason: PAUSE_REASONS[reason],
        message: error.slice(0, 1000),
      },
      metadata: { kind: d.kind },
    });
  });

  const deps: AppDeps = {
    storage,
    control,
    plugins,
    logger,
    metrics,
    ...(options.adminToken ? { adminToken: options.adminToken } : {}),
    bodyLimitBytes: options.bodyLimitBytes ?? 10 * 1024 * 1024,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 30_000,
    maxInflightBodies: options.maxInflightBodies ?? 64,
    exportSlots: createExportSlots(exportStreams),
    cursors: createCursorSealer(options.dataDir),
    viewWindows: new Map(),
    maxPendingEvents,
    dataDir: options.dataDir,
    exportTtlHours: options.exportTtlHours ?? 24,
    accounts: options.accounts ?? DEFAULT_ACCOUNTS,
    passwords: options.passwords ?? createPasswordHasher(),
    throttle: options.throttle ?? createSignInThrottle({ now: () => now().getTime() }),
    now,
    ...(options.streams ? { streams: options.streams } : {}),
    ...(options.evidence ? { evidence: options.evidence } : {}),
    live,
    ingest: engine.ingest,
    ingestNative: engine.ingestNative,
    audit,
    touchKey(id) {
      // At most one write a minute per key: "last used" need not cost a write per request.
      const now = Date.now();
      if ((lastTouched.get(id) ?? 0) > now - 60_000) return;
      lastTouched.set(id, now);
      control.touchApiKey(id, new Date(now).toISOString());
    },
    // Made on first use, since the runner works with the very services it sits beside.
    get exportJobs() {
      exportJobs ??= createExportJobRunner(deps);
      return exportJobs;
    },
  };
  let exportJobs: ExportJobRunner | undefined;
  return deps;
}
