import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorCode, type TrailmarkError, ValidationError } from './errors.ts';
import { defineSourcePlugin, mapNativePayloads } from './plugin.ts';

const shop = defineSourcePlugin({
  id: 'shop',
  name: 'Shop',
  actions: [
    {
      action: 'order.placed',
      label: 'Order placed',
      category: 'commerce',
      source_action: 'ORDER',
      ocsf_class_uid: 6003,
    },
  ],
  nativeSchema: z.strictObject({ op: z.literal('ORDER'), ids: z.array(z.string()).min(1) }),
  map: (n) =>
    n.ids.map((id) => ({
      id: `shop-${id}`,
      source: 'shop',
      action: 'order.placed',
      occurred_at: '2026-04-14T10:00:00Z',
      actor: { type: 'user' as const, id: 'u' },
      targets: [{ type: 'order', id }],
      outcome: { result: 'success' as const },
    })),
});

describe('mapNativePayloads', () => {
  it('maps every payload, one or many events each, in order', () => {
    const events = mapNativePayloads(shop, [
      { op: 'ORDER', ids: ['a', 'b'] },
      { op: 'ORDER', ids: ['c'] },
    ]);
    expect(events.map((e) => e.id)).toEqual(['shop-a', 'shop-b', 'shop-c']);
  });

  it('maps none when one payload is off its schema, naming each problem by index and path', () => {
    let error: unknown;
    try {
      mapNativePayloads(shop, [{ op: 'ORDER', ids: ['a'] }, { op: 'REFUND', ids: [] }, 'text']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const details = (error as ValidationError).details ?? [];
    expect(details.map((d) => [d.index, d.path])).toEqual([
      [1, 'op'],
      [1, 'ids'],
      [2, '(payload)'],
    ]);
    expect((error as Error).message).toContain('"shop" schema');
  });

  it('refuses a plugin without a mapper as an unknown source', () => {
    const bare = defineSourcePlugin({ id: 'bare', name: 'Bare', actions: [] });
    expect(() => mapNativePayloads(bare, [{}])).toThrow(
      expect.objectContaining({ code: ErrorCode.UNKNOWN_SOURCE }) as unknown as TrailmarkError,
    );
  });
});
