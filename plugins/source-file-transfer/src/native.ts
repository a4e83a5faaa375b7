import { z } from 'zod';

/** The product's own action names, as they appear in its audit log and webhooks. */
export const FILE_TRANSFER_NATIVE_ACTIONS = [
  'UPLOAD',
  'DOWNLOAD',
  'PREVIEW',
  'DELETE',
  'SHARE',
  'SHARE_UPDATE',
  'ACCESS',
  'PASSWORD_ATTEMPT',
  'EXPIRE',
  'REVOKE',
  'INVITE',
  'REMOVE',
  'ROLE_CHANGE',
  'PERMISSION_CHANGE',
  'BLOCKED',
] as const;
export type FileTransferNativeAction = (typeof FILE_TRANSFER_NATIVE_ACTIONS)[number];

export const BLOCK_REASONS = [
  'permission_denied',
  'ip_blocked',
  'domain_not_allowed',
  'link_expired',
] as const;

const id = z.string().regex(/^[A-Za-z0-9_-]{1,60}$/);

/**
 * One audit-log entry as the file-transfer service delivers it (REST API page or webhook body).
 * "User" is either an email (`user`) or an API key identifier (`api_key`); neither means an
 * anonymous share-link visitor, or the service itself for `EXPIRE`.
 */
export const fileTransferNativeSchema = z
  .object({
    event_id: id,
    /** UTC, e.g. `2026-04-14T10:32:15Z`. */
    timestamp: z.iso.datetime({ offset: true }),
    action: z.enum(FILE_TRANSFER_NATIVE_ACTIONS),
    user: z
      .object({ id: z.string().min(1).optional(), email: z.email(), name: z.string().min(1).optional() })
      .optional(),
    api_key: z
      .object({
        id: z.string().min(1),
        name: z.string().min(1).optional(),
        owner_email: z.email().optional(),
      })
      .optional(),
    file: z
      .object({
        id: z.string().min(1),
        name: z.string().min(1),
        /** Bytes. The page lists "File: name, ID, and size" on every entry about a file. */
        size: z.number().int().nonnegative(),
        path: z.string().startsWith('/').optional(),
        mime_type: z.string().min(1).optional(),
        /** Region the file is stored in (data residency). */
        storage_region: z.string().min(1).optional(),
      })
      .optional(),
    share_link: z
      .object({
        id: z.string().min(1),
        url: z.url().optional(),
        expires_at: z.iso.datetime({ offset: true }).optional(),
        password_protected: z.boolean().optional(),
        allowed_domains: z.array(z.string().min(1)).optional(),
      })
      .optional(),
    /** The member an INVITE / REMOVE / ROLE_CHANGE / PERMISSION_CHANGE is about. */
    member: z
      .object({
        email: z.email(),
        role: z.string().min(1).optional(),
        previous_role: z.string().min(1).optional(),
        folder: z.string().startsWith('/').optional(),
        permission: z.string().min(1).optional(),
        previous_permission: z.string().min(1).optional(),
      })
      .optional(),
    /** Client IP at the time of access. */
    ip: z.union([z.ipv4(), z.ipv6()]).optional(),
    country_code: z
      .string()
      .regex(/^[A-Z]{2}$/)
      .optional(),
    country: z.string().min(1).optional(),
    city: z.string().min(1).optional(),
    /** Which server (region) handled the request, e.g. `eu-central-2`. */
    region: z.string().min(1),
    device: z.enum(['browser', 'cli', 'sdk', 'api']),
    user_agent: z.string().min(1).optional(),
    result: z.enum(['success', 'denied', 'error']),
    /** Why a request was denied or failed, e.g. `permission_denied`, `invalid_password`. */
    reason: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,63}$/)
      .optional(),
    message: z.string().min(1).optional(),
    /** For BLOCKED entries: the action that was attempted, when the service knows it. */
    attempted_action: z.enum(FILE_TRANSFER_NATIVE_ACTIONS).exclude(['BLOCKED']).optional(),
    /** Password attempt counter on a protected share link. */
    attempt: z.number().int().positive().optional(),
    workspace: z.object({ id: z.string().min(1), name: z.string().min(1) }),
  })
  // "What each log entry contains": an entry without the part its action is about is a product change
  // worth a 400 with the field path, not an event that cannot answer the page's questions later.
  .superRefine((n, ctx) => {
    const need = (path: keyof typeof n, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    const attempted = n.action === 'BLOCKED' ? n.attempted_action : n.action;
    if (attempted !== undefined && (FILE_ACTIONS as readonly string[]).includes(attempted) && !n.file)
      need('file', `required for ${n.action === 'BLOCKED' ? `a blocked ${attempted}` : n.action}`);
    if (
      n.action !== 'BLOCKED' &&
      (SHARE_LINK_ACTIONS as readonly string[]).includes(n.action) &&
      !n.share_link
    )
      need('share_link', `required for ${n.action}`);
    if (attempted !== undefined && (MEMBER_ACTIONS as readonly string[]).includes(attempted) && !n.member)
      need('member', `required for ${attempted}`);
    // Only the service itself (a link expiring) acts without a client.
    if (n.action !== 'EXPIRE' && n.ip === undefined)
      need('ip', 'required: the client IP at the time of access');
    // "User: email or API key identifier"; a visitor through a share link and a blocked request may be anonymous.
    if (!n.user && !n.api_key && !n.share_link && n.action !== 'EXPIRE' && n.action !== 'BLOCKED')
      need('user', 'required (or api_key) unless the request came through a share link');
  });

/** Actions about one file: the entry names it (name, id, size). */
export const FILE_ACTIONS = ['UPLOAD', 'DOWNLOAD', 'PREVIEW', 'DELETE', 'SHARE'] as const;
/** Actions about one share link. */
export const SHARE_LINK_ACTIONS = [
  'SHARE',
  'SHARE_UPDATE',
  'ACCESS',
  'PASSWORD_ATTEMPT',
  'EXPIRE',
  'REVOKE',
] as const;
/** Actions about one member. */
export const MEMBER_ACTIONS = ['INVITE', 'REMOVE', 'ROLE_CHANGE', 'PERMISSION_CHANGE'] as const;

export type FileTransferNative = z.infer<typeof fileTransferNativeSchema>;
