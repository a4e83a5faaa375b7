import { hostname } from 'node:os';
import {
  type AnyStreamPlugin,
  type AuditEvent,
  type DestinationPause,
  type DestinationRecord,
  IdPrefix,
  newId,
  nextRetryDelay,
  type StreamAttemptRecord,
  type StreamLog,
  type StreamMessageRecord,
  type StreamStore,
  streamFilterMatches,
} from '@trailmark/core';
import type { Logger } from 'pino';
import type { SecretBox } from './secrets.ts';
import { DEFAULT_TRANSPORT, type SendResult, send, type TransportOptions } from './transport.ts';

/** Time as the dispatcher sees it; tests pass a fake one to walk the retry schedule in no time. */
export interface StreamClock {
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: StreamClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    }),
};

export interface DispatcherOptions {
  store: StreamStore;
  log: StreamLog;
  plugins: ReadonlyMap<string, AnyStreamPlugin>;
  box: SecretBox;
  logger: Logger;
  transport: Omit<TransportOptions, keyof typeof DEFAULT_TRANSPORT> & Partial<TransportOptions>;
  clock?: StreamClock;
  /** In [0, 1): the jitter draws. */
  random?: () => number;
  /** Origin of the admin UI, for links back to events (Slack). */
  publicUrl?: string;
  /** A destination failing this long is paused (Svix disables after 5 days). */
  autoPauseAfterMs?: number;
  /** How often an idle destination looks for new events when nobody wakes it. */
  idlePollMs?: number;
  /** Stream log positions examined per read. */
  window?: number;
  /** Replaces the network (benchmarks of the engine alone). */
  sender?: (request: Parameters<typeof send>[0], options: TransportOptions) => Promise<SendResult>;
  onDelivered?: (destination: DestinationRecord, message: StreamMessageRecord, result: SendResult) => void;
  onFailed?: (destination: DestinationRecord, message: StreamMessageRecord, result: SendResult) => void;
  /** The dispatcher paused a destination (410 Gone, or failing for too long). */
  onPaused?: (destination: DestinationRecord, reason: DestinationPause, error: string) => void;
}

/** What one step of a destination's loop did, and when its next step is due. */
export type StepResult =
  | { kind: 'idle' }
  | { kind: 'wait'; ms: number }
  | { kind: 'attempted'; message: StreamMessageRecord; result: SendResult };

interface Worker {
  abort: AbortController;
  /** New events were stored: an idle loop looks now. A loop waiting for a retry or its pace ignores it. */
  wake: AbortController;
  /** This destination changed (resumed, replayed, edited): the loop looks now, whatever it waits for. */
  kick: AbortController;
  done: Promise<void>;
  lastSentAt: number;
}

/**
 * Delivers the stream log to every destination: one independent loop per destination (a slow or dead
 * receiver only holds up its own queue), one message in flight per destination (order), the cursor
 * and messages kept in control.db (a restart, even `kill -9`, resends what was not recorded as
 * delivered, under the same message id).
 */
export class StreamDispatcher {
  private readonly workers = new Map<string, Worker>();
  private readonly clock: StreamClock;
  private readonly random: () => number;
  private readonly transport: TransportOptions;
  private readonly host =
    hostname()
      .replace(/[^!-~]/g, '_')
      .slice(0, 255) || 'trailmark';
  private running = false;
  /** Set by stop(): an attempt that finishes afterwards records nothing (the store may be closed). */
  private stopping = false;

  constructor(private readonly options: DispatcherOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.transport = { ...DEFAULT_TRANSPORT, ...options.transport };
  }

  /** Starts a loop for every destination. */
  start(): void {
    this.running = true;
    this.stopping = false;
    this.recoverCursors();
    this.refresh();
  }

  recoverCursors(): void {
    // A cursor past the log's head means events.db was restored from an older backup than control.db:
    // new events would get positions the cursor already passed and be skipped, so it comes back.
    const head = this.options.log.head();
    for (const d of this.options.store.listDestinations())
      if (d.cursor > head) {
        this.options.logger.warn(
          { destination: d.id, cursor: d.cursor, head },
          'stream cursor past the log head; reset',
        );
        this.options.store.updateDestination(d.id, { cursor: head });
      }
  }

  /** Starts loops for new destinations and stops those of deleted ones. */
  refresh(): void {
    if (!this.running) return;
    const ids = new Set(this.options.store.listDestinations().map((d) => d.id));
    for (const id of ids) if (!this.workers.has(id)) this.spawn(id);
    for (const [id, worker] of this.workers) if (!ids.has(id)) worker.abort.abort();
  }

  /**
   * New events were stored (no id): idle loops look now instead of at their next poll; a loop waiting
   * to retry stays asleep (new events queue behind its message, and every append would otherwise make
   * each failing destination re-read its queue). A destination changed (its id): its loop looks now.
   */
  notify(destinationId?: string): void {
    for (const [id, worker] of this.workers) {
      if (!destinationId) worker.wake.abort();
      else if (id === destinationId) worker.kick.abort();
    }
  }

  /**
   * Stops every loop. An attempt still in flight after `graceMs` is left behind: its result is not
   * recorded, so the message stays pending and is sent again (same id) after the restart.
   */
  async stop(graceMs = 2000): Promise<void> {
    this.running = false;
    this.stopping = true;
    for (const worker of this.workers.values()) worker.abort.abort();
    const all = Promise.all([...this.workers.values()].map((w) => w.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    this.workers.clear();
  }

  private spawn(id: string): void {
    const worker: Worker = {
      abort: new AbortController(),
      wake: new AbortController(),
      kick: new AbortController(),
      done: Promise.resolve(),
      lastSentAt: 0,
    };
    this.workers.set(id, worker);
    worker.done = this.loop(id, worker).finally(() => {
      if (this.workers.get(id) === worker) this.workers.delete(id);
    });
  }

  private async loop(id: string, worker: Worker): Promise<void> {
    const idle = this.options.idlePollMs ?? 1000;
    while (!worker.abort.signal.aborted) {
      let wait = 0;
      let idleWait = true;
      try {
        const step = await this.step(id, worker);
        if (step.kind === 'idle') wait = idle;
        else if (step.kind === 'wait') {
          wait = step.ms;
          idleWait = false;
        }
        if (!this.options.store.getDestination(id)) return;
      } catch (err) {
        this.options.logger.error({ err, destination: id }, 'stream delivery step failed');
        wait = idle;
      }
      if (wait > 0) {
        const signals = [worker.abort.signal, worker.kick.signal];
        if (idleWait) signals.push(worker.wake.signal);
        await this.clock.sleep(wait, AbortSignal.any(signals));
        if (worker.kick.signal.aborted) worker.kick = new AbortController();
        if (idleWait && worker.wake.signal.aborted) worker.wake = new AbortController();
      }
    }
  }

  /**
   * One unit of work for a destination: attempt its due message, or turn new log entries into the
   * next message, or say how long to wait. Public so tests drive it with a fake clock.
   */
  async step(id: string, worker?: Pick<Worker, 'lastSentAt'>): Promise<StepResult> {
    const { store } = this.options;
    const destination = store.getDestination(id);
    if (!destination?.enabled || destination.paused_reason) return { kind: 'idle' };
    const plugin = this.options.plugins.get(destination.kind);
    if (!plugin) return { kind: 'idle' };
    const message = store.nextPending(id) ?? this.materialize(destination, plugin);
    if (!message) return { kind: 'idle' };
    const now = this.clock.now();
    if (message.next_attempt_at > now) return { kind: 'wait', ms: message.next_attempt_at - now };
    const pace = plugin.minIntervalMs ?? 0;
    const last = worker?.lastSentAt ?? 0;
    if (pace > 0 && last + pace > now) return { kind: 'wait', ms: last + pace - now };
    if (worker) worker.lastSentAt = now;
    const result = await this.attempt(destination, plugin, message);
    return { kind: 'attempted', message, result };
  }

  /**
   * The next message from the stream log: entries after the cursor, of the destination's tenant,
   * matching its filter, up to the plugin's batch size. The message and the new cursor are written in
   * one transaction, so an entry is either still ahead of the cursor or in a message: never lost.
   */
  private materialize(
    destination: DestinationRecord,
    plugin: AnyStreamPlugin,
  ): StreamMessageRecord | undefined {
    const { log, store } = this.options;
    const window = this.options.window ?? 5000;
    const head = log.head();
    let cursor = destination.cursor;
    for (let round = 0; round < 20 && cursor < head; round++) {
      const through = Math.min(cursor + window, head);
      const entries = log.read(destination.tenant, cursor, through, window);
      const taken: AuditEvent[] = [];
      let reached = through;
      for (const entry of entries) {
        if (!streamFilterMatches(destination.filter, entry.event)) continue;
        taken.push(entry.event);
        if (taken.length >= plugin.maxBatch) {
          reached = entry.position;
          break;
        }
      }
      if (taken.length > 0) {
        const at = new Date(this.clock.now()).toISOString();
        const [message] = store.enqueue(
          destination.id,
          [{ id: newId(IdPrefix.streamMessage, this.clock.now()), events: taken, origin: 'live' }],
          reached,
          at,
        );
        return message;
      }
      cursor = through;
    }
    if (cursor !== destination.cursor) store.updateDestination(destination.id, { cursor });
    return undefined;
  }

  private async attempt(
    destination: DestinationRecord,
    plugin: AnyStreamPlugin,
    message: StreamMessageRecord,
  ): Promise<SendResult> {
    const { store } = this.options;
    const started = this.clock.now();
    const attempt = message.attempts + 1;
    const firstAttemptAt = message.first_attempt_at ?? new Date(started).toISOString();
    let result: SendResult;
    try {
      const config = plugin.configSchema.parse(destination.config);
      const secrets = destination.secrets_sealed
        ? plugin.secretsSchema?.parse(this.options.box.open(destination.secrets_sealed, destination.id))
        : undefined;
      const request = plugin.encode(
        { messageId: message.id, sequence: message.sequence, events: message.events ?? [] },
        config,
        secrets,
        {
          now: new Date(started),
          host: this.host,
          ...(this.options.publicUrl
            ? {
                eventUrl: (e: AuditEvent) =>
                  `${this.options.publicUrl}/events/${encodeURIComponent(e.id)}?range=all`,
              }
            : {}),
        },
      );
      result = await (this.options.sender ?? send)(request, this.transport);
      if (this.stopping) return result;
    } catch (err) {
      // A destination whose settings no longer parse (or whose secrets do not open) cannot be sent to.
      result = {
        outcome: { kind: 'retry' },
        error: `cannot build the request: ${(err as Error).message}`,
        latencyMs: 0,
      };
    }
    const now = this.clock.now();
    const at = new Date(now).toISOString();
    const base = {
      attempts: attempt,
      first_attempt_at: firstAttemptAt,
      ...(result.status !== undefined ? { last_status: result.status } : { last_status: undefined }),
      last_error: result.error ?? (result.outcome.kind === 'delivered' ? undefined : `HTTP ${result.status}`),
      ...(result.response !== undefined ? { last_response: result.response.slice(0, 2048) } : {}),
    };
    let outcome: StreamAttemptRecord['outcome'] = result.outcome.kind;
    const health: Partial<DestinationRecord> = {};
    // The message, the destination's health and the log entry: one commit (one fsync) per attempt.
    store.atomically(() => {
      switch (result.outcome.kind) {
        case 'delivered':
          store.updateMessage(message.id, {
            ...base,
            status: 'delivered',
            delivered_at: at,
            last_error: undefined,
          });
          Object.assign(health, { last_success_at: at, failing_since: undefined, last_error: undefined });
          break;
        case 'gone':
        case 'unauthorized':
          // The message stays queued: when an admin resumes the destination it is sent again.
          store.updateMessage(message.id, { ...base, next_attempt_at: 0 });
          Object.assign(health, {
            paused_reason: result.outcome.kind,
            last_error:
              result.outcome.kind === 'gone'
                ? `HTTP 410 Gone at ${at}: the receiver asked to stop; resume the destination to send again`
                : `HTTP ${result.status} at ${at}: the receiver refused the credentials; fix them and resume the destination`,
            failing_since: destination.failing_since ?? at,
          });
          break;
        case 'reject':
          store.updateMessage(message.id, { ...base, status: 'dead', dead_at: at });
          Object.assign(health, { last_error: base.last_error });
          break;
        case 'retry': {
          const delay = nextRetryDelay(
            attempt,
            now - Date.parse(firstAttemptAt),
            this.random(),
            result.outcome.retryAfterMs,
          );
          if (delay === undefined) {
            outcome = 'exhausted';
            store.updateMessage(message.id, { ...base, status: 'dead', dead_at: at });
          } else {
            store.updateMessage(message.id, { ...base, next_attempt_at: now + delay });
          }
          const since = destination.failing_since ?? at;
          Object.assign(health, { failing_since: since, last_error: base.last_error });
          if (now - Date.parse(since) >= (this.options.autoPauseAfterMs ?? 5 * 86_400_000))
            health.paused_reason = 'failing';
          break;
        }
      }
      store.updateDestination(destination.id, { ...health, updated_at: destination.updated_at });
      store.recordAttempt({
        message_id: message.id,
        destination_id: destination.id,
        sequence: message.sequence,
        attempt,
        at,
        outcome,
        ...(result.status !== undefined ? { status_code: result.status } : {}),
        latency_ms: result.latencyMs,
        ...(base.last_error ? { error: base.last_error.slice(0, 1024) } : {}),
      });
    });
    if (health.paused_reason && !destination.paused_reason)
      this.options.onPaused?.(destination, health.paused_reason, health.last_error ?? '');
    if (outcome === 'delivered') this.options.onDelivered?.(destination, message, result);
    else this.options.onFailed?.(destination, message, result);
    return result;
  }
}
