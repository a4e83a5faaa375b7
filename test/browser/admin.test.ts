import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, OPERATOR_TOKEN, type ServerProcess } from '../helpers.ts';
import {
  type Browser,
  captureAndScan as captureAndScanPage,
  SHOTS,
  scrollInSteps,
  signIn as signInAs,
  startBrowser,
  TENANT,
} from './harness.ts';

let browser: Browser;
let server: ServerProcess;
let context: BrowserContext;
let page: Page;
/** The demo accounts' password, which the server keeps in its data directory. */
let demoPassword = '';

const signIn = (email: string, path = '/', password = demoPassword) =>
  signInAs(browser, email, path, password);
const captureAndScan = (name: string) => captureAndScanPage(page, name);

/** The API as the signed-in page sees it (its cookie), for checks a role must be refused. */
async function fetchAsPage(path: string): Promise<number> {
  return page.evaluate(async (p) => (await fetch(p)).status, path);
}

beforeAll(async () => {
  browser = await startBrowser();
  ({ server, context, page, demoPassword } = browser);
});

afterAll(async () => {
  await context?.close();
  await server?.stop();
});

describe('admin UI in Chromium against the real server', () => {
  it('serves the UI at / and returns to sign-in, then signs in with the operator token', async () => {
    await page.goto(`${server.url}/events?action=file.deleted`);
    await page.waitForURL(/\/sign-in\?next=/);
    await captureAndScan('sign-in');
    await page.getByText('Sign in with an API token').click();
    await page.getByLabel('API token').fill(OPERATOR_TOKEN);
    await page.getByRole('button', { name: 'Use token' }).click();
    // Back to the view asked for, with its filter.
    await page.waitForURL(/\/events\?action=file\.deleted/);
    await page.getByRole('row').nth(1).waitFor();
    await expect.poll(() => page.locator('.total').textContent()).toMatch(/\d+ events?/);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
  });

  it('signs an auditor in with email and password and returns to the view asked for', async () => {
    await context.clearCookies();
    await page.goto(`${server.url}/events?action=file.deleted`);
    await page.waitForURL(/\/sign-in\?next=/);
    await page.getByLabel('Email').fill(`auditor@${TENANT}.test`);
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'do not match' }).waitFor();
    await page.getByLabel('Password', { exact: true }).fill(demoPassword);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(/\/events\?action=file\.deleted/);
    await page.locator('.grid-row').first().waitFor();
    await expect.poll(() => page.locator('.who').textContent()).toContain('Aude Auditor');
    // A session cookie, not a token: nothing in the tab's storage.
    expect(await page.evaluate(() => sessionStorage.getItem('trailmark.token'))).toBeNull();
    const cookies = await context.cookies(server.url);
    expect(cookies.some((c) => c.httpOnly)).toBe(true);
    // The session ends while the page is open: the next view's requests (events, histogram, facets) all
    // get 401, and signing in again returns to that view, not to a sign-in page nested in `next`.
    await context.clearCookies();
    await page.getByRole('link', { name: 'Asset history' }).click();
    await page.waitForURL((u) => u.pathname === '/history');
    await page.goBack();
    await page.waitForURL(/\/sign-in\?next=/);
    await page.getByLabel('Email').fill(`auditor@${TENANT}.test`);
    await page.getByLabel('Password', { exact: true }).fill(demoPassword);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/events');
    expect(new URL(page.url()).searchParams.get('action')).toBe('file.deleted');
    await page.locator('.grid-row').first().waitFor();
  });

  it('filters by action and actor through the pickers and cell clicks, kept in the URL across a reload', async () => {
    await signIn(`auditor@${TENANT}.test`, '/events');
    await page.getByRole('button', { name: /^Action/ }).click();
    await page.getByLabel('Search action').fill('AssetDeleted');
    // The product's own name finds the normalized action it is filed under.
    await page.getByRole('listbox', { name: 'Action' }).locator('.option').first().click();
    await page.waitForURL(/action=file\.deleted/);
    await page.keyboard.press('Escape');
    await page.locator('.grid-row').first().waitFor();
    // The timestamp is UTC; hovering it gives the reader's local time, formatted when the pointer arrives.
    const time = page.locator('.grid-row[data-id]').first().locator('time');
    const iso = (await time.getAttribute('datetime'))!;
    expect(await time.textContent()).toBe(`${iso.slice(0, 10)} ${iso.slice(11, 19)}`);
    await time.hover();
    const localTime = await page.evaluate(
      (at) => new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'long' }),
      iso,
    );
    await expect.poll(() => time.getAttribute('title')).toBe(localTime);
    const actorCell = page.locator('.grid-row').first().locator('.col-actor button');
    await actorCell.click();
    await page.waitForURL(/actor=/);
    const url = page.url();
    const query = new URL(url).searchParams;
    await page.reload();
    await page.locator('.grid-row').first().waitFor();
    expect(page.url()).toBe(url);
    await expect.poll(() => page.locator('.chip').count()).toBe(2);
    // Every row shown matches the API's answer for the same filters, in the auditor's own tenant.
    const apiQuery = new URLSearchParams({ tenant: TENANT });
    for (const k of ['action', 'actor']) for (const v of query.getAll(k)) apiQuery.append(k, v);
    apiQuery.set('from', new Date(Date.now() - 7 * 86_400_000).toISOString());
    const body = (await (await api(server.url, `/v1/count?${apiQuery}`)).json()) as { count: number };
    await expect
      .poll(() => page.locator('.total').textContent())
      .toContain(body.count.toLocaleString('en-US'));
    await captureAndScan('audit-log-filtered');
  });

  it('narrows the time range by dragging across the histogram, which the store counted', async () => {
    await page.goto(`${server.url}/events?range=7d`);
    const chart = page.getByRole('img', { name: /Events over time/ });
    await chart.waitFor();
    const box = (await chart.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForURL(/from=.*&to=|to=.*&from=/, { timeout: 5000 });
    const url = new URL(page.url());
    const from = Date.parse(url.searchParams.get('from')!);
    const to = Date.parse(url.searchParams.get('to')!);
    expect(to).toBeGreaterThan(from);
    expect(to - from).toBeLessThan(7 * 86_400_000);
    // The count shown is the API's for the narrowed range.
    const q = new URLSearchParams({
      tenant: TENANT,
      from: url.searchParams.get('from')!,
      to: url.searchParams.get('to')!,
    });
    const body = (await (await api(server.url, `/v1/count?${q}`)).json()) as { count: number };
    await expect
      .poll(() => page.locator('.total').textContent())
      .toContain(body.count.toLocaleString('en-US'));
  });

  it('opens an event in a drawer with its own URL, request and response, and closes with Esc', async () => {
    const res = await api(server.url, `/v1/events?limit=200&tenant=${TENANT}`);
    const events = ((await res.json()) as { data: { id: string; request?: { request_body?: unknown } }[] })
      .data;
    const withBody = events.find((e) => e.request?.request_body !== undefined) ?? events[0];
    await page.goto(`${server.url}/events?range=all`);
    await page.locator('.grid-row').first().waitFor();
    await captureAndScan('audit-log');
    await page.goto(`${server.url}/events/${withBody.id}?range=all`);
    const drawer = page.getByRole('complementary', { name: 'Event detail' });
    await drawer.getByText(withBody.id).first().waitFor();
    if (withBody.request?.request_body !== undefined) await drawer.getByText('Request payload').waitFor();
    await captureAndScan('event-detail');
    // At 390 px the drawer fills the width and the page does not pan sideways (the top bar wraps).
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const signOut = await page.getByRole('button', { name: 'Sign out' }).boundingBox();
    expect((signOut?.x ?? 1e9) + (signOut?.width ?? 0)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(SHOTS, 'event-detail-390.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.keyboard.press('Escape');
    await page.waitForURL((u) => u.pathname === '/events');
    // Keyboard: the grid moves with arrows and Enter opens the focused row.
    await page.locator('.grid').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/events\/[^/?]+/);
    await page.keyboard.press('Escape');
  });

  it('exports the current view as CSV with the same rows the API counts', async () => {
    await page.goto(`${server.url}/events?range=all&result=denied`);
    await page.locator('.grid-row').first().waitFor();
    await expect.poll(() => page.locator('.total').textContent()).toMatch(/\d/);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      (async () => {
        await page.getByRole('button', { name: 'Export' }).click();
        await page.getByRole('menuitem', { name: /CSV/ }).click();
      })(),
    ]);
    const file = await download.path();
    const rows = parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''), { columns: true }) as unknown[];
    const count = (await (await api(server.url, `/v1/count?result=denied&tenant=${TENANT}`)).json()) as {
      count: number;
    };
    expect(rows.length).toBe(count.count);
  });

  it('a viewer is refused the audit log but finds a renamed, moved and deleted file by its old path', async () => {
    // A deleted file of the demo that was also renamed or moved, found through the API.
    const deletions = (await (
      await api(server.url, `/v1/events?action=file.deleted&limit=200&tenant=${TENANT}`)
    ).json()) as {
      data: { targets: { path?: string }[] }[];
    };
    let path = '';
    let history: { data: { action: string; targets: { previous_path?: string }[] }[] } = { data: [] };
    for (const d of deletions.data) {
      const p = d.targets.find((t) => t.path)?.path;
      if (!p) continue;
      const h = (await (
        await api(server.url, `/v1/history?target_path=${encodeURIComponent(p)}&limit=500&tenant=${TENANT}`)
      ).json()) as typeof history;
      if (h.data.some((e) => e.targets.some((t) => t.previous_path))) {
        path = p;
        history = h;
        break;
      }
    }
    expect(path).not.toBe('');
    await signIn(`viewer@${TENANT}.test`);
    // A viewer lands on asset history, and the navigation offers nothing else.
    await page.waitForURL(/\/history/);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Asset history' }).waitFor();
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Asset history']);
    await page.goto(`${server.url}/events`);
    await page.getByRole('heading', { name: 'The audit log is not available to your role' }).waitFor();
    expect(await fetchAsPage('/v1/events?limit=1')).toBe(403);
    expect(await fetchAsPage('/v1/export?format=csv')).toBe(403);
    await page.getByRole('link', { name: 'Open asset history' }).click();
    await page.getByLabel('Asset path or id').fill(path);
    await page.getByRole('button', { name: 'Show history' }).click();
    await page.locator('.timeline-item').first().waitFor();
    expect(await page.locator('.timeline-item').count()).toBe(history.data.length);
    await expect.poll(() => page.locator('.history-summary').textContent()).toContain('deleted');
    await captureAndScan('asset-history');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(SHOTS, 'asset-history-390.png'), fullPage: false });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('tells apart two files that held one path, and follows either alone', async () => {
    const path = '/brand/reused-logo.png';
    const at = (minutes: number) => new Date(Date.now() - (60 - minutes) * 60_000).toISOString();
    const event = (id: string, action: string, file: string, minutes: number) => ({
      id,
      tenant: TENANT,
      source: 'file-transfer',
      action,
      occurred_at: at(minutes),
      actor: { type: 'user', id: 'u-reuse', email: `reuse@${TENANT}.test` },
      targets: [{ type: 'file', id: file, name: 'reused-logo.png', path }],
      outcome: { result: 'success' },
    });
    const res = await api(server.url, '/v1/events', {
      body: {
        events: [
          event('evt_reuse_1', 'file.uploaded', 'fil_reuse_a', 1),
          event('evt_reuse_2', 'file.downloaded', 'fil_reuse_a', 2),
          event('evt_reuse_3', 'file.deleted', 'fil_reuse_a', 3),
          event('evt_reuse_4', 'file.uploaded', 'fil_reuse_b', 4),
        ],
      },
    });
    expect(res.status).toBe(201);
    await signIn(`viewer@${TENANT}.test`);
    await page.goto(`${server.url}/history?target_path=${encodeURIComponent(path)}`);
    const cards = page.getByRole('region', { name: 'Assets that held this path' }).getByRole('button');
    await expect.poll(() => cards.count()).toBe(3);
    expect(await cards.nth(1).textContent()).toContain('deleted');
    expect(await cards.nth(2).textContent()).toContain('exists');
    expect(await page.locator('.timeline-item').count()).toBe(4);
    expect(await page.locator('.history-summary').textContent()).toContain('2 assets');
    await captureAndScan('asset-history-reused-path');
    await cards.nth(2).click();
    await page.waitForURL(/asset=file%3Afil_reuse_b|asset=file:fil_reuse_b/);
    await expect.poll(() => page.locator('.timeline-item').count()).toBe(1);
    expect(await cards.nth(2).getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => page.locator('.history-summary').textContent()).toContain('exists');
    await cards.nth(1).click();
    await expect.poll(() => page.locator('.timeline-item').count()).toBe(3);
    await expect.poll(() => page.locator('.history-summary').textContent()).toContain('deleted');
  });
});

/** A fresh member of the tenant, made through the API (invitation + acceptance), so tests may change it. */
async function newMember(email: string, role: string, password: string): Promise<void> {
  const invited = (await (
    await api(server.url, '/v1/users/invitations', { body: { email, role, tenant: TENANT } })
  ).json()) as { url: string };
  const token = new URL(invited.url).searchParams.get('token')!;
  const res = await fetch(`${server.url}/v1/auth/accept-invitation`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, name: email.split('@')[0], password }),
  });
  expect(res.status).toBe(201);
}

describe('the scroll model for results taller than the browser allows', () => {
  /** The row at the top of the table's viewport: its index (from aria-rowindex) and event id. */
  const topRow = () =>
    page.evaluate(() => {
      const head = document.querySelector('.grid-head')!.getBoundingClientRect().bottom;
      const rows = [...document.querySelectorAll<HTMLElement>('.grid-row[aria-rowindex]')]
        .map((r) => ({
          index: Number(r.getAttribute('aria-rowindex')) - 1,
          id: r.dataset.id,
          top: r.getBoundingClientRect().top,
        }))
        .filter((r) => r.top >= head - 1)
        .sort((a, b) => a.top - b.top);
      return rows[0];
    });

  it('maps a capped scrollbar onto every row: wheel 1:1, a drag seeks exactly, End reaches the last row', async () => {
    // The newest-first ids of the view, from the API, to check each position against.
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page_: { data: { id: string }[]; next_cursor: string | null } = await (
        await api(
          server.url,
          `/v1/events?tenant=${TENANT}&source=file-transfer&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        )
      ).json();
      ids.push(...page_.data.map((e) => e.id));
      cursor = page_.next_cursor;
    } while (cursor);
    expect(ids.length * 36).toBeGreaterThan(10_000);
    await signIn(`auditor@${TENANT}.test`, '/history');
    // A cap of 10,000 px makes this small log behave as 10M rows do under the real cap.
    await page.evaluate(() => localStorage.setItem('trailmark.maxScrollPx', '10000'));
    await page.goto(`${server.url}/events?range=all&source=file-transfer`);
    await page.locator('.grid-row[data-id]').first().waitFor();
    const grid = page.locator('.grid');
    expect(await grid.evaluate((el) => el.scrollHeight)).toBeLessThan(10_200);
    expect((await topRow())?.id).toBe(ids[0]);

    // The wheel moves rows 1:1 (10 rows of 36 px), not scaled by the ratio of heights.
    const box = (await grid.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 360);
    // Turning the wheel is not dragging the thumb: while the rows move they take no pointer events
    // (no hover work per frame) and no label is drawn by the thumb.
    // Read in one go while the body says it is scrolling (the state ends 150 ms after the last move).
    const whileScrolling = await page.waitForFunction(() => {
      const body = document.querySelector('.grid-body.is-scrolling');
      return (
        body && {
          pointer: getComputedStyle(body).pointerEvents,
          hint: !!document.querySelector('.scroll-hint'),
        }
      );
    });
    expect(await whileScrolling.jsonValue()).toEqual({ pointer: 'none', hint: false });
    await expect.poll(async () => (await topRow())?.index).toBe(10);
    expect((await topRow())?.id).toBe(ids[10]);

    // Many small moves in a row (a long wheel or keyboard scroll) stay 1:1 as well: 20 x 5 rows.
    await scrollInSteps(grid, 20, 180);
    await expect.poll(async () => (await topRow())?.index).toBe(110);
    await page.waitForTimeout(300);
    expect((await topRow())?.index).toBe(110);

    // A drag of the thumb to the middle jumps there, and the rows shown are exactly the API's rows there.
    await grid.evaluate((el) => {
      el.scrollTop = (el.scrollHeight - el.clientHeight) / 2;
    });
    // While it moves, a label by the thumb says where in time the view is.
    await page.locator('.scroll-hint').waitFor();
    await page.screenshot({ path: join(SHOTS, 'audit-log-scroll-hint.png') });
    await expect.poll(async () => (await topRow())?.id ?? '', { timeout: 10_000 }).toMatch(/./);
    const middle = (await topRow())!;
    expect(Math.abs(middle.index - ids.length / 2)).toBeLessThan(ids.length / 10);
    expect(middle.id).toBe(ids[middle.index]);
    await captureAndScan('audit-log-scrolled');

    // Reading on from there crosses into the next windows, which continue the seek's own query (a
    // cursor is bound to the filters it was issued for): the rows stay exactly the API's.
    await scrollInSteps(grid, 40, 180);
    await expect
      .poll(async () => (await topRow())?.index ?? 0, { timeout: 10_000 })
      .toBeGreaterThan(middle.index + 150);
    await expect.poll(() => page.locator('.grid-row .skeleton').count(), { timeout: 10_000 }).toBe(0);
    const further = (await topRow())!;
    expect(further.id).toBe(ids[further.index]);

    // End reaches the very last row; Home comes back to the first.
    await grid.focus();
    await page.keyboard.press('End');
    await expect
      .poll(() => page.locator(`.grid-row[aria-rowindex="${ids.length}"]`).getAttribute('data-id'), {
        timeout: 10_000,
      })
      .toBe(ids.at(-1));
    await page.keyboard.press('Home');
    await expect.poll(async () => (await topRow())?.id).toBe(ids[0]);
    await page.evaluate(() => localStorage.removeItem('trailmark.maxScrollPx'));
  });
});

describe('live tail in Chromium against the real server', () => {
  const probe = (name: string) => ({
    tenant: TENANT,
    id: `evt_live_${name}_${Date.now()}`,
    source: 'billing-app',
    action: 'invoice.paid',
    occurred_at: new Date().toISOString(),
    actor: { type: 'user', id: 'u-live', name: 'Lia Live', email: 'lia@acme.test' },
    targets: [{ type: 'invoice', id: `inv-${name}`, name: `Live probe ${name}` }],
    outcome: { result: 'success' },
  });

  it('shows a newly ingested event on top, holds new ones while the reader is scrolled down, and counts them', async () => {
    await signIn(`auditor@${TENANT}.test`, '/events?range=all');
    await page.locator('.grid-row').first().waitFor();
    await page.getByRole('button', { name: 'Live', exact: true }).click();
    await page.waitForURL(/live=1/);
    await page.getByText('Live · following new events').waitFor();
    const before = Number((await page.locator('.total').textContent())!.replace(/\D/g, ''));
    expect((await api(server.url, '/v1/events', { body: probe('one') })).status).toBe(201);
    await expect.poll(() => page.locator('.grid-row').first().textContent()).toContain('Live probe one');
    await expect
      .poll(async () => Number((await page.locator('.total').textContent())!.replace(/\D/g, '')))
      .toBe(before + 1);
    await captureAndScan('audit-log-live');

    // Scrolled away: the rows being read stay put, new events wait behind a counter.
    const grid = page.locator('.grid');
    await grid.evaluate((el) => {
      el.scrollTop = 1800;
    });
    await page.waitForTimeout(200);
    const reading = await page.evaluate(() => {
      const grid = document.querySelector('.grid')!;
      const top = grid.getBoundingClientRect().top + 60;
      const row = [...document.querySelectorAll('.grid-row')].find(
        (r) => r.getBoundingClientRect().top >= top,
      );
      return row?.textContent;
    });
    await page.getByText('Live · following new events').waitFor();
    expect((await api(server.url, '/v1/events', { body: [probe('two'), probe('three')] })).status).toBe(201);
    const pill = page.getByRole('button', { name: /↑ 2 new events/ });
    await pill.waitFor();
    await page.getByText('Live · paused while you read').waitFor();
    expect(await grid.evaluate((el) => el.scrollTop)).toBe(1800);
    const stillReading = await page.evaluate(() => {
      const grid = document.querySelector('.grid')!;
      const top = grid.getBoundingClientRect().top + 60;
      const row = [...document.querySelectorAll('.grid-row')].find(
        (r) => r.getBoundingClientRect().top >= top,
      );
      return row?.textContent;
    });
    expect(stillReading).toBe(reading);
    await pill.click();
    await expect
      .poll(() => page.locator('.grid-row').first().textContent())
      .toMatch(/Live probe (two|three)/);
    expect(await grid.evaluate((el) => el.scrollTop)).toBe(0);
    await page.getByRole('button', { name: 'Live', exact: true }).click();
    await page.waitForURL((u) => !u.search.includes('live=1'));
  });
});

describe('my exports in Chromium against the real server', () => {
  it('lists the exports I started, with their status, and downloads a finished one', async () => {
    await signIn(`auditor@${TENANT}.test`, '/events?range=all');
    await page.locator('.grid-row[data-id]').first().waitFor();
    // An export job started by this auditor (the UI starts one for views over 50,000 rows), and one
    // of the operator's, which must not be listed here.
    const started = await page.evaluate(async () => {
      const res = await fetch('/v1/exports', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ format: 'csv', filters: { result: ['denied'] } }),
      });
      return { status: res.status, job: (await res.json()) as { id: string; file_name: string } };
    });
    expect(started.status).toBe(202);
    const other = await api(server.url, '/v1/exports', {
      body: { format: 'ndjson', filters: { tenant: [TENANT] } },
    });
    expect(other.status).toBe(202);
    const otherJob = (await other.json()) as { file_name: string; id: string };
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Exports' }).click();
    const table = page.getByRole('table', { name: 'My exports' });
    const row = table.getByRole('row').filter({ hasText: started.job.file_name });
    await row.getByText('completed').waitFor({ timeout: 20_000 });
    expect(await table.getByRole('row').filter({ hasText: otherJob.file_name }).count()).toBe(0);
    await captureAndScan('exports');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.getByRole('button', { name: 'Download' }).click(),
    ]);
    const rows = parse(readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, ''), {
      columns: true,
    }) as unknown[];
    const count = (await (await api(server.url, `/v1/count?result=denied&tenant=${TENANT}`)).json()) as {
      count: number;
    };
    expect(rows.length).toBe(count.count);
  });
});

describe('settings in Chromium against the real server', () => {
  it('shows settings to admins only: an auditor sees no Settings link and is refused the page', async () => {
    await signIn(`auditor@${TENANT}.test`, '/events');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Audit log' }).waitFor();
    // Streams and checkpoints are read-only for auditors; Settings is not offered.
    expect(await nav.getByRole('link').allTextContents()).toEqual([
      'Audit log',
      'Asset history',
      'Exports',
      'Streams',
      'Checkpoints',
    ]);
    await page.goto(`${server.url}/settings/members`);
    await page.getByRole('heading', { name: 'Members is not available to your role' }).waitFor();
    expect(await fetchAsPage('/v1/users')).toBe(403);
    // The auditor's own account is one click away, from the name in the top bar.
    await page.getByRole('link', { name: /Aude Auditor/ }).click();
    await page.waitForURL(/\/settings\/account/);
    await page.getByRole('heading', { name: 'Change password' }).waitFor();
  });

  it('an admin invites, changes a role and removes a member; the last owner is protected', async () => {
    await newMember(`temp@${TENANT}.test`, 'viewer', 'lantern-orbit-4471-quay');
    await signIn(`admin@${TENANT}.test`, '/events');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Members' }).click();
    const members = page.getByRole('table', { name: 'Members' });
    await members.getByText(`owner@${TENANT}.test`).waitFor();
    // An admin cannot manage an owner: no role picker and no remove button on that row.
    expect(await page.getByLabel(`Role of owner@${TENANT}.test`).count()).toBe(0);
    // Invite: the link is shown once, the invitation waits in the list.
    await page.getByLabel('Email', { exact: true }).fill(`new.person@${TENANT}.test`);
    await page.getByLabel('Role', { exact: true }).selectOption('auditor');
    await page.getByRole('button', { name: 'Create invitation' }).click();
    const link = page.getByLabel(`Invitation link for new.person@${TENANT}.test`);
    await link.waitFor();
    expect(await link.inputValue()).toMatch(/\/invite\?token=/);
    const pending = page.getByRole('table', { name: 'Pending invitations' });
    await pending.getByText(`new.person@${TENANT}.test`).waitFor();
    await captureAndScan('settings-members');
    // Change a role: the server agrees.
    await page.getByLabel(`Role of temp@${TENANT}.test`).selectOption('auditor');
    await page.getByRole('status').filter({ hasText: 'is now auditor' }).waitFor();
    const users = (await (await api(server.url, `/v1/users?tenant=${TENANT}`)).json()) as {
      data: { email: string; role: string }[];
    };
    expect(users.data.find((u) => u.email === `temp@${TENANT}.test`)?.role).toBe('auditor');
    // Revoke the invitation, remove the member (each asks once more, inline).
    await pending.getByRole('button', { name: 'Revoke' }).click();
    await pending.getByRole('button', { name: 'Revoke invitation' }).click();
    await page.getByText('No invitation is waiting.').waitFor();
    const row = members.getByRole('row').filter({ hasText: `temp@${TENANT}.test` });
    await row.getByRole('button', { name: 'Remove' }).click();
    await row.getByRole('button', { name: /^Remove temp/ }).click();
    await members.getByText(`temp@${TENANT}.test`).waitFor({ state: 'detached' });

    // The only owner cannot step down: the server's refusal is shown as it is.
    await signIn(`owner@${TENANT}.test`, '/settings/members');
    await page.getByLabel(`Role of owner@${TENANT}.test`).selectOption('admin');
    const alert = page.getByRole('alert').filter({ hasText: 'at least one owner' });
    await alert.waitFor();
    expect(await alert.textContent()).toContain('make someone else owner first');
    await expect.poll(() => page.getByLabel(`Role of owner@${TENANT}.test`).inputValue()).toBe('owner');
  });

  it('an admin creates an API key, sees its secret once, and revokes it', async () => {
    await signIn(`admin@${TENANT}.test`, '/settings/api-keys');
    await page.getByLabel('Name').fill('browser-test ingest');
    await page.getByLabel(/^Read/).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = page.getByLabel('API key "browser-test ingest"');
    await secret.waitFor();
    const key = (await secret.inputValue()).trim();
    expect(key).toMatch(/^tmk_/);
    await captureAndScan('settings-api-keys');
    // The key works, and only for its own tenant.
    expect((await api(server.url, '/v1/events?limit=1', { token: key })).status).toBe(200);
    expect((await api(server.url, '/v1/events?limit=1&tenant=globex', { token: key })).status).toBe(403);
    // Listed by prefix only; the secret is gone once the page reloads.
    await page.reload();
    const table = page.getByRole('table', { name: 'API keys' });
    const row = table.getByRole('row').filter({ hasText: 'browser-test ingest' });
    await row.waitFor();
    expect(await page.getByLabel('API key "browser-test ingest"').count()).toBe(0);
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: /^Revoke browser-test/ }).click();
    await row.waitFor({ state: 'detached' });
    expect((await api(server.url, '/v1/events?limit=1', { token: key })).status).toBe(401);
  });

  it('my account: sessions with sign out elsewhere, and a password change', async () => {
    const email = `account@${TENANT}.test`;
    const password = 'copper-meadow-2209-fen';
    await newMember(email, 'auditor', password);
    await signIn(email, '/settings/account', password);
    // A second session elsewhere (a script signing in), seen in the list and then ended from here.
    const other = await fetch(`${server.url}/v1/auth/sign-in`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Mozilla/5.0 (Windows NT 10.0) Firefox/127.0',
      },
      body: JSON.stringify({ email, password }),
    });
    expect(other.status).toBe(200);
    const otherCookie = other.headers.get('set-cookie')!.split(';')[0];
    const me = () => fetch(`${server.url}/v1/auth/me`, { headers: { cookie: otherCookie } });
    expect((await me()).status).toBe(200);
    await page.reload();
    const sessions = page.getByRole('table', { name: 'My sessions' });
    await sessions.getByText('This session').waitFor();
    await sessions.getByText('Firefox on Windows').waitFor();
    await captureAndScan('settings-account');
    await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await sessions.getByText('Firefox on Windows').waitFor({ state: 'detached' });
    expect((await me()).status).toBe(401);
    // A wrong current password is refused with the server's reason; the right one changes it.
    await page.getByLabel('Current password').fill('not-my-password');
    await page.getByLabel('New password', { exact: true }).fill('violet-harbor-8813-moss');
    await page.getByLabel('New password again').fill('violet-harbor-8813-moss');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('alert').filter({ hasText: 'current password is wrong' }).waitFor();
    await page.getByLabel('Current password').fill(password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').filter({ hasText: 'Password changed' }).waitFor();
    const again = await fetch(`${server.url}/v1/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'violet-harbor-8813-moss' }),
    });
    expect(again.status).toBe(200);
  });

  it('the operator switches tenants: the log, and the members it manages, follow the choice', async () => {
    await context.clearCookies();
    await page.goto(`${server.url}/sign-in?next=${encodeURIComponent('/events?range=all')}`);
    await page.getByText('Sign in with an API token').click();
    await page.getByLabel('API token').fill(OPERATOR_TOKEN);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.waitForURL(/\/events/);
    const all = (await (await api(server.url, '/v1/count')).json()) as { count: number };
    await expect
      .poll(() => page.locator('.total').textContent())
      .toContain(all.count.toLocaleString('en-US'));
    await page.getByLabel('Tenant').selectOption('globex');
    const globex = (await (await api(server.url, '/v1/count?tenant=globex')).json()) as { count: number };
    expect(globex.count).toBeLessThan(all.count);
    await expect
      .poll(() => page.locator('.total').textContent())
      .toContain(globex.count.toLocaleString('en-US'));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    // The operator has no account of its own: settings open on members, of the chosen tenant.
    await page.waitForURL(/\/settings\/members/);
    await page.getByRole('table', { name: 'Members' }).getByText('owner@globex.test').waitFor();
    await page.getByRole('link', { name: 'Sources and retention' }).click();
    await page.getByRole('table', { name: 'Sources' }).waitFor();
    await page.getByRole('heading', { name: 'Retention runs' }).waitFor();
    await captureAndScan('settings-sources');
    await page.getByLabel('Tenant').selectOption('');
  });
});
