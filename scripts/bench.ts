import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AuditEvent } from '@trailmark/core';
import { createSqliteStorage } from '@trailmark/storage-sqlite';
import { startServerProcess, tempDataDir } from '../test/helpers.ts';
import { runAvailabilityBench } from './bench-availability.ts';
import { benchEvents } from './bench-data.ts';
import { runExportBench } from './bench-export.ts';
import { BATCH, CLIENTS, fmt, httpIngest, type QueryTiming, queries } from './bench-http.ts';
import { runOpenSearchBench } from './bench-opensearch.ts';
import { runStreamBench } from './bench-streams.ts';

/**
 * `npm run bench`: ingest through HTTP vs straight into SQLite, query latencies at that size,
 * optional 10M scale run (BENCH_SCALE_EVENTS), and the CSV export benchmark. Figures, not assertions.
 */
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const SCALE = Number(process.env.BENCH_SCALE_EVENTS ?? 0);
/** Which parts to run, e.g. BENCH_PARTS=scale with BENCH_SCALE_EVENTS=10000000 for the 10M run alone. */
const PARTS = new Set(
  (process.env.BENCH_PARTS ?? 'ingest,opensearch,scale,export,availability,streams,evidence').split(','),
);

async function directInsert(
  count: number,
  log = true,
): Promise<{ rate: number; path: string; cpuUsPerEvent: number }> {
  const path = join(tempDataDir('trailmark-bench-direct-'), 'events.db');
  const storage = createSqliteStorage({ path, log });
  await storage.init();
  const events = [...benchEvents(count, { prefix: 'evt_direct_' })];
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  // Two batches in flight, like concurrent senders: the next batch is prepared while the writer commits.
  let previous: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < events.length; i += 10_000) {
    const current = storage.append(events.slice(i, i + 10_000));
    await previous;
    previous = current;
  }
  await previous;
  const rate = count / ((performance.now() - started) / 1000);
  // CPU of the whole process, the writer's worker thread included: steadier than wall time on a shared box.
  const cpu = process.cpuUsage(cpuBefore);
  await storage.close();
  return { rate, path, cpuUsPerEvent: (cpu.user + cpu.system) / count };
}

async function scaleRun(count: number): Promise<void> {
  const path = join(tempDataDir('trailmark-bench-scale-'), 'events.db');
  const storage = createSqliteStorage({ path });
  await storage.init();
  const million = 1_000_000;
  const rates: number[] = [];
  let batch: AuditEvent[] = [];
  // One batch in flight while the next is prepared, as with the direct insert above.
  let inFlight: Promise<unknown> = Promise.resolve();
  const submit = async (events: AuditEvent[]) => {
    const next = storage.append(events);
    await inFlight;
    inFlight = next;
  };
  let started = performance.now();
  let cpu = process.cpuUsage();
  let n = 0;
  for (const e of benchEvents(count, { prefix: 'evt_scale_' })) {
    batch.push(e);
    n++;
    if (batch.length === 10_000 || n % million === 0) {
      await submit(batch);
      batch = [];
    }
    if (n % million === 0) {
      await inFlight;
      const rate = million / ((performance.now() - started) / 1000);
      const used = process.cpuUsage(cpu);
      rates.push(rate);
      // CPU time of all threads (generation, preparation, writer, checkpointer) per event: on a shared VM
      // it moves less than wall-clock rates with the neighbours' load, so growth with size shows here.
      console.log(
        `  ${fmt(n)} events: ${fmt(rate)} events/s for this million, ${((used.user + used.system) / million).toFixed(1)} µs CPU/event`,
      );
      started = performance.now();
      cpu = process.cpuUsage();
    }
  }
  if (batch.length > 0) await submit(batch);
  await inFlight;
  await storage.close();
  const size = statSync(path).size;
  console.log(
    `  first million ${fmt(rates[0])}/s, last million ${fmt(rates[rates.length - 1])}/s, ratio ${(rates[rates.length - 1] / rates[0]).toFixed(2)}`,
  );
  console.log(`  file size ${fmt(size / 1024 / 1024)} MiB, ${fmt(size / count)} bytes/event`);
  // The same queries at this size, through a server on the scale database.
  const server = await startServerProcess({
    dataDir: dirname(path),
    env: { TRAILMARK_RETENTION_INTERVAL_MINUTES: '0' },
  });
  try {
    console.log(`\nQueries at ${fmt(count)} events:`);
    await queries(server.url);
  } finally {
    await server.stop();
  }
}

/**
 * A fixed CPU workload (JSON round trips), timed before and after the run: on a shared VM the machine
 * itself can slow down mid-run, and this says whether it did.
 */
function speedProbe(): string {
  const started = performance.now();
  for (let i = 0; i < 300_000; i++) JSON.parse(JSON.stringify({ i, name: 'x'.repeat(50), list: [1, 2, 3] }));
  return `${(performance.now() - started).toFixed(0)} ms`;
}

console.log(
  `Trailmark benchmark: ${fmt(EVENTS)} events, ${CLIENTS} HTTP clients x ${BATCH}-event batches, 127.0.0.1 only`,
);
console.log(`Machine speed probe (300k JSON round trips): ${speedProbe()}`);
process.once('beforeExit', () => console.log(`\nMachine speed probe at the end: ${speedProbe()}`));
let sqlite:
  | { rate: number; queries: QueryTiming[]; dataDir: string; url: string; stop: () => Promise<unknown> }
  | undefined;
if (PARTS.has('ingest')) {
  const direct = await directInsert(EVENTS);
  console.log(`Direct insert into SQLite (same schema, 10k-event batches): ${fmt(direct.rate)} events/s`);
  const server = await startServerProcess({ env: { TRAILMARK_RETENTION_INTERVAL_MINUTES: '0' } });
  try {
    const http = await httpIngest(server.url, EVENTS);
    console.log(`HTTP ingest (POST /v1/events, durable before ack): ${fmt(http)} events/s`);
    console.log(`Ratio HTTP / direct: ${(http / direct.rate).toFixed(2)} (goal >= 0.50)`);
    const timings = await queries(server.url);
    const size = statSync(join(server.dataDir, 'events.db')).size;
    console.log(
      `\nDatabase file after HTTP ingest: ${fmt(size / 1024 / 1024)} MiB, ${fmt(size / EVENTS)} bytes/event`,
    );
    sqlite = {
      rate: http,
      queries: timings,
      dataDir: server.dataDir,
      url: server.url,
      stop: () => server.stop(),
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
// Side by side: the same events through the same API into a real OpenSearch node (OPENSEARCH_URL).
if (PARTS.has('opensearch')) await runOpenSearchBench({ events: EVENTS, ...(sqlite ? { sqlite } : {}) });
await sqlite?.stop();
if (PARTS.has('scale') && SCALE > 0) {
  console.log(`\nScale run: ${fmt(SCALE)} events straight into SQLite, rate per million:`);
  await scaleRun(SCALE);
}
if (PARTS.has('export')) await runExportBench({ events: Number(process.env.BENCH_EXPORT_EVENTS ?? EVENTS) });
if (PARTS.has('availability'))
  await runAvailabilityBench({ events: Number(process.env.BENCH_AVAILABILITY_EVENTS ?? 10_000) });
if (PARTS.has('streams'))
  await runStreamBench({
    events: Number(process.env.BENCH_STREAM_EVENTS ?? 100_000),
    rounds: Number(process.env.BENCH_STREAM_ROUNDS ?? 3),
  });

if (PARTS.has('evidence')) {
  // The evidence log's cost on ingest: leaf hash + leaf row in the writer's commit. Runs alternate
  // (off, on, off, on, ...) so a change in machine speed hits both sides alike; best of each is compared.
  const count = Number(process.env.BENCH_EVIDENCE_EVENTS ?? 200_000);
  const rounds = Number(process.env.BENCH_EVIDENCE_ROUNDS ?? 3);
  const rates = { off: [] as number[], on: [] as number[] };
  const cpu = { off: [] as number[], on: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    for (const side of ['off', 'on'] as const) {
      const run = await directInsert(count, side === 'on');
      rates[side].push(run.rate);
      cpu[side].push(run.cpuUsPerEvent);
    }
  }
  const best = (xs: number[]) => Math.max(...xs);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  console.log(`\nEvidence log, ${fmt(count)} events straight into SQLite, ${rounds} alternating rounds:`);
  console.log(
    `  log off: best ${fmt(best(rates.off))} events/s, median ${fmt(median(rates.off))} (${rates.off.map(fmt).join(', ')})`,
  );
  console.log(
    `  log on:  best ${fmt(best(rates.on))} events/s, median ${fmt(median(rates.on))} (${rates.on.map(fmt).join(', ')})`,
  );
  const ratio = median(rates.on) / median(rates.off);
  console.log(
    `  on / off (medians): ${ratio.toFixed(3)} (goal >= 0.90: ${ratio >= 0.9 ? 'met' : 'NOT met'})`,
  );
  const cpuRatio = median(cpu.on) / median(cpu.off);
  console.log(
    `  CPU per event (process, writer thread included), median: off ${median(cpu.off).toFixed(1)} µs, on ${median(cpu.on).toFixed(1)} µs; on / off ${cpuRatio.toFixed(3)} (goal <= 1.10: ${cpuRatio <= 1.1 ? 'met' : 'NOT met'})`,
  );
}
