import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../testing/index.ts';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('GET /v1/catalog', () => {
  it('lists registered sources with their actions and retention', async () => {
    const body = await (await t.request('/v1/catalog')).json();
    const trailmark = body.sources.find((s: { id: string }) => s.id === 'trailmark');
    expect(trailmark.actions.map((a: { action: string }) => a.action)).toContain('export.created');
    expect(body.sources.length).toBeGreaterThanOrEqual(5);
  });
});
