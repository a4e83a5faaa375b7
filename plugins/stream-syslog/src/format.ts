import type { AuditEvent, SocketStreamRequest, StreamBatch, StreamEncodeContext } from '@trailmark/core';
import { SYSLOG_SD_ID, type SyslogConfig } from './plugin.ts';

/** RFC 5424 severities by outcome: success informational, denied notice, failure/error warning. */
const SEVERITY: Record<string, number> = { success: 6, denied: 5, failure: 4, error: 4 };

/** Header fields are PRINTUSASCII without spaces, bounded; anything else becomes "_" (or NILVALUE). */
function headerField(value: string | undefined, max: number): string {
  if (!value) return '-';
  const clean = value.replace(/[^!-~]/g, '_').slice(0, max);
  return clean === '' ? '-' : clean;
}

/** SD-PARAM values escape `"`, `\` and `]` (RFC 5424 §6.3.3). */
export function sdValue(value: string): string {
  return value.replace(/[\\"\]]/g, (c) => `\\${c}`);
}

/** One RFC 5424 message: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] BOM{json}`. */
export function syslogMessage(
  event: AuditEvent,
  sequence: number,
  config: SyslogConfig,
  context: StreamEncodeContext,
): string {
  const pri = config.facility * 8 + (SEVERITY[event.outcome.result] ?? 6);
  const sd = `[${SYSLOG_SD_ID} id="${sdValue(event.id)}" tenant="${sdValue(event.tenant)}" source="${sdValue(event.source)}" result="${sdValue(event.outcome.result)}" seq="${sequence}"]`;
  const header = [
    `<${pri}>1`,
    new Date(event.occurred_at).toISOString(),
    headerField(context.host, 255),
    headerField(config.app_name, 48),
    '-',
    headerField(event.action, 32),
  ].join(' ');
  // The BOM marks MSG as UTF-8 (RFC 5424 §6.4); JSON.stringify never emits a raw newline.
  return `${header} ${sd} \uFEFF${JSON.stringify(event)}`;
}

/** RFC 6587 octet counting: `MSG-LEN SP SYSLOG-MSG`, the length in bytes of the UTF-8 message. */
export function octetCounted(message: string): string {
  return `${Buffer.byteLength(message, 'utf8')} ${message}`;
}

export function encodeSyslog(
  batch: StreamBatch,
  config: SyslogConfig,
  _secrets: undefined,
  context: StreamEncodeContext,
): SocketStreamRequest {
  return {
    transport: 'socket',
    host: config.host,
    port: config.port,
    tls: config.tls,
    ...(config.ca ? { ca: config.ca } : {}),
    data: batch.events.map((e) => octetCounted(syslogMessage(e, batch.sequence, config, context))).join(''),
  };
}

/** Splits an octet-counted stream back into messages (receivers and tests). */
export function parseOctetCounted(buffer: Buffer): { messages: string[]; rest: Buffer } {
  const messages: string[] = [];
  let offset = 0;
  for (;;) {
    const space = buffer.indexOf(0x20, offset);
    if (space < 0) break;
    const length = Number(buffer.subarray(offset, space).toString('ascii'));
    if (!Number.isInteger(length) || length <= 0) throw new Error(`bad octet count at byte ${offset}`);
    if (buffer.length < space + 1 + length) break;
    messages.push(buffer.subarray(space + 1, space + 1 + length).toString('utf8'));
    offset = space + 1 + length;
  }
  return { messages, rest: buffer.subarray(offset) };
}
