import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type ServerProcess } from '../helpers.ts';
import { type Browser, captureAndScan, signIn, startBrowser, TENANT } from './harness.ts';

/**
 * The investigations of the product pages answered by clicking, as a newcomer would: page 004's four
 * scenarios (regulator export, who deleted a file, a leaked share link, a student's upload time) and page
 * 000's "view file deletion history". The events arrive as each product's own payloads through its source
 * plugin, beside the demo's 3,000 events; every step is a click or a keystroke in the UI, and each answer
 * is read from what the page shows.
 */
let b: Browser;
let server: ServerProcess;
let page: Page;

function daysAgoAt(days: number, time: string): string {
  const day = new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
  return new Date(`${day}T${time}Z`).toISOString();
}

const john = { id: 'usr_john', email: 'john@dosya.dev', name: 'John Okafor' };
const patients = { id: 'ws_patient_records_eu', name: 'Patient Records EU' };
const scan = {
  id: 'fil_MriScan2291',
  name: 'mri-scan-2291.dcm',
  size: 524_288_000,
  path: '/patients/2291/mri-scan-2291.dcm',
  storage_region: 'eu-central-2',
};
const berlin = { country_code: 'DE', country: 'Germany', city: 'Berlin', device: 'browser' } as const;
const eu = { region: 'eu-central-2', workspace: patients, result: 'success' } as const;
const GDPR_DAY = 10;
/** The regulator's day: four access events, one the day before (outside the range asked for). */
const gdpr = [
  { event_id: 'ui_gdpr_upload', timestamp: daysAgoAt(GDPR_DAY, '09:02:41'), action: 'UPLOAD', user: john },
  {
    event_id: 'ui_gdpr_download',
    timestamp: daysAgoAt(GDPR_DAY, '10:32:15'),
    action: 'DOWNLOAD',
    user: { email: 'dr.weber@charite-berlin.de', name: 'Dr. Anna Weber' },
  },
  {
    event_id: 'ui_gdpr_preview',
    timestamp: daysAgoAt(GDPR_DAY, '11:47:03'),
    action: 'PREVIEW',
    user: { email: 'nurse.lang@charite-berlin.de' },
  },
  {
    event_id: 'ui_gdpr_download_2',
    timestamp: daysAgoAt(GDPR_DAY, '14:30:00'),
    action: 'DOWNLOAD',
    user: { email: 'dr.weber@charite-berlin.de' },
  },
  {
    event_id: 'ui_gdpr_day_before',
    timestamp: daysAgoAt(GDPR_DAY + 1, '23:59:59'),
    action: 'DOWNLOAD',
    user: { email: 'dr.weber@charite-berlin.de' },
  },
].map((e) => ({ ...e, file: scan, ip: '141.20.5.44', ...berlin, ...eu }));

const brand = { id: 'ws_brand_campaign_2026', name: 'Brand Campaign 2026' };
const boardDeck = {
  id: 'fil_Q3BoardDeck',
  name: 'q3-board-deck.pptx',
  size: 48_211_934,
  path: '/board/q3-board-deck.pptx',
  storage_region: 'eu-central-2',
};
const deletion = [
  {
    event_id: 'ui_deck_upload',
    timestamp: daysAgoAt(4, '16:20:00'),
    action: 'UPLOAD',
    user: { email: 'sarah@team.com', name: 'Sarah Lindqvist' },
    ip: '62.20.14.7',
    device: 'browser',
  },
  {
    event_id: 'ui_deck_delete',
    timestamp: daysAgoAt(2, '17:05:48'),
    action: 'DELETE',
    user: { id: 'usr_mike', email: 'mike@co.com', name: 'Mike Brennan' },
    ip: '81.2.69.160',
    country_code: 'GB',
    country: 'United Kingdom',
    device: 'cli',
    user_agent: 'dosya-cli/2.4.1 (darwin; arm64)',
  },
].map((e) => ({ ...e, file: boardDeck, region: 'eu-central-2', result: 'success', workspace: brand }));

const legal = { id: 'ws_legal_contracts', name: 'Legal Contracts' };
const nda = {
  id: 'fil_NdaMerger',
  name: 'nda-acme-merger.pdf',
  size: 2_481_004,
  path: '/contracts/nda-acme-merger.pdf',
  storage_region: 'eu-central-2',
};
const leakedLink = { id: 'lnk_Leak7Qx2', url: 'https://dosya.dev/s/Leak7Qx2', password_protected: false };
const VISITORS = [
  { ip: '203.0.113.45', country_code: 'US', country: 'United States', opens: 3 },
  { ip: '95.173.136.70', country_code: 'RU', country: 'Russia', opens: 2 },
  { ip: '36.110.1.2', country_code: 'CN', country: 'China', opens: 1 },
];
const leak = [
  {
    event_id: 'ui_leak_share',
    timestamp: daysAgoAt(5, '08:00:00'),
    action: 'SHARE',
    user: john,
    ip: '185.23.94.17',
    country_code: 'DE',
  },
  ...VISITORS.flatMap((v, i) =>
    Array.from({ length: v.opens }, (_, k) => ({
      event_id: `ui_leak_open_${i}_${k}`,
      timestamp: daysAgoAt(4, `1${i}:0${k}:00`),
      action: 'ACCESS',
      ip: v.ip,
      country_code: v.country_code,
      country: v.country,
    })),
  ),
].map((e) => ({
  ...e,
  file: nda,
  share_link: leakedLink,
  region: 'eu-central-2',
  device: 'browser',
  result: 'success',
  workspace: legal,
}));
const LINK_EVENTS = leak.length;

const course = { id: 'ws_cs101_fall_2026', name: 'CS101 Fall 2026' };
const alice = { email: 'alice.chen@students.uni.edu', name: 'Alice Chen' };
const FOLDER = '/assignments/cs101/homework-3';
const SUBMITTED = daysAgoAt(3, '23:57:00');
const pdf = (id: string, path: string) => ({
  id,
  name: path.slice(path.lastIndexOf('/') + 1),
  path,
  size: 1_204_331,
  storage_region: 'eu-central-2',
});
const student = [
  {
    event_id: 'ui_hw3_alice',
    timestamp: SUBMITTED,
    user: alice,
    file: pdf('fil_UiAliceHw3', `${FOLDER}/alice.pdf`),
  },
  {
    event_id: 'ui_hw3_bob',
    timestamp: daysAgoAt(3, '23:58:30'),
    user: { email: 'bob.martin@students.uni.edu' },
    file: pdf('fil_UiBobHw3', `${FOLDER}/bob.pdf`),
  },
  {
    // Shares the string prefix of the folder but is another folder.
    event_id: 'ui_hw30_alice',
    timestamp: daysAgoAt(3, '20:00:00'),
    user: alice,
    file: pdf('fil_UiAliceHw30', '/assignments/cs101/homework-30/alice.pdf'),
  },
].map((e) => ({
  ...e,
  action: 'UPLOAD',
  ip: '131.159.0.21',
  country_code: 'DE',
  region: 'eu-central-2',
  device: 'browser',
  result: 'success',
  workspace: course,
}));

const ana = { id: 'usr_6a1f0c', name: 'Ana Souza', email: 'ana.souza@northwind.com' };
const raj = { id: 'usr_7b2e1d', name: 'Raj Patel', email: 'raj.patel@northwind.com' };
const TREE_ID = '6630f8a2e5b1c9a7d4f3b2ff';
const tree = { id: TREE_ID, type: 'file', name: 'tree.png', size: 482_133, mimeType: 'image/png' } as const;
const ml = (id: string, operation: string, createdAt: string, parts: Record<string, unknown>) => ({
  id,
  operation,
  createdAt,
  user: ana,
  statusCode: 200,
  ip: '103.21.244.10',
  ...parts,
});
/** tree.png of page 000: uploaded as oak.png, moved into /forest, renamed, then deleted. */
const treeLife = [
  ml('ui_tree_v1', 'FILE_VERSION_CREATE', daysAgoAt(6, '08:00:00'), {
    method: 'POST',
    endpoint: '/api/v1/files/upload',
    requestId: 'req_ui_tree_1',
    asset: { ...tree, name: 'oak.png', path: '/uploads/oak.png' },
    details: { version: { id: 'ver_ui_1', number: 1 } },
  }),
  ml('ui_tree_move', 'FILE_MOVE', daysAgoAt(6, '08:30:00'), {
    method: 'POST',
    endpoint: '/v1/files/move',
    requestId: 'req_ui_tree_2',
    asset: { ...tree, name: 'oak.png', path: '/forest/oak.png', previousPath: '/uploads/oak.png' },
  }),
  ml('ui_tree_rename', 'FILE_RENAME', daysAgoAt(5, '09:00:00'), {
    method: 'PUT',
    endpoint: '/v1/files/rename',
    requestId: 'req_ui_tree_3',
    asset: { ...tree, path: '/forest/tree.png', previousPath: '/forest/oak.png' },
  }),
  ml('ui_tree_delete', 'FILE_DELETE', daysAgoAt(1, '16:45:12'), {
    user: raj,
    ip: '198.51.100.23',
    method: 'DELETE',
    endpoint: `/v1/files/${TREE_ID}`,
    requestId: 'req_ui_tree_4',
    statusCode: 204,
    asset: { ...tree, path: '/forest/tree.png' },
  }),
];

async function sendNative(source: string, natives: unknown[]) {
  const res = await api(server.url, `/v1/sources/${source}/events?tenant=${TENANT}`, { body: natives });
  expect(res.status, await res.clone().text()).toBe(201);
}

/** Picks one value in a filter picker by typing part of it, as a reader would. */
async function pick(field: string, typed: string, option: RegExp | string) {
  await page.getByRole('button', { name: new RegExp(`^${field}`) }).click();
  await page.getByLabel(`Search ${field.toLowerCase()}`).fill(typed);
  await page
    .getByRole('listbox', { name: field })
    .locator('.option')
    .filter({ hasText: option })
    .first()
    .click();
  // Esc closes the picker even with focus on the option just clicked.
  await page.keyboard.press('Escape');
  await expect.poll(() => page.getByRole('dialog', { name: `${field} filter` }).count()).toBe(0);
}

/** The rows the table shows now, as their cells' text, once `count` of them are there. */
async function rows(count: number): Promise<string[][]> {
  await expect.poll(() => page.locator('.grid-row[data-id]').count()).toBe(count);
  return page
    .locator('.grid-row[data-id]')
    .evaluateAll((els) =>
      els.map((r) => [...r.querySelectorAll('[role=gridcell]')].map((c) => c.textContent ?? '')),
    );
}

/**
 * Waits for the total the view must show. Polled to the expected text, not to "not counting": right
 * after a navigation the previous view's total is still on screen, and the new count comes after it.
 */
async function expectTotal(text: string) {
  await expect.poll(() => page.locator('.total').textContent()).toBe(text);
}

async function search(text: string) {
  const box = page.getByLabel('Search events');
  await box.fill(text);
  await box.press('Enter');
  await page.waitForURL((u) => u.searchParams.get('q') === text);
}

beforeAll(async () => {
  b = await startBrowser();
  ({ server, page } = b);
  await sendNative('file-transfer', [...gdpr, ...deletion, ...leak, ...student]);
  await sendNative('media-library', treeLife);
});

afterAll(async () => {
  await b?.context.close();
  await server?.stop();
});

describe('page 004 and page 000 answered by clicking', () => {
  it('a regulator: one workspace and one day, exported, every access in eu-central-2', async () => {
    await signIn(b, `auditor@${TENANT}.test`, '/events');
    await page.getByLabel('Time range').selectOption('custom');
    const day = daysAgoAt(GDPR_DAY, '00:00:00').slice(0, 10);
    const next = daysAgoAt(GDPR_DAY - 1, '00:00:00').slice(0, 10);
    // The browser runs in UTC here (no TZ set), so local inputs are UTC instants.
    await page.getByLabel('From', { exact: true }).fill(`${day}T00:00`);
    await page.getByLabel('To', { exact: true }).fill(`${next}T00:00`);
    await page.waitForURL(/from=.*to=/);
    // The picker offers the workspaces of the range chosen, with their counts.
    await pick('Workspace', 'Patient', 'Patient Records EU');
    await page.waitForURL(/workspace=/);
    await expectTotal('4 events');
    const shown = await rows(4);
    expect(shown.every((r) => r.join(' ').includes('Patient Records EU'))).toBe(true);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      (async () => {
        await page.getByRole('button', { name: 'Export' }).click();
        await page.getByRole('menuitem', { name: /CSV/ }).click();
      })(),
    ]);
    const csv = parse(readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, ''), {
      columns: true,
    }) as Record<string, string>[];
    // Source plugins prefix the product's ids (`ft_`); the day before is not in it.
    expect(csv.map((r) => r.id).sort()).toEqual(
      ['ui_gdpr_download', 'ui_gdpr_download_2', 'ui_gdpr_preview', 'ui_gdpr_upload'].map((id) => `ft_${id}`),
    );
    // Who, when, from which IP, and the storage region: the data never left eu-central-2.
    for (const r of csv) {
      expect(r.workspace_name).toBe('Patient Records EU');
      expect(r.client_ip).toBe('141.20.5.44');
      expect(Object.values(r)).toContain('eu-central-2');
    }
    await captureAndScan(page, 'scenario-regulator-export');
  });

  it('who deleted a file: DELETE events on its name name the person, the time and the IP', async () => {
    await page.goto(`${server.url}/events`);
    await pick('Action', 'DELETE', 'File deleted');
    await search('q3-board-deck.pptx');
    const [row] = await rows(1);
    const text = row!.join(' ');
    expect(text).toContain('mike@co.com');
    expect(text).toContain('81.2.69.160');
    expect(text).toContain(daysAgoAt(2, '17:05:48').slice(0, 10));
    // The drawer says from which device.
    await page.locator('.grid-row[data-id] .col-time').first().click();
    const drawer = page.getByRole('complementary', { name: 'Event detail' });
    await expect.poll(() => drawer.textContent()).toContain('dosya-cli/2.4.1');
    await captureAndScan(page, 'scenario-who-deleted');
  });

  it('a leaked share link: every access to it with IPs and countries, and how many', async () => {
    await page.goto(`${server.url}/events`);
    // Start from the file the link shares, open the sharing event and follow the link's own events.
    await search('nda-acme-merger.pdf');
    await expectTotal(`${LINK_EVENTS} events`);
    await page
      .locator('.grid-row[data-id]', { hasText: 'john@dosya.dev' })
      .first()
      .locator('.col-time')
      .click();
    await page.getByRole('link', { name: 'All events on this share link' }).click();
    await page.waitForURL(/q=type%3Ashare_link/);
    await expectTotal(`${LINK_EVENTS} events`);
    const shown = (await rows(LINK_EVENTS)).map((r) => r.join(' '));
    for (const v of VISITORS) {
      const fromIp = shown.filter((r) => r.includes(v.ip));
      expect(fromIp).toHaveLength(v.opens);
      expect(fromIp.every((r) => r.includes(v.country_code))).toBe(true);
    }
    await captureAndScan(page, 'scenario-leaked-link');
  });

  it("a student's submission: their email and the assignment folder give the exact upload time", async () => {
    await page.goto(`${server.url}/events`);
    await pick('Actor', 'alice', /alice\.chen@students\.uni\.edu|Alice Chen/);
    await page.getByRole('button', { name: /^Path/ }).click();
    await page.getByLabel('Asset path').fill(FOLDER);
    await page.getByLabel('Everything in this folder').check();
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/target_path_prefix=/);
    const [row] = await rows(1);
    // Timestamp column: UTC to the second, 2 minutes before the 23:59 deadline.
    expect(row![0]).toBe(`${SUBMITTED.slice(0, 10)} 23:57:00`);
    expect(row!.join(' ')).toContain('alice.pdf');
  });

  it('page 000: an asset path finds the deleted file, and its history runs from upload to deletion', async () => {
    await page.goto(`${server.url}/events`);
    await page.getByRole('button', { name: /^Path/ }).click();
    await page.getByLabel('Asset path').fill('/forest/tree.png');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/target_path=/);
    const shown = await rows(2);
    expect(shown[0]!.join(' ')).toContain('raj.patel@northwind.com');
    await page.locator('.grid-row[data-id] .col-time').first().click();
    await page.getByRole('link', { name: 'History of this asset' }).click();
    await page.waitForURL(/\/history/);
    // Every step of the file, under all three of its paths, newest first: the deletion on top.
    await expect.poll(() => page.locator('.timeline-item').count()).toBe(treeLife.length);
    await expect.poll(() => page.locator('.history-summary').textContent()).toContain('deleted');
    // Oldest first: uploaded as oak.png, and the deletion last.
    const items = await page.locator('.timeline-item').allTextContents();
    expect(items[0]).toContain('oak.png');
    expect(items.at(-1)).toMatch(/deleted/i);
    await captureAndScan(page, 'scenario-deletion-history');
  });
});
