import { defineStreamPlugin, maskSecret } from '@trailmark/core';
import { encodeSplunkHec, hecEndpoint } from './format.ts';
import {
  type SplunkHecConfig,
  type SplunkHecSecrets,
  splunkHecConfigSchema,
  splunkHecInfo,
  splunkHecSecretsSchema,
} from './plugin.ts';

export const splunkHecStream = defineStreamPlugin<SplunkHecConfig, SplunkHecSecrets>({
  ...splunkHecInfo,
  configSchema: splunkHecConfigSchema,
  secretsSchema: splunkHecSecretsSchema,
  endpoint: (config) => ({ kind: 'url', url: hecEndpoint(config.url), field: 'config.url' }),
  encode: encodeSplunkHec,
  maskSecrets: (s) => ({ token: maskSecret(s.token) }),
});

export * from './format.ts';
export * from './plugin.ts';
