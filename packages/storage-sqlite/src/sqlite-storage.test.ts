import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent } from '@trailmark/core';
import { contractEvents } from '@trailmark/test-utils';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_MIGRATIONS } from './migrations.ts';
import { createSqliteStorage, type SqliteStorage } from './sqlite-storage.ts';
import { indexTermsOf, keyToken } from './tokens.ts';

const open: SqliteStorage[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'trailmark-sqlite-')), 'events.db');

async function store(path = tempDb(), options: { facetScanLimit?: number } = {}): Promise<SqliteStorage> {
  const storage = createSqliteStorage({ path, ...options });
  await storage.init();
  open.push(storage);
  return storage;
}

/** The day and month counts as the writer keeps them, and as the `event_facet_keys` view recounts them. */
function facetCounts(storage: SqliteStorage) {
  const read = (sql: string) => storage.db.prepare(sql).all();
  const kept = {
    days: read('SELECT field, tenant, day, source, value, count FROM facet_days ORDER BY 1, 2, 3, 4, 5'),
    months: read(
      'SELECT field, tenant, month, source, value, count FROM facet_months ORDER BY 1, 2, 3, 4, 5',
    ),
  };
  const recounted = {
    days: read(
      `SELECT field, tenant, day, source, value, count(*) AS count FROM event_facet_keys
       GROUP BY field, tenant, day, source, value ORDER BY 1, 2, 3, 4, 5`,
    ),
    months: read(
      `SELECT field, tenant, month, source, value, count(*) AS count FROM event_facet_keys
       GROUP BY field, tenant, month, source, value ORDER BY 1, 2, 3, 4, 5`,
    ),
  };
  return { kept, recounted };
}

describe('facet counts by day and month', () => {
  it('the writer keeps exactly what the view counts, through duplicates and purges', async () => {
    const storage = await store();
    const events = contractEvents();
    await storage.append(events.slice(0, 150));
    // Retried events (same tenant and id) are duplicates and must not be counted twice.
    await Promise.all([storage.append(events.slice(100, 200)), storage.append(events.slice(200))]);
    let counts = facetCounts(storage);
    expect(counts.kept.days.length).toBeGreaterThan(100);
    expect(counts.kept.months.length).toBeGreaterThan(10);
    expect(counts.kept).toEqual(counts.recounted);
    const deleted = await storage.purge({
      tenant: 'acme',
      source: 'file-transfer',
      before: events[120].occurred_at,
      batchSize: 7,
    });
    expect(deleted).toBeGreaterThan(10);
    counts = facetCounts(storage);
    expect(counts.kept).toEqual(counts.recounted);
    // Purging everything of a partition leaves no zero rows behind.
    for (const source of ['file-transfer', 'media-library', 'central-config'])
      await storage.purge({ tenant: 'globex', source, before: '2100-01-01T00:00:00Z' });
    for (const table of ['facet_days', 'facet_months'])
      expect(storage.db.prepare(`SELECT count(*) FROM ${table} WHERE tenant = 'globex'`).pluck().get()).toBe(
        0,
      );
    expect(facetCounts(storage).kept).toEqual(facetCounts(storage).recounted);
  });

  it('a facet the day counts cannot answer reads at most facetScanLimit events and says so', async () => {
    const storage = await store(tempDb(), { facetScanLimit: 50 });
    const events = contractEvents();
    await storage.append(events);
    const acme = events.filter((e) => e.tenant === 'acme' && e.outcome.result === 'success');
    expect(acme.length).toBeGreaterThan(50);
    const capped = await storage.facet({ tenant: ['acme'], result: ['success'] }, 'action', 100);
    expect(capped).toMatchObject({ complete: false, counted: 50 });
    // The newest 50 matching events, counted exactly.
    const newest = [...acme].sort((a, b) => b.occurred_at.localeCompare(a.occurred_at)).slice(0, 50);
    const want: Record<string, number> = {};
    for (const e of newest) want[e.action] = (want[e.action] ?? 0) + 1;
    expect(Object.fromEntries(capped.buckets.map((b) => [b.value, b.count]))).toEqual(want);
    // Tenant and time alone come from the day counts: complete whatever the limit.
    const whole = await storage.facet({ tenant: ['acme'] }, 'action', 100);
    expect(whole.complete).toBe(true);
    expect(whole.buckets.reduce((n, b) => n + b.count, 0)).toBe(
      events.filter((e) => e.tenant === 'acme').length,
    );
  });
});

describe('free-text vocabulary', () => {
  it('expands a prefix from the word table, and long numbers through FTS5 itself', async () => {
    const storage = await store();
    const base = contractEvents(1)[0];
    const named = (id: string, name: string): AuditEvent => ({
      ...base,
      id,
      targets: [{ type: 'file', id: `f-${id}`, name }],
    });
    await storage.append([
      named('a', 'budget-2026.pdf'),
      named('b', 'budgetary-note.txt'),
      named('c', 'scan-123456789.png'),
      named('d', 'order 123456789abc.pdf'),
    ]);
    const words = storage.db.prepare('SELECT word FROM event_words').pluck().all();
    expect(words).toEqual(expect.arrayContaining(['budget', 'budgetary', '2026', 'scan']));
    // Identifiers are not words: they stay out of the table and are still found by prefix.
    expect(words).not.toContain('123456789');
    const ids = async (q: string) =>
      (await storage.search({ q }, { limit: 10 })).data.map((e) => e.id).sort();
    expect(await ids('budg')).toEqual(['a', 'b']);
    expect(await ids('budgeta')).toEqual(['b']);
    // A digit prefix finds the identifier (not in the table) and the word that starts with it (in it).
    expect(await ids('1234567')).toEqual(['c', 'd']);
    expect(await ids('2026')).toEqual(['a']);
    expect(await ids('nothingmatches')).toEqual([]);
  });
});

describe('upgrading a database written before words and day counts existed', () => {
  it('builds the word table and the day counts from the events already stored', async () => {
    const path = tempDb();
    const events = contractEvents();
    const current = await store(path);
    await current.append(events);
    await current.close();
    open.splice(open.indexOf(current), 1);
    // Take the file back to the schema of migration 002: what a database written by an older release holds.
    const old = new Database(path);
    old.exec(`
      DROP TABLE facet_days; DROP TABLE facet_months; DROP VIEW event_facet_keys; DROP TABLE event_words;
      ALTER TABLE events DROP COLUMN occurred_month; ALTER TABLE events DROP COLUMN occurred_day;
      CREATE VIRTUAL TABLE event_vocab USING fts5vocab(event_index, row);
      DELETE FROM schema_migrations WHERE name = '${EVENT_MIGRATIONS[2].name}';
    `);
    old.close();
    const storage = await store(path);
    const counts = facetCounts(storage);
    expect(counts.kept.days.length).toBeGreaterThan(0);
    expect(counts.kept.months.length).toBeGreaterThan(0);
    expect(counts.kept).toEqual(counts.recounted);
    const words = storage.db.prepare('SELECT word FROM event_words').pluck().all();
    expect(words).toEqual(expect.arrayContaining(['report', 'ana', 'acme', 'forest']));
    expect(words.some((w) => String(w).startsWith('_'))).toBe(false);
    expect((await storage.search({ q: 'repo' }, { limit: 1000 })).data).toHaveLength(events.length);
    const facet = await storage.facet({ tenant: ['globex'] }, 'action', 100);
    expect(facet.buckets.reduce((n, b) => n + b.count, 0)).toBe(
      events.filter((e) => e.tenant === 'globex').length,
    );
  });
});

describe('migration events-006-search-tokens', () => {
  it('indexes the new search fields of events stored before it, so the index finds them', async () => {
    const path = tempDb();
    const events = contractEvents(120);
    const before = await store(path);
    await before.append(events);
    await before.close();
    open.splice(open.indexOf(before), 1);
    // The index as an older release wrote it: no tokens of the fields added with the migration.
    const db = new Database(path);
    const rows = db.prepare('SELECT seq, doc FROM events').safeIntegers(true).all() as {
      seq: bigint;
      doc: string;
    }[];
    const rewrite = db.transaction(() => {
      for (const row of rows) {
        const terms = indexTermsOf(JSON.parse(row.doc) as AuditEvent, undefined);
        const old = terms.keys
          .split(' ')
          .filter((t) => !/^_[bghklve]/.test(t))
          .join(' ');
        db.prepare('DELETE FROM event_index WHERE rowid = ?').run(row.seq);
        db.prepare('INSERT INTO event_index (rowid, terms) VALUES (?, ?)').run(
          row.seq,
          `${old} ${terms.words}`,
        );
      }
    });
    rewrite();
    db.prepare("DELETE FROM schema_migrations WHERE name = 'events-006-search-tokens'").run();
    const stale = (
      db
        .prepare('SELECT count(*) AS n FROM event_index WHERE event_index MATCH ?')
        .get(`"${keyToken('country', 'BR')}"`) as { n: number }
    ).n;
    db.close();
    expect(stale).toBe(0);
    const after = await store(path);
    const want = events.filter((e) => e.client?.geo?.country_code === 'BR').length;
    expect(want).toBeGreaterThan(0);
    expect(await after.count({ country: ['BR'] })).toBe(want);
    expect(await after.count({ tenant: ['acme'], device: ['cli'], not: { category: ['sharing'] } })).toBe(
      events.filter(
        (e) => e.tenant === 'acme' && e.client?.device?.kind === 'cli' && e.category !== 'sharing',
      ).length,
    );
  });
});
