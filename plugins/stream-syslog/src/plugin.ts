import { z } from 'zod';

export const SYSLOG_KIND = 'syslog';

export const syslogConfigSchema = z.strictObject({
  host: z
    .string()
    .min(1)
    .max(253)
    .regex(/^[A-Za-z0-9.:[\]-]+$/, 'a host name or an IP address'),
  /** 6514 is syslog over TLS (RFC 5425); 601 or 514 are common for plain TCP. */
  port: z.number().int().min(1).max(65535).default(6514),
  /** TLS (RFC 5425) unless turned off for a receiver on a trusted network. */
  tls: z.boolean().default(true),
  /** PEM certificate(s) to trust for this receiver instead of the system CAs (a private CA). */
  ca: z
    .string()
    .max(64 * 1024)
    .optional(),
  /** RFC 5424 facility; 13 is "log audit". */
  facility: z.number().int().min(0).max(23).default(13),
  app_name: z
    .string()
    .regex(/^[!-~]{1,48}$/, 'printable US-ASCII, at most 48 characters')
    .default('trailmark'),
});
export type SyslogConfig = z.infer<typeof syslogConfigSchema>;

export const syslogInfo = {
  id: SYSLOG_KIND,
  name: 'Syslog (RFC 5424 over TCP/TLS)',
  description: 'RFC 5424 messages over TCP with RFC 6587 octet counting, optionally TLS; the event as JSON.',
  maxBatch: 200,
} as const;

/**
 * The SD-ID of Trailmark's structured data. 32473 is the private enterprise number reserved for
 * documentation (RFC 5612); operators who need their own can map it in their SIEM.
 */
export const SYSLOG_SD_ID = 'trailmark@32473';
