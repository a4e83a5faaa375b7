import {
  type DestinationRecord,
  destinationInputSchema,
  destinationPatchSchema,
  ErrorCode,
  parseLimit,
  REDACTED,
  TENANT_PATTERN,
  TrailmarkError,
  ValidationError,
} from '@trailmark/core';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { auditAct } from '../accounts/audit.ts';
import { parseWith } from '../accounts/validate.ts';
import { principalLabel, requireScope, tenantOf } from '../auth.ts';
import type { AppEnv, Principal } from '../context.ts';
import type { AppDeps } from '../deps.ts';
import { oneQuery, readJson } from '../http.ts';
import type { StreamService } from '../streams/service.ts';

/** A time range (`to` left out: up to now), or everything after the receiver's last sequence. */
const replaySchema = z
  .strictObject({
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    after_sequence: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.after_sequence !== undefined && (r.from !== undefined || r.to !== undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['after_sequence'],
        message: 'give either "from" (and "to") or "after_sequence", not both',
      });
    else if (r.after_sequence === undefined && r.from === undefined)
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'required (or "after_sequence")' });
    else if (r.from !== undefined && r.to !== undefined && Date.parse(r.from) >= Date.parse(r.to))
      ctx.addIssue({ code: 'custom', path: ['to'], message: '"from" must be before "to"' });
  });
const deadReplaySchema = z.strictObject({
  message_ids: z.array(z.string().min(1).max(64)).max(1000).optional(),
});
const rotateSchema = z.strictObject({
  overlap_hours: z
    .number()
    .min(0)
    .max(24 * 30)
    .optional(),
});
const STATUSES = ['pending', 'delivered', 'dead'] as const;

/** Secrets never reach the audit trail: the request body keeps only that secrets were sent. */
function auditedBody(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || !('secrets' in body)) return body;
  return { ...(body as Record<string, unknown>), secrets: REDACTED };
}

/** One strict `limit` (decimal digits, given once), as on every other listing route. */
function limitOf(c: Context<AppEnv>, fallback: number, max: number): number {
  return parseLimit(c.req.queries('limit'), max, fallback);
}

/**
 * Stream destinations of a tenant: owners and admins (and admin keys) manage them, auditors and read
 * keys see them (secrets always masked). Another tenant's destination is "not found".
 */
export function streamRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const service = (): StreamService => {
    if (!deps.streams)
      throw new TrailmarkError(ErrorCode.NOT_FOUND, 'streaming is not enabled on this server');
    return deps.streams;
  };

  /** The tenant to create in: the caller's own, or for the operator the one named. */
  const createTenant = (principal: Principal, named: unknown): string => {
    const own = tenantOf(principal);
    if (own !== undefined) {
      if (named !== undefined && named !== own)
        throw new TrailmarkError(ErrorCode.FORBIDDEN, 'you manage your own tenant only', [
          { path: 'tenant', message: `you belong to tenant "${own}"` },
        ]);
      return own;
    }
    if (typeof named !== 'string' || !TENANT_PATTERN.test(named))
      throw new ValidationError('the operator must name the tenant', [
        { path: 'tenant', message: 'add "tenant"' },
      ]);
    return named;
  };

  const audit = async (
    c: Context<AppEnv>,
    principal: Principal,
    d: Pick<DestinationRecord, 'id' | 'tenant' | 'name' | 'kind'>,
    action: string,
    extra: { requestBody?: unknown; metadata?: Record<string, string | number | boolean> } = {},
  ) =>
    auditAct(c, deps, d.tenant, {
      action,
      actor: principalLabel(principal),
      targets: [{ type: 'stream_destination', id: d.id, name: d.name }],
      outcome: { result: 'success' },
      metadata: { kind: d.kind, ...extra.metadata },
      ...(extra.requestBody !== undefined ? { requestBody: auditedBody(extra.requestBody) } : {}),
    });

  app.get('/streams/kinds', (c) => {
    requireScope(c, 'read');
    return c.json({ data: service().kinds() });
  });

  app.get('/streams/destinations', (c) => {
    const principal = requireScope(c, 'read');
    const requested = oneQuery(c, 'tenant');
    const own = tenantOf(principal);
    if (own !== undefined && requested !== undefined && requested !== own)
      throw new TrailmarkError(ErrorCode.FORBIDDEN, 'you can only read your own tenant', [
        { path: 'tenant', message: `you belong to tenant "${own}"` },
      ]);
    return c.json({ data: service().list(own ?? requested) });
  });

  app.post('/streams/destinations', async (c) => {
    const principal = requireScope(c, 'admin');
    const body = await readJson(c);
    const { tenant: named, ...rest } = (typeof body === 'object' && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    const tenant = createTenant(principal, named);
    const input = parseWith(destinationInputSchema, rest, 'invalid stream destination');
    const creator = principal.kind === 'api_key' ? undefined : principal.user?.id;
    const created = await service().create(tenant, input, creator);
    await audit(c, principal, created, 'stream_destination.created', { requestBody: body });
    return c.json(created, 201);
  });

  app.get('/streams/destinations/:id', (c) => {
    const principal = requireScope(c, 'read');
    return c.json(service().get(c.req.param('id'), tenantOf(principal)));
  });

  app.patch('/streams/destinations/:id', async (c) => {
    const principal = requireScope(c, 'admin');
    const body = await readJson(c);
    const patch = parseWith(destinationPatchSchema, body, 'invalid stream destination change');
    const updated = await service().update(c.req.param('id'), tenantOf(principal), patch);
    await audit(c, principal, updated, 'stream_destination.updated', { requestBody: body });
    return c.json(updated);
  });

  app.delete('/streams/destinations/:id', async (c) => {
    const principal = requireScope(c, 'admin');
    const removed = service().delete(c.req.param('id'), tenantOf(principal));
    await audit(c, principal, removed, 'stream_destination.deleted');
    return c.body(null, 204);
  });

  app.post('/streams/destinations/:id/resume', async (c) => {
    const principal = requireScope(c, 'admin');
    const resumed = service().resume(c.req.param('id'), tenantOf(principal));
    await audit(c, principal, resumed, 'stream_destination.resumed');
    return c.json(resumed);
  });

  app.post('/streams/destinations/:id/rotate-secret', async (c) => {
    const principal = requireScope(c, 'admin');
    // The body is optional; one that was sent is read like any other (so an untyped one is a 415, never
    // ignored with its overlap_hours).
    const empty = (await c.req.arrayBuffer()).byteLength === 0;
    const body = empty ? {} : await readJson(c);
    const { overlap_hours } = parseWith(rotateSchema, body, 'invalid rotation');
    const s = service();
    const d = s.record(c.req.param('id'), tenantOf(principal));
    const rotated = s.rotateSecret(
      d.id,
      d.tenant,
      overlap_hours === undefined ? undefined : overlap_hours * 3600_000,
    );
    await audit(c, principal, d, 'stream_destination.secret_rotated', {
      metadata: { previous_until: rotated.previous_until },
    });
    return c.json(rotated);
  });

  app.post('/streams/destinations/:id/test', async (c) => {
    const principal = requireScope(c, 'admin');
    const s = service();
    const d = s.record(c.req.param('id'), tenantOf(principal));
    const sent = s.sendTest(d.id, d.tenant, principalLabel(principal));
    await audit(c, principal, d, 'stream_destination.tested');
    return c.json(sent, 202);
  });

  app.get('/streams/destinations/:id/health', (c) => {
    const principal = requireScope(c, 'read');
    const d = service().get(c.req.param('id'), tenantOf(principal));
    return c.json({ id: d.id, state: d.state, ...d.health });
  });

  app.get('/streams/destinations/:id/deliveries', (c) => {
    const principal = requireScope(c, 'read');
    const since = oneQuery(c, 'since');
    if (since !== undefined && Number.isNaN(Date.parse(since)))
      throw new ValidationError('invalid since', [{ path: 'since', message: 'an ISO 8601 time' }]);
    const data = service().attempts(
      c.req.param('id'),
      tenantOf(principal),
      limitOf(c, 100, 1000),
      since === undefined ? undefined : new Date(since).toISOString(),
    );
    return c.json({ data });
  });

  app.get('/streams/destinations/:id/messages', (c) => {
    const principal = requireScope(c, 'read');
    const status = oneQuery(c, 'status');
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status))
      throw new ValidationError('invalid status', [{ path: 'status', message: STATUSES.join(' | ') }]);
    const data = service().messages(
      c.req.param('id'),
      tenantOf(principal),
      status as (typeof STATUSES)[number] | undefined,
      limitOf(c, 100, 1000),
    );
    return c.json({ data });
  });

  app.get('/streams/destinations/:id/dead-letters', (c) => {
    const principal = requireScope(c, 'read');
    const data = service().messages(c.req.param('id'), tenantOf(principal), 'dead', limitOf(c, 100, 1000));
    return c.json({ data });
  });

  app.post('/streams/destinations/:id/dead-letters/replay', async (c) => {
    const principal = requireScope(c, 'admin');
    const body = await readJson(c);
    const { message_ids } = parseWith(deadReplaySchema, body, 'invalid replay');
    const s = service();
    const d = s.record(c.req.param('id'), tenantOf(principal));
    const replayed = s.replayDead(d.id, d.tenant, message_ids);
    await audit(c, principal, d, 'stream_destination.replayed', {
      metadata: { dead_letters: replayed.length },
    });
    return c.json({ replayed }, 202);
  });

  app.post('/streams/destinations/:id/replay', async (c) => {
    const principal = requireScope(c, 'admin');
    const body = await readJson(c);
    const range = parseWith(replaySchema, body, 'invalid replay range');
    const s = service();
    const d = s.record(c.req.param('id'), tenantOf(principal));
    const result =
      range.after_sequence !== undefined
        ? await s.replayFromSequence(d.id, d.tenant, range.after_sequence)
        : await s.replayRange(d.id, d.tenant, {
            from: range.from as string,
            ...(range.to !== undefined ? { to: range.to } : {}),
          });
    await audit(c, principal, d, 'stream_destination.replayed', {
      requestBody: body,
      metadata: { events: result.events, truncated: result.truncated },
    });
    return c.json(result, 202);
  });

  return app;
}
