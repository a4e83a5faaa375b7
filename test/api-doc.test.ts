import { readFileSync } from 'node:fs';
import { createTestApp } from '@trailmark/server/testing';
import { describe, expect, it } from 'vitest';
import { API_DOC, generatedTables, withGeneratedTables } from '../scripts/api-doc.ts';

describe("docs/api.md's tables are the OpenAPI document's", () => {
  it('lists every filter and event field the document declares, as npm run docs:api writes them', async () => {
    const t = await createTestApp();
    try {
      const doc = (await (await t.app.request('/v1/openapi.json')).json()) as Record<string, unknown>;
      const tables = generatedTables(doc);
      // The tables hold what the document says: every filter of GET /v1/events and every event field.
      for (const name of ['action', 'actor', 'target_path_prefix', 'q', 'from', 'limit'])
        expect(tables['search-parameters']).toContain(`| \`${name}\` |`);
      expect(tables['search-parameters']).not.toContain('`result!`');
      expect(tables['event-fields']).toMatch(/\| `occurred_at` \| yes \|/);
      const current = readFileSync(API_DOC, 'utf8');
      expect(withGeneratedTables(current, doc), 'docs/api.md is stale: run npm run docs:api').toBe(current);
    } finally {
      await t.close();
    }
  });
});
