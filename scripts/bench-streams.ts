import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { api, OPERATOR_TOKEN, startServerProcess } from '../test/helpers.ts';
import { benchEvents, toInput } from './bench-data.ts';

/**
 * Streaming benchmark: HTTP ingest rate of the real server (its own process) with no destination, with
 * a stalled destination (a receiver that reads the request and answers only after 30 s, past the
 * dispatcher's 25 s timeout), with a healthy one alone, and with the stalled one next to the healthy
 * one, for the busiest tenant. Also how long after the last acknowledgement the healthy destination had
 * every event, alone and beside the stalled one. Figures, not assertions.
 *
 *   BENCH_PARTS=streams npm run bench          # 100,000 events (BENCH_STREAM_EVENTS, BENCH_STREAM_ROUNDS)
 */
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const CLIENTS = 8;
const BATCH = 500;

function receiver(stalled: boolean): Promise<{ url: string; events: () => number; close(): Promise<void> }> {
  let events = 0;
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (stalled) {
        // Answers after 30 s: the dispatcher has given up on it by then (25 s) and retries later.
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) res.writeHead(204).end();
        }, 30_000);
        timers.add(timer);
        return;
      }
      const { data } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { source: string }[] };
      // Trailmark's own audit events (the destination's creation) are streamed too; count the benchmark's.
      events += data.filter((e) => e.source !== 'trailmark').length;
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
        events: () => events,
        close: () =>
          new Promise((done) => {
            for (const t of timers) clearTimeout(t);
            server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    ),
  );
}

async function ingest(url: string, bodies: string[]): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < bodies.length) {
        const res = await fetch(`${url}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
          body: bodies[next++],
        });
        if (res.status !== 201) throw new Error(`ingest failed: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

export async function runStreamBench(options: { events: number; rounds: number }): Promise<void> {
  const inputs = [...benchEvents(options.events, { prefix: 'evt_stream_bench_' })].map(toInput);
  const tenant = 'tenant-0';
  const forTenant = inputs.filter((e) => e.tenant === tenant).length;
  const bodies: string[] = [];
  for (let i = 0; i < inputs.length; i += BATCH)
    bodies.push(JSON.stringify({ events: inputs.slice(i, i + BATCH) }));
  const env = { TRAILMARK_RETENTION_INTERVAL_MINUTES: '0', TRAILMARK_STREAM_ALLOW_PRIVATE: '127.0.0.1' };

  console.log(
    `\nStreaming: ${fmt(options.events)} events over HTTP (${fmt(forTenant)} of them for ${tenant}):`,
  );
  // The VM is shared and its speed drifts: the set-ups take turns, each figure is the median of its rounds.
  const setups = [
    'no destination',
    'a stalled webhook destination',
    'a healthy webhook destination',
    'a stalled + a healthy webhook destination',
  ] as const;
  const withStalled = new Set([1, 3]);
  const withHealthy = new Set([2, 3]);
  const rates = new Map<string, number[]>(setups.map((s) => [s, []]));
  /** Seconds from the last acknowledgement until the healthy destination had every event: alone, beside the stalled one. */
  const catchUp = { alone: [] as number[], beside: [] as number[] };
  for (let round = 0; round < options.rounds; round++) {
    for (const [i, setup] of setups.entries()) {
      const stalled = await receiver(true);
      const healthy = await receiver(false);
      const server = await startServerProcess({ env });
      try {
        const destinations = [
          ...(withStalled.has(i) ? [['stalled', stalled] as const] : []),
          ...(withHealthy.has(i) ? [['healthy', healthy] as const] : []),
        ];
        for (const [name, r] of destinations) {
          const res = await api(server.url, '/v1/streams/destinations', {
            body: { tenant, name, kind: 'webhook', config: { url: r.url } },
          });
          if (res.status !== 201) throw new Error(`destination: ${res.status} ${await res.text()}`);
        }
        const secs = await ingest(server.url, bodies);
        const acked = performance.now();
        rates.get(setup)?.push(options.events / secs);
        if (withHealthy.has(i)) {
          while (healthy.events() < forTenant && performance.now() - acked < 120_000)
            await new Promise((r) => setTimeout(r, 20));
          if (healthy.events() < forTenant) throw new Error('the healthy destination fell behind by 120 s');
          (withStalled.has(i) ? catchUp.beside : catchUp.alone).push((performance.now() - acked) / 1000);
        }
      } finally {
        await server.stop();
        await stalled.close();
        await healthy.close();
      }
    }
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? 0;
  for (const setup of setups) {
    const list = rates.get(setup) ?? [];
    console.log(
      `  ingest, ${setup.padEnd(42)} ${fmt(median(list))} events/s (rounds: ${list.map(fmt).join(', ')})`,
    );
  }
  const secs = (list: number[]) =>
    `${median(list).toFixed(2)} s (rounds: ${list.map((x) => x.toFixed(2)).join(', ')})`;
  console.log(`  the healthy destination had every event, after the last ack: alone ${secs(catchUp.alone)}`);
  console.log(`  ... beside the stalled one ${secs(catchUp.beside)}; the stalled one got none confirmed`);
}
