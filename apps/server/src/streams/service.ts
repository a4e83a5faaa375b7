import { randomBytes } from 'node:crypto';
import {
  type AnyStreamPlugin,
  type AuditEvent,
  type CheckpointRecord,
  type DestinationInput,
  type DestinationPatch,
  type DestinationPause,
  type DestinationRecord,
  ErrorCode,
  type EventFilter,
  IdPrefix,
  iterateEvents,
  newEventId,
  newId,
  type StoragePort,
  type StreamLog,
  type StreamMessageRecord,
  type StreamStore,
  streamFilterMatches,
  TrailmarkError,
  ValidationError,
  zodDetails,
} from '@trailmark/core';
import type { Logger } from 'pino';
import { type DispatcherOptions, type StreamClock, StreamDispatcher, systemClock } from './dispatcher.ts';
import type { SecretBox } from './secrets.ts';
import { type AllowList, BlockedAddressError, checkHost, type GuardOptions } from './ssrf.ts';

export interface StreamServiceOptions {
  store: StreamStore;
  log: StreamLog;
  storage: StoragePort;
  plugins: ReadonlyMap<string, AnyStreamPlugin>;
  box: SecretBox;
  logger: Logger;
  allow: AllowList;
  publicUrl?: string;
  clock?: StreamClock;
  random?: () => number;
  transport?: Partial<DispatcherOptions['transport']>;
  autoPauseAfterMs?: number;
  idlePollMs?: number;
  onDelivered?: DispatcherOptions['onDelivered'];
  onFailed?: DispatcherOptions['onFailed'];
  sender?: DispatcherOptions['sender'];
  /** Resolver for the SSRF checks (tests simulate names that resolve to private addresses). */
  resolve?: GuardOptions['resolve'];
  /** Closes what the service was built on (the control-database connection). */
  closeStore?: () => void;
}

/** How long a rotated-out webhook secret keeps signing beside the new one, unless the admin says otherwise. */
export const DEFAULT_ROTATION_OVERLAP_MS = 24 * 3600_000;
/** Delivery log and delivered messages are kept this long. */
export const DELIVERY_LOG_DAYS = 7;
/** Most events one replay request re-sends (they are held in memory to be sent oldest first); split longer ranges. */
export const REPLAY_MAX_EVENTS = 50_000;

/** A destination as the API shows it: secrets masked, health spelled out. */
export interface PublicDestination {
  id: string;
  tenant: string;
  name: string;
  kind: string;
  config: Record<string, unknown>;
  secrets: Record<string, unknown>;
  filter: DestinationRecord['filter'];
  enabled: boolean;
  checkpoints: boolean;
  state: 'active' | 'disabled' | `paused_${DestinationPause}`;
  health: {
    failing_since: string | null;
    last_success_at: string | null;
    last_error: string | null;
    queued_messages: number;
    queued_events: number;
    dead_letters: number;
    /** Age in seconds of the oldest event not yet delivered (0 when nothing waits). */
    lag_seconds: number;
  };
  created_at: string;
  updated_at: string;
}

export type StreamService = ReturnType<typeof createStreamService>;

/** The streaming feature: destinations and their delivery, behind the admin API. */
export function createStreamService(options: StreamServiceOptions) {
  const { store, log, plugins, box, storage } = options;
  const pauseListeners: NonNullable<DispatcherOptions['onPaused']>[] = [];
  const clock = options.clock ?? systemClock;
  const dispatcher = new StreamDispatcher({
    store,
    log,
    plugins,
    box,
    logger: options.logger,
    transport: {
      allow: options.allow,
      ...(options.resolve ? { resolve: options.resolve } : {}),
      ...options.transport,
    },
    clock,
    ...(options.random ? { random: options.random } : {}),
    ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
    ...(options.autoPauseAfterMs !== undefined ? { autoPauseAfterMs: options.autoPauseAfterMs } : {}),
    ...(options.idlePollMs !== undefined ? { idlePollMs: options.idlePollMs } : {}),
    ...(options.onDelivered ? { onDelivered: options.onDelivered } : {}),
    ...(options.onFailed ? { onFailed: options.onFailed } : {}),
    ...(options.sender ? { sender: options.sender } : {}),
    onPaused: (d, reason, error) => {
      for (const listener of pauseListeners) listener(d, reason, error);
    },
  });
  const iso = () => new Date(clock.now()).toISOString();

  function pluginOf(kind: string): AnyStreamPlugin {
    const plugin = plugins.get(kind);
    if (!plugin)
      throw new ValidationError(`no stream plugin "${kind}"`, [
        { path: 'kind', message: `one of: ${[...plugins.keys()].join(', ')}` },
      ]);
    return plugin;
  }

  function parseConfig(plugin: AnyStreamPlugin, config: unknown): Record<string, unknown> {
    const parsed = plugin.configSchema.safeParse(config);
    if (!parsed.success)
      throw new ValidationError('invalid destination config', zodDetails(parsed.error, 'config'));
    return parsed.data as Record<string, unknown>;
  }

  function parseSecrets(plugin: AnyStreamPlugin, secrets: unknown): unknown {
    if (!plugin.secretsSchema) {
      if (secrets !== undefined && Object.keys(secrets as object).length > 0)
        throw new ValidationError(`a ${plugin.id} destination takes no secrets`, [
          { path: 'secrets', message: 'remove it' },
        ]);
      return undefined;
    }
    const completed = plugin.completeSecrets
      ? plugin.completeSecrets(secrets as never, randomBytes)
      : secrets;
    const parsed = plugin.secretsSchema.safeParse(completed ?? {});
    if (!parsed.success)
      throw new ValidationError('invalid destination secrets', zodDetails(parsed.error, 'secrets'));
    return parsed.data;
  }

  function openSecrets(d: DestinationRecord): unknown {
    if (!d.secrets_sealed) return undefined;
    try {
      return box.open(d.secrets_sealed, d.id);
    } catch {
      throw new TrailmarkError(
        ErrorCode.CONFLICT,
        'the stored secrets of this destination do not open with the current TRAILMARK_SECRET_KEY; send them again',
        [{ path: 'secrets', message: 'set every secret field again (PATCH with "secrets")' }],
      );
    }
  }

  /** Refuses an endpoint that resolves to a refused range now; the socket checks again at connect time. */
  async function assertEndpointAllowed(
    plugin: AnyStreamPlugin,
    config: unknown,
    secrets: unknown,
  ): Promise<void> {
    const endpoint = plugin.endpoint(config, secrets);
    const url = endpoint.kind === 'url' ? new URL(endpoint.url) : undefined;
    const host = url ? url.hostname : endpoint.kind === 'socket' ? endpoint.host : '';
    const plaintext = url ? url.protocol === 'http:' : endpoint.kind === 'socket' && !endpoint.tls;
    try {
      await checkHost(host, {
        allow: options.allow,
        plaintext,
        ...(options.resolve ? { resolve: options.resolve } : {}),
      });
    } catch (error) {
      if (error instanceof BlockedAddressError)
        throw new TrailmarkError(ErrorCode.DESTINATION_BLOCKED, error.message, [
          { path: endpoint.field, message: error.message },
        ]);
      // A name that does not resolve today may tomorrow; the connect-time check still applies.
    }
  }

  function counts(d: DestinationRecord) {
    const pending = store.countMessages(d.id, 'pending');
    const dead = store.countMessages(d.id, 'dead');
    return { pending, dead };
  }

  /** Events not yet delivered (queued messages and the log past the cursor) and the age of the oldest. */
  function backlogOf(d: DestinationRecord): { queued: number; lag_seconds: number } {
    const next = store.nextPending(d.id);
    // Counted up to 100,000 per call: beyond that the figure means "at least".
    const backlog = log.backlog(d.tenant, d.cursor, 100_000);
    const queued = store.countMessages(d.id, 'pending').events + backlog.count;
    const oldest = next?.events?.[0]?.received_at ?? backlog.oldest_received_at;
    return { queued, lag_seconds: oldest ? Math.max(0, (clock.now() - Date.parse(oldest)) / 1000) : 0 };
  }

  function publicView(d: DestinationRecord): PublicDestination {
    const plugin = plugins.get(d.kind);
    let secrets: Record<string, unknown> = {};
    try {
      const open = openSecrets(d);
      if (open !== undefined)
        secrets = plugin?.maskSecrets ? plugin.maskSecrets(open as never) : { set: true };
    } catch {
      secrets = { error: 'the secrets do not open with the current TRAILMARK_SECRET_KEY' };
    }
    const { pending, dead } = counts(d);
    return {
      id: d.id,
      tenant: d.tenant,
      name: d.name,
      kind: d.kind,
      config: d.config,
      secrets,
      filter: d.filter,
      enabled: d.enabled,
      checkpoints: d.checkpoints === true,
      state: !d.enabled ? 'disabled' : d.paused_reason ? `paused_${d.paused_reason}` : 'active',
      health: {
        failing_since: d.failing_since ?? null,
        last_success_at: d.last_success_at ?? null,
        last_error: d.last_error ?? null,
        queued_messages: pending.messages,
        queued_events: pending.events,
        dead_letters: dead.messages,
        lag_seconds: backlogOf(d).lag_seconds,
      },
      created_at: d.created_at,
      updated_at: d.updated_at,
    };
  }

  function get(id: string, tenant: string | undefined): DestinationRecord {
    const d = store.getDestination(id, tenant);
    if (!d) throw new TrailmarkError(ErrorCode.NOT_FOUND, `no stream destination "${id}"`);
    return d;
  }

  function enqueueEvents(d: DestinationRecord, events: AuditEvent[], origin: StreamMessageRecord['origin']) {
    const plugin = pluginOf(d.kind);
    const batches = [];
    for (let i = 0; i < events.length; i += plugin.maxBatch)
      batches.push({
        id: newId(IdPrefix.streamMessage, clock.now()),
        events: events.slice(i, i + plugin.maxBatch),
        origin,
      });
    const stored = store.enqueue(d.id, batches, undefined, iso());
    dispatcher.notify(d.id);
    return stored;
  }

  return {
    dispatcher,
    store,
    log,
    kinds: () =>
      [...plugins.values()].map((p) => ({
        kind: p.id,
        name: p.name,
        description: p.description,
        max_batch: p.maxBatch,
      })),

    /** After an append: feeds the control-database log when the store does not write its own, then wakes the loops. */
    afterAppend(events: readonly AuditEvent[]): void {
      if (log.fedByIngest && events.length > 0) log.append?.(events);
      if (events.length > 0) dispatcher.notify();
    },

    async create(tenant: string, input: DestinationInput, createdBy?: string): Promise<PublicDestination> {
      const plugin = pluginOf(input.kind);
      const config = parseConfig(plugin, input.config);
      const secrets = parseSecrets(plugin, input.secrets);
      await assertEndpointAllowed(plugin, config, secrets);
      const id = newId(IdPrefix.destination, clock.now());
      const at = iso();
      const record: DestinationRecord = {
        id,
        tenant,
        name: input.name,
        kind: plugin.id,
        config,
        ...(secrets !== undefined ? { secrets_sealed: box.seal(secrets, id) } : {}),
        filter: input.filter,
        enabled: input.enabled,
        ...(input.checkpoints ? { checkpoints: true } : {}),
        // A new destination receives events stored from now on; older ones are sent with a replay.
        cursor: log.head(),
        next_sequence: 1,
        created_at: at,
        updated_at: at,
        ...(createdBy ? { created_by: createdBy } : {}),
      };
      store.createDestination(record);
      dispatcher.refresh();
      return publicView(record);
    },

    list: (tenant: string | undefined) => store.listDestinations(tenant).map(publicView),
    get: (id: string, tenant: string | undefined) => publicView(get(id, tenant)),
    record: get,

    async update(
      id: string,
      tenant: string | undefined,
      patch: DestinationPatch,
    ): Promise<PublicDestination> {
      const d = get(id, tenant);
      const plugin = pluginOf(d.kind);
      const config = patch.config ? parseConfig(plugin, patch.config) : d.config;
      let sealed = d.secrets_sealed;
      // Secrets that no longer open (another key) can only be replaced, with every field sent again.
      let secrets: unknown;
      try {
        secrets = openSecrets(d);
      } catch (error) {
        if (!patch.secrets) throw error;
      }
      if (patch.secrets) {
        // A field left out keeps its current value.
        secrets = parseSecrets(plugin, { ...((secrets as object) ?? {}), ...patch.secrets });
        sealed = box.seal(secrets, d.id);
      }
      if (patch.config || patch.secrets) await assertEndpointAllowed(plugin, config, secrets);
      store.updateDestination(d.id, {
        ...(patch.name ? { name: patch.name } : {}),
        config,
        ...(sealed ? { secrets_sealed: sealed } : {}),
        ...(patch.filter ? { filter: patch.filter } : {}),
        ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
        ...(patch.checkpoints !== undefined ? { checkpoints: patch.checkpoints } : {}),
        updated_at: iso(),
      });
      dispatcher.notify(d.id);
      return publicView(get(d.id, tenant));
    },

    /**
     * Rotates a webhook signing secret: the new one signs at once, the old one keeps signing beside it
     * for the overlap. Returns the new secret, the only time it is shown.
     */
    rotateSecret(id: string, tenant: string | undefined, overlapMs = DEFAULT_ROTATION_OVERLAP_MS) {
      const d = get(id, tenant);
      const plugin = pluginOf(d.kind);
      const current = openSecrets(d) as { signing_secret?: string } | undefined;
      if (!current?.signing_secret || !plugin.completeSecrets)
        throw new TrailmarkError(
          ErrorCode.CONFLICT,
          `a ${d.kind} destination has no signing secret to rotate`,
        );
      const fresh = plugin.completeSecrets({} as never, randomBytes) as { signing_secret: string };
      const until = new Date(clock.now() + overlapMs).toISOString();
      const secrets = {
        signing_secret: fresh.signing_secret,
        previous_secret: current.signing_secret,
        previous_until: until,
      };
      store.updateDestination(d.id, {
        secrets_sealed: box.seal(parseSecrets(plugin, secrets), d.id),
        updated_at: iso(),
      });
      return { signing_secret: fresh.signing_secret, previous_until: until };
    },

    delete(id: string, tenant: string | undefined): DestinationRecord {
      const d = get(id, tenant);
      store.deleteDestination(d.id);
      dispatcher.refresh();
      return d;
    },

    /** Clears an automatic pause (410 or long failure) and the failure streak; pending messages go at once. */
    resume(id: string, tenant: string | undefined): PublicDestination {
      const d = get(id, tenant);
      store.updateDestination(d.id, {
        paused_reason: undefined,
        failing_since: undefined,
        enabled: true,
        updated_at: iso(),
      });
      const next = store.nextPending(d.id);
      if (next) store.updateMessage(next.id, { next_attempt_at: 0 });
      dispatcher.notify(d.id);
      return publicView(get(d.id, tenant));
    },

    messages(
      id: string,
      tenant: string | undefined,
      status: StreamMessageRecord['status'] | undefined,
      limit: number,
    ) {
      const d = get(id, tenant);
      return store.listMessages(d.id, { ...(status ? { status } : {}), limit });
    },

    attempts(id: string, tenant: string | undefined, limit: number, since?: string) {
      const d = get(id, tenant);
      return store.listAttempts(d.id, { limit, ...(since ? { since } : {}) });
    },

    /** Puts dead letters back in the queue under their own id and sequence (receivers de-duplicate them). */
    replayDead(id: string, tenant: string | undefined, messageIds?: string[]): string[] {
      const d = get(id, tenant);
      const dead = messageIds
        ? messageIds
            .map((m) => store.getMessage(m))
            .filter((m): m is StreamMessageRecord => m?.destination_id === d.id && m.status === 'dead')
        : store.listMessages(d.id, { status: 'dead', limit: 10_000 });
      for (const m of dead)
        store.updateMessage(m.id, {
          status: 'pending',
          attempts: 0,
          first_attempt_at: undefined,
          next_attempt_at: 0,
          dead_at: undefined,
        });
      dispatcher.notify(d.id);
      return dead.map((m) => m.id);
    },

    /**
     * Re-sends stored events of a time range of `occurred_at` (for a SIEM that was down), through the
     * same queue; without `to`, everything from `from` on.
     */
    async replayRange(id: string, tenant: string | undefined, range: { from: string; to?: string }) {
      const d = get(id, tenant);
      const filter: EventFilter = {
        tenant: [d.tenant],
        from: range.from,
        ...(range.to !== undefined ? { to: range.to } : {}),
        ...(d.filter.source ? { source: d.filter.source } : {}),
        ...(d.filter.action ? { action: d.filter.action } : {}),
        ...(d.filter.result ? { result: d.filter.result } : {}),
        ...(d.filter.workspace ? { workspace: d.filter.workspace } : {}),
      };
      const events: AuditEvent[] = [];
      let truncated = false;
      for await (const page of iterateEvents(storage, filter, 1000)) {
        for (const e of page) if (streamFilterMatches(d.filter, e)) events.push(e);
        if (events.length >= REPLAY_MAX_EVENTS) {
          truncated = true;
          break;
        }
      }
      // Oldest first, as live delivery sends them.
      events.reverse();
      const kept = events.slice(0, REPLAY_MAX_EVENTS);
      const messages = enqueueEvents(d, kept, 'replay');
      return { events: kept.length, messages: messages.length, truncated };
    },

    /**
     * Re-sends everything this destination was sent after a sequence (the receiver's cursor: the last
     * sequence it processed), through the same queue under new sequences. The events come back from the
     * store by the ids their messages kept; synthetic ones (test events, checkpoints) are not stored and
     * are left out. Messages are kept for the delivery log's time (delivered ones DELIVERY_LOG_DAYS): a
     * cursor older than that is refused (409) rather than answered with a silent gap; replay a time range.
     */
    async replayFromSequence(id: string, tenant: string | undefined, afterSequence: number) {
      const d = get(id, tenant);
      if (afterSequence >= d.next_sequence - 1)
        return { events: 0, messages: 0, truncated: false, from_sequence: afterSequence + 1 };
      const kept: StreamMessageRecord[] = [];
      let before: number | undefined;
      for (;;) {
        const page = store.listMessages(d.id, {
          limit: 1000,
          ...(before !== undefined ? { before_sequence: before } : {}),
        });
        for (const m of page) if (m.sequence > afterSequence) kept.push(m);
        const last = page.at(-1);
        if (!last || page.length < 1000 || last.sequence <= afterSequence + 1) break;
        before = last.sequence;
      }
      kept.reverse();
      if (kept[0]?.sequence !== afterSequence + 1)
        throw new TrailmarkError(
          ErrorCode.CONFLICT,
          `messages after sequence ${afterSequence} are no longer kept (the delivery log keeps ${DELIVERY_LOG_DAYS} days); replay a time range instead`,
          [
            {
              path: 'after_sequence',
              message: `the oldest message kept is sequence ${kept[0]?.sequence ?? d.next_sequence}`,
            },
          ],
        );
      const seen = new Set<string>();
      const events: AuditEvent[] = [];
      let truncated = false;
      for (const m of kept) {
        // A pending message is still on its way: it is not queued twice.
        if (m.status === 'pending') continue;
        for (const eventId of m.event_ids) {
          if (seen.has(eventId)) continue;
          seen.add(eventId);
          const event = await storage.get(eventId, [d.tenant]);
          if (event) events.push(event);
        }
        if (events.length >= REPLAY_MAX_EVENTS) {
          truncated = true;
          break;
        }
      }
      const sent = events.slice(0, REPLAY_MAX_EVENTS);
      const messages = enqueueEvents(d, sent, 'replay');
      return { events: sent.length, messages: messages.length, truncated, from_sequence: afterSequence + 1 };
    },

    /** Sends one synthetic event (not stored) through the queue, to check a destination end to end. */
    sendTest(id: string, tenant: string | undefined, actor: AuditEvent['actor']) {
      const d = get(id, tenant);
      const now = iso();
      const event: AuditEvent = {
        id: newEventId(clock.now()),
        tenant: d.tenant,
        source: 'trailmark',
        action: 'stream_destination.tested',
        occurred_at: now,
        received_at: now,
        actor,
        targets: [{ type: 'stream_destination', id: d.id, name: d.name }],
        outcome: {
          result: 'success',
          message: 'Test event from Trailmark: this destination receives events.',
        },
      } as AuditEvent;
      const [message] = enqueueEvents(d, [event], 'test');
      return { message_id: message?.id, sequence: message?.sequence, event };
    },

    /**
     * Queues a newly signed checkpoint to each of its tenant's destinations that asked for them, as a
     * synthetic `checkpoint.signed` event (not stored, so it does not grow the log it describes) carrying
     * the signed note: a receiver keeps a copy the operator cannot rewrite, and an auditor compares it.
     */
    pushCheckpoint(checkpoint: CheckpointRecord, origin: string): number {
      const wanting = store.listDestinations(checkpoint.tenant).filter((d) => d.enabled && d.checkpoints);
      if (wanting.length === 0) return 0;
      const at = iso();
      const event = {
        id: newEventId(clock.now()),
        tenant: checkpoint.tenant,
        source: 'trailmark',
        action: 'checkpoint.signed',
        occurred_at: checkpoint.created_at,
        received_at: at,
        actor: { type: 'system', id: 'evidence-log', name: 'Evidence log' },
        targets: [{ type: 'evidence_log', id: origin }],
        outcome: { result: 'success' },
        metadata: { tree_size: checkpoint.tree_size, key_id: checkpoint.key_id, note: checkpoint.note },
      } satisfies AuditEvent;
      for (const d of wanting) enqueueEvents(d, [event], 'checkpoint');
      return wanting.length;
    },

    /** Drops what the bounded delivery log no longer keeps, and stream log entries every destination is past. */
    prune(): { history: number; log: number } {
      const before = new Date(clock.now() - DELIVERY_LOG_DAYS * 86_400_000).toISOString();
      const history = store.pruneHistory(before);
      const destinations = store.listDestinations();
      const through = destinations.length === 0 ? log.head() : Math.min(...destinations.map((d) => d.cursor));
      return { history, log: through > 0 ? log.prune(through) : 0 };
    },

    /** Per destination: queued events, lag (age of the oldest undelivered event) in seconds. */
    stats() {
      return store.listDestinations().map((d) => ({
        destination: d.id,
        kind: d.kind,
        tenant: d.tenant,
        ...backlogOf(d),
      }));
    },

    /** Called when the dispatcher pauses a destination by itself (the server audits it). */
    onPause(listener: NonNullable<DispatcherOptions['onPaused']>) {
      pauseListeners.push(listener);
    },
    start: () => dispatcher.start(),
    /** Stops the loops (an attempt in flight finishes first) and closes the store. */
    async stop() {
      await dispatcher.stop();
      options.closeStore?.();
    },
  };
}
