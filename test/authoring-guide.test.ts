import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { AnySourcePlugin, AuditEvent, MappedEvent } from '@trailmark/core';
import { defaultPlugins } from '@trailmark/server/plugins';
import { createTestApp, type TestApp } from '@trailmark/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers.ts';

/**
 * Follows docs/writing-a-source-plugin.md once from scratch, reading its steps from the guide itself so
 * the guide cannot drift from what works: step 1's scaffold command, the walkthrough's edits (applied
 * verbatim to the generated files, with the kit failing in between and passing after), step 7's plugin
 * list, and step 8's curl payload and every query it shows, each with the answer it must give.
 *
 * Two deliberate shortcuts: the plugin is scaffolded with `--dir` inside the repository (test/.tmp-*,
 * git-ignored) rather than into plugins/, so its imports of @trailmark/core, @trailmark/test-utils and
 * zod resolve from the workspace's node_modules without an `npm install` and the tree is left clean; and
 * the server is the in-process app with the plugin appended to defaultPlugins, with a key minted
 * directly instead of through `npm run trailmark -- keys create` (the CLI has its own test).
 */
const run = promisify(execFile);

const GUIDE = readFileSync(join(ROOT, 'docs/writing-a-source-plugin.md'), 'utf8');

/** The fenced code blocks of one section of the guide (`## 5. ...` up to the next `## `). */
function blocks(section: string, lang: string): string[] {
  const start = GUIDE.indexOf(`\n## ${section}`);
  if (start < 0) throw new Error(`the guide has no section "## ${section}"`);
  const end = GUIDE.indexOf('\n## ', start + 1);
  const body = GUIDE.slice(start, end < 0 ? undefined : end);
  return [...body.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1] as string);
}

/** The walkthrough's edit for one file: the block right after the sentence naming that file. */
function walkthroughBlock(file: string): string {
  const start = GUIDE.indexOf('### Walkthrough: a second action in the scaffold');
  if (start < 0) throw new Error('the guide has no walkthrough');
  const after = GUIDE.indexOf(`\`${file}\``, start);
  const block = GUIDE.slice(after).match(/```ts\n([\s\S]*?)```/);
  if (after < 0 || !block) throw new Error(`the walkthrough has no block for ${file}`);
  return block[1] as string;
}

/** Inserts `text` into a generated file at an anchor; fails loudly when the scaffold changed shape. */
function edit(file: string, anchor: string | RegExp, apply: (match: string) => string): void {
  const path = join(folder, file);
  const source = readFileSync(path, 'utf8');
  const match =
    typeof anchor === 'string' ? (source.includes(anchor) ? anchor : undefined) : source.match(anchor)?.[0];
  if (match === undefined)
    throw new Error(`${file} has no ${String(anchor)}: the scaffold and the guide disagree`);
  writeFileSync(path, source.replace(match, apply(match)));
}

async function runGeneratedTests(): Promise<{ ok: boolean; output: string }> {
  const vitest = join(ROOT, 'node_modules/.bin/vitest');
  try {
    const { stdout } = await run(vitest, ['run', '--root', folder], {
      cwd: folder,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    return { ok: true, output: stdout };
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${stdout}${stderr}` };
  }
}

const NAME = 'ticket-desk';
const CAMEL = 'ticketDesk';
const ID_PREFIX = 'ticket_desk_';
const TENANT = 't';

const tmp = join(ROOT, 'test', `.tmp-${randomBytes(4).toString('hex')}`);
const folder = join(tmp, `source-${NAME}`);

let plugin: AnySourcePlugin;
let fixtures: Record<string, unknown>;
let app: TestApp | undefined;

beforeAll(async () => {
  // Step 1 of the guide: its own scaffold command, with --dir so the plugin lands in a temp folder.
  const command = blocks('1. Scaffold', 'sh')[0]?.match(/^npm run new:source -- (.+)$/m)?.[1];
  if (!command) throw new Error('step 1 of the guide has no `npm run new:source -- ...` line');
  const args = [...command.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => (m[1] ?? m[2]) as string);
  expect(args).toEqual([NAME, '--title', 'Ticket desk']);
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'scripts/new-source.ts'), ...args, '--dir', tmp],
    { cwd: ROOT },
  );
  expect(stdout).toContain(`created`);
}, 60_000);

/** Imported once the walkthrough's edits are in (ES modules are cached by URL). */
async function loadPlugin(): Promise<void> {
  const mod = (await import(pathToFileURL(join(folder, 'src/index.ts')).href)) as Record<string, unknown>;
  plugin = mod[`${CAMEL}Source`] as AnySourcePlugin;
  fixtures = mod[`${CAMEL}Fixtures`] as Record<string, unknown>;
}

afterAll(async () => {
  await app?.close();
  rmSync(tmp, { recursive: true, force: true });
});

function mapFixture(raw: unknown): MappedEvent[] {
  if (!plugin.nativeSchema || !plugin.map)
    throw new Error('the scaffolded plugin has no nativeSchema or map');
  const native = plugin.nativeSchema.parse(raw);
  const out = (plugin.map as (n: unknown) => MappedEvent | MappedEvent[])(native);
  return Array.isArray(out) ? out : [out];
}

describe('authoring guide: a source plugin from scratch', () => {
  it('the scaffolder writes the same layout as the built-in plugins', () => {
    expect(readdirSync(folder).sort()).toEqual(['README.md', 'package.json', 'src', 'vitest.config.ts']);
    expect(readdirSync(join(folder, 'src')).sort()).toEqual([
      'demo.ts',
      'fixtures.ts',
      'index.ts',
      'mapper.test.ts',
      'mapper.ts',
      'native.ts',
      'plugin.test.ts',
      'plugin.ts',
    ]);
    expect(readFileSync(join(folder, 'src/plugin.ts'), 'utf8')).toContain(`export const ${CAMEL}Actions`);
    // The README names the id prefix the generated mapper really uses (dashes become underscores).
    expect(readFileSync(join(folder, 'README.md'), 'utf8')).toContain(`(\`${ID_PREFIX}\` prefix`);
    expect(readFileSync(join(folder, 'src/mapper.ts'), 'utf8')).toContain(`'${ID_PREFIX}'`);
  });

  it('refuses to overwrite an existing plugin folder', async () => {
    await expect(
      run(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/new-source.ts'), NAME, '--dir', tmp], {
        cwd: ROOT,
      }),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('already exists') });
  }, 60_000);

  it('the generated tests (mapper test and the plugin kit) pass as generated', async () => {
    const { ok, output } = await runGeneratedTests();
    expect(ok, output).toBe(true);
    expect(output).toMatch(/Test Files\s+2 passed \(2\)/);
  }, 120_000);

  it('the walkthrough: a declared action without a fixture fails the kit; a fixture makes it pass', async () => {
    // One row in the action table: declared, accepted by the native enum and mapped, all from the table.
    edit(
      'src/plugin.ts',
      "  ['ITEM_CREATED', 'item.created', 'Item created', 'content', 6003, 1],\n",
      (line) => `${line}${walkthroughBlock('src/plugin.ts')}`,
    );
    const declaredOnly = await runGeneratedTests();
    expect(declaredOnly.ok).toBe(false);
    expect(declaredOnly.output).toContain('action \\"item.deleted\\" has no fixture');
    edit(
      'src/fixtures.ts',
      /\n\} satisfies /,
      (end) => `\n${walkthroughBlock('src/fixtures.ts').trimEnd()}${end}`,
    );
    const complete = await runGeneratedTests();
    expect(complete.ok, complete.output).toBe(true);
    await loadPlugin();
    expect(plugin).toMatchObject({ kind: 'source', id: NAME, name: 'Ticket desk' });
    expect(plugin.actions.map((a) => [a.action, a.source_action])).toEqual([
      ['item.created', 'ITEM_CREATED'],
      ['item.deleted', 'ITEM_DELETED'],
    ]);
  }, 240_000);

  it('maps every fixture to a valid event of the new source', () => {
    const entries = Object.entries(fixtures);
    expect(entries.map(([name]) => name)).toEqual(['item_created', 'item_create_denied', 'item_deleted']);
    const mapped = entries.flatMap(([, raw]) => mapFixture(raw));
    expect(mapped).toHaveLength(3);
    expect(mapped[0]).toEqual({
      id: `${ID_PREFIX}evt_0001`,
      source: NAME,
      action: 'item.created',
      source_action: 'ITEM_CREATED',
      category: 'content',
      occurred_at: '2026-04-14T10:32:15Z',
      actor: { type: 'user', id: 'usr_42', email: 'ada@example.com', name: 'Ada Lovelace' },
      targets: [{ type: 'item', id: 'itm_1', name: 'Quarterly report', path: '/reports/q1.pdf' }],
      outcome: { result: 'success' },
      client: { ip: '203.0.113.7' },
    });
    expect(mapped[1]).toMatchObject({ id: `${ID_PREFIX}evt_0002`, outcome: { result: 'denied' } });
    expect(mapped[2]).toMatchObject({
      id: `${ID_PREFIX}evt_0003`,
      action: 'item.deleted',
      source_action: 'ITEM_DELETED',
    });
  });

  it('step 7: once added to the plugin list, the catalog lists its actions with their labels', async () => {
    app = await createTestApp({ plugins: [...defaultPlugins, plugin] });
    const catalog = (await (await app.request('/v1/catalog')).json()) as {
      sources: { id: string; name: string; actions: { action: string; label: string }[] }[];
    };
    expect(catalog.sources.find((s) => s.id === NAME)).toMatchObject({
      name: 'Ticket desk',
      actions: [
        { action: 'item.created', source_action: 'ITEM_CREATED', label: 'Item created' },
        { action: 'item.deleted', source_action: 'ITEM_DELETED', label: 'Item deleted' },
      ],
    });
  });

  it("step 8: the guide's curl payload goes in with a source-bound key, re-delivery is a duplicate, the guide's queries answer", async () => {
    app ??= await createTestApp({ plugins: [...defaultPlugins, plugin] });
    const key = app.key(TENANT, ['ingest', 'read'], NAME);
    const [send, queries] = blocks('8. Send events and read them back', 'sh').slice(1);
    // The guide's curl payload, as written (shell line continuations and all).
    const raw = send?.match(/-d '([\s\S]*?)'/)?.[1];
    if (!raw) throw new Error("step 8 of the guide has no `curl ... -d '[...]'` payload");
    const payload = JSON.parse(raw) as unknown[];
    expect(send).toContain(`/v1/sources/${NAME}/events`);
    const first = await app.request(`/v1/sources/${NAME}/events`, { token: key, body: payload });
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ accepted: 1, duplicates: 0, ids: [`${ID_PREFIX}evt_0001`] });
    // The guide promises: "sending it again: 200, duplicates: 1".
    expect(send).toContain('sending it again: 200, duplicates: 1');
    const again = await app.request(`/v1/sources/${NAME}/events`, { token: key, body: payload });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 1, ids: [`${ID_PREFIX}evt_0001`] });
    // The key is bound to the source: another product's route refuses it.
    const elsewhere = await app.request('/v1/sources/file-transfer/events', { token: key, body: [] });
    expect(elsewhere.status).toBe(403);
    // The operator names the tenant; all fixtures go in (evt_0001 again is a duplicate).
    const operator = await app.request(`/v1/sources/${NAME}/events?tenant=${TENANT}`, {
      body: Object.values(fixtures),
    });
    expect(operator.status).toBe(201);
    expect(await operator.json()).toEqual({
      accepted: 2,
      duplicates: 1,
      ids: [`${ID_PREFIX}evt_0001`, `${ID_PREFIX}evt_0002`, `${ID_PREFIX}evt_0003`],
    });

    // Every query the guide shows, run as written, and what each must answer.
    const paths = [...(queries ?? '').matchAll(/'http:\/\/localhost:8080(\/v1\/[^']+)'/g)].map(
      (m) => m[1] as string,
    );
    type Page = { data: AuditEvent[]; next_cursor: string | null };
    type Facets = { buckets: { value: string; label?: string; count: number }[] };
    const EXPECTED: Record<string, (body: unknown) => void> = {
      [`/v1/events?source=${NAME}`]: (body) => {
        const page = body as Page;
        expect(page.next_cursor).toBeNull();
        expect(page.data.map((e) => [e.id, e.tenant, e.action, e.outcome.result])).toEqual([
          [`${ID_PREFIX}evt_0003`, TENANT, 'item.deleted', 'success'],
          [`${ID_PREFIX}evt_0002`, TENANT, 'item.created', 'denied'],
          [`${ID_PREFIX}evt_0001`, TENANT, 'item.created', 'success'],
        ]);
        expect(page.data[2]).toMatchObject({
          source: NAME,
          source_action: 'ITEM_CREATED',
          occurred_at: '2026-04-14T10:32:15.000Z',
          actor: { type: 'user', id: 'usr_42', email: 'ada@example.com', name: 'Ada Lovelace' },
          targets: [{ type: 'item', id: 'itm_1', name: 'Quarterly report', path: '/reports/q1.pdf' }],
          client: { ip: '203.0.113.7' },
        });
      },
      [`/v1/events?source=${NAME}&action=item.created&result=denied`]: (body) =>
        expect((body as Page).data.map((e) => e.id)).toEqual([`${ID_PREFIX}evt_0002`]),
      '/v1/history?target_path=/reports/q1.pdf': (body) =>
        expect((body as Page).data.map((e) => e.id)).toEqual([
          `${ID_PREFIX}evt_0003`,
          `${ID_PREFIX}evt_0001`,
        ]),
      [`/v1/facets?field=action&source=${NAME}`]: (body) =>
        expect((body as Facets).buckets).toEqual([
          { value: 'item.created', label: 'Item created', count: 2 },
          { value: 'item.deleted', label: 'Item deleted', count: 1 },
        ]),
    };
    expect(paths).toEqual(Object.keys(EXPECTED));
    for (const path of paths) {
      const res = await app.request(path, { token: key });
      expect(res.status, path).toBe(200);
      EXPECTED[path]?.(await res.json());
    }
  });

  it('rejects a payload that does not match its native schema, naming the field', async () => {
    app ??= await createTestApp({ plugins: [...defaultPlugins, plugin] });
    const bad = await app.request(`/v1/sources/${NAME}/events?tenant=${TENANT}`, {
      body: [{ ...(fixtures.item_created as Record<string, unknown>), action: 'ITEM_EXPLODED' }],
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as {
      error: { code: string; details?: { index?: number; path: string }[] };
    };
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ index: 0, path: 'action' })]),
    );
  });
});
