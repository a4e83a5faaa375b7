import { createHmac } from 'node:crypto';
import type { HttpStreamRequest, StreamBatch, StreamEncodeContext } from '@trailmark/core';
import type { WebhookConfig, WebhookSecrets } from './plugin.ts';

/** The message type receivers switch on; the body's `data` holds the events, oldest first. */
export const WEBHOOK_EVENT_TYPE = 'audit_events.batch';

/**
 * The body of one message, in the Standard Webhooks payload shape (`type`, `timestamp`, `data`) plus the
 * destination's `sequence`. `timestamp` is when the newest event of the batch was received, so the body
 * is identical on every attempt: only the webhook-timestamp and signature headers change.
 */
export function webhookBody(batch: StreamBatch): string {
  const timestamp = batch.events.reduce((latest, e) => (e.received_at > latest ? e.received_at : latest), '');
  return JSON.stringify({
    type: WEBHOOK_EVENT_TYPE,
    timestamp: timestamp || null,
    sequence: batch.sequence,
    data: batch.events,
  });
}

/** `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`, the key being the base64 after `whsec_`. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The secrets that sign at `now`: the current one, and the previous one while its overlap lasts. */
export function signingSecrets(secrets: WebhookSecrets, now: Date): string[] {
  const keys = [secrets.signing_secret];
  if (secrets.previous_secret && secrets.previous_until && Date.parse(secrets.previous_until) > now.getTime())
    keys.push(secrets.previous_secret);
  return keys;
}

export function encodeWebhook(
  batch: StreamBatch,
  config: WebhookConfig,
  secrets: WebhookSecrets,
  context: StreamEncodeContext,
): HttpStreamRequest {
  const body = webhookBody(batch);
  const timestamp = Math.floor(context.now.getTime() / 1000);
  const signature = signingSecrets(secrets, context.now)
    .map((s) => signWebhook(s, batch.messageId, timestamp, body))
    .join(' ');
  return {
    transport: 'http',
    method: 'POST',
    url: config.url,
    headers: {
      'content-type': 'application/json',
      'webhook-id': batch.messageId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
      'trailmark-sequence': String(batch.sequence),
    },
    body,
    ...(config.ca ? { ca: config.ca } : {}),
  };
}

/** A new signing secret from 32 random bytes. */
export function newWebhookSecret(randomBytes: (n: number) => Uint8Array): string {
  return `whsec_${Buffer.from(randomBytes(32)).toString('base64')}`;
}
