import { Hono } from 'hono';
import type { AppEnv } from '../context.ts';
import type { AppDeps } from '../deps.ts';

/** Export routes (GET /v1/export, /v1/exports jobs). Owned by the export work; placeholder until then. */
export function exportRoutes(_deps: AppDeps) {
  return new Hono<AppEnv>();
}
