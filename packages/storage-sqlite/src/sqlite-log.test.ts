import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuditEvent, eventLeafHash, prepareEvents, toHex, ValidationError } from '@trailmark/core';
import { contractEvents } from '@trailmark/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStorage, type SqliteStorage } from './sqlite-storage.ts';

const open: SqliteStorage[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});
const tempDb = () => join(mkdtempSync(join(tmpdir(), 'trailmark-log-')), 'events.db');

async function store(path: string, log: boolean): Promise<SqliteStorage> {
  const storage = createSqliteStorage({ path, log });
  await storage.init();
  open.push(storage);
  return storage;
}

describe('the SQLite evidence log', () => {
  it('stores the canonical form, the very bytes the writer hashed', async () => {
    const storage = await store(tempDb(), true);
    const [event] = contractEvents(1);
    await storage.append([event as AuditEvent]);
    const row = storage.db.prepare('SELECT doc FROM events').get() as { doc: string };
    const leaf = await storage.log?.leafOf(event!.tenant, event!.id);
    expect(leaf?.hash).toBe(toHex(eventLeafHash(JSON.parse(row.doc), 0)));
    const keys = Object.keys(JSON.parse(row.doc));
    expect(keys).toEqual([...keys].sort());
  });

  it('gives events stored before the log existed their leaves once, in storage order', async () => {
    const path = tempDb();
    const events = contractEvents(30);
    const before = await store(path, false);
    expect(before.log).toBeUndefined();
    await before.append(events);
    await before.close();
    open.splice(0);
    const after = await store(path, true);
    const tenant = events[0]!.tenant;
    const mine = events.filter((e) => e.tenant === tenant);
    expect(await after.log?.treeSize(tenant)).toBe(mine.length);
    for (const leaf of (await after.log?.leaves(tenant, 0, mine.length)) ?? []) {
      const stored = await after.get(leaf.event_id, [tenant]);
      expect(leaf.hash).toBe(toHex(eventLeafHash(stored as AuditEvent, leaf.index)));
    }
    await after.append([{ ...mine[0]!, id: 'evt_next' }]);
    expect((await after.log?.leafOf(tenant, 'evt_next'))?.index).toBe(mine.length);
  });

  it('refuses strings the canonical form cannot express (a lone surrogate) with the event index', () => {
    const registry = { assertKnown: () => undefined } as unknown as Parameters<typeof prepareEvents>[2];
    const input = {
      source: 'app',
      action: 'file.uploaded',
      occurred_at: new Date().toISOString(),
      actor: { type: 'user', id: 'u\ud800' },
      targets: [],
      outcome: { result: 'success' },
    };
    try {
      prepareEvents([input], { tenant: 'acme' }, registry);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details?.[0]).toMatchObject({ index: 0 });
    }
  });
});
