import { demoCount, demoSources } from '@trailmark/server/demo';
import { loadConfig } from '@trailmark/server/env';
import { defaultPlugins } from '@trailmark/server/plugins';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess, tempDataDir } from './helpers.ts';
import { type FacetResponse, getJson, listAll } from './scenarios/support.ts';

/**
 * `npm start` on a new data directory seeds demo data through the ingest path and says so; a restart
 * does not seed again. Run with a small TRAILMARK_DEMO_EVENTS so it stays fast; the default is checked
 * on the configuration.
 */
const EVENTS = 6000;
// Computed from the registered plugins, so registering another source keeps this test green.
const DEMO_SOURCES = demoSources(defaultPlugins.filter((p) => p.kind === 'source'));
const DEMO_IDS = DEMO_SOURCES.map((s) => s.id);
/** What the registered plugins seed for TRAILMARK_DEMO_EVENTS=EVENTS (EVENTS itself with the bundled four). */
const SEEDED = DEMO_SOURCES.reduce((n, s) => n + demoCount(DEMO_SOURCES, s, EVENTS), 0);
/** Sources whose demo reaches back 150 days: a retention of days shortens it (see demoEventsOf). */
const LONG_LIVED = DEMO_SOURCES.filter(
  (s) => !s.retention || !('days' in s.retention) || s.retention.days > 151,
).map((s) => s.id);
const DAY = 86_400_000;
let server: ServerProcess;
const dataDir = tempDataDir('trailmark-demo-');

async function waitFor(s: ServerProcess, text: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (!s.output().includes(text)) {
    if (s.child.exitCode !== null) throw new Error(`server exited:\n${s.output()}`);
    if (Date.now() > deadline) throw new Error(`no "${text}" in:\n${s.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  server = await startServerProcess({
    dataDir,
    env: { TRAILMARK_DEMO: 'on', TRAILMARK_DEMO_EVENTS: String(EVENTS), LOG_LEVEL: 'info' },
  });
  await waitFor(server, 'Demo data ready');
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

const facet = (field: string, params = '') =>
  getJson<FacetResponse>(server, `/v1/facets?field=${field}&limit=1000${params}`);
const total = (f: FacetResponse) => f.buckets.reduce((n, b) => n + b.count, 0);

describe('demo data on a new data directory', () => {
  it('seeds about 200,000 events over 180 days by default', () => {
    const config = loadConfig({ TRAILMARK_DATA_DIR: dataDir });
    expect(config.demo).toBe(true);
    expect(config.demoEvents).toBe(200_000);
  });

  it('says what it is doing and when it is done', () => {
    expect(server.output()).toContain(
      `Seeding about ${EVENTS.toLocaleString('en-US')} demo events over the last 180 days through the ingest path`,
    );
    expect(server.output()).toMatch(
      new RegExp(
        `Demo data ready: ${SEEDED.toLocaleString('en-US')} events in [\\d.]+s \\(${DEMO_IDS.map((id) => `${id} \\d+`).join(', ')}\\); tenants acme, globex, initech\\.`,
      ),
    );
  });

  it('stores every event through the source plugins, over three tenants', async () => {
    const bySource = await facet('source');
    expect(total(bySource)).toBe(SEEDED);
    expect(bySource.buckets.map((b) => b.value).sort()).toEqual([...DEMO_IDS].sort());
    for (const tenant of ['acme', 'globex', 'initech']) {
      const t = await facet('source', `&tenant=${tenant}`);
      expect(total(t), tenant).toBeGreaterThan(EVENTS / 5);
    }
    // Ids come from the plugins' mappers (prefix + native id), so nothing bypassed the mapping.
    const sample = await getJson<{ data: { id: string; source: string }[] }>(server, '/v1/events?limit=200');
    const PREFIX: Record<string, string> = {
      'central-config': 'cc_',
      'media-library': 'ml_',
      'generation-billing': 'gb_',
      'file-transfer': 'ft_',
    };
    // A source without a known prefix still maps its own ids: core's generated ones start with evt_.
    for (const e of sample.data)
      expect(PREFIX[e.source] ? e.id.startsWith(PREFIX[e.source]) : !e.id.startsWith('evt_'), e.id).toBe(
        true,
      );
  });

  it('spreads events over the last 180 days, inside each source retention', async () => {
    const now = Date.now();
    const iso = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString();
    expect(total(await facet('source', `&to=${iso(181)}`))).toBe(0);
    const old = await facet('source', `&from=${iso(180)}&to=${iso(150)}`);
    const oldSources = old.buckets.map((b) => b.value);
    for (const source of oldSources) expect(LONG_LIVED).toContain(source);
    expect(oldSources).toEqual(
      expect.arrayContaining(['central-config', 'generation-billing', 'media-library']),
    );
    // 120-day retention: the demo stays inside it, so the first purge deletes nothing.
    expect(total(await facet('source', `&source=file-transfer&to=${iso(120)}`))).toBe(0);
    expect(
      total(await facet('source', `&source=file-transfer&from=${iso(120)}&to=${iso(100)}`)),
    ).toBeGreaterThan(0);
    expect(total(await facet('source', `&from=${iso(7)}`))).toBeGreaterThan(EVENTS / 50);
  });

  it('has believable people, failures and leaks', async () => {
    const actors = await facet('actor');
    expect(actors.buckets.length).toBeGreaterThan(100);
    const results = await facet('result');
    expect(results.buckets.map((b) => b.value).sort()).toEqual(['denied', 'error', 'failure', 'success']);
    const leaks = await facet('target_type', '&source=file-transfer&action=share_link.accessed');
    expect(leaks.buckets.find((b) => b.value === 'share_link')?.count).toBeGreaterThan(100);
    const apiKeyDeletes = await listAll(server, { source: 'file-transfer', action: 'file.deleted' });
    expect(apiKeyDeletes.some((e) => e.actor.type === 'api_key')).toBe(true);
  });

  it('does not seed again when restarted on the same data directory', async () => {
    await server.stop();
    server = await startServerProcess({
      dataDir,
      env: { TRAILMARK_DEMO: 'on', TRAILMARK_DEMO_EVENTS: String(EVENTS), LOG_LEVEL: 'info' },
    });
    // The decision to seed is taken right after the server listens; give it that moment.
    expect(total(await facet('source'))).toBe(SEEDED);
    await new Promise((r) => setTimeout(r, 500));
    expect(server.output()).not.toContain('Seeding about');
    expect(total(await facet('source'))).toBe(SEEDED);
  }, 60_000);
});
