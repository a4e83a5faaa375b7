import type { AuditEvent, StreamEncodeContext } from '@trailmark/core';
import { contractEvents } from '@trailmark/test-utils';
import { describe, expect, it } from 'vitest';
import { encodeSyslog, octetCounted, parseOctetCounted, sdValue, syslogMessage } from './format.ts';
import { syslogConfigSchema } from './plugin.ts';

const events = contractEvents(5);
const context: StreamEncodeContext = { now: new Date(), host: 'trailmark-1' };
const config = syslogConfigSchema.parse({ host: 'siem.example', port: 6514 });

// RFC 5424 §6 ABNF, header and structured data (one SD element), then the message.
const RFC5424 =
  /^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) ([!-~]{1,255}) ([!-~]{1,48}) (-|[!-~]{1,128}) ([!-~]{1,32}) (\[[^ =\]"]+(?: [^ =\]"]+="(?:[^"\\\]]|\\["\\\]])*")*\]) \uFEFF(.*)$/s;

describe('syslog format', () => {
  it('writes RFC 5424 messages with the event as JSON', () => {
    const e = events[0] as AuditEvent;
    const message = syslogMessage(e, 9, config, context);
    const m = RFC5424.exec(message);
    expect(m).not.toBeNull();
    const [, pri, time, host, app, , msgid, sd, json] = m as RegExpExecArray;
    expect(Number(pri) >> 3).toBe(13);
    expect(time).toBe(new Date(e.occurred_at).toISOString());
    expect(host).toBe('trailmark-1');
    expect(app).toBe('trailmark');
    expect(msgid).toBe(e.action.slice(0, 32));
    expect(sd).toContain(`id="${e.id}"`);
    expect(sd).toContain('seq="9"');
    expect(JSON.parse(json as string)).toEqual(e);
  });

  it('maps the outcome to a severity (success 6, denied 5, failure 4)', () => {
    const e = events[0] as AuditEvent;
    const pri = (result: AuditEvent['outcome']['result']) =>
      Number(/^<(\d+)>/.exec(syslogMessage({ ...e, outcome: { result } }, 1, config, context))?.[1]) & 7;
    expect([pri('success'), pri('denied'), pri('failure'), pri('error')]).toEqual([6, 5, 4, 4]);
  });

  it('frames with RFC 6587 octet counting (bytes, not characters) and parses back', () => {
    const request = encodeSyslog({ messageId: 'm', sequence: 1, events }, config, undefined, context);
    expect(request).toMatchObject({ transport: 'socket', host: 'siem.example', port: 6514, tls: true });
    const { messages, rest } = parseOctetCounted(Buffer.from(request.data, 'utf8'));
    expect(messages).toHaveLength(5);
    expect(rest.length).toBe(0);
    expect(octetCounted('é')).toBe('2 é');
  });

  it('escapes structured-data values and keeps header fields printable', () => {
    expect(sdValue('a"b]c\\d')).toBe('a\\"b\\]c\\\\d');
    const e = { ...(events[0] as AuditEvent), tenant: 'ten"ant]' };
    expect(RFC5424.test(syslogMessage(e, 1, config, { ...context, host: 'my host' }))).toBe(true);
  });
});
