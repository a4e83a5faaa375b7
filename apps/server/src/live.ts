import type { AuditEvent } from '@trailmark/core';

/**
 * New events as they are stored, for live tails (GET /v1/events/live). In-process: each server
 * instance tells its own streams about what it stored; a stream that misses something (a reconnect, an
 * overflow, another instance's ingest) catches up from the store with Last-Event-ID.
 */
export interface LiveHub {
  /** Called after the store committed the events; never throws. */
  publish(events: readonly AuditEvent[]): void;
  subscribe(listener: (events: readonly AuditEvent[]) => void): () => void;
  /** Streams open now, for the concurrency bound. */
  readonly streams: number;
  /** Claims a stream slot; false when `max` are open. The caller releases it when the stream ends. */
  claim(): boolean;
  release(): void;
  readonly maxStreams: number;
  readonly heartbeatMs: number;
}

export interface LiveHubOptions {
  /** Streams open at once across all callers; the next gets 429. */
  maxStreams?: number;
  /** Comment lines sent this often keep proxies from closing an idle stream. */
  heartbeatMs?: number;
}

export function createLiveHub({ maxStreams = 100, heartbeatMs = 15_000 }: LiveHubOptions = {}): LiveHub {
  const listeners = new Set<(events: readonly AuditEvent[]) => void>();
  let streams = 0;
  return {
    publish(events) {
      if (events.length === 0) return;
      for (const listener of listeners) {
        try {
          listener(events);
        } catch {
          // A broken stream is its own problem; the others still hear about the events.
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get streams() {
      return streams;
    },
    claim() {
      if (streams >= maxStreams) return false;
      streams++;
      return true;
    },
    release() {
      streams = Math.max(0, streams - 1);
    },
    maxStreams,
    heartbeatMs,
  };
}
