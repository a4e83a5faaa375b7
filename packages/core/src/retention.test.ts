import { describe, expect, it } from 'vitest';
import { planPurge, type RetentionPolicy, resolveRetention, retentionCutoff } from './retention.ts';

describe('retentionCutoff', () => {
  it('counts days back in UTC, across a month and a year boundary', () => {
    expect(retentionCutoff({ days: 30 }, new Date('2026-03-10T12:00:00.000Z')).toISOString()).toBe(
      '2026-02-08T12:00:00.000Z',
    );
    expect(retentionCutoff({ days: 1 }, new Date('2026-01-01T00:30:00.000Z')).toISOString()).toBe(
      '2025-12-31T00:30:00.000Z',
    );
  });

  it('counts calendar months: the same date and time, months earlier', () => {
    expect(retentionCutoff({ months: 12 }, new Date('2026-04-14T10:32:15.000Z')).toISOString()).toBe(
      '2025-04-14T10:32:15.000Z',
    );
    expect(retentionCutoff({ months: 3 }, new Date('2026-02-05T00:00:00.000Z')).toISOString()).toBe(
      '2025-11-05T00:00:00.000Z',
    );
  });

  it('lands on the last day of a shorter month instead of rolling into the next one', () => {
    expect(retentionCutoff({ months: 1 }, new Date('2026-03-31T08:00:00.000Z')).toISOString()).toBe(
      '2026-02-28T08:00:00.000Z',
    );
    expect(retentionCutoff({ months: 1 }, new Date('2024-03-31T08:00:00.000Z')).toISOString()).toBe(
      '2024-02-29T08:00:00.000Z',
    );
    expect(retentionCutoff({ months: 6 }, new Date('2026-08-31T00:00:00.000Z')).toISOString()).toBe(
      '2026-02-28T00:00:00.000Z',
    );
  });

  it('does not change the date it is given', () => {
    const now = new Date('2026-03-31T08:00:00.000Z');
    retentionCutoff({ months: 1 }, now);
    expect(now.toISOString()).toBe('2026-03-31T08:00:00.000Z');
  });
});

describe('resolveRetention: the most specific setting wins', () => {
  const policy: RetentionPolicy = {
    default: { months: 12 },
    sources: { 'file-transfer': { days: 90 } },
    tenants: {
      acme: { default: { months: 24 }, sources: { 'file-transfer': { days: 30 } } },
      globex: { sources: { 'media-library': { days: 7 } } },
    },
  };

  it('tenant and source, then tenant default, then source default, then the global default', () => {
    expect(resolveRetention(policy, 'acme', 'file-transfer')).toEqual({ days: 30 });
    expect(resolveRetention(policy, 'acme', 'media-library')).toEqual({ months: 24 });
    expect(resolveRetention(policy, 'globex', 'file-transfer')).toEqual({ days: 90 });
    expect(resolveRetention(policy, 'globex', 'media-library')).toEqual({ days: 7 });
    expect(resolveRetention(policy, 'initech', 'central-config')).toEqual({ months: 12 });
  });

  it('plans one purge task per partition with its cut-off and a readable period', () => {
    const now = new Date('2026-04-14T00:00:00.000Z');
    expect(
      planPurge(
        policy,
        [
          { tenant: 'acme', source: 'file-transfer' },
          { tenant: 'initech', source: 'central-config' },
        ],
        now,
      ),
    ).toEqual([
      { tenant: 'acme', source: 'file-transfer', before: '2026-03-15T00:00:00.000Z', retention: '30 days' },
      {
        tenant: 'initech',
        source: 'central-config',
        before: '2025-04-14T00:00:00.000Z',
        retention: '12 months',
      },
    ]);
  });
});
