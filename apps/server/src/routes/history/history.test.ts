import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base, DAY, seedAssetHistory } from '../../../testing/asset-history.ts';
import { createTestApp, type TestApp } from '../../../testing/index.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  await seedAssetHistory(t);
});
afterAll(async () => {
  await t.close();
});

describe('GET /v1/history', () => {
  it('follows one asset across rename, move and deletion, by path or by id', async () => {
    for (const url of [
      '/v1/history?target_path=/forest/tree.png',
      '/v1/history?target_path=/archive/oak.png',
      '/v1/history?target_type=file&target_id=f1',
    ]) {
      const res = await t.request(`${url}&tenant=acme`);
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.data.map((e: { id: string }) => e.id)).toEqual(['h4', 'h3', 'h2', 'h1']);
    }
  });

  it('combines with filters: who deleted this file', async () => {
    const body = await (
      await t.request('/v1/history?target_path=/forest/tree.png&action=file.deleted')
    ).json();
    expect(body.data).toHaveLength(1);
    expect(body.data[0].actor.id).toBe('u-bo');
  });

  it('is time-aware: a path reused after a deletion names a second asset, listed apart; a denied deletion frees nothing', async () => {
    const at = (h: number) => new Date(Date.now() - 5 * DAY + h * 3_600_000).toISOString();
    const file = (id: string, path: string, extra = {}) => [{ type: 'file', id, path, ...extra }];
    const reuse = [
      {
        ...base,
        id: 'r1',
        action: 'file.uploaded',
        occurred_at: at(1),
        targets: file('g1', '/brand/logo.png'),
      },
      {
        ...base,
        id: 'r2',
        action: 'file.deleted',
        occurred_at: at(2),
        targets: file('g1', '/brand/logo.png'),
        outcome: { result: 'denied', reason: 'permission_denied' },
      },
      {
        ...base,
        id: 'r3',
        action: 'file.deleted',
        occurred_at: at(3),
        targets: file('g1', '/brand/logo.png'),
      },
      {
        ...base,
        id: 'r4',
        action: 'file.uploaded',
        occurred_at: at(4),
        targets: file('g2', '/brand/logo.png'),
      },
      {
        ...base,
        id: 'r5',
        action: 'file.downloaded',
        occurred_at: at(5),
        targets: [{ type: 'file', path: '/brand/logo.png' }],
      },
    ].map((e) => ({ ...e, tenant: 'reuse' }));
    expect((await t.request('/v1/events', { body: { events: reuse } })).status).toBe(201);

    const byPath = await (await t.request('/v1/history?tenant=reuse&target_path=/brand/logo.png')).json();
    expect(
      byPath.assets.map((a: { key: string; event_count: number; deleted: boolean }) => [
        a.key,
        a.event_count,
        a.deleted,
      ]),
    ).toEqual([
      ['file:g1', 3, true],
      ['file:g2', 2, false],
    ]);
    expect(byPath.data.map((e: { id: string }) => e.id)).toEqual(['r5', 'r4', 'r3', 'r2', 'r1']);
    // By id, the first file's history stops at its deletion: the next file at its path is not in it.
    const first = await (await t.request('/v1/history?tenant=reuse&target_type=file&target_id=g1')).json();
    expect(first.data.map((e: { id: string }) => e.id)).toEqual(['r3', 'r2', 'r1']);
    expect(first.assets).toHaveLength(1);

    // One of the assets alone, by its key; a key that is not one of them is refused, naming them.
    const second = await (
      await t.request('/v1/history?tenant=reuse&target_path=/brand/logo.png&asset=file:g2')
    ).json();
    expect(second.data.map((e: { id: string }) => e.id)).toEqual(['r5', 'r4']);
    expect(second.assets).toHaveLength(2);
    const wrong = await t.request('/v1/history?tenant=reuse&target_path=/brand/logo.png&asset=file:nope');
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).error.details[0]).toMatchObject({
      path: 'asset',
      message: 'not one of file:g1, file:g2',
    });

    // Paged by a sealed cursor, nothing twice and nothing skipped; a forged cursor is refused.
    const seen: string[] = [];
    let url = '/v1/history?tenant=reuse&target_path=/brand/logo.png&limit=2';
    for (let i = 0; i < 5 && url; i++) {
      const page = await (await t.request(url)).json();
      seen.push(...page.data.map((e: { id: string }) => e.id));
      url = page.next_cursor
        ? `/v1/history?tenant=reuse&target_path=/brand/logo.png&limit=2&cursor=${encodeURIComponent(page.next_cursor)}`
        : '';
    }
    expect(seen).toEqual(['r5', 'r4', 'r3', 'r2', 'r1']);
    const forged = await t.request(
      '/v1/history?tenant=reuse&target_path=/brand/logo.png&cursor=2099-01-01|x|y.AAAA',
    );
    expect(forged.status).toBe(400);
    expect((await forged.json()).error.code).toBe('INVALID_CURSOR');
  });

  it('needs exactly one asset reference', async () => {
    const res = await t.request('/v1/history?target_type=file');
    expect(res.status).toBe(400);
    expect((await res.json()).error.details[0].path).toBe('target_path');
  });
});
