import { api, OPERATOR_TOKEN } from '../test/helpers.ts';
import { benchEvents, toInput, WORDS } from './bench-data.ts';

/** What the SQLite and OpenSearch runs of `npm run bench` share: HTTP ingest and the query cases. */
export const BATCH = 500;
export const CLIENTS = 8;

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
export const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] as number;

/** Posts `count` bench events in BATCH-event requests from CLIENTS concurrent clients; events/s. */
export async function httpIngest(url: string, count: number): Promise<number> {
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
            authorization: `Bearer ${OPERATOR_TOKEN}`,
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

export async function timeQuery(
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

export interface QueryTiming {
  name: string;
  p50: number;
  p95: number;
  rows: number;
}

/** Every filter and facet the bench measures, 40 runs each with parameters varying per run. */
export async function measureQueries(url: string): Promise<QueryTiming[]> {
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
  const out: QueryTiming[] = [];
  for (const [name, make] of cases) {
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < 40; i++) {
      const r = await timeQuery(url, make(i), 1);
      times.push(r.p50);
      rows = r.rows;
    }
    times.sort((a, b) => a - b);
    out.push({ name, p50: pct(times, 50), p95: pct(times, 95), rows });
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
    out.push({ name: 'keyset page 1000 (limit 100)', ...r });
  }
  return out;
}

/** Measures and prints the query table of one store. */
export async function queries(url: string): Promise<QueryTiming[]> {
  const timings = await measureQueries(url);
  console.log('\nQuery latency through the HTTP API (ms, 40 runs each, parameters vary per run):');
  console.log('  query'.padEnd(42), 'p50'.padStart(8), 'p95'.padStart(8), 'rows'.padStart(6));
  for (const t of timings)
    console.log(
      `  ${t.name}`.padEnd(42),
      t.p50.toFixed(2).padStart(8),
      t.p95.toFixed(2).padStart(8),
      String(t.rows).padStart(6),
    );
  return timings;
}
