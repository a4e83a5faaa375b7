import { z } from 'zod';

export const SPLUNK_HEC_KIND = 'splunk-hec';

const field = z.string().min(1).max(256);

export const splunkHecConfigSchema = z.strictObject({
  /** The collector's base URL, e.g. https://splunk.example:8088 (the path /services/collector/event is added). */
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
  index: field.optional(),
  sourcetype: field.default('trailmark:audit'),
  source: field.default('trailmark'),
  /** Overrides the host field (default: this Trailmark instance's host name). */
  host: field.optional(),
});
export type SplunkHecConfig = z.infer<typeof splunkHecConfigSchema>;

export const splunkHecSecretsSchema = z.strictObject({
  /** The HEC token, sent as `Authorization: Splunk <token>`. */
  token: z.string().min(1).max(256),
});
export type SplunkHecSecrets = z.infer<typeof splunkHecSecretsSchema>;

export const splunkHecInfo = {
  id: SPLUNK_HEC_KIND,
  name: 'Splunk HTTP Event Collector',
  description: "Batches of events to Splunk's HTTP Event Collector (/services/collector/event).",
  maxBatch: 500,
} as const;
