import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics exposed at GET /metrics. One registry per app instance keeps tests independent. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'trailmark_process_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'trailmark_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'trailmark_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    eventsIngested: new Counter({
      name: 'trailmark_events_ingested_total',
      help: 'Events durably stored, by source',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    eventsDuplicate: new Counter({
      name: 'trailmark_events_duplicate_total',
      help: 'Events received again with an id already stored (idempotent retries)',
      registers: [registry],
    }),
    ingestRejected: new Counter({
      name: 'trailmark_ingest_rejected_total',
      help: 'Ingest requests rejected, by error code',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    streamDelivered: new Counter({
      name: 'trailmark_stream_delivered_events_total',
      help: 'Events delivered to a stream destination (acknowledged by the receiver)',
      labelNames: ['destination', 'kind'] as const,
      registers: [registry],
    }),
    streamFailed: new Counter({
      name: 'trailmark_stream_failed_events_total',
      help: 'Events of failed delivery attempts to a stream destination (each failed attempt counts its events)',
      labelNames: ['destination', 'kind'] as const,
      registers: [registry],
    }),
    streamQueued: new Gauge({
      name: 'trailmark_stream_queued_events',
      help: 'Events waiting for a stream destination (queued messages plus stored events not yet batched)',
      labelNames: ['destination', 'kind'] as const,
      registers: [registry],
    }),
    streamLag: new Gauge({
      name: 'trailmark_stream_lag_seconds',
      help: 'Age of the oldest event not yet delivered to a stream destination',
      labelNames: ['destination', 'kind'] as const,
      registers: [registry],
    }),
    retentionDeleted: new Counter({
      name: 'trailmark_retention_deleted_total',
      help: 'Events deleted by retention purges',
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
