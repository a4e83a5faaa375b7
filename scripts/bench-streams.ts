import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { api, OPERATOR_TOKEN, startServerProcess } from '../test/helpers.ts';
import { benchEvents, toInput } from './bench-data.ts';

/**
 * Streaming benchmark: HTTP ingest rate of the real server (its own process) with no destination, and
 * with a stalled destination (a receiver that accepts the connection and never answers) next to a
 * healthy one, for the busiest tenant. Also how long after the last acknowledgement the healthy
 * destination had every event. Figures, not assertions.
 *
 *   npx tsx scripts/bench-streams.ts           # 200,000 events (BENCH_STREAM_EVENTS to change)
 */
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const CLIENTS = 8;
const BATCH = 500;

function receiver(stalled: boolean): Promise<{ url: string; events: () => number; close(): Promise<void> }> {
  let events = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (stalled) return; // never answers: the dispatcher times out and retries later
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
    'a stalled + a healthy webhook destination',
  ] as const;
  const rates = new Map<string, number[]>(setups.map((s) => [s, []]));
  let lag = 0;
  for (let round = 0; round < options.rounds; round++) {
    for (const [i, setup] of setups.entries()) {
      const stalled = await receiver(true);
      const healthy = await receiver(false);
      const server = await startServerProcess({ env });
      try {
        const destinations = [
          ...(i >= 1 ? [['stalled', stalled] as const] : []),
          ...(i === 2 ? [['healthy', healthy] as const] : []),
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
        if (i === 2) {
          while (healthy.events() < forTenant && performance.now() - acked < 120_000)
            await new Promise((r) => setTimeout(r, 20));
          lag = Math.max(lag, (performance.now() - acked) / 1000);
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
  console.log(
    `  the healthy destination had every event at most ${lag.toFixed(2)} s after the last ack; the stalled one none`,
  );
}
