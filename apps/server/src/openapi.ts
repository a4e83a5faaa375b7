import type { AppDeps } from './deps.ts';

/** The OpenAPI 3.1 document served at /v1/openapi.json. */
export function openApiDocument(_deps: AppDeps): Record<string, unknown> {
  return { openapi: '3.1.0', info: { title: 'Trailmark API', version: '1.0.0' }, paths: {} };
}
