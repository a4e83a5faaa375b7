import { ErrorCode, parseLimit, TrailmarkError, ValidationError } from '@trailmark/core';
import { type Context, Hono } from 'hono';
import { requireScope, tenantScope } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import type { AppDeps } from '../deps.ts';
import type { Evidence } from '../evidence/service.ts';

/** Proofs and checkpoints answer for one tenant: a tenant's own, or the one the operator names. */
function oneTenant(c: Context<AppEnv>): string {
  const tenants = tenantScope(c, c.req.queries('tenant'));
  if (tenants?.length !== 1)
    throw new ValidationError('name one tenant', [
      { path: 'tenant', message: 'required once with the operator token' },
    ]);
  return tenants[0] as string;
}

function sizeParam(c: Context<AppEnv>, name: string): number {
  const raw = c.req.queries(name);
  if (raw?.length !== 1 || !/^(0|[1-9][0-9]{0,14})$/.test(raw[0] as string))
    throw new ValidationError(`invalid ${name}`, [
      { path: name, message: 'a tree size: one whole number >= 0' },
    ]);
  return Number(raw[0]);
}

export function proofRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const evidence = (): Evidence => {
    if (!deps.evidence)
      throw new TrailmarkError(ErrorCode.NOT_FOUND, `the ${deps.storage.name} store keeps no evidence log`);
    return deps.evidence;
  };

  app.get('/proofs/inclusion', async (c) => {
    requireScope(c, 'read');
    const tenant = oneTenant(c);
    const ids = c.req.queries('id');
    if (ids?.length !== 1 || ids[0] === '')
      throw new ValidationError('invalid id', [{ path: 'id', message: 'one event id is required' }]);
    const answer = await evidence().inclusion(tenant, ids[0] as string);
    return c.json({ tenant, ...answer, public_key: evidence().verifierKey });
  });

  app.get('/proofs/consistency', async (c) => {
    requireScope(c, 'read');
    const tenant = oneTenant(c);
    const answer = await evidence().consistency(tenant, sizeParam(c, 'from'), sizeParam(c, 'to'));
    return c.json({ tenant, ...answer });
  });

  app.get('/checkpoints', async (c) => {
    requireScope(c, 'read');
    const tenant = oneTenant(c);
    const data = evidence().list(tenant, parseLimit(c.req.queries('limit')));
    return c.json({
      tenant,
      origin: evidence().originOf(tenant),
      public_key: evidence().verifierKey,
      data: data.reverse(),
    });
  });

  app.post('/checkpoints', async (c) => {
    requireScope(c, 'admin');
    const tenant = oneTenant(c);
    const made = await evidence().checkpoint(tenant);
    if (!made)
      throw new TrailmarkError(ErrorCode.NOT_FOUND, `tenant "${tenant}" has no events in its log yet`);
    return c.json(made, 201);
  });

  app.get('/checkpoints/public-key', (c) => {
    requireScope(c, 'read');
    return c.json({ current: evidence().verifierKey, key_id: evidence().keyId, keys: evidence().keys() });
  });

  return app;
}
