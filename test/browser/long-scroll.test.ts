import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSqlite } from '../../scripts/bench-data.ts';
import { api, OPERATOR_TOKEN, type ServerProcess, startServerProcess, tempDataDir } from '../helpers.ts';
import { launchChromium, SHOTS, scrollInSteps } from './harness.ts';

/**
 * A real 1M-row result, reached to its last row. Building the data takes a minute or two, so this runs
 * with TRAILMARK_UI_LONG=1 (CI sets it); the other browser tests use a capped scroll area instead.
 */
const LONG = process.env.TRAILMARK_UI_LONG === '1';
const EVENTS = 1_000_000;
if (!LONG) console.log('long-scroll: skipped (set TRAILMARK_UI_LONG=1 to scroll a 1M-row result)');

let server: ServerProcess;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  if (!LONG) return;
  const dataDir = tempDataDir('trailmark-ui-long-');
  const seconds = await seedSqlite(dataDir, EVENTS);
  console.log(`long-scroll: ${EVENTS.toLocaleString('en-US')} events written in ${seconds.toFixed(1)} s`);
  server = await startServerProcess({ dataDir });
  ({ context, page } = await launchChromium());
}, 900_000);

afterAll(async () => {
  await context?.close();
  await server?.stop();
});

/** The topmost fully visible row: its position in the view (0-based) and its event id. */
const topRow = () =>
  page.evaluate(() => {
    const head = document.querySelector('.grid-head')?.getBoundingClientRect().bottom ?? 0;
    const rows = [...document.querySelectorAll<HTMLElement>('.grid-row[data-id]')]
      .map((r) => ({
        index: Number(r.getAttribute('aria-rowindex')) - 1,
        id: r.dataset.id!,
        top: r.getBoundingClientRect().top,
      }))
      .filter((r) => r.top >= head - 1)
      .sort((a, b) => a.top - b.top);
    return rows[0];
  });

/**
 * How many events of the store are newer than this one, from the API: a row shown at position i of the
 * newest-first view must have exactly i. (The bench events are 15 s apart, so no two share a millisecond.)
 */
async function newerThan(id: string): Promise<number> {
  const event = (await (await api(server.url, `/v1/events/${encodeURIComponent(id)}`)).json()) as {
    occurred_at: string;
  };
  const after = new Date(Date.parse(event.occurred_at) + 1).toISOString();
  const { count } = (await (await api(server.url, `/v1/count?from=${after}`)).json()) as { count: number };
  return count;
}

const settled = () =>
  expect.poll(() => page.locator('.grid-row .skeleton').count(), { timeout: 30_000 }).toBe(0);

describe.skipIf(!LONG)('a 1M-row result in Chromium', () => {
  it('reaches any row by dragging, reads on across windows, and ends at the last row by keyboard', async () => {
    await page.goto(`${server.url}/sign-in`);
    await page.evaluate((t) => sessionStorage.setItem('trailmark.token', t), OPERATOR_TOKEN);
    await page.goto(`${server.url}/events?range=all`);
    await page.locator('.grid-row[data-id]').first().waitFor({ timeout: 60_000 });
    const grid = page.locator('.grid');
    await expect.poll(() => grid.getAttribute('aria-rowcount'), { timeout: 60_000 }).toBe(String(EVENTS));
    // The scroll area stays under the browser's element height limit, though 1M rows of 36 px exceed it.
    expect(await grid.evaluate((el) => el.scrollHeight)).toBeLessThan(33_000_000);
    const first = (await topRow())!;
    expect(first.index).toBe(0);
    expect(await newerThan(first.id)).toBe(0);

    // The thumb dragged to 90 %: the rows there are the store's rows at that position.
    await grid.evaluate((el) => {
      el.scrollTop = (el.scrollHeight - el.clientHeight) * 0.9;
    });
    await expect.poll(async () => (await topRow())?.index ?? 0, { timeout: 30_000 }).toBeGreaterThan(850_000);
    await settled();
    const far = (await topRow())!;
    expect(far.index).toBeLessThan(950_000);
    expect(await newerThan(far.id)).toBe(far.index);
    await page.screenshot({ path: join(SHOTS, 'audit-log-1m-row-900k.png') });

    // Reading on from there, 1:1, crosses into windows that continue from the seek.
    await scrollInSteps(grid, 60, 180);
    await expect
      .poll(async () => (await topRow())?.index ?? 0, { timeout: 30_000 })
      .toBeGreaterThan(far.index + 250);
    await settled();
    const further = (await topRow())!;
    expect(await newerThan(further.id)).toBe(further.index);

    // End reaches the very last row: the oldest event, with every other one newer.
    await grid.focus();
    await page.keyboard.press('End');
    const last = page.locator(`.grid-row[aria-rowindex="${EVENTS}"]`);
    await last.waitFor({ timeout: 30_000 });
    await settled();
    expect(await newerThan((await last.getAttribute('data-id'))!)).toBe(EVENTS - 1);
    await page.screenshot({ path: join(SHOTS, 'audit-log-1m-row-last.png') });

    // Page Up from there moves by a screen, still exact; the DOM holds a screenful of rows, not 1M.
    await page.keyboard.press('PageUp');
    await settled();
    const up = (await topRow())!;
    expect(up.index).toBeLessThan(EVENTS - 10);
    expect(up.index).toBeGreaterThan(EVENTS - 60);
    expect(await newerThan(up.id)).toBe(up.index);
    expect(await page.locator('.grid-row').count()).toBeLessThan(100);
  }, 300_000);

  it('exports a view of more than 50,000 events as a job, with a progress bar, to the same rows', async () => {
    // Ten days of the newest events: over the 50,000 rows the UI streams at once.
    const newest = (await (await api(server.url, '/v1/events?limit=1')).json()) as {
      data: { occurred_at: string }[];
    };
    const to = new Date(Date.parse(newest.data[0].occurred_at) + 1).toISOString();
    const from = new Date(Date.parse(to) - 10 * 86_400_000).toISOString();
    const range = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    const { count } = (await (await api(server.url, `/v1/count?${range}`)).json()) as { count: number };
    expect(count).toBeGreaterThan(50_000);

    await page.goto(`${server.url}/events?${range}`);
    await expect
      .poll(() => page.locator('.grid').getAttribute('aria-rowcount'), { timeout: 60_000 })
      .toBe(String(count));
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 240_000 }),
      (async () => {
        await page.getByRole('button', { name: 'Export' }).click();
        await page.getByRole('menuitem', { name: /CSV/ }).click();
        // The job reports its progress while it runs.
        await page.getByRole('progressbar', { name: 'Export progress' }).waitFor({ timeout: 60_000 });
        await page.screenshot({ path: join(SHOTS, 'audit-log-export-progress.png') });
      })(),
    ]);
    const rows = parse(readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, ''), {
      columns: true,
    }) as { id: string }[];
    expect(rows.length).toBe(count);
    expect(new Set(rows.map((r) => r.id)).size).toBe(count);
    // The job is listed among my exports, completed.
    await page.goto(`${server.url}/exports`);
    await page
      .getByRole('table')
      .getByText(/completed/i)
      .first()
      .waitFor();
  }, 300_000);
});
