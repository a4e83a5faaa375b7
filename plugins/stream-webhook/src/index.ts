import { defineStreamPlugin, maskSecret } from '@trailmark/core';
import { encodeWebhook, newWebhookSecret } from './encoder.ts';
import {
  type WebhookConfig,
  type WebhookSecrets,
  webhookConfigSchema,
  webhookInfo,
  webhookSecretsSchema,
} from './plugin.ts';

export const webhookStream = defineStreamPlugin<WebhookConfig, WebhookSecrets>({
  ...webhookInfo,
  configSchema: webhookConfigSchema,
  secretsSchema: webhookSecretsSchema,
  endpoint: (config) => ({ kind: 'url', url: config.url, field: 'config.url' }),
  encode: encodeWebhook,
  maskSecrets: (s) => ({
    signing_secret: maskSecret(s.signing_secret),
    ...(s.previous_secret
      ? { previous_secret: maskSecret(s.previous_secret), previous_until: s.previous_until }
      : {}),
  }),
  completeSecrets: (given, randomBytes) => ({
    ...given,
    signing_secret: given?.signing_secret ?? newWebhookSecret(randomBytes),
  }),
});

export * from './encoder.ts';
export * from './plugin.ts';
