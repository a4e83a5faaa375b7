import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AppendResult,
  type AuditEvent,
  decodeCursor,
  type EventFilter,
  type EventPage,
  encodeCursor,
  eventMatchesFilter,
  type PageRequest,
  type StoragePort,
} from '@trailmark/core';
import { createSqliteStorage } from '@trailmark/storage-sqlite';
import { contractEvents } from '@trailmark/test-utils';
import { describe, expect, it } from 'vitest';
import { migrateEvents } from './migrate.ts';

/** A tiny in-memory StoragePort: only what migration touches (append, search, count). */
function memoryStore(): StoragePort & { events: AuditEvent[] } {
  const events: AuditEvent[] = [];
  const key = (e: AuditEvent) => `${e.tenant}\u0000${e.id}`;
  const sorted = (filter: EventFilter) =>
    events
      .filter((e) => eventMatchesFilter(e, filter))
      .sort((a, b) => Date.parse(b.occurred_at) - Date.parse(a.occurred_at) || (key(a) < key(b) ? 1 : -1));
  const unsupported = () => Promise.reject(new Error('not used by migration'));
  return {
    name: 'memory',
    capabilities: { fullText: false, facets: false, pointInTime: false },
    events,
    init: async () => {},
    async append(batch): Promise<AppendResult> {
      const inserted: string[] = [];
      const duplicates: string[] = [];
      for (const e of batch) {
        if (events.some((x) => key(x) === key(e))) duplicates.push(e.id);
        else {
          events.push(structuredClone(e));
          inserted.push(e.id);
        }
      }
      return { inserted, duplicates };
    },
    async search(filter: EventFilter, page: PageRequest): Promise<EventPage> {
      const all = sorted(filter);
      const start = page.cursor ? decodeCursor(page.cursor, (p): p is number => typeof p === 'number') : 0;
      const data = all.slice(start, start + page.limit);
      return { data, next_cursor: start + page.limit < all.length ? encodeCursor(start + page.limit) : null };
    },
    count: async (filter) => sorted(filter).length,
    get: unsupported,
    facet: unsupported,
    histogram: unsupported,
    relatedTargetKeys: unsupported,
    partitions: unsupported,
    purge: unsupported,
    ping: async () => {},
    close: async () => {},
  };
}

describe('migrateEvents', () => {
  it('copies every tenant in batches, reports progress and verifies counts', async () => {
    const from = memoryStore();
    const data = contractEvents(95);
    await from.append(data);
    const to = memoryStore();
    const progress: { copied: number; total: number }[] = [];
    const result = await migrateEvents(from, to, { batchSize: 20, onProgress: (p) => progress.push(p) });
    expect(result).toEqual({
      copied: 95,
      duplicates: 0,
      sourceCount: 95,
      targetCount: 95,
      leaves: 0,
      verified: true,
    });
    expect(progress.map((p) => p.copied)).toEqual([0, 20, 40, 60, 80, 95]);
    expect(progress.every((p) => p.total === 95)).toBe(true);
    expect(new Set(to.events.map((e) => e.tenant))).toEqual(new Set(['acme', 'globex']));
    expect(to.events.map((e) => e.id).sort()).toEqual(data.map((e) => e.id).sort());
  });

  it('resumes an interrupted run: events already copied come back as duplicates', async () => {
    const from = memoryStore();
    const data = contractEvents(30);
    await from.append(data);
    const to = memoryStore();
    await to.append(data.slice(0, 12));
    const result = await migrateEvents(from, to, { batchSize: 7 });
    expect(result).toMatchObject({ copied: 30, duplicates: 12, targetCount: 30, verified: true });
  });

  it('is not verified when the target lost events', async () => {
    const from = memoryStore();
    await from.append(contractEvents(10));
    const lossy = memoryStore();
    const append = lossy.append.bind(lossy);
    lossy.append = async (batch) => {
      const result = await append(batch.slice(1));
      return { inserted: [batch[0].id, ...result.inserted], duplicates: result.duplicates };
    };
    const result = await migrateEvents(from, lossy, { batchSize: 5 });
    expect(result.verified).toBe(false);
    expect(result.targetCount).toBe(8);
  });

  it('moves the embedded SQLite store into another store unchanged', async () => {
    const from = createSqliteStorage({
      path: join(mkdtempSync(join(tmpdir(), 'trailmark-migrate-')), 'events.db'),
    });
    await from.init();
    const data = contractEvents(50);
    await from.append(data);
    const to = memoryStore();
    const result = await migrateEvents(from, to, { batchSize: 16 });
    expect(result.verified).toBe(true);
    const byId = new Map(to.events.map((e) => [`${e.tenant}/${e.id}`, e]));
    for (const e of data) expect(byId.get(`${e.tenant}/${e.id}`)).toEqual(e);
    await from.close();
  });
});
