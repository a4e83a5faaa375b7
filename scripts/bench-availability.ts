import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { OPERATOR_TOKEN, startServerProcess } from '../test/helpers.ts';
import { benchEvents, toInput } from './bench-data.ts';

/**
 * Does the server keep answering under load that used to starve it (issue 10, availability)? `/healthz`
 * latency, probed every 20 ms from this otherwise idle process, idle, then while 50 clients (curl, in their
 * own processes) download exports in a loop, then while 300 unauthenticated connections drip a chunked body
 * one byte a second. Prints p50/p99/max and how the export attempts were answered. Figures, not assertions.
 *
 *   npx tsx scripts/bench-availability.ts        # 10,000 events (BENCH_AVAILABILITY_EVENTS to change)
 */
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const WINDOW_MS = Number(process.env.BENCH_AVAILABILITY_SECONDS ?? 10) * 1000;

async function probe(url: string, ms: number): Promise<number[]> {
  const latencies: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const started = performance.now();
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
    await res?.arrayBuffer();
    latencies.push(res?.ok ? performance.now() - started : 10_000);
    await new Promise((r) => setTimeout(r, 20));
  }
  return latencies.sort((a, b) => a - b);
}

function summary(label: string, sorted: number[]): void {
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
  console.log(
    `  ${label.padEnd(52)} p50 ${at(0.5).toFixed(1).padStart(7)} ms  p99 ${at(0.99).toFixed(1).padStart(7)} ms  max ${(sorted.at(-1) ?? 0).toFixed(1).padStart(7)} ms  (${sorted.length} probes)`,
  );
}

/** One curl downloading exports in a loop until `stop`; counts the answers by status. */
function exportLoop(url: string, stop: { done: boolean }, statuses: Map<string, number>): Promise<void> {
  return new Promise((resolve) => {
    const once = () => {
      if (stop.done) return resolve();
      const curl = spawn('curl', [
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '-H',
        `authorization: Bearer ${OPERATOR_TOKEN}`,
        `${url}/v1/export?tenant=bench&format=csv`,
      ]);
      let code = '';
      curl.stdout.on('data', (d: Buffer) => {
        code += d.toString();
      });
      curl.on('close', () => {
        statuses.set(code, (statuses.get(code) ?? 0) + 1);
        // A refused client waits as Retry-After asks (scaled down: the window is short) before trying again.
        setTimeout(once, code === '429' ? 500 : 0);
      });
    };
    once();
  });
}

/** Opens a connection that sends headers without credentials, then one body byte a second. */
function slowConnection(url: string): Socket {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => {});
  socket.write(
    `POST /v1/events HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
  );
  const drip = setInterval(() => {
    if (!socket.destroyed) socket.write('1\r\n[\r\n');
  }, 1000);
  socket.on('close', () => clearInterval(drip));
  return socket;
}

export async function runAvailabilityBench(options: { events: number }): Promise<void> {
  const server = await startServerProcess({ env: { TRAILMARK_RETENTION_INTERVAL_MINUTES: '0' } });
  try {
    const batch: Record<string, unknown>[] = [];
    const post = async () => {
      const res = await fetch(`${server.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events: batch.map((e) => ({ ...e, tenant: 'bench' })) }),
      });
      if (res.status !== 201) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
      batch.length = 0;
    };
    for (const e of benchEvents(options.events)) {
      batch.push(toInput(e));
      if (batch.length === 500) await post();
    }
    if (batch.length > 0) await post();

    console.log(
      `\nAvailability under load (${fmt(options.events)} events, /healthz every 20 ms for ${WINDOW_MS / 1000} s):`,
    );
    summary('idle', await probe(server.url, WINDOW_MS));

    const stop = { done: false };
    const statuses = new Map<string, number>();
    const loops = Array.from({ length: 50 }, () => exportLoop(server.url, stop, statuses));
    await new Promise((r) => setTimeout(r, 500));
    summary('50 clients exporting in a loop (GET /v1/export)', await probe(server.url, WINDOW_MS));
    stop.done = true;
    await Promise.all(loops);
    const answered = [...statuses].map(([code, n]) => `${n} x ${code || 'no answer'}`).join(', ');
    console.log(`    export answers: ${answered} (429: beyond TRAILMARK_MAX_EXPORT_STREAMS / _PER_TENANT)`);

    const sockets = Array.from({ length: 300 }, () => slowConnection(server.url));
    await new Promise((r) => setTimeout(r, 500));
    summary('300 slow unauthenticated chunked uploads', await probe(server.url, WINDOW_MS));
    const stillOpen = sockets.filter((s) => !s.destroyed).length;
    console.log(
      `    slow connections still open at the end: ${stillOpen} of 300 (answered 401 from the headers)`,
    );
    for (const s of sockets) s.destroy();
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runAvailabilityBench({ events: Number(process.env.BENCH_AVAILABILITY_EVENTS ?? 10_000) });
}
