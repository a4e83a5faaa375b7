import { randomBytes } from 'node:crypto';
import type { HttpStreamRequest, StreamBatch } from '@trailmark/core';
import { contractEvents } from '@trailmark/test-utils';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { encodeWebhook, newWebhookSecret, signingSecrets } from './encoder.ts';
import { webhookStream } from './index.ts';
import { webhookConfigSchema, webhookSecretsSchema } from './plugin.ts';

const events = contractEvents(3);
const batch: StreamBatch = { messageId: 'msg_01JTESTMESSAGE', sequence: 7, events };
const config = webhookConfigSchema.parse({ url: 'https://siem.example/hooks/trailmark' });
const current = newWebhookSecret(randomBytes);
const previous = newWebhookSecret(randomBytes);
const now = new Date();

function verify(secret: string, request: HttpStreamRequest) {
  return new Webhook(secret).verify(request.body, request.headers);
}

describe('webhook encoder (verified with the standardwebhooks package)', () => {
  it('signs id.timestamp.body so the independent implementation accepts it', () => {
    const request = encodeWebhook(batch, config, { signing_secret: current }, { now, host: 'tm' });
    expect(request.url).toBe(config.url);
    expect(request.headers['webhook-id']).toBe('msg_01JTESTMESSAGE');
    expect(request.headers['webhook-timestamp']).toBe(String(Math.floor(now.getTime() / 1000)));
    expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const payload = verify(current, request) as { type: string; sequence: number; data: { id: string }[] };
    expect(payload.type).toBe('audit_events.batch');
    expect(payload.sequence).toBe(7);
    expect(payload.data.map((e) => e.id)).toEqual(events.map((e) => e.id));
  });

  it('is rejected by the verifier with another secret, a changed body or a changed id', () => {
    const request = encodeWebhook(batch, config, { signing_secret: current }, { now, host: 'tm' });
    expect(() => verify(previous, request)).toThrow();
    expect(() =>
      verify(current, { ...request, body: request.body.replace('"sequence":7', '"sequence":8') }),
    ).toThrow();
    expect(() =>
      verify(current, { ...request, headers: { ...request.headers, 'webhook-id': 'msg_other' } }),
    ).toThrow();
  });

  it('signs with both secrets during a rotation overlap, so receivers on either secret verify', () => {
    const until = new Date(now.getTime() + 3600_000).toISOString();
    const secrets = { signing_secret: current, previous_secret: previous, previous_until: until };
    const request = encodeWebhook(batch, config, secrets, { now, host: 'tm' });
    expect(request.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verify(current, request)).toBeTruthy();
    expect(verify(previous, request)).toBeTruthy();
  });

  it('stops signing with the old secret once the overlap ends', () => {
    const until = new Date(now.getTime() - 1000).toISOString();
    const secrets = { signing_secret: current, previous_secret: previous, previous_until: until };
    expect(signingSecrets(secrets, now)).toEqual([current]);
    const request = encodeWebhook(batch, config, secrets, { now, host: 'tm' });
    expect(verify(current, request)).toBeTruthy();
    expect(() => verify(previous, request)).toThrow();
  });

  it('keeps the body and id identical across attempts (receivers de-duplicate on webhook-id)', () => {
    const first = encodeWebhook(batch, config, { signing_secret: current }, { now, host: 'tm' });
    const later = encodeWebhook(
      batch,
      config,
      { signing_secret: current },
      { now: new Date(now.getTime() + 5000), host: 'tm' },
    );
    expect(later.body).toBe(first.body);
    expect(later.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(verify(current, later)).toBeTruthy();
  });
});

describe('webhook plugin', () => {
  it('generates a whsec_ secret when none is given, and masks it in listings', () => {
    const secrets = webhookStream.completeSecrets?.(undefined, randomBytes);
    const parsed = webhookSecretsSchema.parse(secrets);
    expect(parsed.signing_secret).toMatch(/^whsec_/);
    expect(() => new Webhook(parsed.signing_secret)).not.toThrow();
    const masked = webhookStream.maskSecrets?.(parsed);
    expect(JSON.stringify(masked)).not.toContain(parsed.signing_secret.slice(6, 30));
  });

  it('refuses secrets that are not Standard Webhooks secrets and URLs that are not http(s)', () => {
    expect(webhookSecretsSchema.safeParse({ signing_secret: 'hunter2' }).success).toBe(false);
    expect(webhookConfigSchema.safeParse({ url: 'ftp://siem.example/' }).success).toBe(false);
    expect(webhookConfigSchema.safeParse({ url: 'gopher://siem.example/' }).success).toBe(false);
    expect(webhookConfigSchema.safeParse({ url: 'https://user:pw@siem.example/' }).success).toBe(false);
  });
});
