import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type ServerProcess } from '../helpers.ts';
import { type Browser, captureAndScan, signIn, startBrowser, TENANT } from './harness.ts';

/**
 * What a reader relies on beyond the main flows: the column layout kept, the empty and failed states
 * with their way out, the keyboard, and the drawer's masked values, diff, copy buttons and links.
 */

let b: Browser;
let server: ServerProcess;
let page: Page;

const hour = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
const REQUEST_ID = 'req_ui_details_1';
const SECRET = 'hunter2-do-not-show';
const maya = { type: 'user', id: 'usr_ui_maya', name: 'Maya Details', email: 'maya.details@acme.com' };
/** A settings change with a secret in its payload and a second event of the same request. */
const changed = {
  id: 'ml_ui_details_change',
  tenant: TENANT,
  source: 'media-library',
  action: 'collection.renamed',
  occurred_at: hour(3),
  actor: maya,
  targets: [
    {
      type: 'collection',
      id: 'col_ui_details',
      name: 'Spring launch',
      path: '/campaigns/spring',
      role: 'primary',
    },
  ],
  outcome: { result: 'success' },
  workspace: { id: 'lib_acme_brand', name: 'Acme brand library' },
  client: { ip: '203.0.113.77', device: { kind: 'browser' } },
  request: {
    id: REQUEST_ID,
    method: 'PATCH',
    endpoint: '/v1/collections/col_ui_details',
    status: 200,
    request_body: { name: 'Spring launch', password: SECRET },
    response_body: { id: 'col_ui_details', name: 'Spring launch' },
  },
  changes: [{ field: 'name', before: 'Spring draft', after: 'Spring launch' }],
};
const sameRequest = {
  ...changed,
  id: 'ml_ui_details_second',
  action: 'collection.shared',
  occurred_at: hour(3),
  changes: undefined,
};

beforeAll(async () => {
  b = await startBrowser();
  ({ server, page } = b);
  const res = await api(server.url, `/v1/events?tenant=${TENANT}`, {
    body: { events: [changed, sameRequest] },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  await signIn(b, `admin@${TENANT}.test`);
});

afterAll(async () => {
  await b?.context.close();
  await server?.stop();
});

const headers = () => page.getByRole('columnheader').allTextContents();
const widthOf = (title: string) =>
  page
    .getByRole('columnheader', { name: title, exact: true })
    .evaluate((el) => Math.round(el.getBoundingClientRect().width));

describe('the audit log page keeps the reader in place', () => {
  it('remembers hidden and resized columns across a reload, until reset', async () => {
    await page.goto(`${server.url}/events?range=all`);
    await page.locator('.grid-row[data-id]').first().waitFor();
    expect(await headers()).toContain('Device');
    await page.getByRole('button', { name: 'Columns' }).click();
    await page.getByRole('dialog', { name: 'Columns' }).getByLabel('Device').uncheck();
    expect(await headers()).not.toContain('Device');

    // Drag the Actor column's right edge 80 px wider.
    const before = await widthOf('Actor');
    const handle = page.getByRole('columnheader', { name: 'Actor', exact: true }).locator('.resize');
    const box = (await handle.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 40, box.y + box.height / 2, { steps: 4 });
    await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    expect(await widthOf('Actor')).toBe(before + 80);

    await page.reload();
    await page.locator('.grid-row[data-id]').first().waitFor();
    expect(await headers()).not.toContain('Device');
    expect(await widthOf('Actor')).toBe(before + 80);

    await page.getByRole('button', { name: 'Columns' }).click();
    await page.getByRole('button', { name: 'Reset columns' }).click();
    expect(await headers()).toContain('Device');
    expect(await widthOf('Actor')).toBe(before);
  });

  it('a custom range with nothing in it says so and offers all time, which finds the events', async () => {
    await page.goto(`${server.url}/events`);
    await page.locator('.grid-row[data-id]').first().waitFor();
    await page.getByLabel('Time range').selectOption('custom');
    await page.waitForURL((u) => u.searchParams.has('from') && !u.searchParams.has('range'));
    await page.getByRole('textbox', { name: 'From' }).fill('2001-01-01T00:00');
    await page.getByRole('textbox', { name: 'To' }).fill('2001-01-02T00:00');
    await page.waitForURL((u) => (u.searchParams.get('to') ?? '').startsWith('2001-01-0'));
    const from = new URL(page.url()).searchParams.get('from') ?? '';
    expect(Date.parse(from)).toBeLessThan(Date.parse('2001-01-02T00:00:00Z'));
    await page.getByRole('heading', { name: 'No events match' }).waitFor();
    await page.getByText('No events in this time range').waitFor();
    expect(await page.locator('.grid-row[data-id]').count()).toBe(0);
    await captureAndScan(page, 'audit-log-empty');

    await page.getByRole('button', { name: 'Search all time' }).click();
    await page.waitForURL((u) => u.searchParams.get('range') === 'all' && !u.searchParams.has('from'));
    await page.locator('.grid-row[data-id]').first().waitFor();
    expect(await page.getByLabel('Time range').inputValue()).toBe('all');
  });

  it('a failed request says what failed and Retry loads the rows', async () => {
    // The search endpoint answers 503 until the test lets it through: the page must not go blank.
    let failing = true;
    await page.route(
      (u) => u.pathname === '/v1/events',
      (route) =>
        failing
          ? route.fulfill({
              status: 503,
              contentType: 'application/json',
              body: JSON.stringify({
                error: {
                  code: 'STORAGE_UNAVAILABLE',
                  message: 'storage is not reachable',
                  request_id: 'req_x',
                },
              }),
            })
          : route.continue(),
    );
    try {
      await page.goto(`${server.url}/events?range=all&result=denied`);
      const alert = page.getByRole('alert').filter({ hasText: 'Could not load events' });
      await alert.waitFor();
      expect(await alert.textContent()).toContain('storage is not reachable');
      expect(await page.locator('.grid-row[data-id]').count()).toBe(0);
      await captureAndScan(page, 'audit-log-error');

      failing = false;
      await alert.getByRole('button', { name: 'Retry' }).click();
      await page.locator('.grid-row[data-id]').first().waitFor();
      await expect.poll(() => alert.count()).toBe(0);
    } finally {
      await page.unrouteAll();
    }
  });

  it('/ focuses the search box; arrows and Enter open the focused row; Esc returns to the list', async () => {
    await page.goto(`${server.url}/events?range=all`);
    await page.locator('.grid-row[data-id]').nth(3).waitFor();
    await page.locator('h1, .total').first().click();
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(
      'Search events',
    );
    // The slash itself is not typed into the box.
    expect(await page.getByLabel('Search events').inputValue()).toBe('');

    await page.locator('.grid').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowDown');
    const focused = await page.locator('.grid-row.is-focus').getAttribute('data-id');
    expect(await page.locator('.grid-row.is-focus').getAttribute('aria-rowindex')).toBe('3');
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === `/events/${focused}`);
    await page.getByRole('complementary', { name: 'Event detail' }).getByText(focused!).first().waitFor();
    await page.keyboard.press('Escape');
    await page.waitForURL((u) => u.pathname === '/events' && u.searchParams.get('range') === 'all');
    expect(await page.getByRole('complementary', { name: 'Event detail' }).count()).toBe(0);
  });
});

describe('the event drawer', () => {
  it('masks secrets, shows the change as a diff, copies the id and the JSON', async () => {
    await b.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.goto(`${server.url}/events/${changed.id}?range=all`);
    const drawer = page.getByRole('complementary', { name: 'Event detail' });
    await drawer.getByText('Request payload').waitFor();
    const text = (await drawer.textContent()) ?? '';
    expect(text).not.toContain(SECRET);
    const masked = drawer.locator('.json-masked');
    expect(await masked.count()).toBeGreaterThan(0);
    expect(await masked.first().textContent()).toContain('[REDACTED]');
    expect(await drawer.getByText('Response', { exact: true }).count()).toBe(1);

    const diff = drawer.locator('table.diff tbody tr');
    expect(await diff.count()).toBe(1);
    expect(await diff.locator('th').textContent()).toBe('name');
    expect(await diff.locator('.diff-del').textContent()).toBe('"Spring draft"');
    expect(await diff.locator('.diff-add').textContent()).toBe('"Spring launch"');
    await captureAndScan(page, 'event-detail-diff');

    await drawer.getByRole('button', { name: 'Copy id' }).click();
    await drawer.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(changed.id);
    await drawer.getByRole('button', { name: 'Copy JSON' }).click();
    const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText())) as {
      id: string;
      request: { request_body: { password: string } };
    };
    expect(copied.id).toBe(changed.id);
    expect(copied.request.request_body.password).toBe('[REDACTED]');
  });

  it('links to every event of the request, what the actor did around then, and the asset history', async () => {
    const drawer = page.getByRole('complementary', { name: 'Event detail' });
    const related = drawer.getByRole('navigation', { name: 'Related events' });

    await page.goto(`${server.url}/events/${changed.id}?range=all`);
    await related.getByRole('link', { name: 'All events of this request' }).click();
    await page.waitForURL((u) => u.pathname === '/events' && u.searchParams.get('request_id') === REQUEST_ID);
    await expect.poll(() => page.locator('.grid-row[data-id]').count()).toBe(2);
    const ids = await page
      .locator('.grid-row[data-id]')
      .evaluateAll((rs) => rs.map((r) => r.getAttribute('data-id')));
    expect(ids.sort()).toEqual([changed.id, sameRequest.id].sort());

    await page.goto(`${server.url}/events/${changed.id}?range=all`);
    await related.getByRole('link', { name: `Everything ${maya.email} did around this time` }).click();
    await page.waitForURL((u) => u.searchParams.get('actor') === maya.id);
    const url = new URL(page.url());
    const at = Date.parse(changed.occurred_at);
    expect(Date.parse(url.searchParams.get('from')!)).toBeLessThan(at);
    expect(Date.parse(url.searchParams.get('to')!)).toBeGreaterThan(at);
    await expect.poll(() => page.locator('.grid-row[data-id]').count()).toBe(2);

    await page.goto(`${server.url}/events/${changed.id}?range=all`);
    await related.getByRole('link', { name: 'History of this asset' }).click();
    await page.waitForURL((u) => u.pathname === '/history');
    await page.getByText('Spring launch').first().waitFor();
    expect(await page.locator('main').textContent()).toContain('/campaigns/spring');
  });
});

describe('settings an admin reaches', () => {
  it('sources with their retention and actions, and Trailmark’s own audit trail one click away', async () => {
    await page.goto(`${server.url}/settings/sources`);
    const sources = page.getByRole('table', { name: 'Sources' });
    await sources.waitFor();
    const catalog = (await (await api(server.url, `/v1/catalog?tenant=${TENANT}`)).json()) as {
      sources: { id: string; name: string; actions: unknown[] }[];
    };
    expect(await sources.locator('tbody tr').count()).toBe(catalog.sources.length);
    const media = sources.locator('tbody tr').filter({ hasText: 'Media library' });
    expect(await media.locator('td').nth(2).textContent()).toMatch(/\d+ (days?|months?|years?)/);
    await media.getByRole('link', { name: 'Actions' }).click();
    await page.waitForURL((u) => u.pathname === '/settings/sources/media-library');
    const actions = page.getByRole('table', { name: /^Actions of / });
    const declared = catalog.sources.find((s) => s.id === 'media-library')!.actions.length;
    await expect.poll(() => actions.locator('tbody tr').count()).toBe(declared);
    expect(await actions.textContent()).toContain('FILE_DELETE');
    await captureAndScan(page, 'settings-sources');

    // Changing a role is itself audited: the own audit trail shows it.
    await page.getByRole('link', { name: /own audit trail/ }).click();
    await page.waitForURL((u) => u.pathname === '/events' && u.searchParams.get('source') === 'trailmark');
    await page.locator('.grid-row[data-id]').first().waitFor();
    const shown = await page.locator('.grid-row[data-id]').count();
    expect(shown).toBeGreaterThan(0);
    // Every row is one of Trailmark's own acts (the sign-in of this test among them).
    const { data } = (await (
      await api(server.url, `/v1/events?source=trailmark&tenant=${TENANT}&limit=200`)
    ).json()) as { data: { id: string; action: string }[] };
    expect(data.some((e) => e.action.startsWith('session.') || e.action.startsWith('user.'))).toBe(true);
    const rowIds = await page
      .locator('.grid-row[data-id]')
      .evaluateAll((rs) => rs.map((r) => r.getAttribute('data-id')));
    for (const id of rowIds) expect(data.map((e) => e.id)).toContain(id);
  });
});
