import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { OPERATOR_TOKEN, ROOT, startServerProcess, tempDataDir } from '../test/helpers.ts';
import { seedSqlite } from './bench-data.ts';

/**
 * `npm run bench:ui`: seeds a large store (BENCH_UI_EVENTS, default 1M) straight into SQLite, serves it
 * with the real server, opens the built admin UI in headless Chromium and prints: the initial JS size,
 * filter change → first rows painted, frame times and long tasks while scrolling for 10 s, a far jump,
 * End to the last row, and the JS heap after the first page vs after scrolling through 100k rows.
 * Figures, not assertions. Needs `npm run build:admin` first (postinstall does it). BENCH_UI_DATA_DIR
 * keeps the seeded store in that folder and reuses it on the next run.
 */
const EVENTS = Number(process.env.BENCH_UI_EVENTS ?? 1_000_000);
const SCROLL_ROWS = Number(process.env.BENCH_UI_SCROLL_ROWS ?? 100_000);
const ROW = 36;

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
};

function initialJsGzip(): { files: string[]; bytes: number } {
  const dist = join(ROOT, 'apps/admin/dist');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  // What index.html loads up front: its module script and modulepreloads; lazy chunks are not counted.
  const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
  const bytes = files.reduce((n, f) => n + gzipSync(readFileSync(join(dist, f)), { level: 9 }).length, 0);
  return { files, bytes };
}

/**
 * In the page: resolves at the first frame after rows of a view other than `previous` are in the table
 * (the grid body names the view its rows belong to), with performance.now() at that frame.
 */
function rowsPainted(page: Page, previous: string | null, timeoutMs = 30_000): Promise<number> {
  return page.evaluate(
    ({ previous, timeoutMs }) =>
      new Promise<number>((resolve, reject) => {
        const end = performance.now() + timeoutMs;
        const check = () => {
          const body = document.querySelector<HTMLElement>('.grid-body');
          const ready = body?.querySelector('.grid-row[data-id]') && body.dataset.view !== previous;
          if (ready) requestAnimationFrame(() => resolve(performance.now()));
          else if (performance.now() > end) reject(new Error('rows did not appear'));
          else requestAnimationFrame(check);
        };
        check();
      }),
    { previous, timeoutMs },
  );
}

const currentView = (page: Page) =>
  page.evaluate(() => document.querySelector<HTMLElement>('.grid-body')?.dataset.view ?? null);

async function heapUsed(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  await cdp.detach();
  return usedSize;
}

/** 10 s of continuous wheel scrolling over `selector`: frame deltas (rAF) and long tasks. */
async function wheelFor10s(page: Page, selector: string): Promise<{ frames: number[]; longTasks: number[] }> {
  await page.evaluate(() => {
    const w = window as unknown as { frames_: number[]; longTasks: number[] };
    w.frames_ = [];
    w.longTasks = [];
    let last = performance.now();
    const tick = (t: number) => {
      w.frames_.push(t - last);
      last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: false });
  });
  const box = (await page.locator(selector).boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const scrollEnd = Date.now() + 10_000;
  while (Date.now() < scrollEnd) await page.mouse.wheel(0, 120);
  return page.evaluate(() => {
    const w = window as unknown as { frames_: number[]; longTasks: number[] };
    return { frames: w.frames_.slice(1), longTasks: w.longTasks };
  });
}

async function main() {
  const js = initialJsGzip();
  // BENCH_UI_DATA_DIR reuses a store seeded by an earlier run (seeding 1M events takes minutes).
  const reuse = process.env.BENCH_UI_DATA_DIR;
  const dataDir = reuse ?? tempDataDir('trailmark-bench-ui-');
  if (reuse && existsSync(join(reuse, 'events.db'))) console.log(`Reusing the store in ${reuse}`);
  else {
    console.log(`Seeding ${fmt(EVENTS)} events straight into SQLite...`);
    const seedSeconds = await seedSqlite(dataDir, EVENTS);
    console.log(`  done in ${fmt(seedSeconds, 1)} s`);
  }
  const server = await startServerProcess({ dataDir });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--enable-precise-memory-info'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // tsx compiles this file with esbuild's keepNames, which wraps functions passed to evaluate in __name.
    await context.addInitScript('window.__name = (f) => f');
    const page = await context.newPage();
    await page.goto(`${server.url}/sign-in`);
    await page.evaluate((t) => sessionStorage.setItem('trailmark.token', t), OPERATOR_TOKEN);

    // Cold: open the audit log over all events.
    const coldStart = Date.now();
    await page.goto(`${server.url}/events?range=all`);
    await rowsPainted(page, null, 120_000);
    const cold = Date.now() - coldStart;
    const total = await page.locator('.total').textContent();

    // Filter changes through the router, as a click on a filter does: time to the new view's rows.
    const filters = [
      'result=error',
      'action=file.deleted',
      'result=denied',
      'action=file.uploaded',
      'q=forest',
      'action=share_link.created&result=success',
      'workspace=ws-0-3',
      'actor=user-42',
      'action=member.invited',
      'target_path_prefix=/forest',
    ];
    const filterMs: number[] = [];
    for (let round = 0; round < 2; round++)
      for (const f of filters) {
        const search = `?range=${round === 0 ? 'all' : '90d'}&${f}`;
        const previous = await currentView(page);
        const started = await page.evaluate((s) => {
          const t0 = performance.now();
          history.pushState(null, '', `/events${s}`);
          dispatchEvent(new PopStateEvent('popstate'));
          return t0;
        }, search);
        filterMs.push((await rowsPainted(page, previous)) - started);
      }

    // Back to all events; 10 s of continuous wheel scrolling with frame deltas and long tasks recorded.
    await page.goto(`${server.url}/events?range=all`);
    await rowsPainted(page, null, 60_000);
    const heapFirst = await heapUsed(page);
    const { frames, longTasks } = await wheelFor10s(page, '.grid');

    // The floor of this machine: the same 10 s of wheel scrolling over a static page of plain rows
    // (no script, no data), so the grid's frame times can be read against what Chromium manages here.
    const plain = await context.newPage();
    await plain.setContent(
      `<div id="list" style="height:700px;overflow:auto;font:14px sans-serif">${Array.from(
        { length: 3000 },
        (_, i) =>
          `<div style="height:36px;border-bottom:1px solid #ddd">row ${i} 2026-12-03 12:00:00 user${i}@example.com /forest/${i}.pdf</div>`,
      ).join('')}</div>`,
    );
    const floor = await wheelFor10s(plain, '#list');
    await plain.close();

    // Through SCROLL_ROWS rows in steps the model takes 1:1, waiting for each step's rows.
    const stepPx = 1800;
    const steps = Math.ceil((SCROLL_ROWS * ROW) / stepPx);
    const throughStart = Date.now();
    for (let i = 0; i < steps; i++) {
      // One step per frame, so each is its own scroll event and the model takes it 1:1 (two coalesced
      // steps would be one move above the jump threshold, i.e. a thumb drag).
      await page.locator('.grid').evaluate(
        (el, px) =>
          new Promise((r) => {
            el.scrollTop += px;
            requestAnimationFrame(() => requestAnimationFrame(r));
          }),
        stepPx,
      );
      if (i % 10 === 0)
        await page.waitForFunction(() => !document.querySelector('.grid-row .skeleton'), null, {
          timeout: 30_000,
        });
    }
    const throughSeconds = (Date.now() - throughStart) / 1000;
    // The page shows the position once scrolling settles.
    await page.waitForTimeout(400);
    const position = await page.locator('.position').textContent();
    const heapAfter = await heapUsed(page);
    const rowsInDom = await page.locator('.grid-row').count();

    // A far jump (the thumb dragged to 90 %) and End: time until the rows there are painted.
    const jumpStart = Date.now();
    await page.locator('.grid').evaluate((el) => {
      el.scrollTop = (el.scrollHeight - el.clientHeight) * 0.9;
    });
    await page.waitForTimeout(20);
    await page.waitForFunction(() => !document.querySelector('.grid-row .skeleton'), null, {
      timeout: 60_000,
    });
    const jumpMs = Date.now() - jumpStart;
    const jumpPosition = await page.locator('.position').textContent();
    await page.locator('.grid').focus();
    const endStart = Date.now();
    await page.keyboard.press('End');
    await page.waitForFunction(
      () => {
        const rows = [...document.querySelectorAll('.grid-row[aria-rowindex]')];
        const count = Number(document.querySelector('.grid')?.getAttribute('aria-rowcount'));
        return rows.some((r) => Number(r.getAttribute('aria-rowindex')) === count);
      },
      null,
      { timeout: 60_000 },
    );
    const endMs = Date.now() - endStart;

    const over50 = longTasks.filter((d) => d > 50).length;
    console.log('');
    console.log(`Admin UI benchmark: ${fmt(EVENTS)} events, headless Chromium 1280x800`);
    console.log(`  initial JS (gzip -9, ${js.files.join(', ')}): ${fmt(js.bytes / 1024, 1)} kB`);
    console.log(`  cold open of /events (all time, ${total}): ${fmt(cold)} ms`);
    console.log(
      `  filter change -> first rows painted (${filterMs.length} changes): p50 ${fmt(pct(filterMs, 50))} ms, p95 ${fmt(pct(filterMs, 95))} ms, max ${fmt(Math.max(...filterMs))} ms`,
    );
    console.log(
      `  10 s of wheel scrolling: ${fmt(frames.length)} frames, p50 ${fmt(pct(frames, 50), 1)} ms, p95 ${fmt(pct(frames, 95), 1)} ms, max ${fmt(Math.max(...frames), 1)} ms; long tasks ${longTasks.length} (over 50 ms: ${over50}, longest ${fmt(Math.max(0, ...longTasks))} ms)`,
    );
    console.log(
      `  the same over a static page of 3,000 plain rows (this machine's floor): ${fmt(floor.frames.length)} frames, p50 ${fmt(pct(floor.frames, 50), 1)} ms, p95 ${fmt(pct(floor.frames, 95), 1)} ms, max ${fmt(Math.max(...floor.frames), 1)} ms; long tasks ${floor.longTasks.length}`,
    );
    console.log(
      `  through ${fmt(SCROLL_ROWS)} rows in ${fmt(throughSeconds, 1)} s (now at ${position}); ${rowsInDom} row elements in the DOM`,
    );
    console.log(
      `  JS heap after the first page ${fmt(heapFirst / 1048576, 1)} MiB, after ${fmt(SCROLL_ROWS)} rows ${fmt(heapAfter / 1048576, 1)} MiB (x${fmt(heapAfter / heapFirst, 2)})`,
    );
    console.log(`  jump to 90 % of the scrollbar -> rows painted: ${fmt(jumpMs)} ms (${jumpPosition})`);
    console.log(`  End -> last row painted: ${fmt(endMs)} ms`);
  } finally {
    await browser.close();
    await server.stop();
  }
}

await main();
