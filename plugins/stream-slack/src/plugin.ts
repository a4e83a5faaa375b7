import { z } from 'zod';

export const SLACK_KIND = 'slack';

export const slackConfigSchema = z.strictObject({
  /** Shown in listings only: the channel the incoming webhook posts to (Slack fixes it in the URL). */
  channel: z.string().max(80).optional(),
});
export type SlackConfig = z.infer<typeof slackConfigSchema>;

export const slackSecretsSchema = z.strictObject({
  /** The incoming-webhook URL. It carries its own token, so it is stored as a secret. */
  webhook_url: z.url({ protocol: /^https?$/ }).max(2048),
});
export type SlackSecrets = z.infer<typeof slackSecretsSchema>;

export const slackInfo = {
  id: SLACK_KIND,
  name: 'Slack',
  description:
    'A readable Slack message per event (who, what, target, result, link), a digest when many arrive.',
  /** One message per event up to this many; more arrive as one digest message. */
  maxBatch: 50,
  /** Slack allows about one message per second per incoming webhook. */
  minIntervalMs: 1000,
} as const;

/** At most this many events are spelled out; the digest says how many more there were. */
export const SLACK_DIGEST_LINES = 10;
