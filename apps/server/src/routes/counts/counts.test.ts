import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../testing/index.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('GET /v1/count and GET /v1/histogram', () => {
  it('count the filtered events and bucket them over time; paging is refused', async () => {
    const auth = { headers: { authorization: `Bearer ${t.adminToken}` } };
    const count = await t.app.request('/v1/count?result=denied', auth);
    expect(await count.json()).toEqual({ count: 0, exact: true });
    const paged = await t.app.request('/v1/count?limit=5', auth);
    expect(paged.status).toBe(400);
    const hist = await t.app.request('/v1/histogram?from=2026-04-14T00:00:00Z&to=2026-04-15T00:00:00Z', auth);
    expect(await hist.json()).toMatchObject({ interval_ms: 15 * 60_000, buckets: [] });
  });
});
