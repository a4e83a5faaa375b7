/**
 * The tables of docs/api.md that restate the OpenAPI document (filter parameters, event fields) are
 * generated from it, between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` markers, so the
 * prose and examples stay hand-written and the tables cannot drift. `npm run docs:api` rewrites them;
 * `npm run docs:api -- --check` (and a test) fails when they are stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FILTER_LIST_NOTE } from '@trailmark/core';

type Json = Record<string, unknown>;

export const API_DOC = join(fileURLToPath(new URL('..', import.meta.url)), 'docs/api.md');

function resolve(doc: Json, node: Json): Json {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  let at: unknown = doc;
  for (const part of ref.replace(/^#\//, '').split('/')) at = (at as Json)[part];
  return resolve(doc, at as Json);
}

/** A table cell: one line, pipes escaped. */
const cell = (text: string) => text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');

function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

const PAGE = new Set(['`limit`', '`cursor`']);

/**
 * The query parameters of one operation: name, whether it takes several values (`list`: repeated or
 * comma-separated) or one (`once`), and its description. The negated forms (`name!`) are one sentence
 * of the prose, not a row each.
 */
export function parameterTable(doc: Json, path: string, method: string): string {
  const operation = ((doc.paths as Json)[path] as Json)[method] as Json;
  const rows = ((operation.parameters ?? []) as Json[])
    .map((p) => resolve(doc, p))
    .filter((p) => p.in === 'query' && !String(p.name).endsWith('!'))
    .map((p) => {
      const schema = resolve(doc, (p.schema ?? {}) as Json);
      const list =
        schema.type === 'array' || (schema.anyOf as Json[] | undefined)?.some((s) => s.type === 'array');
      // The Kind column says what the note every list filter carries says.
      const description = String(p.description ?? '').replace(` ${FILTER_LIST_NOTE}`, '');
      return [`\`${p.name}\``, list ? 'list' : 'once', description];
    })
    // The page parameters after the filters, as the prose reads.
    .sort((a, b) => Number(PAGE.has(a[0])) - Number(PAGE.has(b[0])));
  return table(['Parameter', 'Kind', 'Matches'], rows);
}

/** The top-level fields of a component schema: name, required or not, and the field's description. */
export function fieldTable(doc: Json, schemaName: string): string {
  const schema = resolve(doc, ((doc.components as Json).schemas as Json)[schemaName] as Json);
  const required = new Set((schema.required ?? []) as string[]);
  const rows = Object.entries(schema.properties as Record<string, Json>).map(([name, field]) => [
    `\`${name}\``,
    required.has(name) ? 'yes' : 'no',
    String(resolve(doc, field).description ?? ''),
  ]);
  return table(['Field', 'Required', 'Notes'], rows);
}

/** The generated tables, by marker name. */
export function generatedTables(doc: Json): Record<string, string> {
  return {
    'search-parameters': parameterTable(doc, '/v1/events', 'get'),
    'event-fields': fieldTable(doc, 'EventInput'),
  };
}

/** docs/api.md with every generated table replaced; a marker missing from the file is an error. */
export function withGeneratedTables(markdown: string, doc: Json): string {
  let out = markdown;
  for (const [name, body] of Object.entries(generatedTables(doc))) {
    const pattern = new RegExp(`(<!-- generated:${name} -->\\n)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!pattern.test(out)) throw new Error(`docs/api.md has no <!-- generated:${name} --> block`);
    out = out.replace(pattern, (_, open: string, close: string) => `${open}${body}\n${close}`);
  }
  return out;
}

async function main() {
  const { createTestApp } = await import('@trailmark/server/testing');
  const t = await createTestApp();
  try {
    const doc = (await (await t.app.request('/v1/openapi.json')).json()) as Json;
    const current = readFileSync(API_DOC, 'utf8');
    const next = withGeneratedTables(current, doc);
    if (process.argv.includes('--check')) {
      if (next !== current) {
        console.error('docs/api.md: the generated tables are stale; run npm run docs:api');
        process.exitCode = 1;
      }
    } else if (next !== current) {
      writeFileSync(API_DOC, next);
      console.log('docs/api.md: generated tables updated');
    } else console.log('docs/api.md: generated tables are current');
  } finally {
    await t.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
