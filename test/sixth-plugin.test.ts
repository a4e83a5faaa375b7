import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { AnySourcePlugin, AuditEvent } from '@trailmark/core';
import { demoCount, demoSources } from '@trailmark/server/demo';
import { defaultPlugins } from '@trailmark/server/plugins';
import { createTestApp, type TestApp } from '@trailmark/server/testing';
import { pluginChecks } from '@trailmark/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers.ts';

/**
 * Issue 12's "done when": a throwaway sixth source, a code-hosting organization's audit log, made with
 * the scaffold (`--custom-actions`) in a temp folder inside the repository (test/.tmp-*, git-ignored,
 * so imports resolve from the workspace), with 20 product actions (17 declared, 3 passed through as
 * custom) and 3 declared searchable fields. Its generated tests (mapper test and the plugin kit) pass,
 * and registered next to the bundled plugins it is searchable through every new filter.
 */
const run = promisify(execFile);
const NAME = 'code-host';
const CAMEL = 'codeHost';
const tmp = join(ROOT, 'test', `.tmp-${randomBytes(4).toString('hex')}`);
const folder = join(tmp, `source-${NAME}`);

/** [product name, action, label, category, OCSF class, activity]: the product's own names are dotted. */
const DECLARED = [
  ['repo.create', 'repository.created', 'Repository created', 'content', 6003, 1],
  ['repo.rename', 'repository.renamed', 'Repository renamed', 'content', 6003, 3],
  ['repo.destroy', 'repository.deleted', 'Repository deleted', 'content', 6003, 4],
  ['repo.archived', 'repository.archived', 'Repository archived', 'content', 6003, 3],
  ['repo.access', 'repository.visibility_changed', 'Visibility changed', 'access_control', 6003, 3],
  ['repo.transfer', 'repository.transferred', 'Repository transferred', 'content', 6003, 3],
  ['repo.download_zip', 'repository.downloaded', 'Repository downloaded', 'content', 6003, 2],
  ['org.add_member', 'member.added', 'Member added', 'membership', 3006, 3],
  ['org.remove_member', 'member.removed', 'Member removed', 'membership', 3006, 4],
  ['org.update_member', 'member.role_changed', 'Member role changed', 'membership', 3006, 99],
  ['org.invite_member', 'member.invited', 'Member invited', 'membership', 3006, 3],
  ['team.create', 'user_group.created', 'Team created', 'membership', 3006, 6],
  ['team.destroy', 'user_group.deleted', 'Team deleted', 'membership', 3006, 7],
  ['personal_access_token.create', 'api_key.created', 'Token created', 'credential', 6003, 1],
  ['personal_access_token.destroy', 'api_key.revoked', 'Token revoked', 'credential', 6003, 4],
  ['protected_branch.create', 'setting.created', 'Branch protection added', 'configuration', 6003, 1],
  ['protected_branch.destroy', 'setting.deleted', 'Branch protection removed', 'configuration', 6003, 4],
] as const;
/** Product actions the plugin does not declare: they pass through as custom actions. */
const CUSTOM = ['hook.config_changed', 'codespaces.policy_updated', 'dependabot_alerts.enable'] as const;

let plugin: AnySourcePlugin;
let fixtures: Record<string, unknown>;
let custom: unknown;
let app: TestApp;

function rewrite(file: string, from: string | RegExp, to: string): void {
  const path = join(folder, file);
  const source = readFileSync(path, 'utf8');
  const next = source.replace(from, to);
  if (next === source) throw new Error(`${file}: ${String(from)} not found; the scaffold changed shape`);
  writeFileSync(path, next);
}

function nativeOf(i: number, action: string, over: Record<string, unknown> = {}) {
  return {
    event_id: `gh_${String(i).padStart(4, '0')}`,
    occurred_at: new Date(Date.UTC(2026, 3, 1, 8) + i * 60_000).toISOString(),
    action,
    actor: { id: `u_${i % 3}`, email: `dev${i % 3}@octo.test`, name: `Dev ${i % 3}` },
    item: { id: `repo_${i % 4}`, name: `repo-${i % 4}`, kind: 'repository' },
    visibility: i % 2 === 0 ? 'private' : 'public',
    size_bytes: i * 100,
    ...(action.startsWith('personal_access_token') ? { token_id: `tok_${i}` } : {}),
    result: i % 5 === 4 ? 'denied' : 'success',
    // A field this plugin does not know: loose payloads accept and ignore it.
    business: { id: 42 },
    ...over,
  };
}

beforeAll(async () => {
  await run(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'scripts/new-source.ts'),
      NAME,
      '--title',
      'Code host',
      '--custom-actions',
      '--dir',
      tmp,
    ],
    { cwd: ROOT },
  );
  // The action table: 17 rows; the enum and the mapper's lookup follow from it.
  rewrite(
    'src/plugin.ts',
    "  ['ITEM_CREATED', 'item.created', 'Item created', 'content', 6003, 1],\n",
    DECLARED.map((row) => `  ${JSON.stringify(row).replace(/"/g, "'").replace(/,/g, ', ')},\n`).join(''),
  );
  // Three declared searchable fields.
  rewrite(
    'src/plugin.ts',
    /export const codeHostFields: readonly SearchableField\[\] = \[\n[\s\S]*?\n\];/,
    `export const codeHostFields: readonly SearchableField[] = [
  { name: 'repo_visibility', label: 'Visibility', type: 'keyword' },
  { name: 'token_id', label: 'Token', type: 'keyword' },
  { name: 'size_bytes', label: 'Size', type: 'number' },
];`,
  );
  rewrite(
    'src/native.ts',
    '  ip: z.union([z.ipv4(), z.ipv6()]).optional(),\n',
    `  ip: z.union([z.ipv4(), z.ipv6()]).optional(),
  visibility: z.enum(['public', 'private', 'internal']).optional(),
  size_bytes: z.number().int().nonnegative().optional(),
  token_id: z.string().min(1).optional(),
`,
  );
  // The product's names are dotted and lower case (repo.create): the scaffold's pattern is for UPPER_CASE.
  rewrite(
    'src/native.ts',
    'z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/)',
    'z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/)',
  );
  rewrite(
    'src/demo.ts',
    "action: 'ITEM_CREATED',",
    "action: rng.pick(['repo.create', 'repo.rename', 'hook.config_changed']),",
  );
  rewrite(
    'src/mapper.ts',
    '    ...(n.item.kind ? { metadata: { item_kind: n.item.kind } } : {}),\n',
    `    metadata: {
      ...(n.visibility ? { repo_visibility: n.visibility } : {}),
      ...(n.token_id ? { token_id: n.token_id } : {}),
      ...(n.size_bytes !== undefined ? { size_bytes: n.size_bytes } : {}),
    },
`,
  );
  const all = [...DECLARED.map((r) => r[0]), ...CUSTOM];
  const entries = all.map((action, i) => [action.replace(/\W/g, '_'), nativeOf(i, action)] as const);
  writeFileSync(
    join(folder, 'src/fixtures.ts'),
    `/** One payload per product action: 17 declared, 3 custom. */
export const codeHostFixtures: Record<string, unknown> = ${JSON.stringify(Object.fromEntries(entries), null, 2)};

/** An action the plugin does not declare, for the kit's custom-action check. */
export const codeHostCustomFixture = ${JSON.stringify(nativeOf(99, 'secret_scanning.alert_created'))};
`,
  );
  // The scaffold's mapper test speaks of the sample item; the kit covers mapping here.
  rmSync(join(folder, 'src/mapper.test.ts'));
  rewrite(
    'src/plugin.test.ts',
    'runSourcePluginTests(codeHostSource, codeHostFixtures, { nativeActions: codeHostNativeActions });',
    `import { codeHostCustomFixture } from './fixtures.ts';

runSourcePluginTests(codeHostSource, codeHostFixtures, {
  nativeActions: codeHostNativeActions,
  customActionFixture: codeHostCustomFixture,
});`,
  );
  const mod = (await import(pathToFileURL(join(folder, 'src/index.ts')).href)) as Record<string, unknown>;
  plugin = mod[`${CAMEL}Source`] as AnySourcePlugin;
  fixtures = mod[`${CAMEL}Fixtures`] as Record<string, unknown>;
  custom = mod[`${CAMEL}CustomFixture`];
  app = await createTestApp({ plugins: [...defaultPlugins, plugin] });
}, 120_000);

afterAll(async () => {
  await app?.close();
  rmSync(tmp, { recursive: true, force: true });
});

type Page = { data: AuditEvent[] };
const ids = async (query: string) => {
  const res = await app.request(`/v1/events?source=${NAME}&limit=1000&${query}`);
  expect(res.status, `${query}: ${await res.clone().text()}`).toBe(200);
  return ((await res.json()) as Page).data.map((e) => e.source_action);
};

describe('a sixth source plugin through the scaffold (20 actions, 3 searchable fields)', () => {
  it('declares 17 actions and 3 fields, allows custom ones, and passes the kit checks', () => {
    expect(plugin.actions).toHaveLength(17);
    expect(plugin.allowCustomActions).toBe(true);
    expect(Object.keys(fixtures)).toHaveLength(20);
    expect(pluginChecks.registry(plugin as never)).toEqual([]);
    expect(pluginChecks.fixtures(plugin as never, fixtures)).toEqual([]);
    expect(pluginChecks.coverage(plugin as never, fixtures)).toEqual([]);
    expect(pluginChecks.customActions(plugin as never, fixtures, custom)).toEqual([]);
  });

  it('its generated plugin test (the full kit) passes', async () => {
    const vitest = join(ROOT, 'node_modules/.bin/vitest');
    const result = await run(vitest, ['run', '--root', folder], {
      cwd: folder,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    }).then(
      (r) => ({ ok: true, output: r.stdout }),
      (e: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${e.stdout}${e.stderr}` }),
    );
    expect(result.ok, result.output).toBe(true);
    expect(result.output).toMatch(/Test Files\s+1 passed \(1\)/);
  }, 120_000);

  it('registered next to the bundled plugins: ingest, catalog and every new filter', async () => {
    const res = await app.request(`/v1/sources/${NAME}/events?tenant=acme`, {
      body: Object.values(fixtures),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    expect((await res.json()).accepted).toBe(20);

    const catalog = await (await app.request('/v1/catalog')).json();
    const entry = catalog.sources.find((s: { id: string }) => s.id === NAME);
    expect(entry.fields.map((f: { name: string }) => f.name)).toEqual([
      'repo_visibility',
      'token_id',
      'size_bytes',
    ]);

    // Custom actions keep the product's name and a generic action; declared ones their own.
    expect(await ids('source_action=hook.config_changed')).toEqual(['hook.config_changed']);
    expect(await ids('action=item.changed')).toEqual([...CUSTOM].reverse());
    expect((await ids('action=repository.*')).sort()).toEqual(
      DECLARED.slice(0, 7)
        .map((r) => r[0])
        .sort(),
    );
    expect(await ids('category=credential')).toEqual([
      'personal_access_token.destroy',
      'personal_access_token.create',
    ]);
    expect(await ids('attr.token_id=tok_13')).toEqual(['personal_access_token.create']);
    expect((await ids('attr.size_bytes>=1800')).sort()).toEqual([CUSTOM[1], CUSTOM[2]].sort());
    expect((await ids('q=attr.repo_visibility:private -result:success')).length).toBeGreaterThan(0);
    const facet = await (await app.request(`/v1/facets?field=attr.repo_visibility&source=${NAME}`)).json();
    expect(facet.buckets).toEqual([
      { value: 'private', count: 10 },
      { value: 'public', count: 10 },
    ]);

    // The product's own dotted name as an action: a 400 that points at the action and at source_action.
    const wrong = await app.request('/v1/events?action=repo.rename');
    expect(wrong.status).toBe(400);
    const { error } = await wrong.json();
    expect(error.details[0].message).toContain('action=repository.renamed&source=code-host');
    expect(error.details[0].message).toContain('source_action=repo.rename');
  });

  it('leaves the bundled demo as it was: its sources seed the same counts, the new one adds to them', () => {
    const bundled = demoSources(defaultPlugins.filter((p) => p.kind === 'source'));
    const withSixth = demoSources([...defaultPlugins.filter((p) => p.kind === 'source'), plugin]);
    for (const source of bundled)
      expect(demoCount(withSixth, source, 200_000), source.id).toBe(demoCount(bundled, source, 200_000));
    const sixth = withSixth.find((s) => s.id === NAME);
    expect(sixth && demoCount(withSixth, sixth, 200_000)).toBe(20_000);
  });
});
