import { defineStreamPlugin } from '@trailmark/core';
import { encodeSyslog } from './format.ts';
import { type SyslogConfig, syslogConfigSchema, syslogInfo } from './plugin.ts';

export const syslogStream = defineStreamPlugin<SyslogConfig, undefined>({
  ...syslogInfo,
  configSchema: syslogConfigSchema,
  endpoint: (config) => ({
    kind: 'socket',
    host: config.host,
    port: config.port,
    tls: config.tls,
    field: 'config.host',
  }),
  encode: encodeSyslog,
});

export * from './format.ts';
export * from './plugin.ts';
