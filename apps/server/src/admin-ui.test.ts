import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../testing/index.ts';
import { serveAdminUi } from './admin-ui.ts';
import type { AppEnv } from './context.ts';

function uiApp(dist: string) {
  const app = new Hono<AppEnv>();
  app.get('/v1/ping', (c) => c.json({ ok: true }));
  app.notFound((c) => serveAdminUi(c, dist) ?? c.json({ error: { code: 'NOT_FOUND' } }, 404));
  return app;
}

describe('the admin UI served by the server', () => {
  const dist = `${mkdtempSync(join(tmpdir(), 'trailmark-dist-'))}/`;
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(dist, 'favicon.svg'), '<svg/>');
  const app = uiApp(dist);

  it('answers / and client routes with index.html, revalidated every time, with a CSP', async () => {
    for (const path of ['/', '/events', '/events/evt_1?action=file.deleted', '/history?target_path=/a.png']) {
      const res = await app.request(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(await res.text()).toContain('id="root"');
    }
  });

  it('caches hashed assets for a year and other files not at all', async () => {
    const js = await app.request('/assets/index-abc123.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('text/javascript');
    expect(js.headers.get('cache-control')).toContain('immutable');
    const icon = await app.request('/favicon.svg');
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('never shadows the API or serves files outside the build', async () => {
    expect(await (await app.request('/v1/ping')).json()).toEqual({ ok: true });
    for (const path of [
      '/v1/nope',
      '/v1',
      '/healthz',
      '/readyz',
      '/metrics',
      '/assets/missing.js',
      '/%2e%2e/package.json',
    ]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toContain('application/json');
    }
    expect((await app.request('/', { method: 'POST' })).status).toBe(404);
  });

  it('in the real app: API 404s stay JSON and /healthz still answers', async () => {
    const t = await createTestApp();
    try {
      const auth = { headers: { authorization: `Bearer ${t.adminToken}` } };
      const missing = await t.app.request('/v1/definitely-missing', auth);
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
      expect((await t.app.request('/healthz')).status).toBe(200);
      const ui = await t.app.request('/events');
      expect(ui.headers.get('content-type')).toContain('text/html');
    } finally {
      await t.close();
    }
  });
});
