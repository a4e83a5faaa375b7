/**
 * The data set and helpers of the export route tests (apps/server/src/routes/exports/*.test.ts): each
 * file gets its own app with the same events, so the files run apart and in any order.
 */
import type { AuditEvent } from '@trailmark/core';
import { CSV_HEADER } from '@trailmark/plugin-export';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect } from 'vitest';
import { createExportTestApp, transferEvent } from './exports.ts';
import type { TestApp } from './index.ts';

export type Json = Record<string, unknown>;
export type JobView = Json & {
  id: string;
  status: string;
  rows_written: number;
  progress: number;
  file_name: string;
};
type ErrorJson = { code: string; message: string; details?: { path: string; message: string }[] };

/**
 * Varied enough that every filter selects a proper subset: every fifth event targets a folder, every
 * thirteenth failed, every eleventh has a second target.
 */
export const EVENTS = Array.from({ length: 1200 }, (_, i) => {
  const base = transferEvent(i);
  return {
    ...base,
    ...(i % 13 === 6 ? { outcome: { result: 'failure' as const } } : {}),
    targets: [
      i % 5 === 0 ? { type: 'folder', id: `d-${i % 9}`, path: `/archive/d-${i % 9}` } : base.targets[0],
      ...(i % 11 === 0 ? [{ type: 'file', id: 'f-second', path: '/forest/second.pdf' }] : []),
    ],
  };
});
export const ACME = EVENTS.filter((e) => e.tenant === 'acme');
/** One acme event from another source, so `source=file-transfer` leaves something out. */
const OTHER_SOURCE: AuditEvent = {
  ...transferEvent(5000, { tenant: 'acme' }),
  id: 'evt_x_other_source',
  source: 'trailmark',
  action: 'api_key.created',
  targets: [{ type: 'api_key', id: 'key_1' }],
};

export async function body(res: Response): Promise<Json> {
  return (await res.json()) as Json;
}

/** Ends a record on CRLF, LF or CR as spreadsheet apps do, so an unquoted line break shows. */
export function csvRows(text: string): string[][] {
  return parse(text, { bom: true, record_delimiter: ['\r\n', '\n', '\r'] }) as string[][];
}

export function column(rows: string[][], name: string): string[] {
  const i = CSV_HEADER.indexOf(name);
  return rows.slice(1).map((r) => r[i]);
}

export async function errorOf(res: Response): Promise<ErrorJson> {
  return ((await res.json()) as { error: ErrorJson }).error;
}

export function ndjsonEvents(text: string): AuditEvent[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditEvent);
}

/** A query string as the `filters` object of POST /v1/exports. */
export function bodyFilters(query: string): Record<string, string[]> {
  const filters: Record<string, string[]> = {};
  for (const [key, value] of new URLSearchParams(query)) filters[key] = [...(filters[key] ?? []), value];
  return filters;
}

/**
 * An export test app holding EVENTS, created before the file's tests and closed after them (with the
 * jobs it still runs), and the helpers that read through it.
 */
export function exportSuite() {
  let app: TestApp | undefined;
  const t = (): TestApp => {
    if (!app) throw new Error('exportSuite: the app is created in beforeAll');
    return app;
  };
  beforeAll(async () => {
    app = await createExportTestApp();
    await app.deps.storage.append([...EVENTS, OTHER_SOURCE]);
  });
  afterAll(async () => {
    await t().deps.exportJobs.drain();
    await t().close();
  });

  return {
    get t(): TestApp {
      return t();
    },

    /** Every event /v1/events returns for the same filters, paging with its cursor. */
    async pagedEvents(query: string, token: string | undefined): Promise<AuditEvent[]> {
      const events: AuditEvent[] = [];
      let cursor: string | null = null;
      do {
        const res = await t().request(`/v1/events?${query}&limit=97${cursor ? `&cursor=${cursor}` : ''}`, {
          token,
        });
        expect(res.status).toBe(200);
        const page = (await res.json()) as { data: AuditEvent[]; next_cursor: string | null };
        events.push(...page.data);
        cursor = page.next_cursor;
      } while (cursor);
      return events;
    },

    async waitForJob(path: string, token: string): Promise<JobView> {
      await t().deps.exportJobs.drain();
      const res = await t().request(path, { token });
      expect(res.status).toBe(200);
      return (await res.json()) as JobView;
    },

    async auditEntries(tenant: string, action: string): Promise<AuditEvent[]> {
      const page = await t().deps.storage.search(
        { tenant: [tenant], source: ['trailmark'], action: [action] },
        { limit: 1000 },
      );
      return page.data;
    },
  };
}
