import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { ROOT, type ServerProcess, startServerProcess } from '../helpers.ts';

/** What every browser test file shares: the demo server, Debian Chromium, sign-in, screenshots with axe. */

export const SHOTS = resolve(ROOT, 'screenshots');
const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const TENANT = 'acme';

export async function waitFor(check: () => boolean, what: string, ms = 120_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface Browser {
  server: ServerProcess;
  context: BrowserContext;
  page: Page;
  /** The demo accounts' password, which the server keeps in its data directory. */
  demoPassword: string;
}

/** The real server with demo data (extra settings in `env`) and a headless Chromium on one page. */
export async function startBrowser(env: Record<string, string> = {}): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  console.log(`screenshots: ${SHOTS}`);
  const server = await startServerProcess({
    env: { TRAILMARK_DEMO: 'on', TRAILMARK_DEMO_EVENTS: '3000', LOG_LEVEL: 'info', ...env },
  });
  await waitFor(() => server.output().includes('Demo data ready'), 'demo data');
  const demoPassword = readFileSync(join(server.dataDir, 'demo-password'), 'utf8').trim();
  const { context, page } = await launchChromium();
  return { server, context, page, demoPassword };
}

/** Debian Chromium, headless with the flags DEVELOPERS.md gives, on one page of a fresh profile. */
export async function launchChromium(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'trailmark-chromium-')), {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

/**
 * Signs in through the real sign-in page as a demo account: the session cookie and the CSRF check
 * (Sec-Fetch-Site) are the browser's own. Any earlier credential (cookie or tab token) is dropped first.
 */
export async function signIn(b: Browser, email: string, path = '/', password = b.demoPassword) {
  const { page } = b;
  await b.context.clearCookies();
  await page.goto(`${b.server.url}/sign-in?next=${encodeURIComponent(path)}`);
  await page.evaluate(() => sessionStorage.clear());
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((u) => u.pathname !== '/sign-in');
}

/** Screenshots of one page in both themes, and an axe scan in each: no serious or critical violation. */
export async function captureAndScan(page: Page, name: string) {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(100);
    await page.screenshot({ path: join(SHOTS, `${name}-${scheme}.png`) });
    // Through CDP rather than a script tag, so the page keeps its real Content-Security-Policy.
    await page.evaluate(AXE);
    const violations = await page.evaluate(async () => {
      // biome-ignore lint/suspicious/noExplicitAny: axe is injected as a global
      const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
      type Node = { target: string[]; failureSummary?: string };
      return (result.violations as { id: string; impact: string; nodes: Node[] }[])
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map(
          (v) =>
            // The first node's summary says what to fix (which child, which attribute).
            `${v.id} (${v.impact}): ${v.nodes
              .map((n) => n.target.join(' '))
              .slice(0, 3)
              .join(', ')} (${(v.nodes[0]?.failureSummary ?? '').replace(/\s+/g, ' ').trim()})`,
        );
    });
    expect(violations, `${name} in ${scheme}`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/**
 * Scrolls `steps` times by `px`, one step per frame, so each is its own scroll event and the grid's
 * model takes it 1:1 (two coalesced steps could read as one jump of the thumb).
 */
export async function scrollInSteps(grid: Locator, steps: number, px: number): Promise<void> {
  for (let i = 0; i < steps; i++)
    await grid.evaluate(
      (el, by) =>
        new Promise((r) => {
          el.scrollTop += by;
          requestAnimationFrame(() => requestAnimationFrame(r));
        }),
      px,
    );
}
