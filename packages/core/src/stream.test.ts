import { describe, expect, it } from 'vitest';
import type { AuditEvent } from './schema.ts';
import {
  classifyHttpStatus,
  destinationPatchSchema,
  nextRetryDelay,
  parseRetryAfter,
  RETRY_MIN_DELAY_MS,
  RETRY_SCHEDULE_MS,
  RETRY_WINDOW_MS,
  streamFilterMatches,
  streamFilterSchema,
} from './stream.ts';

describe('retry classification', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [301, 'retry'],
    [302, 'retry'],
    [400, 'reject'],
    [401, 'unauthorized'],
    [403, 'unauthorized'],
    [404, 'reject'],
    [413, 'reject'],
    [408, 'retry'],
    [409, 'retry'],
    [425, 'retry'],
    [429, 'retry'],
    [410, 'gone'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
  ])('HTTP %i -> %s', (status, kind) => {
    expect(classifyHttpStatus(status).kind).toBe(kind);
  });

  it('reads Retry-After as seconds or an HTTP date, capped', () => {
    const now = Date.parse('2026-03-01T00:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 00:02:00 GMT', now)).toBe(120_000);
    expect(parseRetryAfter('999999999', now)).toBe(6 * 3600_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(classifyHttpStatus(429, '7', now)).toEqual({ kind: 'retry', retryAfterMs: 7000 });
  });
});

describe('backoff schedule', () => {
  it('draws each wait with full jitter under the Svix caps', () => {
    RETRY_SCHEDULE_MS.forEach((cap, i) => {
      expect(nextRetryDelay(i + 1, 0, 0.999999)).toBe(Math.floor(cap * 0.999999));
      expect(nextRetryDelay(i + 1, 0, 0)).toBe(RETRY_MIN_DELAY_MS);
      expect(nextRetryDelay(i + 1, 0, 0.5)).toBe(Math.max(RETRY_MIN_DELAY_MS, cap / 2));
    });
    expect(nextRetryDelay(20, 0, 0.5)).toBe(5 * 3600_000);
  });

  it('keeps retrying until the window (more than 24 h) has passed, whatever the draws', () => {
    for (const random of [0, 0.3, 0.999]) {
      let elapsed = 0;
      let failed = 1;
      for (;;) {
        const delay = nextRetryDelay(failed, elapsed, random);
        if (delay === undefined) break;
        elapsed += delay;
        failed++;
      }
      expect(elapsed).toBeGreaterThanOrEqual(24 * 3600_000);
      expect(elapsed).toBe(RETRY_WINDOW_MS);
    }
  });

  it('honors a longer Retry-After', () => {
    expect(nextRetryDelay(1, 0, 0.5, 60_000)).toBe(60_000);
    expect(nextRetryDelay(3, 0, 0.5, 60_000)).toBe(15 * 60_000);
  });
});

describe('stream filter', () => {
  it('a patch without a filter leaves the stored one alone (pausing must not widen it to every event)', () => {
    expect(destinationPatchSchema.parse({ enabled: false })).toEqual({ enabled: false });
    expect(destinationPatchSchema.parse({ filter: { result: ['denied'] } }).filter).toEqual({
      result: ['denied'],
    });
  });
  const event = {
    source: 'file-transfer',
    action: 'file.deleted',
    outcome: { result: 'denied' },
    workspace: { id: 'ws-legal' },
  } as AuditEvent;
  it('matches any value of a list, every field', () => {
    expect(streamFilterMatches(streamFilterSchema.parse(undefined), event)).toBe(true);
    expect(streamFilterMatches({ source: ['file-transfer'], result: ['denied', 'failure'] }, event)).toBe(
      true,
    );
    expect(streamFilterMatches({ source: ['file-transfer'], action: ['file.uploaded'] }, event)).toBe(false);
    expect(streamFilterMatches({ workspace: ['ws-brand'] }, event)).toBe(false);
  });
  it('refuses unknown fields (free text is not a stream filter)', () => {
    expect(streamFilterSchema.safeParse({ q: 'ana' }).success).toBe(false);
  });
});
