import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createEngine } from './engine.ts';
import { ErrorCode, TrailmarkError } from './errors.ts';
import { defineSourcePlugin } from './plugin.ts';
import { createPluginSet } from './plugins.ts';
import type { AuditEvent } from './schema.ts';
import type { StoragePort } from './storage.ts';

/** Just the two calls ingest makes, over a map; `hold` keeps appends waiting to show back-pressure. */
function mapStore() {
  const kept = new Map<string, AuditEvent>();
  let hold: Promise<void> | undefined;
  const storage = {
    async append(events: readonly AuditEvent[]) {
      await hold;
      const inserted: string[] = [];
      const duplicates: string[] = [];
      for (const e of events) {
        const key = `${e.tenant}/${e.id}`;
        if (kept.has(key)) duplicates.push(e.id);
        else {
          kept.set(key, e);
          inserted.push(e.id);
        }
      }
      return { inserted, duplicates };
    },
    async get(id: string, tenants?: readonly string[]) {
      return [...kept.values()].find((e) => e.id === id && (!tenants || tenants.includes(e.tenant))) ?? null;
    },
  } as unknown as StoragePort;
  return { storage, kept, holdUntil: (p: Promise<void>) => (hold = p) };
}

const shop = defineSourcePlugin({
  id: 'shop',
  name: 'Shop',
  actions: [
    {
      action: 'order.placed',
      label: 'Order placed',
      category: 'commerce',
      ocsf_class_uid: 6003,
      source_action: 'ORDER',
    },
  ],
  nativeSchema: z.looseObject({ op: z.literal('ORDER'), id: z.string() }),
  map: (n) => ({
    id: `shop-${n.id}`,
    source: 'shop',
    source_action: n.op,
    action: 'order.placed',
    occurred_at: '2026-04-14T10:00:00Z',
    actor: { type: 'user' as const, id: 'u' },
    targets: [{ type: 'order', id: n.id }],
    outcome: { result: 'success' as const },
  }),
});
const plugins = createPluginSet([shop]);
const input = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  source: 'shop',
  action: 'order.placed',
  occurred_at: '2026-04-14T10:00:00Z',
  actor: { type: 'user', id: 'u' },
  targets: [{ type: 'order', id }],
  outcome: { result: 'success' },
  ...over,
});

describe('the ingest engine', () => {
  it('stores, reports a same-body retry as a duplicate and hands both to the outbox before answering', async () => {
    const { storage } = mapStore();
    const outbox: string[][] = [];
    const stored: string[] = [];
    const engine = createEngine({
      storage,
      plugins,
      hooks: {
        afterAppend: (events) => outbox.push(events.map((e) => e.id)),
        stored: (events) => stored.push(...events.map((e) => e.id)),
      },
    });
    expect(await engine.ingest([input('a'), input('b')], { tenant: 'acme' })).toEqual({
      accepted: 2,
      duplicates: 0,
      ids: ['a', 'b'],
    });
    expect(await engine.ingest([input('b'), input('c')], { tenant: 'acme' })).toMatchObject({
      accepted: 1,
      duplicates: 1,
    });
    // The retried `b` goes to the outbox again: its first acknowledgement may have been lost.
    expect(outbox).toEqual([['a', 'b'], ['c'], ['b']]);
    expect(stored).toEqual(['a', 'b', 'c']);
  });

  it('answers CONFLICT naming the id when a stored id comes back with another body', async () => {
    const { storage, kept } = mapStore();
    const engine = createEngine({ storage, plugins });
    await engine.ingest([input('a')], { tenant: 'acme' });
    const error = await engine
      .ingest([input('a', { outcome: { result: 'failure' } })], { tenant: 'acme' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrailmarkError);
    expect((error as TrailmarkError).code).toBe(ErrorCode.CONFLICT);
    expect((error as TrailmarkError).details?.[0]).toMatchObject({ index: 0, path: 'id' });
    expect(kept.get('acme/a')?.outcome.result).toBe('success');
  });

  it('refuses a sender with OVERLOADED while too many events wait, but never its own audit trail', async () => {
    const { storage, holdUntil } = mapStore();
    const rejected: string[] = [];
    const engine = createEngine({
      storage,
      plugins,
      maxPendingEvents: 2,
      hooks: { rejected: (c) => rejected.push(c) },
    });
    let release = () => {};
    holdUntil(new Promise<void>((r) => (release = r)));
    const first = engine.ingest([input('a'), input('b')], { tenant: 'acme' });
    await expect(engine.ingest([input('c')], { tenant: 'acme' })).rejects.toMatchObject({
      code: ErrorCode.OVERLOADED,
    });
    const own = engine.ingestSystem(
      [input('self', { source: 'trailmark', action: 'api_key.created', targets: [] })],
      'acme',
    );
    release();
    expect((await first).accepted).toBe(2);
    expect((await own).accepted).toBe(1);
    expect(rejected).toEqual([ErrorCode.OVERLOADED]);
  });

  it('maps native payloads through their plugin and sets the tenant; an unknown source is refused', async () => {
    const { storage, kept } = mapStore();
    const engine = createEngine({ storage, plugins });
    const result = await engine.ingestNative('shop', [{ op: 'ORDER', id: '7', extra: 1 }], {
      tenant: 'acme',
    });
    expect(result.ids).toEqual(['shop-7']);
    expect(kept.get('acme/shop-7')).toMatchObject({ tenant: 'acme', source_action: 'ORDER' });
    await expect(engine.ingestNative('nope', [{}], { tenant: 'acme' })).rejects.toMatchObject({
      code: ErrorCode.UNKNOWN_SOURCE,
    });
    await expect(engine.ingestNative('shop', [{ op: 'REFUND' }], { tenant: 'acme' })).rejects.toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
    });
  });
});
