import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = resolve(import.meta.dirname, '..');

/** Data directories this process created; removed when it exits so test runs leave nothing behind. */
const createdDirs: string[] = [];
process.once('exit', () => {
  for (const dir of createdDirs) rmSync(dir, { recursive: true, force: true });
});

export function tempDataDir(prefix = 'trailmark-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  createdDirs.push(dir);
  return dir;
}
export const OPERATOR_TOKEN = 'e2e-operator-token-0123456789abcdef';

export interface ServerProcess {
  url: string;
  dataDir: string;
  child: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts the real CLI (`trailmark serve`) as a child process on a free port and waits until it listens. */
export async function startServerProcess(
  options: { dataDir?: string; env?: Record<string, string> } = {},
): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? tempDataDir();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'apps/server/src/cli.ts'), 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      TRAILMARK_DATA_DIR: dataDir,
      TRAILMARK_ADMIN_TOKEN: OPERATOR_TOKEN,
      TRAILMARK_DEMO: 'off',
      LOG_LEVEL: 'warn',
      // TRAILMARK_TEST_STORAGE=opensearch (with OPENSEARCH_URL): the same server on a real node, its own prefix.
      ...(process.env.TRAILMARK_TEST_STORAGE === 'opensearch'
        ? {
            TRAILMARK_STORAGE: 'opensearch',
            OPENSEARCH_ISM: 'auto',
            // A short refresh: each acknowledged write waits for one, and a scenario writes many times.
            OPENSEARCH_REFRESH_INTERVAL: '100ms',
            OPENSEARCH_INDEX_PREFIX: `tm-e2e-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
          }
        : {}),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
    const onData = () => {
      const m = out.match(/listening on (http:\/\/[^\s]+)/);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    dataDir,
    child,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolveStop) => {
        if (child.exitCode !== null) return resolveStop(child.exitCode);
        child.once('exit', (code) => resolveStop(code));
        child.kill(signal);
      }),
  };
}

export async function api(
  url: string,
  path: string,
  init: { method?: string; body?: unknown; token?: string } = {},
) {
  const res = await fetch(`${url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      authorization: `Bearer ${init.token ?? OPERATOR_TOKEN}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return res;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `trailmark` CLI (`apps/server/src/cli.ts` under tsx) against a data directory; a failing
 * command answers with its exit code and output instead of throwing.
 */
export async function runCli(
  dataDir: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'apps/server/src/cli.ts'), ...args],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          TRAILMARK_DATA_DIR: dataDir,
          TRAILMARK_ADMIN_TOKEN: OPERATOR_TOKEN,
          TRAILMARK_DEMO: 'off',
          LOG_LEVEL: 'warn',
          ...env,
        },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
