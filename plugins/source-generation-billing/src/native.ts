import { z } from 'zod';
import { generationBillingActions } from './plugin.ts';

const KNOWN_ACTIONS = new Set(generationBillingActions.map((a) => a.source_action));

/** Kinds of objects the product names in an entry; `asset` and `project` are normalized to `file` and `user_group`. */
export const RESOURCE_KINDS = [
  'user',
  'asset',
  'session',
  'video_project',
  'generation',
  'workspace',
  'team',
  'workspace_tag',
  'project',
  'permission',
  'sso_config',
  'sso_domain',
  'account_link',
  'invite',
  'invite_link',
  'subscription',
  'credits',
  'seats',
  'metered_billing',
  'organization',
  'model',
] as const;

const scalar = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);

/**
 * One row of the organization audit log as its API returns it: Timestamp, Action, Actor, Workspace,
 * Details (`summary` plus structured `details` and `changes`), and the objects involved (`resources`).
 */
export const generationBillingNativeSchema = z.object({
  id: z.uuid(),
  action: z.string().refine((a) => KNOWN_ACTIONS.has(a), { message: 'not an action of this product' }),
  created_at: z.iso.datetime({ offset: true }),
  organization: z.object({ id: z.string().min(1), name: z.string().min(1) }),
  actor: z.object({
    id: z.string().min(1),
    name: z.string().min(1),
    email: z.email().optional(),
    /** `system` for automatic billing jobs, `scim` for the identity provider's provisioning. */
    type: z.enum(['user', 'system', 'scim']).optional(),
  }),
  workspace: z.object({ id: z.string().min(1), name: z.string().min(1) }).nullable(),
  resources: z
    .array(
      z.object({
        kind: z.enum(RESOURCE_KINDS),
        id: z.string().min(1),
        name: z.string().min(1).optional(),
        email: z.email().optional(),
        role: z.enum(['source', 'destination', 'related']).optional(),
      }),
    )
    .max(20),
  summary: z.string().min(1).max(1000).optional(),
  /** Structured details; at most 37 keys, because the event's metadata (40 keys) also holds the organization and summary. */
  details: z
    .record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/), scalar)
    .refine((d) => Object.keys(d).length <= 37, { message: 'at most 37 keys' })
    .optional(),
  changes: z
    .array(
      z.object({
        field: z.string().min(1).max(256),
        from: z.unknown().optional(),
        to: z.unknown().optional(),
      }),
    )
    .max(50)
    .optional(),
  status: z.enum(['success', 'failed']).optional(),
  failure_reason: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,63}$/)
    .optional(),
  ip: z.union([z.ipv4(), z.ipv6()]).optional(),
  user_agent: z.string().min(1).max(1024).optional(),
});

export type GenerationBillingNative = z.infer<typeof generationBillingNativeSchema>;
export type GenerationBillingResourceKind = (typeof RESOURCE_KINDS)[number];
