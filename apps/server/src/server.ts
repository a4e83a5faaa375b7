import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPluginSet, type TrailmarkPlugin } from '@trailmark/core';
import pino, { type Logger } from 'pino';
import { demoPassword, seedDemoUsers, setupLinkIfNoUsers } from './accounts/bootstrap.ts';
import { sweepExpiredSessions } from './accounts/sessions.ts';
import { createApp } from './app.ts';
import { DEMO_TENANTS, seedDemo } from './demo.ts';
import { type AppDeps, createDeps } from './deps.ts';
import type { Config } from './env.ts';
import { openEvidence } from './evidence/setup.ts';
import { listen } from './listen.ts';
import { createMetrics } from './metrics.ts';
import { defaultPlugins } from './plugins.ts';
import { runRetention } from './retention.ts';
import { openStores } from './storage.ts';
import { createServerStreams } from './streams/setup.ts';

export function createLogger(level: Config['logLevel']): Logger {
  // Tokens never reach the log, whatever a developer later decides to log.
  return pino({
    level,
    redact: {
      paths: ['req.headers.authorization', '*.authorization', '*.key', '*.token', '*.password'],
      censor: '[REDACTED]',
    },
  });
}

/** The operator token: from the environment, or generated once and kept (0600) in the data directory. */
export function resolveAdminToken(config: Config): { token: string; file?: string; generated: boolean } {
  if (config.adminToken) return { token: config.adminToken, generated: false };
  const file = join(config.dataDir, 'admin-token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), file, generated: false };
  mkdirSync(config.dataDir, { recursive: true });
  const token = `tma_${randomBytes(32).toString('base64url')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, file, generated: true };
}

export async function buildDeps(
  config: Config,
  plugins: readonly TrailmarkPlugin[] = defaultPlugins,
  logger = createLogger(config.logLevel),
): Promise<AppDeps> {
  const pluginSet = createPluginSet(plugins);
  const { storage, control } = openStores(config, pluginSet, {
    info: (m) => logger.info(m),
    warn: (m) => logger.warn(m),
  });
  await storage.init();
  const admin = resolveAdminToken(config);
  const metrics = createMetrics();
  const streams = createServerStreams(config, storage, pluginSet, logger, metrics);
  const { evidence } = openEvidence(storage, {
    dataDir: config.dataDir,
    ...config.checkpoints,
    ...(streams ? { streams } : {}),
  });
  return createDeps({
    ...(evidence ? { evidence } : {}),
    storage,
    control,
    plugins: pluginSet,
    logger,
    metrics,
    streams,
    adminToken: admin.token,
    bodyLimitBytes: config.bodyLimitBytes,
    bodyTimeoutMs: config.bodyTimeoutMs,
    maxInflightBodies: config.maxInflightBodies,
    exportStreams: config.exportStreams,
    maxPendingEvents: config.maxPendingEvents,
    dataDir: config.dataDir,
    exportTtlHours: config.exportTtlHours,
    accounts: config.accounts,
  });
}

export interface RunningServer {
  url: string;
  deps: AppDeps;
  close(): Promise<void>;
}

/** Starts Trailmark: stores, HTTP, the retention schedule, and demo data on a new data directory. */
export async function startServer(
  config: Config,
  log: (line: string) => void = console.log,
): Promise<RunningServer> {
  const logger = createLogger(config.logLevel);
  const admin = resolveAdminToken(config);
  const deps = await buildDeps(config, defaultPlugins, logger);
  const app = createApp(deps);
  const server = listen(app.fetch, config.port, config.host);
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
  const tokenHint = admin.file ? `$(cat ${admin.file})` : '$TRAILMARK_ADMIN_TOKEN';
  log(`Trailmark is listening on ${url} (storage: ${deps.storage.name}, data: ${config.dataDir})`);
  log(`  API reference: ${url}/v1/openapi.json`);
  if (deps.evidence) log(`  Checkpoint public key (give it to auditors): ${deps.evidence.verifierKey}`);
  log(
    `  Operator token: ${admin.file ? `generated and kept in ${admin.file}` : 'from TRAILMARK_ADMIN_TOKEN'}`,
  );
  log(`  Try: curl -s -H "Authorization: Bearer ${tokenHint}" "${url}/v1/events?limit=5"`);
  const origin = config.accounts.publicUrl ?? url;
  const setup = setupLinkIfNoUsers(deps, origin);
  if (setup) log(`  First sign-in: open ${setup} (one-time link, valid 24 h) to create the first owner`);
  if (config.demo && config.demoEvents > 0) {
    const password = demoPassword(config.dataDir);
    await seedDemoUsers(deps, DEMO_TENANTS, password);
    log(
      `  Demo sign-in: owner@acme.test, admin@acme.test, auditor@acme.test, viewer@acme.test (also @globex.test, @initech.test), password ${password} (kept in ${join(config.dataDir, 'demo-password')})`,
    );
  }

  const timers: NodeJS.Timeout[] = [];
  // Streams deliver from what is durable: pending messages and the stream log survive any stop.
  deps.streams?.start();
  const pruneStreams = () => {
    try {
      deps.streams?.prune();
    } catch (err) {
      logger.error({ err }, 'stream log prune failed');
    }
  };
  timers.push(setInterval(pruneStreams, 10 * 60_000).unref());
  const evidence = deps.evidence;
  if (evidence && config.checkpoints.intervalMinutes > 0) {
    const sign = () =>
      deps.storage
        .partitions()
        .then((ps) => evidence.checkpointAll([...new Set(ps.map((p) => p.tenant))]))
        .catch((err: unknown) => logger.error({ err }, 'signing checkpoints failed'));
    timers.push(setInterval(sign, config.checkpoints.intervalMinutes * 60_000).unref());
  }
  const recovered = await deps.exportJobs.recover();
  if (recovered > 0)
    logger.warn({ recovered }, 'export jobs interrupted by the last shutdown were marked failed');
  const sweep = () =>
    deps.exportJobs.sweep().catch((err: unknown) => logger.error({ err }, 'export sweep failed'));
  timers.push(setInterval(sweep, 15 * 60_000).unref());
  const sweepSessions = () => {
    try {
      const ended = sweepExpiredSessions(deps);
      if (ended > 0) logger.info({ ended }, 'expired sessions deleted');
    } catch (err) {
      logger.error({ err }, 'session sweep failed');
    }
  };
  sweepSessions();
  timers.push(setInterval(sweepSessions, 15 * 60_000).unref());
  const markerFile = join(config.dataDir, 'demo-seeded');
  let seeding: Promise<unknown> = Promise.resolve();
  if (
    config.demo &&
    config.demoEvents > 0 &&
    !existsSync(markerFile) &&
    (await deps.storage.count({})) === 0
  ) {
    log(
      `Seeding about ${config.demoEvents.toLocaleString('en-US')} demo events over the last 180 days through the ingest path (TRAILMARK_DEMO=off disables this)...`,
    );
    const started = Date.now();
    let reported = 0;
    seeding = seedDemo(deps, {
      events: config.demoEvents,
      onProgress: (stored) => {
        if (stored - reported >= 50_000) {
          reported = stored;
          log(`  ...${stored.toLocaleString('en-US')} demo events stored`);
        }
      },
    })
      .then(({ stored, bySource }) => {
        writeFileSync(markerFile, `${new Date().toISOString()} ${stored}\n`);
        const secs = ((Date.now() - started) / 1000).toFixed(1);
        log(
          `Demo data ready: ${stored.toLocaleString('en-US')} events in ${secs}s (${Object.entries(bySource)
            .map(([s, n]) => `${s} ${n}`)
            .join(', ')}); tenants acme, globex, initech.`,
        );
      })
      .catch((err: unknown) => logger.error({ err }, 'demo seeding failed'));
  }
  if (config.retentionIntervalMinutes > 0) {
    const purge = () =>
      runRetention(deps).catch((err: unknown) => logger.error({ err }, 'retention run failed'));
    timers.push(setInterval(purge, config.retentionIntervalMinutes * 60_000).unref());
    void seeding.then(purge);
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const t of timers) clearInterval(t);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await seeding;
      await deps.exportJobs.drain();
      await deps.streams?.stop();
      await deps.storage.close();
      deps.control.close();
    })();
    return closing;
  };
  return { url, deps, close };
}
