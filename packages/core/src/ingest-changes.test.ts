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
