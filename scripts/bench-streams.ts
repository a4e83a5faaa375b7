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

export async function runStreamBench(options: { events: number }): Promise<void> {
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
  const plain = await startServerProcess({ env });
  try {
    const secs = await ingest(plain.url, bodies);
    console.log(`  ingest, no destination:                         ${fmt(options.events / secs)} events/s`);
  } finally {
    await plain.stop();
  }

  const stalled = await receiver(true);
  const healthy = await receiver(false);
  const server = await startServerProcess({ env });
  try {
    for (const [name, r] of [
      ['stalled', stalled],
      ['healthy', healthy],
    ] as const) {
      const res = await api(server.url, '/v1/streams/destinations', {
        body: { tenant, name, kind: 'webhook', config: { url: r.url } },
      });
      if (res.status !== 201) throw new Error(`destination: ${res.status} ${await res.text()}`);
    }
    const secs = await ingest(server.url, bodies);
    const acked = performance.now();
    console.log(
      `  ingest, a stalled + a healthy webhook destination: ${fmt(options.events / secs)} events/s`,
    );
    while (healthy.events() < forTenant && performance.now() - acked < 120_000)
      await new Promise((r) => setTimeout(r, 20));
    console.log(
      `  healthy destination had all ${fmt(healthy.events())} of ${fmt(forTenant)} events ${((performance.now() - acked) / 1000).toFixed(2)} s after the last ack (the stalled one had 0)`,
    );
  } finally {
    await server.stop();
    await stalled.close();
    await healthy.close();
  }
}
