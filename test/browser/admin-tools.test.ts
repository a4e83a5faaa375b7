import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers.ts';
import { type Browser, captureAndScan, SHOTS, signIn, startBrowser, TENANT } from './harness.ts';

/** The search box's autocomplete, the action picker, stream destinations, and evidence in the browser. */

let b: Browser;
let page: Page;

beforeAll(async () => {
  // Stream receivers in these tests listen on 127.0.0.1: the operator allows that range explicitly.
  b = await startBrowser({ TRAILMARK_STREAM_ALLOW_PRIVATE: '127.0.0.0/8' });
  page = b.page;
});

afterAll(async () => {
  await b?.context.close();
  await b?.server.stop();
});

const box = () => page.getByRole('combobox', { name: 'Search events' });
const options = () => page.getByRole('listbox', { name: 'Suggestions' }).getByRole('option');

describe('search box autocomplete', () => {
  it('completes qualifiers and their values with the keyboard, then searches with the typed q', async () => {
    await signIn(b, `auditor@${TENANT}.test`, '/events');
    await page.locator('.grid-row').first().waitFor();
    await box().focus();
    await page.keyboard.type('res');
    await expect.poll(() => box().getAttribute('aria-expanded')).toBe('true');
    await expect.poll(() => options().first().textContent()).toContain('result:');
    // Nothing is highlighted until the arrows pick: Enter on typed text would still search.
    expect(await box().getAttribute('aria-activedescendant')).toBeNull();
    await page.keyboard.press('Tab');
    expect(await box().inputValue()).toBe('result:');
    // The values of result: are offered at once; arrows move the highlight the input points at.
    await expect
      .poll(() => options().allTextContents())
      .toEqual(expect.arrayContaining([expect.stringContaining('denied')]));
    await page.keyboard.type('de');
    await page.keyboard.press('ArrowDown');
    const activeId = await box().getAttribute('aria-activedescendant');
    expect(activeId).toBeTruthy();
    expect(await page.locator(`[id="${activeId}"]`).getAttribute('aria-selected')).toBe('true');
    expect(await page.locator(`[id="${activeId}"]`).textContent()).toContain('denied');
    await page.keyboard.press('Enter');
    expect(await box().inputValue()).toBe('result:denied ');
    await expect.poll(() => box().getAttribute('aria-expanded')).toBe('false');

    // A negated qualifier keeps its minus; a value with spaces comes back quoted; counts come from facets.
    await page.keyboard.type('-work');
    await page.keyboard.press('Tab');
    expect(await box().inputValue()).toBe('result:denied -workspace:');
    await expect.poll(() => options().count()).toBeGreaterThan(0);
    const first = (await options().first().textContent()) ?? '';
    expect(first).toMatch(/\d/);
    await page.screenshot({ path: join(SHOTS, 'search-autocomplete-values.png') });
    await captureAndScan(page, 'search-autocomplete');
    await page.keyboard.press('Escape');
    await expect.poll(() => box().getAttribute('aria-expanded')).toBe('false');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const typed = await box().inputValue();
    expect(typed).toMatch(/^result:denied -workspace:\S+ $/);
    // The list is closed: Enter now searches, and the view holds the q typed.
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.searchParams.get('q') === typed.trim());
    await page
      .locator('.total')
      .filter({ hasText: /\d+ events?/ })
      .waitFor();
    const workspace = typed.trim().split('-workspace:')[1]!.replace(/^"|"$/g, '');
    const expected = (await (
      await api(
        b.server.url,
        `/v1/count?${new URLSearchParams({
          tenant: TENANT,
          q: typed.trim(),
          from: new Date(Date.now() - 7 * 86_400_000).toISOString(),
        })}`,
      )
    ).json()) as { count: number };
    expect(workspace.length).toBeGreaterThan(0);
    await expect
      .poll(() => page.locator('.total').textContent())
      .toContain(expected.count.toLocaleString('en-US'));
  });

  it("suggests actions by a product's own name, and the action picker finds them the same way", async () => {
    await page.goto(`${b.server.url}/events`);
    await page.locator('.grid-row').first().waitFor();
    await box().fill('');
    await box().focus();
    await page.keyboard.type('action:AssetDel');
    await expect.poll(() => options().first().textContent()).toContain('file.deleted');
    await page.keyboard.press('Tab');
    expect(await box().inputValue()).toBe('action:file.deleted ');
    await box().fill('');

    // The picker: a product name (UPLOAD, AssetDeleted) and a normalized name both find the action.
    await page.getByRole('button', { name: 'Action', exact: true }).click();
    const search = page.getByLabel('Search action');
    for (const [typed, action] of [
      ['UPLOAD', 'file.uploaded'],
      ['AssetDeleted', 'file.deleted'],
      ['file.deleted', 'file.deleted'],
    ] as const) {
      await search.fill(typed);
      const listed = page.getByRole('listbox', { name: 'Action' }).locator('.option');
      await expect
        .poll(() => listed.allTextContents())
        .toEqual(expect.arrayContaining([expect.stringContaining(action)]));
    }
    await search.fill('UPLOAD');
    await page.screenshot({ path: join(SHOTS, 'action-picker-product-name.png') });
    await page.getByRole('listbox', { name: 'Action' }).locator('.option').first().locator('input').check();
    await page.waitForURL(/action=file\.uploaded/);
  });
});
