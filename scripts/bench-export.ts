import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AuditEvent } from '@trailmark/core';
import { createCsvEncoder } from '@trailmark/plugin-export';
import { createSqliteStorage } from '@trailmark/storage-sqlite';
import Database from 'better-sqlite3';
import { OPERATOR_TOKEN, type ServerProcess, startServerProcess, tempDataDir } from '../test/helpers.ts';
import { benchEvents } from './bench-data.ts';

/**
 * CSV export benchmark: the real route (GET /v1/export) served by the real CLI in its own process, read by
 * curl, against a raw baseline in the same run (better-sqlite3 `.iterate()` + the same CSV encoder, to
 * /dev/null). Prints rows/s of both and their ratio (goal >= 0.70), and the server's peak RSS growth
 * while exporting 100k and all rows (the kernel's high-water mark, reset before each export), to show
 * memory does not grow with the row count. Figures, not assertions.
 *
 *   npx tsx scripts/bench-export.ts            # 1,000,000 events (BENCH_EXPORT_EVENTS to change)
 */
const MB = 1024 * 1024;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Resident and peak resident memory of a process, from /proc (Linux). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** Writing 5 to clear_refs resets the peak (VmHWM) to the current RSS, so the next peak is the export's own. */
function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/**
 * Downloads in another process so the client does not share the server's thread: curl to wc -l, which
 * counts the lines that actually arrived (bench rows hold no line breaks, so lines = rows + the header).
 */
function download(url: string): Promise<{ rows: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('sh', ['-c', 'curl -sS --fail -H "authorization: Bearer $TOKEN" "$URL" | wc -l'], {
      env: { ...process.env, TOKEN: OPERATOR_TOKEN, URL: url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`download exited with ${code}`));
      resolve({ rows: Number(out.trim()) - 1, seconds: (performance.now() - started) / 1000 });
    });
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

/** Appends bench events [from, to) to the database file, then closes it so a server can open it. */
async function load(dbPath: string, from: number, to: number): Promise<void> {
  const storage = createSqliteStorage({ path: dbPath, synchronous: 'NORMAL' });
  await storage.init();
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
  await storage.close();
}

interface ApiRun {
  rows: number;
  rowsPerSec: number;
  peakGrowthMb: number;
}

async function apiExport(server: ServerProcess, url: string): Promise<ApiRun> {
  const pid = server.child.pid!;
  resetPeak(pid);
  const before = memoryOf(pid);
  const { rows, seconds } = await download(url);
  const after = memoryOf(pid);
  return { rows, rowsPerSec: rows / seconds, peakGrowthMb: (after.peak - before.rss) / MB };
}

export interface ExportBenchResult {
  events: number;
  apiRowsPerSec: number;
  rawRowsPerSec: number;
  ratio: number;
  memory: { events: number; peakGrowthMb: number }[];
}

/** What `npm run bench` calls: prints the figures. */
export async function runExportBench(options: { events: number }): Promise<void> {
  await measureExportBench(options);
}

export async function measureExportBench(options: { events: number }): Promise<ExportBenchResult> {
  const total = options.events;
  const dataDir = tempDataDir('trailmark-bench-export-');
  const dbPath = join(dataDir, 'events.db');
  console.log(
    `\nCSV export: ${fmt(total)} events (server: the CLI in its own process; client: curl | wc -l)`,
  );
  const memory: ExportBenchResult['memory'] = [];
  const apiRates: number[] = [];
  const rawRates: number[] = [];
  const sizes = total > 100_000 ? [100_000, total] : [total];
  let loaded = 0;
  for (const size of sizes) {
    const loadStarted = performance.now();
    await load(dbPath, loaded, size);
    loaded = size;
    console.log(`  loaded ${fmt(size)} events in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`);
    const server = await startServerProcess({
      dataDir,
      env: { TRAILMARK_RETENTION_INTERVAL_MINUTES: '0', LOG_LEVEL: 'error' },
    });
    try {
      // The bench source only: each export's own audit events (source trailmark) stay out of later runs.
      const url = `${server.url}/v1/export?format=csv&source=bench-app`;
      // Warm up the route (and JIT) on an empty export, so the peak measured next is the export's own.
      await download(`${url}&tenant=no-such-tenant`);
      const run = await apiExport(server, url);
      if (run.rows !== size) throw new Error(`exported ${run.rows} rows of ${size}`);
      memory.push({ events: size, peakGrowthMb: run.peakGrowthMb });
      console.log(
        `  API  ${fmt(size)} rows: ${fmt(run.rowsPerSec)} rows/s; server peak RSS +${run.peakGrowthMb.toFixed(1)} MB while exporting`,
      );
      if (size !== total) continue;
      apiRates.push(run.rowsPerSec);
      // Raw and API interleaved on the same rows: on a shared machine the load changes during a run.
      for (let round = 0; round < 2; round++) {
        const raw = rawBaseline(dbPath);
        rawRates.push(raw.rows / raw.seconds);
        console.log(
          `  raw  ${fmt(raw.rows)} rows: ${fmt(raw.rows / raw.seconds)} rows/s (SQLite .iterate() + same CSV encoder -> /dev/null)`,
        );
        if (round === 0) {
          const again = await apiExport(server, url);
          apiRates.push(again.rowsPerSec);
          console.log(`  API  ${fmt(again.rows)} rows: ${fmt(again.rowsPerSec)} rows/s (second run)`);
        }
      }
    } finally {
      await server.stop();
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const apiRowsPerSec = mean(apiRates);
  const rawRowsPerSec = mean(rawRates);
  const ratio = apiRowsPerSec / rawRowsPerSec;
  console.log(`  mean API ${fmt(apiRowsPerSec)} rows/s, mean raw ${fmt(rawRowsPerSec)} rows/s`);
  console.log(`  ratio API / raw: ${ratio.toFixed(2)} (goal >= 0.70)`);
  console.log(
    `  server peak RSS growth while exporting: ${memory.map((m) => `${fmt(m.events)} rows +${m.peakGrowthMb.toFixed(1)} MB`).join(', ')}`,
  );
  return { events: total, apiRowsPerSec, rawRowsPerSec, ratio, memory };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runExportBench({ events: Number(process.env.BENCH_EXPORT_EVENTS ?? 1_000_000) });
}
