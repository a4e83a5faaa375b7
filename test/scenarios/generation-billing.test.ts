import type { GenerationBillingNative } from '@trailmark/plugin-source-generation-billing';
import { generationBillingActions } from '@trailmark/plugin-source-generation-billing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type ServerProcess } from '../helpers.ts';
import {
  daysAgoAt,
  exportCsv,
  facets,
  ids,
  listAll,
  query,
  sendNative,
  startDemoServer,
  TENANT,
  tally,
} from './support.ts';

/**
 * The generative-AI platform's organization audit log page: the Action, Actor and Workspace filters
 * combined ("all AssetDeleted actions by a specific user in a specific workspace"), the date selector's
 * default of the last 7 days, the dropdowns, and the CSV export that respects the filters.
 */
const SOURCE = 'generation-billing';

const assetDeleted = generationBillingActions.find((a) => a.source_action === 'AssetDeleted');
const ASSET_DELETED = assetDeleted?.action ?? 'AssetDeleted';

const organization = { id: 'org_brightframe', name: 'Brightframe Studios' };
const maya = { id: 'usr_maya_patel', name: 'Maya Patel', email: 'maya.patel@brightframe.io' };
const leo = { id: 'usr_leo_novak', name: 'Leo Novak', email: 'leo.novak@brightframe.io' };
const marketing = { id: 'ws_marketing_video', name: 'Marketing Video' };
const product = { id: 'ws_product_shots', name: 'Product Shots' };

let seq = 0;
function row(
  action: string,
  actor: typeof maya,
  workspace: typeof marketing,
  createdAt: string,
  asset: { id: string; name: string },
): GenerationBillingNative {
  seq++;
  return {
    id: `7c1e4b2a-9d3f-4e6a-8b5c-${String(seq).padStart(12, '0')}`,
    action,
    created_at: createdAt,
    organization,
    actor: { ...actor, type: 'user' },
    workspace,
    resources: [{ kind: 'asset', ...asset }],
    summary: `${actor.name} ${action === 'AssetDeleted' ? 'deleted' : 'touched'} ${asset.name}`,
    ip: '88.198.21.4',
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/131.0',
  };
}

const rows = {
  recent: row('AssetDeleted', maya, marketing, daysAgoAt(1, '14:05:00'), {
    id: 'ast_hero_v3',
    name: 'hero-shot-v3.png',
  }),
  earlier: row('AssetDeleted', maya, marketing, daysAgoAt(3, '09:12:44'), {
    id: 'ast_storyboard',
    name: 'storyboard-draft.mp4',
  }),
  olderThanAWeek: row('AssetDeleted', maya, marketing, daysAgoAt(9, '16:40:00'), {
    id: 'ast_old_banner',
    name: 'old-banner.png',
  }),
  otherWorkspace: row('AssetDeleted', maya, product, daysAgoAt(2, '11:00:00'), {
    id: 'ast_packshot',
    name: 'packshot-04.png',
  }),
  otherActor: row('AssetDeleted', leo, marketing, daysAgoAt(2, '11:30:00'), {
    id: 'ast_moodboard',
    name: 'moodboard.png',
  }),
  otherAction: row('AssetCreated', maya, marketing, daysAgoAt(4, '10:00:00'), {
    id: 'ast_hero_v4',
    name: 'hero-shot-v4.png',
  }),
  generation: row('GenerationCreated', maya, marketing, daysAgoAt(1, '13:59:00'), {
    id: 'ast_gen_0419',
    name: 'hero-shot-v3 variation',
  }),
};
const gb = (n: GenerationBillingNative) => `gb_${n.id}`;

let server: ServerProcess;
let sevenDaysAgo: string;

beforeAll(async () => {
  server = await startDemoServer();
  await sendNative(server, SOURCE, Object.values(rows));
  sevenDaysAgo = new Date(Date.now() - 7 * 86_400_000).toISOString();
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('generation & billing: combined Action, Actor and Workspace filters', () => {
  it('the registry names AssetDeleted file.deleted', () => {
    expect(assetDeleted).toMatchObject({ action: 'file.deleted', label: 'An asset was deleted' });
  });

  it('returns exactly the AssetDeleted actions of one user in one workspace, newest first', async () => {
    const filter = { tenant: TENANT, action: ASSET_DELETED, actor: maya.email, workspace: marketing.id };
    const events = await listAll(server, filter);
    expect(ids(events)).toEqual([gb(rows.recent), gb(rows.earlier), gb(rows.olderThanAWeek)]);
    expect(events[0]).toMatchObject({
      source: SOURCE,
      source_action: 'AssetDeleted',
      occurred_at: rows.recent.created_at,
      actor: { type: 'user', id: maya.id, email: maya.email, name: maya.name },
      workspace: marketing,
      targets: [{ type: 'file', id: 'ast_hero_v3', name: 'hero-shot-v3.png' }],
      client: { ip: '88.198.21.4' },
      metadata: { organization_id: organization.id, summary: 'Maya Patel deleted hero-shot-v3.png' },
    });
    // The actor filter takes the id as well as the email, and the source filter changes nothing here.
    const byId = await listAll(server, { ...filter, actor: maya.id, source: SOURCE });
    expect(ids(byId)).toEqual(ids(events));
    // Typed as the product's page names it: free text matches the product's own action name.
    const byProductName = await listAll(server, {
      tenant: TENANT,
      q: 'AssetDeleted',
      actor: maya.email,
      workspace: marketing.id,
    });
    expect(ids(byProductName)).toEqual(ids(events));
  });

  it('action=AssetDeleted is a 400 that names the action to use', async () => {
    const res = await api(server.url, `/v1/events?${query({ tenant: TENANT, action: 'AssetDeleted' })}`);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as {
      error: { code: string; details: { path: string; message: string }[] };
    };
    expect(error.code).toBe('INVALID_FILTER');
    expect(error.details[0]?.path).toBe('action');
    expect(error.details[0]?.message).toContain(`action=${ASSET_DELETED}&source=${SOURCE}`);
  });

  it('"Last 7 days" (from = now - 7 days) returns only events of the last 7 days', async () => {
    const filter = { tenant: TENANT, action: ASSET_DELETED, actor: maya.email, workspace: marketing.id };
    const lastWeek = await listAll(server, { ...filter, from: sevenDaysAgo });
    expect(ids(lastWeek)).toEqual([gb(rows.recent), gb(rows.earlier)]);

    // Over the whole demo stream of the source: nothing older slips in, and older events do exist.
    const window = await listAll(server, { tenant: TENANT, source: SOURCE, from: sevenDaysAgo });
    const all = await listAll(server, { tenant: TENANT, source: SOURCE });
    const cutoff = Date.parse(sevenDaysAgo);
    const expected = all.filter((e) => Date.parse(e.occurred_at) >= cutoff);
    expect(window.length).toBeGreaterThan(0);
    expect(all.length).toBeGreaterThan(window.length);
    expect(ids(window)).toEqual(ids(expected));
    expect(window.every((e) => Date.parse(e.occurred_at) >= cutoff)).toBe(true);
  });
});

describe('generation & billing: dropdowns from facets', () => {
  it('Action dropdown: every action bucket has a label; counts follow the other filters', async () => {
    const all = await facets(server, 'action', { tenant: TENANT, source: SOURCE, limit: '100' });
    expect(all.buckets.length).toBeGreaterThan(10);
    for (const b of all.buckets) expect(b.label, b.value).toEqual(expect.any(String));

    const mine = await facets(server, 'action', { tenant: TENANT, source: SOURCE, actor: maya.email });
    expect(mine.buckets.map((b) => ({ value: b.value, count: b.count }))).toEqual([
      { value: 'file.deleted', count: 4 },
      { value: 'file.created', count: 1 },
      { value: 'generation.created', count: 1 },
    ]);
    const labels = Object.fromEntries(mine.buckets.map((b) => [b.value, b.label]));
    expect(labels['generation.created']).toBe('A generation was created');
  });

  // file.deleted exists in several sources; with one source filtered, the label is that source's wording.
  it('Action dropdown labels come from the filtered source when actions are shared by several sources', async () => {
    const mine = await facets(server, 'action', { tenant: TENANT, source: SOURCE, actor: maya.email });
    const labels = Object.fromEntries(mine.buckets.map((b) => [b.value, b.label]));
    expect(labels).toEqual({
      'file.deleted': 'An asset was deleted',
      'file.created': 'An asset was created',
      'generation.created': 'A generation was created',
    });
  });

  it('Actor dropdown: ids with display names and counts', async () => {
    const actors = await facets(server, 'actor', {
      tenant: TENANT,
      action: ASSET_DELETED,
      workspace: marketing.id,
      source: SOURCE,
    });
    expect(actors.buckets).toEqual([
      { value: maya.id, label: maya.name, count: 3 },
      { value: leo.id, label: leo.name, count: 1 },
    ]);
    // The dropdown's search box: by name or by email (free text matches word prefixes of both).
    for (const typed of ['Maya Pat', 'maya.patel@bright']) {
      const found = await facets(server, 'actor', { tenant: TENANT, source: SOURCE, q: typed });
      expect(found.buckets[0], typed).toEqual({ value: maya.id, label: maya.name, count: 6 });
      expect(found.buckets.map((b) => b.value)).not.toContain(leo.id);
    }
    const all = await facets(server, 'actor', { tenant: TENANT, source: SOURCE, limit: '1000' });
    expect(all.buckets.length).toBeGreaterThan(5);
    for (const b of all.buckets) expect(b.label, b.value).toEqual(expect.any(String));
  });

  it('Workspace dropdown: ids with names and counts', async () => {
    const workspaces = await facets(server, 'workspace', { tenant: TENANT, actor: maya.email });
    expect(workspaces.buckets).toEqual([
      { value: marketing.id, label: marketing.name, count: 5 },
      { value: product.id, label: product.name, count: 1 },
    ]);
    const all = await facets(server, 'workspace', { tenant: TENANT, source: SOURCE, limit: '1000' });
    expect(all.buckets.map((b) => b.value)).toEqual(expect.arrayContaining([marketing.id, product.id]));
    for (const b of all.buckets) expect(b.label, b.value).toEqual(expect.any(String));
  });
});

describe('generation & billing: CSV export', () => {
  it('respects the Action, Actor and Workspace filters', async () => {
    const csv = await exportCsv(server, {
      tenant: TENANT,
      action: ASSET_DELETED,
      actor: maya.email,
      workspace: marketing.id,
    });
    expect(csv.rows.map((r) => r.id)).toEqual([gb(rows.recent), gb(rows.earlier), gb(rows.olderThanAWeek)]);
    expect(tally(csv.rows.map((r) => r.source_action))).toEqual({ AssetDeleted: 3 });
    expect(csv.rows[0]).toMatchObject({
      occurred_at: rows.recent.created_at,
      source: SOURCE,
      action: 'file.deleted',
      action_label: 'An asset was deleted',
      actor_id: maya.id,
      actor_name: maya.name,
      actor_email: maya.email,
      workspace_id: marketing.id,
      workspace_name: marketing.name,
      target_id: 'ast_hero_v3',
      target_name: 'hero-shot-v3.png',
    });
  });

  it('is not capped at 2,500 rows: the whole product activity of the tenant comes out', async () => {
    // Product sources only (Trailmark's own export.created entries are written as exports end), and only
    // sources with 12-month retention, so the retention run after demo seeding cannot race the comparison.
    const filter = { tenant: TENANT, source: ['generation-billing', 'media-library', 'central-config'] };
    const all = await listAll(server, filter);
    expect(all.length).toBeGreaterThan(2_500);
    const csv = await exportCsv(server, filter);
    expect(csv.headers.get('x-trailmark-truncated')).toBe('false');
    expect(csv.headers.get('x-trailmark-total-rows')).toBe(String(all.length));
    expect(csv.rows.map((r) => r.id)).toEqual(ids(all));
  }, 60_000);
});
