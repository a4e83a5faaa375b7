import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationRecord } from '@trailmark/core';
import { contractEvents } from '@trailmark/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStorage, type SqliteStorage } from './sqlite-storage.ts';
import { createEventsStreamLog, createSqliteStreamStore, type SqliteStreamStore } from './stream-store.ts';

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

async function storage(): Promise<SqliteStorage> {
  const s = createSqliteStorage({ path: join(mkdtempSync(join(tmpdir(), 'tm-streamlog-')), 'events.db') });
  await s.init();
  open.push(s);
  return s;
}

function streamStore(): SqliteStreamStore {
  const s = createSqliteStreamStore({
    path: join(mkdtempSync(join(tmpdir(), 'tm-streamstore-')), 'control.db'),
  });
  open.push(s);
  return s;
}

const destination = (id: string): DestinationRecord => ({
  id,
  tenant: 'acme',
  name: id,
  kind: 'webhook',
  config: { url: 'https://x.example/' },
  filter: {},
  enabled: true,
  cursor: 0,
  next_sequence: 1,
  created_at: '2026-05-01T00:00:00.000Z',
  updated_at: '2026-05-01T00:00:00.000Z',
});

describe('the embedded stream log (events-005)', () => {
  it('gets every stored event, in commit order, from the writer transaction; duplicates add nothing', async () => {
    const s = await storage();
    const log = createEventsStreamLog(s.db);
    expect(log.head()).toBe(0);
    const events = contractEvents(40);
    // Stored in an order unrelated to occurred_at: the log follows commits, not event time.
    const reversed = [...events].reverse();
    await s.append(reversed.slice(0, 20));
    await s.append(reversed.slice(20));
    await s.append(reversed.slice(0, 10));
    expect(log.head()).toBe(40);
    const acme = log.read('acme', 0, log.head(), 1000);
    expect(acme.map((e) => e.event.id)).toEqual(reversed.filter((e) => e.tenant === 'acme').map((e) => e.id));
    expect(acme.every((e, i) => i === 0 || e.position > (acme[i - 1]?.position ?? 0))).toBe(true);
    expect(log.read('globex', 0, 40, 1000).every((e) => e.event.tenant === 'globex')).toBe(true);
    expect(log.backlog('acme', 0, 1000).count).toBe(acme.length);
  });

  it('never reuses a position, even after everything was pruned', async () => {
    const s = await storage();
    const log = createEventsStreamLog(s.db);
    const [a, b] = contractEvents(2);
    await s.append([a!]);
    expect(log.prune(log.head())).toBe(1);
    await s.append([b!]);
    expect(log.head()).toBe(2);
    expect(log.read(b!.tenant, 1, 2, 10).map((e) => e.position)).toEqual([2]);
  });
});

describe('the stream store (control-003)', () => {
  it('gives messages increasing sequences and moves the cursor in the same transaction', () => {
    const store = streamStore();
    store.createDestination(destination('dst_a'));
    const events = contractEvents(3);
    const [m1, m2] = store.enqueue(
      'dst_a',
      [
        { id: 'msg_1', events: events.slice(0, 2), origin: 'live' },
        { id: 'msg_2', events: events.slice(2), origin: 'live' },
      ],
      17,
      '2026-05-01T00:00:00.000Z',
    );
    expect([m1?.sequence, m2?.sequence]).toEqual([1, 2]);
    expect(store.getDestination('dst_a')).toMatchObject({ cursor: 17, next_sequence: 3 });
    expect(store.nextPending('dst_a')?.id).toBe('msg_1');
    store.updateMessage('msg_1', { status: 'delivered', delivered_at: '2026-05-01T00:00:01.000Z' });
    expect(store.nextPending('dst_a')?.id).toBe('msg_2');
    // A delivered message keeps its ids for the delivery log, not its events.
    expect(store.getMessage('msg_1')).toMatchObject({
      status: 'delivered',
      event_ids: events.slice(0, 2).map((e) => e.id),
    });
    expect(store.getMessage('msg_1')?.events).toBeUndefined();
    expect(store.countMessages('dst_a', 'pending')).toEqual({ messages: 1, events: 1 });
  });

  it('keeps tenants apart and forgets a deleted destination with its messages', () => {
    const store = streamStore();
    store.createDestination(destination('dst_a'));
    expect(store.getDestination('dst_a', 'globex')).toBeUndefined();
    expect(store.listDestinations('globex')).toEqual([]);
    store.enqueue(
      'dst_a',
      [{ id: 'msg_1', events: contractEvents(1), origin: 'live' }],
      undefined,
      '2026-05-01T00:00:00.000Z',
    );
    store.deleteDestination('dst_a');
    expect(store.getMessage('msg_1')).toBeUndefined();
  });
});
