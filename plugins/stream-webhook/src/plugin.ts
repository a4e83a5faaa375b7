import { z } from 'zod';

export const WEBHOOK_KIND = 'webhook';

/** Standard Webhooks: `whsec_` + base64 of 24 to 64 random bytes. */
export const WEBHOOK_SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/;

export const webhookConfigSchema = z.strictObject({
  /** The receiver's endpoint. HTTPS, except for addresses the operator allow-listed (on-premise). */
  url: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    // Settings are listed in full: credentials belong in `secrets`, never in the URL.
    .refine((u) => !new URL(u).username && !new URL(u).password, 'no user:password in the URL; use secrets'),
  /** PEM certificate(s) to trust for this receiver instead of the system CAs (an on-premise CA). */
  ca: z
    .string()
    .max(64 * 1024)
    .optional(),
});
export type WebhookConfig = z.infer<typeof webhookConfigSchema>;

const secret = z
  .string()
  .regex(WEBHOOK_SECRET_PATTERN, 'a Standard Webhooks secret: whsec_ + base64 of 24-64 bytes');

export const webhookSecretsSchema = z.strictObject({
  /** Signs every message. Generated when not given. */
  signing_secret: secret,
  /**
   * The secret being rotated out: it signs too, beside the new one, until `previous_until`, so a
   * receiver can switch secrets without rejecting a single message.
   */
  previous_secret: secret.optional(),
  previous_until: z.iso.datetime().optional(),
});
export type WebhookSecrets = z.infer<typeof webhookSecretsSchema>;

export const webhookInfo = {
  id: WEBHOOK_KIND,
  name: 'Webhook',
  description:
    'Any HTTPS endpoint: a JSON batch of events per message, signed with the Standard Webhooks scheme.',
  maxBatch: 100,
} as const;
