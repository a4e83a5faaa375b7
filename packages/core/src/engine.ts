import { type AnyErrorCode, ErrorCode, type ErrorDetail, TrailmarkError } from './errors.ts';
import { type IngestScope, prepareEvents, sameEvent } from './ingest.ts';
import { mapNativePayloads } from './plugin.ts';
import type { PluginSet } from './plugins.ts';
import type { AuditEvent } from './schema.ts';
import type { StoragePort } from './storage.ts';

export interface IngestResult {
  accepted: number;
  duplicates: number;
  ids: string[];
}

export interface IngestHooks {
  /** After the store acknowledged, before the sender is: the stream outbox goes here. Retried duplicates too. */
  afterAppend?(events: readonly AuditEvent[]): void;
  /** Events newly stored (live tails, metrics). */
  stored?(events: readonly AuditEvent[], duplicates: number): void;
  /** A request refused with this code (metrics). */
  rejected?(code: AnyErrorCode): void;
}

export interface EngineOptions {
  storage: StoragePort;
  plugins: PluginSet;
  /** Most events accepted for storing but not yet committed; beyond it ingest answers OVERLOADED. */
  maxPendingEvents?: number;
  hooks?: IngestHooks;
}

/**
 * The one ingest path: validate and prepare all or nothing, store, tell the outbox, and tell a retry (same
 * id, same body) from a conflict (same id, other body). HTTP routes, the CLI, the demo seeder and any
 * future entry point (a queue consumer, an import) call this, so none of them needs a copy.
 */
export function createEngine(options: EngineOptions) {
  const { storage, plugins, hooks = {} } = options;
  const maxPendingEvents = options.maxPendingEvents ?? 100_000;
  let pendingEvents = 0;

  /**
   * `bounded`: a sender's request is refused while too many events wait for the store, so a burst beyond
   * what the disk sustains gets a quick OVERLOADED to retry instead of an ever longer queue in memory.
   * Trailmark's own audit events are never refused (they are few, and dropping one loses evidence).
   */
  async function store(
    inputs: readonly unknown[],
    scope: IngestScope,
    bounded: boolean,
  ): Promise<IngestResult> {
    if (bounded && pendingEvents > 0 && pendingEvents + inputs.length > maxPendingEvents) {
      hooks.rejected?.(ErrorCode.OVERLOADED);
      throw new TrailmarkError(
        ErrorCode.OVERLOADED,
        `${pendingEvents} events are waiting to be stored; nothing of this request was stored, retry after Retry-After seconds`,
      );
    }
    let events: AuditEvent[];
    try {
      events = prepareEvents(inputs, scope, plugins.registry);
    } catch (error) {
      if (error instanceof TrailmarkError) hooks.rejected?.(error.code);
      throw error;
    }
    pendingEvents += events.length;
    let result: Awaited<ReturnType<StoragePort['append']>>;
    try {
      result = await storage.append(events);
    } finally {
      pendingEvents -= events.length;
    }
    const inserted = new Set(result.inserted);
    const stored = events.filter((e) => inserted.has(e.id));
    // The stream outbox before the acknowledgement (a no-op wake-up where the store writes it itself).
    hooks.afterAppend?.(stored);
    if (result.duplicates.length > 0) {
      await assertSameAsStored(events, result.duplicates);
      const dup = new Set(result.duplicates);
      // A retry of a request whose acknowledgement was lost: its events may never have reached the outbox.
      hooks.afterAppend?.(events.filter((e) => dup.has(e.id)));
    }
    hooks.stored?.(stored, result.duplicates.length);
    return {
      accepted: result.inserted.length,
      duplicates: result.duplicates.length,
      ids: events.map((e) => e.id),
    };
  }

  /**
   * A duplicate is a retry only when it says the same as the stored event; otherwise the sender reused an
   * id for something else, and quietly answering "duplicate" would lose it (Stripe answers a reused
   * idempotency key with other parameters the same way). Checked after the append, against what the store
   * kept, so concurrent senders cannot race past it; only duplicates cost a read.
   */
  async function assertSameAsStored(events: readonly AuditEvent[], duplicates: readonly string[]) {
    const dup = new Set(duplicates);
    const details: ErrorDetail[] = [];
    const conflicting: string[] = [];
    for (const [index, e] of events.entries()) {
      if (!dup.has(e.id)) continue;
      const kept = await storage.get(e.id, [e.tenant]);
      if (kept && !sameEvent(kept, e)) {
        conflicting.push(e.id);
        details.push({
          index,
          path: 'id',
          message: `event "${e.id}" was stored at ${kept.received_at} with a different body`,
        });
      }
    }
    if (conflicting.length === 0) return;
    const others = events.length - duplicates.length;
    throw new TrailmarkError(
      ErrorCode.CONFLICT,
      `event id ${conflicting.map((id) => `"${id}"`).join(', ')} already names a stored event with a different body; send a new id${others > 0 ? ` (the ${others} new event(s) of this request were stored)` : ''}`,
      details.slice(0, 100),
    );
  }

  return {
    /** Normalized events from a sender, bounded by the pending-events limit. */
    ingest: (inputs: readonly unknown[], scope: IngestScope) => store(inputs, scope, true),
    /**
     * A product's own payloads through its source plugin: checked against its native schema, mapped,
     * then stored as `ingest` stores; the scope's tenant is set on every event.
     */
    async ingestNative(
      sourceId: string,
      natives: readonly unknown[],
      scope: IngestScope & { tenant: string },
    ) {
      const plugin = plugins.sources.get(sourceId);
      if (!plugin?.map)
        throw new TrailmarkError(
          ErrorCode.UNKNOWN_SOURCE,
          `no source plugin "${sourceId}" accepts native payloads`,
        );
      const mapped = mapNativePayloads(plugin, natives);
      return store(
        mapped.map((e) => ({ ...e, tenant: scope.tenant })),
        { ...scope, source: sourceId },
        true,
      );
    },
    /** Trailmark's own audit trail: the reserved source, never refused for load. */
    ingestSystem: (inputs: readonly unknown[], tenant: string) =>
      store(inputs, { tenant, system: true }, false),
  };
}

export type Engine = ReturnType<typeof createEngine>;
