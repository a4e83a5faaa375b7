/** Response schemas of people and one-time links, shared by the users and auth routes. */
import { z } from '@hono/zod-openapi';
import { ROLES } from '@trailmark/core';

export const roleSchema = z.enum(ROLES).openapi('Role');

export const userSchema = z
  .strictObject({
    id: z.string().regex(/^usr_/),
    email: z.string().openapi({ format: 'email' }),
    name: z.string(),
    role: roleSchema,
    tenant: z.string().nullable().openapi({ description: 'null for operators.' }),
    created_at: z.iso.datetime(),
  })
  .openapi('User');

export const linkSchema = z
  .strictObject({
    id: z.string().regex(/^lnk_/),
    kind: z.enum(['setup', 'invitation', 'password_reset']),
    email: z.string().optional(),
    role: roleSchema.optional(),
    tenant: z.string().nullable(),
    created_by: z.string(),
    created_at: z.iso.datetime(),
    expires_at: z.iso.datetime(),
    status: z.enum(['pending', 'used', 'revoked', 'expired']),
    used_at: z.iso.datetime().optional(),
    revoked_at: z.iso.datetime().optional(),
  })
  .openapi('Link', {
    description: 'An invitation or password-reset link as listings show it: never the token.',
  });

export const userExample = {
  id: 'usr_01JRW6B9G1USER00000000001',
  email: 'owner@acme.test',
  name: 'Olivia Owner',
  role: 'owner',
  tenant: 'acme',
  created_at: '2026-04-14T10:00:00.000Z',
} as const;

export const invitationExample = {
  id: 'lnk_01JRW6B9G1LINK0000000001',
  kind: 'invitation',
  email: 'auditor@acme.test',
  role: 'auditor',
  tenant: 'acme',
  created_by: 'usr_01JRW6B9G1USER00000000001',
  created_at: '2026-04-14T10:05:00.000Z',
  expires_at: '2026-04-17T10:05:00.000Z',
  status: 'pending',
} as const;
