import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'hono';
import type { AppEnv } from './context.ts';

/** Where `npm run build -w @trailmark/admin` (run by the root postinstall) writes the admin UI. */
export const ADMIN_DIST = fileURLToPath(new URL('../../admin/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Paths the API owns: never answered with the UI, so a mistyped API call still gets a JSON 404. */
function isApiPath(path: string): boolean {
  return (
    path === '/v1' ||
    path.startsWith('/v1/') ||
    path === '/healthz' ||
    path === '/readyz' ||
    path === '/metrics'
  );
}

/**
 * Serves the built admin UI for GET/HEAD requests no route answered. Hashed files under /assets are
 * cached for a year (their name changes with their content); index.html is revalidated every time so a
 * new build is picked up at once. Any other path without a file extension is a client route and gets
 * index.html (SPA fallback). Returns undefined when the request is not the UI's.
 */
export function serveAdminUi(c: Context<AppEnv>, dist = ADMIN_DIST): Response | undefined {
  const method = c.req.method;
  const path = c.req.path;
  if ((method !== 'GET' && method !== 'HEAD') || isApiPath(path)) return undefined;
  const index = join(dist, 'index.html');
  if (!existsSync(index)) {
    if (extname(path)) return undefined;
    return c.html(
      '<!doctype html><title>Trailmark</title><p>The admin UI is not built. Run <code>npm install</code> (its postinstall builds it) or <code>npm run build:admin</code>, then reload. The API is at <a href="/v1/openapi.json">/v1</a>.</p>',
      503,
    );
  }
  let file: string | undefined;
  if (path !== '/' && extname(path)) {
    const candidate = normalize(join(dist, decodeURIComponent(path)));
    // No escaping the build folder with ../ or encoded separators.
    if (!candidate.startsWith(dist.endsWith(sep) ? dist : dist + sep)) return undefined;
    if (!existsSync(candidate) || !statSync(candidate).isFile()) return undefined;
    file = candidate;
  }
  const served = file ?? index;
  const body = readFileSync(served);
  const immutable = file !== undefined && path.startsWith('/assets/');
  const headers = new Headers({
    'Content-Type': TYPES[extname(served)] ?? 'application/octet-stream',
    'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'Content-Length': String(body.byteLength),
  });
  if (served === index) {
    // The UI loads only its own files and talks only to this origin.
    headers.set(
      'Content-Security-Policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    );
  }
  return new Response(method === 'HEAD' ? null : body, { status: 200, headers });
}
