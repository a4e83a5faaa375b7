import { z } from '@hono/zod-openapi';
import { ErrorCode, TENANT_PATTERN, TrailmarkError } from '@trailmark/core';
import { auditAct } from '../../accounts/audit.ts';
import { principalLabel, requireScope, scopesOf, tenantOf } from '../../auth.ts';
import type { Principal } from '../../context.ts';
import type { AppDeps } from '../../deps.ts';
import { oneQuery } from '../../http.ts';
import { createApiKey, createKeySchema, publicKey, scopeSchema } from '../../keys.ts';
import { runRetention } from '../../retention.ts';
import { createRouter, defineRoute, firstValue, json } from '../define.ts';

const settingsSchema = z
  .strictObject({ max_export_rows: z.number().int().min(1).nullable().optional() })
  .openapi('TenantSettingsUpdate', {
    description: 'Replaces the settings: an absent or `null` value clears the setting.',
  });

const timestamp = z.iso.datetime();

const apiKeySchema = z
  .strictObject({
    id: z.string(),
    tenant: z.string(),
    name: z.string(),
    scopes: z.array(scopeSchema),
    source: z.string().optional(),
    created_by: z
      .string()
      .optional()
      .openapi({ description: 'The user who created the key (unset: operator or CLI).' }),
    prefix: z.string().openapi({ description: 'First 12 characters of the key, to tell keys apart.' }),
    created_at: timestamp,
    revoked_at: timestamp.optional(),
    last_used_at: timestamp.optional().openapi({ description: 'Updated at most once a minute.' }),
  })
  .openapi('ApiKey', { description: 'An API key as listings show it: never the key itself nor its hash.' });

const createdApiKeySchema = z
  .strictObject({
    id: z.string(),
    key: z
      .string()
      .regex(/^tmk_/)
      .openapi({ description: 'The secret. Shown once: only its SHA-256 is stored.' }),
    prefix: z.string(),
    tenant: z.string(),
    name: z.string(),
    scopes: z.array(scopeSchema),
    source: z.string().optional(),
    created_at: timestamp,
  })
  .openapi('CreatedApiKey');

const tenantSettingsResponse = z
  .strictObject({
    tenant: z.string(),
    settings: z
      .strictObject({
        max_export_rows: z
          .int()
          .min(1)
          .optional()
          .openapi({ description: 'Most rows one export may contain; absent means unlimited.' }),
      })
      .openapi('TenantSettings'),
  })
  .openapi('TenantSettingsResponse');

export const retentionPeriodSchema = z
  .union([z.strictObject({ days: z.int().min(1) }), z.strictObject({ months: z.int().min(1) })])
  .openapi('RetentionPeriod');

const retentionRunSchema = z
  .strictObject({
    id: z.string(),
    started_at: timestamp,
    finished_at: timestamp,
    deleted: z.int().min(0),
    tasks: z.array(
      z.strictObject({
        tenant: z.string(),
        source: z.string(),
        before: timestamp.openapi({ description: 'Events that occurred before this instant were purged.' }),
        retention: z.string().openapi({ description: 'The period applied, e.g. `120 days`.' }),
        deleted: z.int().min(0),
      }),
    ),
  })
  .openapi('RetentionRun');

const retentionPolicySchema = z
  .object({
    default: retentionPeriodSchema,
    sources: z.record(z.string(), retentionPeriodSchema),
    tenants: z.record(
      z.string(),
      z.object({
        default: retentionPeriodSchema.optional(),
        sources: z.record(z.string(), retentionPeriodSchema).optional(),
      }),
    ),
  })
  .openapi('RetentionPolicy');

const apiKeyExample = {
  id: 'key_01JRWA0K5T8M2Q4ZC7XN3B6V9D',
  tenant: 'acme',
  name: 'file-transfer ingest',
  scopes: ['ingest'],
  source: 'file-transfer',
  prefix: 'tmk_Q2x8vLr0',
  created_at: '2026-04-14T09:00:00.000Z',
  last_used_at: '2026-04-14T10:32:15.000Z',
};
const { last_used_at: _lastUsed, ...unusedKey } = apiKeyExample;
const createdApiKeyExample = { ...unusedKey, key: 'tmk_Q2x8vLr0kZ3m9YwPz1eT4bHn7sJd5fGa6cXqRuVi0oM' };

const BODY_ERRORS = [
  ErrorCode.MALFORMED_JSON,
  ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  ErrorCode.VALIDATION_FAILED,
  ErrorCode.REQUEST_TIMEOUT,
  ErrorCode.OVERLOADED,
] as const;
const tenantQuery = (description: string) =>
  z.object({ tenant: firstValue(z.string().optional()).openapi({ description }) });
const tenantParam = z.object({
  tenant: z.string().regex(TENANT_PATTERN, 'invalid id').openapi({ description: 'Tenant id.' }),
});

const createApiKeyRoute = defineRoute(
  { scope: 'admin', invalid: 'invalid API key request', errors: BODY_ERRORS },
  {
    method: 'post',
    path: '/api-keys',
    operationId: 'createApiKey',
    summary: 'Create an API key',
    description:
      'The response holds the key itself, the only time it is shown. Creating a key is recorded as `api_key.created` in the `trailmark` source.',
    tags: ['Admin'],
    request: {
      body: {
        required: true,
        content: {
          'application/json': {
            schema: createKeySchema,
            examples: {
              ingestOnly: {
                summary: 'Ingest-only key bound to the file-transfer source',
                value: {
                  tenant: 'acme',
                  name: 'file-transfer ingest',
                  scopes: ['ingest'],
                  source: 'file-transfer',
                },
              },
              readExport: {
                summary: 'Read and export key for a SIEM job',
                value: { tenant: 'acme', name: 'siem-pull', scopes: ['read', 'export'] },
              },
            },
          },
        },
      },
    },
    responses: { 201: json('Created', createdApiKeySchema, createdApiKeyExample) },
  },
);

const listApiKeys = defineRoute(
  { scope: 'admin' },
  {
    method: 'get',
    path: '/api-keys',
    operationId: 'listApiKeys',
    summary: 'List API keys',
    description: "Revoked keys included. Admin keys see their own tenant's keys.",
    tags: ['Admin'],
    request: { query: tenantQuery('Operator token: only this tenant. Ignored for admin keys.') },
    responses: {
      200: json('Keys', z.strictObject({ data: z.array(apiKeySchema) }), { data: [apiKeyExample] }),
    },
  },
);

const revokeApiKey = defineRoute(
  { scope: 'admin', errors: [ErrorCode.NOT_FOUND] },
  {
    method: 'delete',
    path: '/api-keys/{id}',
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key',
    description:
      'Takes effect on the next request. Revoking twice is harmless. Recorded as `api_key.revoked`.',
    tags: ['Admin'],
    request: { params: z.object({ id: z.string().openapi({ description: 'API key id (`key_...`).' }) }) },
    responses: {
      200: json('The revoked key', apiKeySchema, {
        ...apiKeyExample,
        revoked_at: '2026-04-20T08:00:00.000Z',
      }),
    },
  },
);

const settingsExample = { tenant: 'acme', settings: { max_export_rows: 500_000 } };

const getTenantSettings = defineRoute(
  { scope: 'admin', invalid: 'invalid tenant' },
  {
    method: 'get',
    path: '/tenants/{tenant}/settings',
    operationId: 'getTenantSettings',
    summary: 'Get tenant settings',
    tags: ['Admin'],
    request: { params: tenantParam },
    responses: { 200: json('Settings', tenantSettingsResponse, settingsExample) },
  },
);

const putTenantSettings = defineRoute(
  { scope: 'admin', invalid: { param: 'invalid tenant', json: 'invalid settings' }, errors: BODY_ERRORS },
  {
    method: 'put',
    path: '/tenants/{tenant}/settings',
    operationId: 'putTenantSettings',
    summary: 'Replace tenant settings',
    description: 'Recorded as `tenant_settings.updated`.',
    tags: ['Admin'],
    request: {
      params: tenantParam,
      body: {
        required: true,
        content: {
          'application/json': {
            schema: settingsSchema,
            examples: {
              cap: { summary: 'Cap exports at 500,000 rows', value: { max_export_rows: 500_000 } },
              clear: { summary: 'Remove the cap', value: { max_export_rows: null } },
            },
          },
        },
      },
    },
    responses: { 200: json('Settings after the update', tenantSettingsResponse, settingsExample) },
  },
);

const listRetentionRuns = defineRoute(
  { scope: 'operator' },
  {
    method: 'get',
    path: '/retention/runs',
    operationId: 'listRetentionRuns',
    summary: 'Recent retention runs and the policy',
    description: 'The last 50 runs, newest first, and the effective retention policy.',
    tags: ['Admin'],
    responses: {
      200: json(
        'Runs and policy',
        z.object({ data: z.array(retentionRunSchema), policy: retentionPolicySchema }),
      ),
    },
  },
);

const runRetentionRoute = defineRoute(
  { scope: 'operator', errors: [ErrorCode.STORAGE_UNAVAILABLE] },
  {
    method: 'post',
    path: '/retention/run',
    operationId: 'runRetention',
    summary: 'Run retention now',
    description:
      'Purges, per tenant and source, the events older than their retention period (the scheduler does this every TRAILMARK_RETENTION_INTERVAL_MINUTES). Each purge is recorded as `retention.purged`.',
    tags: ['Admin'],
    responses: {
      200: json('The run', retentionRunSchema, {
        id: 'ret_01JRWC9P2A6D8F0H3K5M7Q9S1U',
        started_at: '2026-04-14T11:00:00.000Z',
        finished_at: '2026-04-14T11:00:01.250Z',
        deleted: 3120,
        tasks: [
          {
            tenant: 'acme',
            source: 'file-transfer',
            before: '2025-12-15T11:00:00.000Z',
            retention: '120 days',
            deleted: 3120,
          },
        ],
      }),
    },
  },
);

/** Admin keys manage their own tenant; the operator manages all. */
function assertTenantAdmin(principal: Principal, tenant: string): void {
  const own = tenantOf(principal);
  if (own !== undefined && own !== tenant) {
    throw new TrailmarkError(ErrorCode.FORBIDDEN, 'an admin manages their own tenant only', [
      { path: 'tenant', message: `you belong to tenant "${own}"` },
    ]);
  }
}

/** API keys, tenant settings and retention (mounted at /v1/admin). */
export function adminRoutes(deps: AppDeps) {
  const app = createRouter();

  app.openapi(createApiKeyRoute, async (c) => {
    const principal = requireScope(c, 'admin');
    const input = c.req.valid('json');
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

  app.openapi(listApiKeys, (c) => {
    const principal = requireScope(c, 'admin');
    const requested = oneQuery(c, 'tenant');
    if (requested) assertTenantAdmin(principal, requested);
    const tenant = tenantOf(principal) ?? requested;
    return c.json({ data: deps.control.listApiKeys(tenant).map(publicKey) }, 200);
  });

  app.openapi(revokeApiKey, async (c) => {
    const principal = requireScope(c, 'admin');
    const key = deps.control.getApiKey(c.req.valid('param').id);
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
    return c.json(publicKey(deps.control.getApiKey(key.id)!), 200);
  });

  app.openapi(getTenantSettings, (c) => {
    const principal = requireScope(c, 'admin');
    const { tenant } = c.req.valid('param');
    assertTenantAdmin(principal, tenant);
    return c.json({ tenant, settings: deps.control.getTenantSettings(tenant) }, 200);
  });

  app.openapi(putTenantSettings, async (c) => {
    const principal = requireScope(c, 'admin');
    const { tenant } = c.req.valid('param');
    assertTenantAdmin(principal, tenant);
    const input = c.req.valid('json');
    const settings = {
      ...(input.max_export_rows ? { max_export_rows: input.max_export_rows } : {}),
    };
    deps.control.setTenantSettings(tenant, settings);
    await auditAct(c, deps, tenant, {
      action: 'tenant_settings.updated',
      actor: principalLabel(principal),
      targets: [{ type: 'tenant', id: tenant }],
      outcome: { result: 'success' },
      changes: [{ field: 'max_export_rows', after: settings.max_export_rows ?? null }],
      requestBody: input,
      responseBody: { tenant, settings },
      status: 200,
    });
    return c.json({ tenant, settings }, 200);
  });

  app.openapi(listRetentionRuns, (c) =>
    c.json({ data: deps.control.listRetentionRuns(50), policy: deps.plugins.retention }, 200),
  );

  app.openapi(runRetentionRoute, async (c) => {
    const actor = principalLabel(c.get('principal'));
    // Purges an operator asks for carry who asked, from where and in which request.
    const run = await runRetention(deps, new Date(), (tenant, act) =>
      auditAct(c, deps, tenant, { ...act, actor }),
    );
    return c.json(run, 200);
  });

  return app;
}
