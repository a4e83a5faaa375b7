import { z } from '@hono/zod-openapi';
import { ErrorCode, TrailmarkError } from '@trailmark/core';
import type { AppDeps } from '../../deps.ts';
import { refreshStreamMetrics } from '../../streams/metrics.ts';
import { createRouter, defineRoute, json } from '../define.ts';

const healthz = defineRoute(
  { public: true },
  {
    method: 'get',
    path: '/healthz',
    operationId: 'healthz',
    summary: 'Liveness',
    description: 'Answers as long as the process runs; does not touch storage.',
    tags: ['System'],
    responses: { 200: json('Alive', z.strictObject({ status: z.literal('ok') }), { status: 'ok' }) },
  },
);

const readyz = defineRoute(
  { public: true, errors: [ErrorCode.STORAGE_UNAVAILABLE] },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'readyz',
    summary: 'Readiness',
    description: 'Pings the event store; use it as the load balancer health check.',
    tags: ['System'],
    responses: {
      200: json('Storage reachable', z.strictObject({ status: z.literal('ready'), storage: z.string() }), {
        status: 'ready',
        storage: 'sqlite',
      }),
    },
  },
);

const metrics = defineRoute(
  { public: true },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus metrics',
    description:
      'HTTP, ingest, duplicate, rejection and retention counters in the Prometheus text format. Not authenticated: restrict it at the network level.',
    tags: ['System'],
    responses: {
      200: { description: 'Prometheus exposition format', content: { 'text/plain': { schema: z.string() } } },
    },
  },
);

const openapi = defineRoute(
  { public: true },
  {
    method: 'get',
    path: '/v1/openapi.json',
    operationId: 'openapi',
    summary: 'This document',
    tags: ['System'],
    responses: { 200: json('OpenAPI 3.1 document', z.record(z.string(), z.unknown())) },
  },
);

/**
 * Health, readiness, metrics and the API document, outside /v1's authentication (mounted at /).
 * `document` builds the OpenAPI document of the whole app, which this router is part of.
 */
export function systemRoutes(deps: AppDeps, document: () => Record<string, unknown>) {
  const app = createRouter();
  app.openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200));
  app.openapi(readyz, async (c) => {
    try {
      await deps.storage.ping();
    } catch (err) {
      c.get('logger').warn({ err }, 'storage not ready');
      throw new TrailmarkError(ErrorCode.STORAGE_UNAVAILABLE, 'storage is not reachable');
    }
    return c.json({ status: 'ready' as const, storage: deps.storage.name }, 200);
  });
  app.openapi(metrics, async (c) => {
    refreshStreamMetrics(deps);
    const registry = deps.metrics.registry;
    return c.text(await registry.metrics(), 200, { 'Content-Type': registry.contentType });
  });
  app.openapi(openapi, (c) => c.json(document(), 200));
  return app;
}
