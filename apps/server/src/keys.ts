import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import {
  type ApiKeyRecord,
  type ControlStore,
  ErrorCode,
  IdPrefix,
  newId,
  SCOPES,
  type Scope,
  SOURCE_PATTERN,
  TENANT_PATTERN,
  ValidationError,
} from '@trailmark/core';

/**
 * API keys are 32 random bytes, so a single SHA-256 is the right storage hash: there is nothing to
 * brute-force (unlike passwords, which would need argon2/scrypt). Lookup is by hash, so no key is
 * ever compared in plain text.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export const scopeSchema = z.enum(SCOPES).openapi('Scope', {
  description:
    '`ingest`: write events. `read`: list, get, facets, history. `export`: exports. `admin`: everything above plus key and settings management for its tenant.',
});

export const createKeySchema = z
  .strictObject({
    tenant: z.string().regex(TENANT_PATTERN, 'tenant ids are 1-128 of A-Z a-z 0-9 _ . -'),
    name: z.string().min(1).max(128),
    scopes: z.array(scopeSchema).min(1).max(SCOPES.length),
    source: z
      .string()
      .regex(SOURCE_PATTERN)
      .optional()
      .openapi({ description: 'Bind the key to one source: it may then ingest only events of that source.' }),
  })
  .openapi('CreateApiKeyRequest');
export type CreateKeyInput = z.infer<typeof createKeySchema>;

export interface CreatedKey {
  id: string;
  key: string;
  prefix: string;
  tenant: string;
  name: string;
  scopes: Scope[];
  source?: string;
  created_at: string;
}

export function parseCreateKey(body: unknown): CreateKeyInput {
  const parsed = createKeySchema.safeParse(body);
  if (!parsed.success) {
    throw new ValidationError(
      'invalid API key request',
      parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message })),
      ErrorCode.VALIDATION_FAILED,
    );
  }
  return parsed.data;
}

export function createApiKey(
  control: ControlStore,
  input: CreateKeyInput,
  now = new Date(),
  createdBy?: string,
): CreatedKey {
  const key = `tmk_${randomBytes(32).toString('base64url')}`;
  const record: ApiKeyRecord = {
    id: newId(IdPrefix.apiKey, now.getTime()),
    tenant: input.tenant,
    name: input.name,
    scopes: [...new Set(input.scopes)],
    ...(input.source ? { source: input.source } : {}),
    ...(createdBy ? { created_by: createdBy } : {}),
    prefix: key.slice(0, 12),
    hash: hashSecret(key),
    created_at: now.toISOString(),
  };
  control.createApiKey(record);
  return {
    id: record.id,
    key,
    prefix: record.prefix,
    tenant: record.tenant,
    name: record.name,
    scopes: record.scopes,
    ...(record.source ? { source: record.source } : {}),
    created_at: record.created_at,
  };
}

/** What listings show: never the hash. */
export function publicKey(record: ApiKeyRecord): Omit<ApiKeyRecord, 'hash'> {
  const { hash: _hash, ...rest } = record;
  return rest;
}
