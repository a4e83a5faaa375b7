import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@opensearch-project/opensearch';
import {
  createPluginSet,
  IdPrefix,
  newId,
  type Role,
  type Scope,
  type StoragePort,
  type TrailmarkPlugin,
  type UserRecord,
} from '@trailmark/core';
import { createOpenSearchStorage } from '@trailmark/storage-opensearch';
import { dropLayout } from '@trailmark/storage-opensearch/testing';
import { createSqliteControlStore, createSqliteStorage } from '@trailmark/storage-sqlite';
import pino from 'pino';
import type { SignInThrottle } from '../src/accounts/throttle.ts';
import { createApp } from '../src/app.ts';
import { type AppDeps, createDeps } from '../src/deps.ts';
import { type AccountsConfig, DEFAULT_ACCOUNTS } from '../src/env.ts';
import { openEvidence } from '../src/evidence/setup.ts';
import { createApiKey } from '../src/keys.ts';
import type { LiveHub } from '../src/live.ts';
import { createMetrics } from '../src/metrics.ts';
import { openSearchOptions } from '../src/storage.ts';
import type { StreamServiceOptions } from '../src/streams/service.ts';
import { createServerStreams } from '../src/streams/setup.ts';

export const TEST_ADMIN_TOKEN = 'test-operator-token-0123456789abcdef';
export const TEST_PASSWORD = 'correct tangerine staple 42';

/** `name=value` of the first Set-Cookie of a response, ready for a Cookie header. */
export function cookieOf(res: Response): string {
  const header = res.headers.get('set-cookie');
  if (!header) throw new Error('no Set-Cookie in the response');
  return header.split(';')[0];
}

export interface RequestOptions {
  method?: string;
  token?: string | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/**
 * A real app on a real SQLite file in a temp directory, for route tests that need no network. `storage`
 * puts another (initialized) event store behind the same app; control data stays in SQLite.
 */
export async function createTestApp(
  options: {
    plugins?: readonly TrailmarkPlugin[];
    dir?: string;
    storage?: StoragePort;
    /** A fake clock for sessions, links and throttling. */
    now?: () => Date;
    accounts?: Partial<AccountsConfig>;
    throttle?: SignInThrottle;
    /** Streaming: TRAILMARK_STREAM_ALLOW_PRIVATE's value and service overrides (fake clock, timeouts). */
    streams?: {
      allowPrivate?: string;
      secretKey?: string;
      publicUrl?: string;
      overrides?: Partial<StreamServiceOptions>;
    };
    live?: LiveHub;
  } = {},
) {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'trailmark-test-'));
  const plugins = createPluginSet(options.plugins ?? (await import('../src/plugins.ts')).defaultPlugins);
  // TRAILMARK_TEST_STORAGE=opensearch (with OPENSEARCH_URL) runs the same route tests on a real node, each
  // app on its own index prefix, removed on close.
  const onOpenSearch = !options.storage && process.env.TRAILMARK_TEST_STORAGE === 'opensearch';
  const indexPrefix = `tm-app-${Date.now().toString(36)}-${newId(IdPrefix.user).slice(-8).toLowerCase()}`;
  const storage =
    options.storage ??
    (onOpenSearch
      ? createOpenSearchStorage(
          openSearchOptions(
            // A short refresh: each acknowledged write waits for one, and a test writes many times.
            {
              urls: [process.env.OPENSEARCH_URL ?? ''],
              rejectUnauthorized: true,
              indexPrefix,
              ism: 'auto',
              refreshInterval: '100ms',
            },
            plugins,
          ),
        )
      : createSqliteStorage({
          path: join(dir, 'events.db'),
          actionLabel: (source, action) => plugins.registry.action(source, action)?.label,
        }));
  if (!options.storage) await storage.init();
  const control = createSqliteControlStore({ path: join(dir, 'control.db') });
  const metrics = createMetrics();
  const logger = pino({ level: 'silent' });
  const streams = options.streams
    ? createServerStreams(
        {
          dataDir: dir,
          streams: {
            ...(options.streams.allowPrivate ? { allowPrivate: options.streams.allowPrivate } : {}),
            ...(options.streams.secretKey ? { secretKey: options.streams.secretKey } : {}),
          },
          accounts: {
            ...DEFAULT_ACCOUNTS,
            ...(options.streams.publicUrl ? { publicUrl: options.streams.publicUrl } : {}),
          },
        },
        storage,
        plugins,
        logger,
        metrics,
        options.streams.overrides,
      )
    : undefined;
  const { evidence } = openEvidence(storage, {
    dataDir: dir,
    origin: 'trailmark.test',
    ...(streams ? { streams } : {}),
  });
  const deps: AppDeps = createDeps({
    ...(evidence ? { evidence } : {}),
    storage,
    control,
    plugins,
    logger,
    metrics,
    ...(streams ? { streams } : {}),
    adminToken: TEST_ADMIN_TOKEN,
    dataDir: dir,
    accounts: { ...DEFAULT_ACCOUNTS, ...options.accounts },
    ...(options.now ? { now: options.now } : {}),
    ...(options.throttle ? { throttle: options.throttle } : {}),
    ...(options.live ? { live: options.live } : {}),
  });
  const app = createApp(deps);
  const key = (tenant: string, scopes: Scope[], source?: string) =>
    createApiKey(control, { tenant, name: `test ${scopes.join('+')}`, scopes, ...(source ? { source } : {}) })
      .key;
  const request = (path: string, opts: RequestOptions = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token === undefined ? TEST_ADMIN_TOKEN : opts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined = opts.rawBody;
    // A raw body is still declared JSON unless the test says otherwise (the server answers 415 without it).
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/json';
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    return app.request(path, { method: opts.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  };
  /** A person with a known password, created in the store directly. */
  const person = async (
    role: Role,
    tenant: string | undefined,
    email = `${role}-${newId(IdPrefix.user).slice(-8).toLowerCase()}@${tenant ?? 'ops'}.test`,
  ) => {
    const at = deps.now().toISOString();
    const user: UserRecord = {
      id: newId(IdPrefix.user),
      email,
      name: `Test ${role}`,
      role,
      ...(tenant ? { tenant } : {}),
      password_hash: await deps.passwords.hash(TEST_PASSWORD),
      created_at: at,
      updated_at: at,
    };
    control.createUser(user);
    return user;
  };
  /** Signs in through the API and returns the Cookie header value to send back. */
  const signIn = async (email: string, password = TEST_PASSWORD) => {
    const res = await request('/v1/auth/sign-in', { token: null, body: { email, password } });
    if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
    return cookieOf(res);
  };
  const close = async () => {
    await streams?.stop();
    await storage.close();
    control.close();
    if (onOpenSearch) {
      const admin = new Client({ node: process.env.OPENSEARCH_URL ?? '' });
      await dropLayout(admin, indexPrefix);
      await admin.close();
    }
  };
  return { app, deps, dir, key, request, close, person, signIn, adminToken: TEST_ADMIN_TOKEN };
}
export type TestApp = Awaited<ReturnType<typeof createTestApp>>;
