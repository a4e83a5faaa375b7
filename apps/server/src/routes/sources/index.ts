import { ErrorCode, RESERVED_SOURCE, TrailmarkError, ValidationError } from '@trailmark/core';
import { Hono } from 'hono';
import { requireScope } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import type { AppDeps } from '../deps.ts';
import { asBatch, readJson } from '../http.ts';

/** Native payloads in, normalized events out: the source plugin maps, the engine validates and stores. */
export function sourceRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.post('/sources/:source/events', async (c) => {
    const principal = requireScope(c, 'ingest');
    const sourceId = c.req.param('source');
    if (sourceId === RESERVED_SOURCE) {
      throw new TrailmarkError(
        ErrorCode.FORBIDDEN,
        `source "${RESERVED_SOURCE}" is reserved for the server's own audit trail`,
        [{ path: 'source', message: 'reserved' }],
      );
    }
    const plugin = deps.plugins.sources.get(sourceId);
    if (!plugin?.map) {
      throw new TrailmarkError(
        ErrorCode.UNKNOWN_SOURCE,
        `no source plugin "${sourceId}" accepts native payloads`,
      );
    }
    let tenant: string | undefined;
    if (principal.kind === 'operator') {
      tenant = c.req.query('tenant');
      if (!tenant) {
        throw new ValidationError('the operator must name the tenant', [
          { path: 'tenant', message: 'add ?tenant=<id> to the URL' },
        ]);
      }
    } else {
      tenant = principal.tenant;
      if (principal.kind === 'api_key' && principal.key.source && principal.key.source !== sourceId) {
        throw new TrailmarkError(
          ErrorCode.FORBIDDEN,
          `this API key may only send source "${principal.key.source}"`,
        );
      }
    }
    const result = await deps.ingestNative(sourceId, asBatch(await readJson(c)), { tenant });
    return c.json(result, result.accepted > 0 ? 201 : 200);
  });

  return app;
}
