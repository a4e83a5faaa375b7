import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AuditEvent } from '@trailmark/core';
import { createSqliteStorage } from '@trailmark/storage-sqlite';
import { api, startServerProcess, tempDataDir } from '../test/helpers.ts';
import { runAvailabilityBench } from './bench-availability.ts';
import { benchEvents, toInput, WORDS } from './bench-data.ts';
import { runExportBench } from './bench-export.ts';
import { runStreamBench } from './bench-streams.ts';

/**
 * `npm run bench`: ingest through HTTP vs straight into SQLite, query latencies at that size,
 * optional 10M scale run (BENCH_SCALE_EVENTS), and the CSV export benchmark. Figures, not assertions.
 */
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const SCALE = Number(process.env.BENCH_SCALE_EVENTS ?? 0);
const BATCH = 500;
/** Which parts to run, e.g. BENCH_PARTS=scale with BENCH_SCALE_EVENTS=10000000 for the 10M run alone. */
const PARTS = new Set(
  (process.env.BENCH_PARTS ?? 'ingest,scale,export,availability,streams,evidence').split(','),
);
const CLIENTS = 8;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

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

async function httpIngest(url: string, count: number): Promise<number> {
  const bodies: string[] = [];
  let batch: Record<string, unknown>[] = [];
  for (const e of benchEvents(count)) {
    batch.push(toInput(e));
    if (batch.length === BATCH) {
      bodies.push(JSON.stringify({ events: batch }));
      batch = [];
    }
  }
  if (batch.length > 0) bodies.push(JSON.stringify({ events: batch }));
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const res = await fetch(`${url}/v1/events`, {
          method: 'POST',
          headers: {
            authorization: 'Bearer e2e-operator-token-0123456789abcdef',
            'content-type': 'application/json',
          },
          body,
        });
        if (res.status !== 201) throw new Error(`ingest failed: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

async function timeQuery(
  url: string,
  path: string,
  runs: number,
): Promise<{ p50: number; p95: number; rows: number }> {
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const res = await api(url, typeof path === 'string' ? path : path);
    const body = (await res.json()) as { data?: unknown[]; buckets?: unknown[] };
    times.push(performance.now() - started);
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
    rows = (body.data ?? body.buckets ?? []).length;
  }
  times.sort((a, b) => a - b);
  return { p50: pct(times, 50), p95: pct(times, 95), rows };
}

async function queries(url: string): Promise<void> {
  const d = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
  const cases: [string, (i: number) => string][] = [
    ['newest 100, all tenants', () => '/v1/events'],
    ['tenant', (i) => `/v1/events?tenant=tenant-${i % 20}`],
    ['source', () => '/v1/events?tenant=tenant-1&source=bench-app'],
    ['action', (i) => `/v1/events?tenant=tenant-${i % 5}&action=member.invited`],
    ['actor (id)', (i) => `/v1/events?tenant=tenant-0&actor=user-${(i * 37) % 5000}`],
    ['actor (email)', (i) => `/v1/events?actor=user${(i * 37) % 5000}@example.com`],
    ['workspace', (i) => `/v1/events?tenant=tenant-0&workspace=ws-0-${i % 10}`],
    ['target_type', () => '/v1/events?tenant=tenant-2&target_type=file'],
    ['target_id', (i) => `/v1/events?target_type=file&target_id=file-${(i * 7919) % 200000}`],
    [
      'target_path',
      (i) => {
        const f = (i * 7919) % 200000;
        return `/v1/events?target_path=/${WORDS[(f >> 4) % 12]}/${(f >> 8) % 64}/${WORDS[f % 12]}-${f}.pdf`;
      },
    ],
    ['target_path_prefix', (i) => `/v1/events?tenant=tenant-0&target_path_prefix=/forest/${i % 64}`],
    ['request_id', (i) => `/v1/events?request_id=req-${(i * 104729) % 1000000}`],
    ['result', () => '/v1/events?tenant=tenant-0&result=error'],
    ['ip', (i) => `/v1/events?ip=198.51.${i % 256}.${(i * 3) % 256}`],
    [
      'q (free text)',
      (i) => `/v1/events?tenant=tenant-0&q=${['budget', 'ocean', 'logo', 'contract'][i % 4]}`,
    ],
    ['from/to (7 days)', () => `/v1/events?tenant=tenant-0&from=${d(14)}&to=${d(7)}`],
    [
      'combined: tenant+action+actor+30d',
      (i) =>
        `/v1/events?tenant=tenant-0&action=file.uploaded,file.downloaded&actor=user-${i % 5000}&from=${d(30)}`,
    ],
    ['facet action, tenant, 7 days', (i) => `/v1/facets?field=action&tenant=tenant-${i % 20}&from=${d(7)}`],
    ['facet actor, tenant, 7 days', (i) => `/v1/facets?field=actor&tenant=tenant-${i % 20}&from=${d(7)}`],
    ['facet action, tenant, all time', (i) => `/v1/facets?field=action&tenant=tenant-${i % 20}`],
    ['facet actor, tenant, all time', (i) => `/v1/facets?field=actor&tenant=tenant-${i % 20}`],
    [
      'facet actor, tenant+action, 30 days',
      (i) => `/v1/facets?field=actor&tenant=tenant-${i % 5}&action=member.invited&from=${d(30)}`,
    ],
  ];
  console.log('\nQuery latency through the HTTP API (ms, 40 runs each, parameters vary per run):');
  console.log('  query'.padEnd(42), 'p50'.padStart(8), 'p95'.padStart(8), 'rows'.padStart(6));
  for (const [name, make] of cases) {
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < 40; i++) {
      const r = await timeQuery(url, make(i), 1);
      times.push(r.p50);
      rows = r.rows;
    }
    times.sort((a, b) => a - b);
    console.log(
      `  ${name}`.padEnd(42),
      pct(times, 50).toFixed(2).padStart(8),
      pct(times, 95).toFixed(2).padStart(8),
      String(rows).padStart(6),
    );
  }
  // Keyset page 1000: walk to it once, then time fetching it.
  let cursor: string | null = null;
  for (let page = 1; page < 1000; page++) {
    const body = (await (
      await api(url, `/v1/events?limit=100${cursor ? `&cursor=${cursor}` : ''}`)
    ).json()) as { next_cursor: string | null };
    cursor = body.next_cursor;
    if (!cursor) break;
  }
  if (cursor) {
    const r = await timeQuery(url, `/v1/events?limit=100&cursor=${cursor}`, 40);
    console.log(
      '  keyset page 1000 (limit 100)'.padEnd(42),
      r.p50.toFixed(2).padStart(8),
      r.p95.toFixed(2).padStart(8),
      String(r.rows).padStart(6),
    );
  }
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
if (PARTS.has('ingest')) {
  const direct = await directInsert(EVENTS);
  console.log(`Direct insert into SQLite (same schema, 10k-event batches): ${fmt(direct.rate)} events/s`);
  const server = await startServerProcess({ env: { TRAILMARK_RETENTION_INTERVAL_MINUTES: '0' } });
  try {
    const http = await httpIngest(server.url, EVENTS);
    console.log(`HTTP ingest (POST /v1/events, durable before ack): ${fmt(http)} events/s`);
    console.log(`Ratio HTTP / direct: ${(http / direct.rate).toFixed(2)} (goal >= 0.50)`);
    await queries(server.url);
    const size = statSync(join(server.dataDir, 'events.db')).size;
    console.log(
      `\nDatabase file after HTTP ingest: ${fmt(size / 1024 / 1024)} MiB, ${fmt(size / EVENTS)} bytes/event`,
    );
  } finally {
    await server.stop();
  }
}
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
