import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { AnySourcePlugin, AuditEvent, MappedEvent } from '@trailmark/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPlugins } from '../apps/server/src/plugins.ts';
import { createTestApp, type TestApp } from '../apps/server/src/testing.ts';
import { ROOT } from './helpers.ts';

/**
 * Follows docs/writing-a-source-plugin.md once from scratch, as a plugin author would: scaffold a plugin
 * with scripts/new-source.ts, run its generated tests (the plugin kit), map its fixtures, add it to the
 * default plugin list, send its native payloads through POST /v1/sources/{id}/events and read them back.
 *
 * The plugin is scaffolded inside the repository (test/.tmp-*, git-ignored) so that its imports of
 * @trailmark/core, @trailmark/test-utils and zod resolve from the workspace's node_modules without an
 * `npm install`; the folder is removed afterwards.
 */
const run = promisify(execFile);

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
  // Step 1 of the guide: the scaffolder (`npm run new:source -- <name> --dir <folder>`).
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'scripts/new-source.ts'), NAME, '--title', 'Ticket desk', '--dir', tmp],
    { cwd: ROOT },
  );
  expect(stdout).toContain(`created`);
  const mod = (await import(pathToFileURL(join(folder, 'src/index.ts')).href)) as Record<string, unknown>;
  plugin = mod[`${CAMEL}Source`] as AnySourcePlugin;
  fixtures = mod[`${CAMEL}Fixtures`] as Record<string, unknown>;
}, 60_000);

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
    expect(plugin).toMatchObject({ kind: 'source', id: NAME, name: 'Ticket desk' });
    expect(plugin.actions.map((a) => a.action)).toEqual(['item.created']);
  });

  it('refuses to overwrite an existing plugin folder', async () => {
    await expect(
      run(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/new-source.ts'), NAME, '--dir', tmp], {
        cwd: ROOT,
      }),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('already exists') });
  }, 60_000);

  it('the generated tests (mapper test and the plugin kit) pass as generated', async () => {
    const vitest = join(ROOT, 'node_modules/.bin/vitest');
    expect(existsSync(vitest)).toBe(true);
    const { stdout } = await run(vitest, ['run', '--root', folder], {
      cwd: folder,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    expect(stdout).toMatch(/Test Files\s+2 passed \(2\)/);
  }, 120_000);

  it('maps every fixture to a valid event of the new source', () => {
    const entries = Object.entries(fixtures);
    expect(entries.map(([name]) => name)).toEqual(['item_created', 'item_create_denied']);
    const mapped = entries.flatMap(([, raw]) => mapFixture(raw));
    expect(mapped).toHaveLength(2);
    expect(mapped[0]).toEqual({
      id: `${ID_PREFIX}evt_0001`,
      source: NAME,
      action: 'item.created',
      source_action: 'ITEM_CREATED',
      occurred_at: '2026-04-14T10:32:15Z',
      actor: { type: 'user', id: 'usr_42', email: 'ada@example.com', name: 'Ada Lovelace' },
      targets: [{ type: 'item', id: 'itm_1', name: 'Quarterly report', path: '/reports/q1.pdf' }],
      outcome: { result: 'success' },
      client: { ip: '203.0.113.7' },
    });
    expect(mapped[1]).toMatchObject({ id: `${ID_PREFIX}evt_0002`, outcome: { result: 'denied' } });
  });

  it('step 7: once added to the plugin list, the catalog lists its actions with their labels', async () => {
    app = await createTestApp({ plugins: [...defaultPlugins, plugin] });
    const catalog = (await (await app.request('/v1/catalog')).json()) as {
      sources: { id: string; name: string; actions: { action: string; label: string }[] }[];
    };
    expect(catalog.sources.find((s) => s.id === NAME)).toMatchObject({
      name: 'Ticket desk',
      actions: [{ action: 'item.created', source_action: 'ITEM_CREATED', label: 'Item created' }],
    });
  });

  it('step 8: a source-bound key sends native payloads; re-delivery is a duplicate; the queries answer', async () => {
    app ??= await createTestApp({ plugins: [...defaultPlugins, plugin] });
    const key = app.key(TENANT, ['ingest', 'read'], NAME);
    // The guide's curl payload, verbatim.
    const payload = [
      {
        event_id: 'evt_0001',
        occurred_at: '2026-04-14T10:32:15Z',
        action: 'ITEM_CREATED',
        actor: { id: 'usr_42', email: 'ada@example.com', name: 'Ada Lovelace' },
        item: { id: 'itm_1', name: 'Quarterly report', path: '/reports/q1.pdf' },
        ip: '203.0.113.7',
        result: 'success',
      },
    ];
    const first = await app.request(`/v1/sources/${NAME}/events`, { token: key, body: payload });
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ accepted: 1, duplicates: 0, ids: [`${ID_PREFIX}evt_0001`] });
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
      accepted: 1,
      duplicates: 1,
      ids: [`${ID_PREFIX}evt_0001`, `${ID_PREFIX}evt_0002`],
    });

    const get = async <T>(path: string): Promise<T> => {
      const res = await app?.request(path, { token: key });
      expect(res?.status, path).toBe(200);
      return (await res?.json()) as T;
    };
    type Page = { data: AuditEvent[]; next_cursor: string | null };
    const all = await get<Page>(`/v1/events?source=${NAME}`);
    expect(all.next_cursor).toBeNull();
    expect(all.data.map((e) => [e.id, e.tenant, e.action, e.outcome.result])).toEqual([
      [`${ID_PREFIX}evt_0002`, TENANT, 'item.created', 'denied'],
      [`${ID_PREFIX}evt_0001`, TENANT, 'item.created', 'success'],
    ]);
    expect(all.data[1]).toMatchObject({
      source: NAME,
      source_action: 'ITEM_CREATED',
      occurred_at: '2026-04-14T10:32:15.000Z',
      actor: { type: 'user', id: 'usr_42', email: 'ada@example.com', name: 'Ada Lovelace' },
      targets: [{ type: 'item', id: 'itm_1', name: 'Quarterly report', path: '/reports/q1.pdf' }],
      client: { ip: '203.0.113.7' },
    });
    const denied = await get<Page>(`/v1/events?source=${NAME}&action=item.created&result=denied`);
    expect(denied.data.map((e) => e.id)).toEqual([`${ID_PREFIX}evt_0002`]);
    const history = await get<Page>('/v1/history?target_path=/reports/q1.pdf');
    expect(history.data.map((e) => e.id)).toEqual([`${ID_PREFIX}evt_0001`]);
    const facet = await get<{ buckets: { value: string; label?: string; count: number }[] }>(
      `/v1/facets?field=action&source=${NAME}`,
    );
    expect(facet.buckets).toEqual([{ value: 'item.created', label: 'Item created', count: 2 }]);
  });

  it('rejects a payload that does not match its native schema, naming the field', async () => {
    app ??= await createTestApp({ plugins: [...defaultPlugins, plugin] });
    const bad = await app.request(`/v1/sources/${NAME}/events?tenant=${TENANT}`, {
      body: [{ ...(fixtures.item_created as Record<string, unknown>), action: 'ITEM_EXPLODED' }],
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { details?: { index?: number; path: string }[] } };
    expect(body.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ index: 0, path: 'action' })]),
    );
  });
});
