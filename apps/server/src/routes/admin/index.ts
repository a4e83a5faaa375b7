import { ErrorCode, TENANT_PATTERN, TrailmarkError, ValidationError } from '@trailmark/core';
import { Hono } from 'hono';
import { z } from 'zod';
import { auditAct } from '../accounts/audit.ts';
import { principalLabel, requireOperator, requireScope, scopesOf, tenantOf } from '../auth.ts';
import type { AppEnv, Principal } from '../context.ts';
import type { AppDeps } from '../deps.ts';
import { readJson } from '../http.ts';
import { createApiKey, parseCreateKey, publicKey } from '../keys.ts';
import { runRetention } from '../retention.ts';

const settingsSchema = z.strictObject({ max_export_rows: z.number().int().min(1).nullable().optional() });

/** Admin keys manage their own tenant; the operator manages all. */
function assertTenantAdmin(principal: Principal, tenant: string): void {
  const own = tenantOf(principal);
  if (own !== undefined && own !== tenant) {
    throw new TrailmarkError(ErrorCode.FORBIDDEN, 'an admin manages their own tenant only', [
      { path: 'tenant', message: `you belong to tenant "${own}"` },
    ]);
  }
}

export function adminRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.post('/admin/api-keys', async (c) => {
    const principal = requireScope(c, 'admin');
    const input = parseCreateKey(await readJson(c));
    assertTenantAdmin(principal, input.tenant);
    // A key never holds more than its creator's role allows (checked again on every use).
    const allowed = scopesOf(principal);
    const excess = input.scopes.filter((scope) => !allowed.includes(scope));
    if (excess.length > 0)
      throw new TrailmarkError(ErrorCode.FORBIDDEN, 'a key cannot hold more than your role allows', [
        { path: 'scopes', message: `not allowed: ${excess.join(', ')}` },
      ]);
    // A key bound to one source makes keys for that source only: never one broader than itself.
    if (principal.kind === 'api_key' && principal.key.source && input.source !== principal.key.source)
      throw new TrailmarkError(ErrorCode.FORBIDDEN, 'a key cannot be broader than the key that creates it', [
        {
          path: 'source',
          message: `this key is bound to source "${principal.key.source}"; give the same source`,
        },
      ]);
    const creator = principal.kind === 'api_key' ? undefined : principal.user;
    const created = createApiKey(deps.control, input, new Date(), creator?.id);
    const { key: _secret, ...shown } = created;
    await auditAct(c, deps, input.tenant, {
      action: 'api_key.created',
      actor: principalLabel(principal),
      targets: [{ type: 'api_key', id: created.id, name: created.name }],
      outcome: { result: 'success' },
      metadata: { scopes: created.scopes.join(','), prefix: created.prefix },
      requestBody: input,
      responseBody: shown,
      status: 201,
    });
    return c.json(created, 201);
  });

  app.get('/admin/api-keys', (c) => {
    const principal = requireScope(c, 'admin');
    const requested = c.req.query('tenant');
    if (requested) assertTenantAdmin(principal, requested);
    const tenant = tenantOf(principal) ?? requested;
    return c.json({ data: deps.control.listApiKeys(tenant).map(publicKey) });
  });

  app.delete('/admin/api-keys/:id', async (c) => {
    const principal = requireScope(c, 'admin');
    const key = deps.control.getApiKey(c.req.param('id'));
    const own = tenantOf(principal);
    if (!key || (own !== undefined && key.tenant !== own)) {
      throw new TrailmarkError(ErrorCode.NOT_FOUND, `no API key "${c.req.param('id')}"`);
    }
    const revoked = deps.control.revokeApiKey(key.id, new Date().toISOString());
    if (revoked) {
      await auditAct(c, deps, key.tenant, {
        action: 'api_key.revoked',
        actor: principalLabel(principal),
        targets: [{ type: 'api_key', id: key.id, name: key.name }],
        outcome: { result: 'success' },
        status: 200,
      });
    }
    return c.json(publicKey(deps.control.getApiKey(key.id)!));
  });

  app.get('/admin/tenants/:tenant/settings', (c) => {
    const principal = requireScope(c, 'admin');
    const tenant = c.req.param('tenant');
    if (!TENANT_PATTERN.test(tenant))
      throw new ValidationError('invalid tenant', [{ path: 'tenant', message: 'invalid id' }]);
    assertTenantAdmin(principal, tenant);
    return c.json({ tenant, settings: deps.control.getTenantSettings(tenant) });
  });

  app.put('/admin/tenants/:tenant/settings', async (c) => {
    const principal = requireScope(c, 'admin');
    const tenant = c.req.param('tenant');
    if (!TENANT_PATTERN.test(tenant))
      throw new ValidationError('invalid tenant', [{ path: 'tenant', message: 'invalid id' }]);
    assertTenantAdmin(principal, tenant);
    const parsed = settingsSchema.safeParse(await readJson(c));
    if (!parsed.success) {
      throw new ValidationError(
        'invalid settings',
        parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message })),
      );
    }
    const settings = {
      ...(parsed.data.max_export_rows ? { max_export_rows: parsed.data.max_export_rows } : {}),
    };
    deps.control.setTenantSettings(tenant, settings);
    await auditAct(c, deps, tenant, {
      action: 'tenant_settings.updated',
      actor: principalLabel(principal),
      targets: [{ type: 'tenant', id: tenant }],
      outcome: { result: 'success' },
      changes: [{ field: 'max_export_rows', after: settings.max_export_rows ?? null }],
      requestBody: parsed.data,
      responseBody: { tenant, settings },
      status: 200,
    });
    return c.json({ tenant, settings });
  });

  app.get('/admin/retention/runs', (c) => {
    requireOperator(c);
    return c.json({ data: deps.control.listRetentionRuns(50), policy: deps.plugins.retention });
  });

  app.post('/admin/retention/run', async (c) => {
    requireOperator(c);
    const actor = principalLabel(c.get('principal'));
    // Purges an operator asks for carry who asked, from where and in which request.
    const run = await runRetention(deps, new Date(), (tenant, act) =>
      auditAct(c, deps, tenant, { ...act, actor }),
    );
    return c.json(run, 200);
  });

  return app;
}
