import { OpenAPIHono } from '@hono/zod-openapi';
import { ErrorCode, IdPrefix, newId } from '@trailmark/core';
import { routePath } from 'hono/route';
import { secureHeaders } from 'hono/secure-headers';
import { serveAdminUi } from './admin-ui.ts';
import { authenticate } from './auth.ts';
import { bodyGuard } from './body-guard.ts';
import type { AppEnv } from './context.ts';
import type { AppDeps } from './deps.ts';
import { errorBody, errorHandler } from './errors.ts';
import { openApiDocument } from './openapi.ts';
import { adminRoutes } from './routes/admin/index.ts';
import { authRoutes } from './routes/auth/index.ts';
import { catalogRoutes } from './routes/catalog/index.ts';
import { countRoutes } from './routes/counts/index.ts';
import { eventRoutes } from './routes/events/index.ts';
import { streamExportRoutes } from './routes/export/index.ts';
import { exportJobRoutes } from './routes/exports/index.ts';
import { facetRoutes } from './routes/facets/index.ts';
import { historyRoutes } from './routes/history/index.ts';
import { liveRoutes } from './routes/live/index.ts';
import { proofRoutes } from './routes/proofs/index.ts';
import { sourceRoutes } from './routes/sources/index.ts';
import { streamRoutes } from './routes/streams/index.ts';
import { systemRoutes } from './routes/system/index.ts';
import { tenantRoutes, userRoutes } from './routes/users/index.ts';

/** Builds the HTTP app from its dependencies; tests call `app.request()` on it with a temp-file store. */
export function createApp(deps: AppDeps) {
  // OpenAPIHono: the routers declared with @hono/zod-openapi bring their operations up to the document.
  const app = new OpenAPIHono<AppEnv>();

  // The server's own id, always: a client-chosen X-Request-Id would otherwise be written into audit
  // events as if the server had issued it. The client's value is kept apart, for correlation only.
  app.use(async (c, next) => {
    const id = newId(IdPrefix.request);
    c.set('requestId', id);
    const sent = c.req.header('x-request-id');
    if (sent && /^[\x21-\x7e]{1,128}$/.test(sent)) c.set('clientRequestId', sent);
    c.header('X-Request-Id', id);
    await next();
  });
  app.use(secureHeaders());
  app.use(async (c, next) => {
    const client = c.get('clientRequestId');
    c.set(
      'logger',
      deps.logger.child({ request_id: c.get('requestId'), ...(client ? { client_request_id: client } : {}) }),
    );
    const started = performance.now();
    await next();
    const route = routePath(c);
    const labels = { method: c.req.method, route };
    deps.metrics.httpRequests.inc({ ...labels, status: String(c.res.status) });
    deps.metrics.httpDuration.observe(labels, (performance.now() - started) / 1000);
  });
  app.onError(errorHandler(deps.plugins.errors));
  // The admin UI answers what no route did (so it can never shadow one); anything else is a JSON 404.
  app.notFound(
    (c) =>
      serveAdminUi(c) ??
      c.json(errorBody(c, ErrorCode.NOT_FOUND, `no route ${c.req.method} ${c.req.path}`), 404),
  );

  app.route(
    '/',
    systemRoutes(deps, () => openApiDocument(deps, app)),
  );

  const v1 = new OpenAPIHono<AppEnv>();
  v1.use((c, next) => {
    c.set('bodyLimitBytes', deps.bodyLimitBytes);
    return next();
  });
  // Credentials first, from the headers alone: an anonymous sender gets its 401 before any byte of its
  // body is buffered. Then the body, bounded in size, time and concurrency.
  v1.use(authenticate(deps));
  v1.use(
    bodyGuard({
      maxBytes: deps.bodyLimitBytes,
      timeoutMs: deps.bodyTimeoutMs,
      maxInflight: deps.maxInflightBodies,
    }),
  );
  // The URL map. Live first: GET /events/{id} would otherwise take /events/live.
  v1.route('/events/live', liveRoutes(deps));
  v1.route('/events', eventRoutes(deps));
  v1.route('/sources', sourceRoutes(deps));
  v1.route('/history', historyRoutes(deps));
  v1.route('/facets', facetRoutes(deps));
  v1.route('/', countRoutes(deps)); // /count and /histogram
  v1.route('/catalog', catalogRoutes(deps));
  v1.route('/export', streamExportRoutes(deps));
  v1.route('/exports', exportJobRoutes(deps));
  v1.route('/admin', adminRoutes(deps));
  v1.route('/auth', authRoutes(deps));
  v1.route('/users', userRoutes(deps));
  v1.route('/tenants', tenantRoutes(deps));
  v1.route('/streams', streamRoutes(deps));
  v1.route('/', proofRoutes(deps)); // /proofs/* and /checkpoints
  app.route('/v1', v1);
  return app;
}
