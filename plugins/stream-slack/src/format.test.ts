import type { AuditEvent, StreamEncodeContext } from '@trailmark/core';
import { contractEvents } from '@trailmark/test-utils';
import { describe, expect, it } from 'vitest';
import { encodeSlack, escapeSlack, eventLine, slackMessage } from './format.ts';
import { slackStream } from './index.ts';
import { SLACK_DIGEST_LINES } from './plugin.ts';

const events = contractEvents(30);
const context: StreamEncodeContext = {
  now: new Date('2026-03-02T00:00:00Z'),
  host: 'trailmark.test',
  eventUrl: (e) => `https://audit.example/events/${e.id}`,
  actionLabel: (_s, a) => (a === 'file.deleted' ? 'File deleted' : undefined),
};
const secrets = { webhook_url: 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX' };

describe('slack message', () => {
  it('says who, what, which target, the result and links back to the event', () => {
    const e = events.find((x) => x.action === 'file.deleted') as AuditEvent;
    const line = eventLine(e, context);
    expect(line).toContain(e.actor.name ?? e.actor.id);
    expect(line).toContain('File deleted');
    expect(line).toContain(e.targets[0]?.path ?? e.targets[0]?.name ?? '');
    expect(line).toContain(e.outcome.result);
    expect(line).toContain(`<https://audit.example/events/${e.id}|view event>`);
  });

  it('posts one message per event to the incoming-webhook URL', () => {
    const request = encodeSlack(
      { messageId: 'm', sequence: 1, events: [events[0] as AuditEvent] },
      {},
      secrets,
      context,
    );
    expect(request.url).toBe(secrets.webhook_url);
    const body = JSON.parse(request.body) as { text: string; blocks: unknown[] };
    expect(body.blocks).toHaveLength(2);
    expect(body.text).toContain(events[0]?.actor.name ?? '');
  });

  it('sends a digest when many arrive: the first lines and how many more', () => {
    const message = slackMessage({ messageId: 'm', sequence: 1, events }, context);
    expect(message.text).toBe('30 audit events');
    const text = JSON.stringify(message.blocks);
    expect(text).toContain(`and ${30 - SLACK_DIGEST_LINES} more`);
  });

  it('escapes what Slack would read as markup (a target named <!channel> pings nobody)', () => {
    expect(escapeSlack('<!channel> & <@U123>')).toBe('&lt;!channel&gt; &amp; &lt;@U123&gt;');
    const e = { ...(events[0] as AuditEvent), targets: [{ type: 'file', name: '<!channel>' }] };
    expect(eventLine(e, context)).not.toContain('<!channel>');
  });

  it('masks the webhook URL token in listings and keeps a one-per-second pace', () => {
    expect(JSON.stringify(slackStream.maskSecrets?.(secrets))).not.toContain('XXXXXXXXXXXX');
    expect(slackStream.minIntervalMs).toBe(1000);
  });
});
