import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../testing/index.ts';
import { createApp } from '../../app.ts';
import { createDeps } from '../../deps.ts';
import { uploadEventExample } from '../../openapi/examples.ts';

let t: TestApp;
let app: ReturnType<typeof createApp>;
beforeAll(async () => {
  t = await createTestApp();
  for (const tenant of ['acme', 'globex', 'initech']) {
    const events = Array.from({ length: 30 }, (_, i) => ({
      ...uploadEventExample,
      id: `lim_${tenant}_${i}`,
      tenant,
    }));
    expect((await t.request('/v1/events', { body: { events } })).status).toBe(201);
  }
  app = createApp(createDeps({ ...t.deps, exportStreams: { total: 3, perTenant: 2 } }));
});
afterAll(() => t.close());

const stream = (tenant: string) =>
  app.request(`/v1/export?tenant=${tenant}&format=ndjson`, {
    headers: { authorization: `Bearer ${t.adminToken}` },
  });

describe('GET /v1/export: bounded streams (hardening #2)', () => {
  it('refuses a stream beyond the per-tenant and the overall bound with 429 and Retry-After, and frees slots as streams end', async () => {
    const held = [await stream('acme'), await stream('acme')];
    for (const res of held) expect(res.status).toBe(200);

    const third = await stream('acme');
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('5');
    const body = await third.json();
    expect(body.error.code).toBe('RATE_LIMITED');
    expect(body.error.message).toContain('POST /v1/exports');

    const other = await stream('globex');
    expect(other.status).toBe(200);
    const full = await stream('initech');
    expect(full.status).toBe(429);

    // Everything else keeps answering while the streams are open.
    expect((await app.request('/healthz')).status).toBe(200);
    expect(
      (
        await app.request('/v1/events?tenant=initech&limit=5', {
          headers: { authorization: `Bearer ${t.adminToken}` },
        })
      ).status,
    ).toBe(200);

    // A client that hangs up frees its slot; a stream read to the end frees its slot too.
    await held[0]?.body?.cancel();
    const lines = (await other.text()).trim().split('\n');
    expect(lines).toHaveLength(30);
    const again = await stream('acme');
    expect(again.status).toBe(200);
    expect((await stream('initech')).status).toBe(200);
    expect((await stream('initech')).status).toBe(429);
  });
});
