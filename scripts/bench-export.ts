import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { type AuditEvent, createPluginSet } from '@trailmark/core';
import { createCsvEncoder, exportPlugin } from '@trailmark/plugin-export';
import { fileTransferSource } from '@trailmark/plugin-source-file-transfer';
import { createSqliteControlStore, createSqliteStorage } from '@trailmark/storage-sqlite';
import Database from 'better-sqlite3';
import pino from 'pino';
import { createApp } from '../apps/server/src/app.ts';
import { createDeps } from '../apps/server/src/deps.ts';
import { createMetrics } from '../apps/server/src/metrics.ts';
import { trailmarkSource } from '../apps/server/src/system-source.ts';
import { benchEvents } from './bench-data.ts';

/**
 * CSV export benchmark: the real route (GET /v1/export over HTTP on 127.0.0.1) against a raw baseline
 * in the same run (better-sqlite3 `.iterate()` + the same CSV encoder, to /dev/null). Prints rows/s of
 * both, their ratio (goal >= 0.70), and peak RSS growth of the server process while exporting at a
 * small and at the full size, to show memory does not grow with the row count. Figures, not assertions.
 *
 *   npx tsx scripts/bench-export.ts            # 1,000,000 events (BENCH_EXPORT_EVENTS to change)
 */
const TOKEN = 'bench-export-operator-token-0123456789';
const MB = 1024 * 1024;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Samples RSS every 20 ms: a stream that buffered its output would show up as a peak. */
function rssSampler() {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      return { start, peak, growth: peak - start };
    },
  };
}

/** Downloads a URL to /dev/null in another process (curl) so the client does not share the server's core. */
function download(url: string): Promise<{ bytes: number; headers: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'curl',
      [
        '-sS',
        '-o',
        '/dev/null',
        '-D',
        '-',
        '-w',
        '\n%{size_download}',
        '-H',
        `authorization: Bearer ${TOKEN}`,
        url,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
    });
    child.on('error', () => resolve(downloadInProcess(url)));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`curl exited with ${code}`));
      const lines = out.trim().split(/\r?\n/);
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
        if (m) headers[m[1].toLowerCase()] = m[2];
      }
      resolve({ bytes: Number(lines[lines.length - 1]), headers });
    });
  });
}

/** Fallback when curl is missing: node:http in this process (slower: client and server share a core). */
function downloadInProcess(url: string): Promise<{ bytes: number; headers: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => {
        bytes += d.length;
      });
      res.on('end', () => resolve({ bytes, headers: res.headers as Record<string, string> }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

/** The raw baseline: every row straight from SQLite, encoded by the same CSV encoder, written to /dev/null. */
function rawBaseline(dbPath: string): { rows: number; seconds: number } {
  const db = new Database(dbPath, { readonly: true });
  const encoder = createCsvEncoder({});
  const fd = openSync('/dev/null', 'w');
  const started = performance.now();
  writeSync(fd, encoder.header());
  let rows = 0;
  let batch: AuditEvent[] = [];
  for (const row of db.prepare('SELECT doc FROM events ORDER BY seq DESC').iterate() as Iterable<{
    doc: string;
  }>) {
    batch.push(JSON.parse(row.doc) as AuditEvent);
    if (batch.length === 1000) {
      writeSync(fd, encoder.encode(batch));
      rows += batch.length;
      batch = [];
    }
  }
  writeSync(fd, encoder.encode(batch));
  rows += batch.length;
  const seconds = (performance.now() - started) / 1000;
  closeSync(fd);
  db.close();
  return { rows, seconds };
}

async function load(storage: ReturnType<typeof createSqliteStorage>, from: number, to: number) {
  let batch: AuditEvent[] = [];
  let i = 0;
  for (const event of benchEvents(to, { prefix: 'evt_export_' })) {
    if (i++ < from) continue;
    batch.push(event);
    if (batch.length === 10_000) {
      await storage.append(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await storage.append(batch);
}

export interface ExportBenchResult {
  events: number;
  apiRowsPerSec: number;
  rawRowsPerSec: number;
  ratio: number;
  memory: { events: number; rssGrowthMb: number; peakRssMb: number }[];
}

/** What `npm run bench` calls: prints the figures. */
export async function runExportBench(options: { events: number }): Promise<void> {
  await measureExportBench(options);
}

export async function measureExportBench(options: { events: number }): Promise<ExportBenchResult> {
  const total = options.events;
  const dir = mkdtempSync(join(tmpdir(), 'trailmark-bench-export-'));
  const plugins = createPluginSet([trailmarkSource, fileTransferSource, exportPlugin]);
  const dbPath = join(dir, 'events.db');
  const storage = createSqliteStorage({
    path: dbPath,
    synchronous: 'NORMAL',
    actionLabel: (source, action) => plugins.registry.action(source, action)?.label,
  });
  await storage.init();
  const control = createSqliteControlStore({ path: join(dir, 'control.db') });
  const deps = createDeps({
    storage,
    control,
    plugins,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics(),
    adminToken: TOKEN,
    dataDir: dir,
  });
  const server = serve({ fetch: createApp(deps).fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/v1/export?format=csv`;
  console.log(`\nCSV export: ${fmt(total)} events (server on 127.0.0.1:${port}, client: curl to /dev/null)`);

  const memory: ExportBenchResult['memory'] = [];
  const sizes = total > 100_000 ? [100_000, total] : [total];
  let loaded = 0;
  let apiRowsPerSec = 0;
  try {
    for (const size of sizes) {
      const loadStarted = performance.now();
      await load(storage, loaded, size);
      loaded = size;
      console.log(
        `  loaded ${fmt(size)} events in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`,
      );
      global.gc?.();
      const rss = rssSampler();
      const started = performance.now();
      const { bytes, headers } = await download(url);
      const seconds = (performance.now() - started) / 1000;
      const mem = rss.stop();
      const rows = Number(headers['x-trailmark-total-rows']);
      apiRowsPerSec = rows / seconds;
      memory.push({ events: size, rssGrowthMb: mem.growth / MB, peakRssMb: mem.peak / MB });
      console.log(
        `  API  ${fmt(size)} rows: ${fmt(apiRowsPerSec)} rows/s, ${(bytes / MB / seconds).toFixed(1)} MB/s, ` +
          `${(bytes / MB).toFixed(0)} MB in ${seconds.toFixed(1)} s; RSS peak ${(mem.peak / MB).toFixed(0)} MB ` +
          `(+${(mem.growth / MB).toFixed(1)} MB while exporting)`,
      );
    }
    // Baseline before and after another API run, on the same rows: on a shared machine the load changes
    // during a run, and interleaving keeps the ratio fair.
    const rawRates: number[] = [];
    const apiRates = [apiRowsPerSec];
    for (let round = 0; round < 2; round++) {
      const raw = rawBaseline(dbPath);
      rawRates.push(raw.rows / raw.seconds);
      console.log(
        `  raw  ${fmt(raw.rows)} rows: ${fmt(raw.rows / raw.seconds)} rows/s (SQLite .iterate() + same CSV encoder -> /dev/null)`,
      );
      if (round === 0) {
        const started = performance.now();
        const { headers } = await download(url);
        const rate = Number(headers['x-trailmark-total-rows']) / ((performance.now() - started) / 1000);
        apiRates.push(rate);
        console.log(
          `  API  ${fmt(Number(headers['x-trailmark-total-rows']))} rows: ${fmt(rate)} rows/s (second run)`,
        );
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const rawRowsPerSec = mean(rawRates);
    apiRowsPerSec = mean(apiRates);
    const ratio = apiRowsPerSec / rawRowsPerSec;
    console.log(`  mean API ${fmt(apiRowsPerSec)} rows/s, mean raw ${fmt(rawRowsPerSec)} rows/s`);
    console.log(`  ratio API / raw: ${ratio.toFixed(2)} (goal >= 0.70)`);
    console.log(
      `  RSS growth while exporting: ${memory.map((m) => `${fmt(m.events)} rows +${m.rssGrowthMb.toFixed(1)} MB`).join(', ')}`,
    );
    return { events: total, apiRowsPerSec, rawRowsPerSec, ratio, memory };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await storage.close();
    control.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runExportBench({ events: Number(process.env.BENCH_EXPORT_EVENTS ?? 1_000_000) });
}
