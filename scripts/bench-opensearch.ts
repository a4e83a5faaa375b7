import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from '@opensearch-project/opensearch';
import { dropLayout } from '@trailmark/storage-opensearch/testing';
import { api, startServerProcess } from '../test/helpers.ts';
import { fmt, httpIngest, measureQueries, type QueryTiming } from './bench-http.ts';

/**
 * `npm run bench`, OpenSearch side by side (when OPENSEARCH_URL names a node, e.g. after
 * `npm run opensearch:start`): the same bench events through the same HTTP API into a server on
 * OpenSearch, then the same filters and facets, the export rate, and `trailmark migrate --to opensearch`
 * from the SQLite run's database. Every index it creates is deleted afterwards.
 */
const ROOT = join(import.meta.dirname, '..');

async function exportRate(url: string): Promise<{ rows: number; perSecond: number }> {
  const started = performance.now();
  const res = await api(url, '/v1/export?format=ndjson&tenant=tenant-0');
  if (res.status !== 200) throw new Error(`export: ${res.status} ${await res.text()}`);
  const text = await res.text();
  const rows = text.split('\n').filter(Boolean).length;
  return { rows, perSecond: rows / ((performance.now() - started) / 1000) };
}

function migrate(dataDir: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'apps/server/src/cli.ts'), 'migrate', '--to', 'opensearch'],
      { env: { ...process.env, ...env, TRAILMARK_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, stdio: 'ignore' },
    );
    child.on('exit', (code) =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`migrate exited ${code}`)),
    );
  });
}

export async function runOpenSearchBench(options: {
  events: number;
  sqlite?: { rate: number; queries: QueryTiming[]; dataDir: string; url?: string };
}): Promise<void> {
  const url = process.env.OPENSEARCH_URL;
  if (!url) {
    console.log(
      '\nOpenSearch side by side: skipped (set OPENSEARCH_URL, e.g. after npm run opensearch:start)',
    );
    return;
  }
  const prefix = `bench-${Date.now().toString(36)}`;
  const env = {
    TRAILMARK_STORAGE: 'opensearch',
    OPENSEARCH_URL: url,
    OPENSEARCH_ISM: 'auto',
    TRAILMARK_RETENTION_INTERVAL_MINUTES: '0',
    TRAILMARK_CHECKPOINT_INTERVAL_MINUTES: '0',
  };
  const admin = new Client({ node: url });
  const version = ((await admin.info()).body.version as { number: string }).number;
  console.log(
    `\nOpenSearch ${version} (one node at ${url}), the same ${fmt(options.events)} events through the same API:`,
  );
  const server = await startServerProcess({ env: { ...env, OPENSEARCH_INDEX_PREFIX: prefix } });
  try {
    const rate = await httpIngest(server.url, options.events);
    const sqliteRate = options.sqlite?.rate;
    console.log(
      `  HTTP ingest: OpenSearch ${fmt(rate)} events/s` +
        (sqliteRate
          ? `, SQLite ${fmt(sqliteRate)} events/s, ratio OpenSearch / SQLite ${(rate / sqliteRate).toFixed(2)}`
          : ''),
    );
    const timings = await measureQueries(server.url);
    const before = new Map((options.sqlite?.queries ?? []).map((t) => [t.name, t]));
    console.log(
      '\n  query'.padEnd(43),
      'SQLite p50'.padStart(11),
      'p95'.padStart(8),
      'OpenSearch p50'.padStart(15),
      'p95'.padStart(8),
      'ratio p50'.padStart(10),
    );
    for (const t of timings) {
      const s = before.get(t.name);
      console.log(
        `  ${t.name}`.padEnd(42),
        (s ? s.p50.toFixed(2) : '-').padStart(11),
        (s ? s.p95.toFixed(2) : '-').padStart(8),
        t.p50.toFixed(2).padStart(15),
        t.p95.toFixed(2).padStart(8),
        (s ? `${(t.p50 / s.p50).toFixed(1)}x` : '-').padStart(10),
      );
    }
    const osExport = await exportRate(server.url);
    const sqliteExport = options.sqlite?.url ? await exportRate(options.sqlite.url) : undefined;
    console.log(
      `\n  Export (NDJSON, one tenant, ${fmt(osExport.rows)} rows): OpenSearch ${fmt(osExport.perSecond)} rows/s` +
        (sqliteExport ? `, SQLite ${fmt(sqliteExport.perSecond)} rows/s` : ''),
    );
  } finally {
    await server.stop();
  }
  if (options.sqlite) {
    const ms = await migrate(options.sqlite.dataDir, {
      ...env,
      OPENSEARCH_INDEX_PREFIX: `${prefix}-migrated`,
    });
    console.log(
      `  trailmark migrate --to opensearch (${fmt(options.events)} events, counts verified): ${fmt(options.events / (ms / 1000))} events/s`,
    );
  }
  await dropLayout(admin, prefix);
  await dropLayout(admin, `${prefix}-migrated`);
  await admin.close();
}
