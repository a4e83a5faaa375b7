import { defineStreamPlugin, maskSecret } from '@trailmark/core';
import { encodeSlack } from './format.ts';
import {
  type SlackConfig,
  type SlackSecrets,
  slackConfigSchema,
  slackInfo,
  slackSecretsSchema,
} from './plugin.ts';

export const slackStream = defineStreamPlugin<SlackConfig, SlackSecrets>({
  ...slackInfo,
  configSchema: slackConfigSchema,
  secretsSchema: slackSecretsSchema,
  endpoint: (_config, secrets) => ({ kind: 'url', url: secrets.webhook_url, field: 'secrets.webhook_url' }),
  encode: encodeSlack,
  maskSecrets: (s) => {
    const url = new URL(s.webhook_url);
    return { webhook_url: `${url.origin}/${maskSecret(url.pathname)}` };
  },
});

export * from './format.ts';
export * from './plugin.ts';
