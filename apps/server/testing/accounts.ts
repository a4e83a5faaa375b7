import type { AuditEvent } from '@trailmark/core';
import { expect } from 'vitest';
import type { TestApp } from './index.ts';

/** The header a browser sends on a same-origin request: what the CSRF check accepts on cookie requests. */
export const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' };

/** A settable clock shared by sessions, links and throttling. */
export function fakeClock(start = Date.parse('2026-04-14T10:00:00Z')) {
  let now = start;
  return {
    now: () => new Date(now),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** Trailmark's own audit events of one action, as the API lists them. */
export async function trailmarkEvents(app: TestApp, action: string, tenant?: string): Promise<AuditEvent[]> {
  const q = new URLSearchParams({ source: 'trailmark', action, ...(tenant ? { tenant } : {}) });
  const res = await app.request(`/v1/events?${q}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: AuditEvent[] }).data;
}
