import { describe, expect, it } from 'vitest';
import { prepareEvents } from './ingest.ts';
import { ActionRegistry } from './registry.ts';

const registry = new ActionRegistry();
registry.register({
  id: 'shop',
  name: 'Shop',
  allowCustomActions: false,
  actions: [
    { action: 'setting.updated', label: 'Setting updated', category: 'configuration', ocsf_class_uid: 6003 },
  ],
  fields: [{ name: 'attempt', label: 'Attempt', type: 'number' }],
});
const event = (over: Record<string, unknown>) => ({
  source: 'shop',
  action: 'setting.updated',
  occurred_at: '2026-04-14T10:00:00Z',
  actor: { type: 'user', id: 'u-1' },
  targets: [{ type: 'setting', id: 's-1' }],
  outcome: { result: 'success' },
  ...over,
});
const changesOf = (changes: unknown[]) =>
  prepareEvents([event({ changes })], { tenant: 'acme' }, registry)[0].changes;

describe('secrets in changes', () => {
  it('records which side of a secret field was masked', () => {
    expect(changesOf([{ field: 'password', after: 'hunter2' }])).toEqual([
      { field: 'password', redacted: true, redacted_sides: ['after'] },
    ]);
    expect(changesOf([{ field: 'webhook.secret', before: 'a', after: 'b' }])).toEqual([
      { field: 'webhook.secret', redacted: true, redacted_sides: ['before', 'after'] },
    ]);
  });

  it('masks secret keys inside a value and keeps the rest, naming the side', () => {
    expect(
      changesOf([
        {
          field: 'integration',
          before: { url: 'https://a.test' },
          after: { url: 'https://b.test', api_key: 'k' },
        },
      ]),
    ).toEqual([
      {
        field: 'integration',
        before: { url: 'https://a.test' },
        after: { url: 'https://b.test', api_key: '[REDACTED]' },
        redacted: true,
        redacted_sides: ['after'],
      },
    ]);
    expect(changesOf([{ field: 'name', before: 'a', after: 'b' }])).toEqual([
      { field: 'name', before: 'a', after: 'b' },
    ]);
  });
});

describe('declared searchable fields at ingest', () => {
  it('rejects a value of another type with the metadata path, and accepts the declared type', () => {
    expect(() =>
      prepareEvents([event({ metadata: { attempt: 'two' } })], { tenant: 'acme' }, registry),
    ).toThrow(expect.objectContaining({ details: [expect.objectContaining({ path: 'metadata.attempt' })] }));
    expect(
      prepareEvents([event({ metadata: { attempt: 2, note: 'x' } })], { tenant: 'acme' }, registry),
    ).toHaveLength(1);
  });
});

describe('secrets in metadata', () => {
  const stored = (metadata: Record<string, unknown>, over: Record<string, unknown> = {}) =>
    prepareEvents([event({ metadata, ...over })], { tenant: 'acme' }, registry)[0];

  it('masks secret-named values and URL credentials, records each pointer, keeps the rest and its order', () => {
    const e = stored({
      plan: 'pro',
      api_token: 'tok_123',
      callback: 'https://x.test/cb?code=1&state=ok',
      pin: 1234,
    });
    expect(e.metadata).toEqual({
      plan: 'pro',
      api_token: '[REDACTED]',
      callback: 'https://x.test/cb?code=1&state=ok',
      pin: '[REDACTED]',
    });
    expect(Object.keys(e.metadata ?? {})).toEqual(['plan', 'api_token', 'callback', 'pin']);
    expect(e.redacted_paths).toEqual(['/metadata/api_token', '/metadata/pin']);
    const url = stored({ link: 'https://x.test/cb?access_token=abc&x=1' });
    expect(url.metadata).toEqual({ link: 'https://x.test/cb?access_token=[REDACTED]&x=1' });
    expect(url.redacted_paths).toEqual(['/metadata/link']);
  });

  it('leaves a declared searchable field as sent, and an event without secrets unchanged', () => {
    const reg = new ActionRegistry();
    reg.register({
      id: 'lock',
      name: 'Lock',
      allowCustomActions: true,
      actions: [],
      fields: [{ name: 'pin', label: 'Door pin id', type: 'number' }],
    });
    const [e] = prepareEvents(
      [event({ source: 'lock', action: 'door.opened', metadata: { pin: 7, secret: 's' } })],
      { tenant: 'acme' },
      reg,
    );
    expect(e.metadata).toEqual({ pin: 7, secret: '[REDACTED]' });
    expect(e.redacted_paths).toEqual(['/metadata/secret']);
    const plain = stored({ plan: 'pro', constructor: 'x' });
    expect(plain.metadata).toEqual({ plan: 'pro', constructor: 'x' });
    expect(plain).not.toHaveProperty('redacted_paths');
  });

  it("keeps the sender's own pointers and adds the server's", () => {
    const e = stored({ password: 'p' }, { redacted_paths: ['/metadata/card_last4'] });
    expect(e.redacted_paths).toEqual(['/metadata/card_last4', '/metadata/password']);
  });
});
