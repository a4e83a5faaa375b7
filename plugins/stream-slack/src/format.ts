import type { AuditEvent, HttpStreamRequest, StreamBatch, StreamEncodeContext } from '@trailmark/core';
import { SLACK_DIGEST_LINES, type SlackConfig, type SlackSecrets } from './plugin.ts';

/** Slack mrkdwn needs only these three escaped (https://api.slack.com/reference/surfaces/formatting). */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const RESULT_MARK: Record<string, string> = {
  success: ':white_check_mark: success',
  failure: ':x: failure',
  denied: ':no_entry: denied',
  error: ':warning: error',
};

function who(event: AuditEvent): string {
  const a = event.actor;
  return a.name ? `${a.name}${a.email ? ` (${a.email})` : ''}` : (a.email ?? a.id);
}

function target(event: AuditEvent): string {
  const t = event.targets[0];
  if (!t) return 'no target';
  const name = t.path ?? t.name ?? t.id ?? t.type;
  const more = event.targets.length > 1 ? ` and ${event.targets.length - 1} more` : '';
  return `${t.type} ${name}${more}`;
}

/** "Ana Lima (ana@acme.test) · File deleted · file /forest/a.png · :x: failure · <link|view>" */
export function eventLine(event: AuditEvent, context: StreamEncodeContext): string {
  const label = context.actionLabel?.(event.source, event.action) ?? event.action;
  const url = context.eventUrl?.(event);
  const parts = [
    `*${escapeSlack(who(event))}*`,
    escapeSlack(label),
    `\`${escapeSlack(target(event))}\``,
    RESULT_MARK[event.outcome.result] ?? escapeSlack(event.outcome.result),
  ];
  if (event.workspace) parts.push(`in ${escapeSlack(event.workspace.name ?? event.workspace.id)}`);
  if (url) parts.push(`<${url}|view event>`);
  return parts.join(' · ');
}

export interface SlackMessage {
  text: string;
  blocks: unknown[];
}

/** One event: a section block; several: a digest listing the first ones and counting the rest. */
export function slackMessage(batch: StreamBatch, context: StreamEncodeContext): SlackMessage {
  const { events } = batch;
  if (events.length === 1) {
    const e = events[0] as AuditEvent;
    const line = eventLine(e, context);
    return {
      text: line,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: line } },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: escapeSlack(`${e.tenant} · ${e.source} · ${e.occurred_at} · ${e.id}`) },
          ],
        },
      ],
    };
  }
  const shown = events.slice(0, SLACK_DIGEST_LINES).map((e) => `• ${eventLine(e, context)}`);
  const rest = events.length - shown.length;
  const failures = events.filter((e) => e.outcome.result !== 'success').length;
  const title = `*${events.length} audit events* (${failures} not successful) from ${escapeSlack(events[0]?.occurred_at ?? '')} to ${escapeSlack(events.at(-1)?.occurred_at ?? '')}`;
  const body = `${shown.join('\n')}${rest > 0 ? `\n…and ${rest} more` : ''}`;
  return {
    text: `${events.length} audit events`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: title } },
      { type: 'section', text: { type: 'mrkdwn', text: body.slice(0, 3000) } },
    ],
  };
}

export function encodeSlack(
  batch: StreamBatch,
  _config: SlackConfig,
  secrets: SlackSecrets,
  context: StreamEncodeContext,
): HttpStreamRequest {
  return {
    transport: 'http',
    method: 'POST',
    url: secrets.webhook_url,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(slackMessage(batch, context)),
  };
}
