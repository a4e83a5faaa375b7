/**
 * A real OpenSearch engine on loopback, from the published Maven artifacts (test/opensearch), no Docker.
 *   npm run opensearch:start                 one node, http://127.0.0.1:9200
 *   npm run opensearch:start -- --nodes 3    three JVMs, 9200-9202 (transport 9300-9302)
 *   npm run opensearch:start -- --only 1 --nodes 3   restart one node of a running cluster (fault tests)
 *   npm run opensearch:stop                  stops every node and removes the run folder
 * Logs and data live under OPENSEARCH_RUN_DIR (default .opensearch/ at the repository root); OPENSEARCH_HTTP_PORT
 * moves the ports (default 9200).
 * OPENSEARCH_HEAP (default 512m) is each JVM's heap: the machines are small and shared.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const project = join(root, 'test/opensearch');
const runDir = resolve(process.env.OPENSEARCH_RUN_DIR ?? join(root, '.opensearch'));
const stateFile = join(runDir, 'nodes.json');
// Another base (OPENSEARCH_HTTP_PORT=9250: HTTP 9250+, transport 9350+) lets a second node set run beside the first.
const HTTP_BASE = Number(process.env.OPENSEARCH_HTTP_PORT ?? 9200);
const READY_TIMEOUT_MS = 240_000;

interface State {
  nodes: { index: number; pid: number; port: number }[];
}

function fail(message: string): never {
  console.error(`opensearch: ${message}`);
  process.exit(1);
}

function requireTool(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    fail(
      `${what} is needed to run a local OpenSearch node (\`${cmd} ${args.join(' ')}\` ${
        r.error ? `failed: ${r.error.message}` : `exited ${r.status}`
      }). On Debian: apt-get install -y openjdk-17-jdk-headless maven`,
    );
}

const jar = join(project, 'target/opensearch-launcher-0.1.0.jar');

/** Builds the launcher when it is missing or older than its sources; Maven caches downloads in ~/.m2. */
function build(): void {
  const sources = [
    join(project, 'pom.xml'),
    join(project, 'src/main/java/trailmark/OpenSearchLauncher.java'),
    join(project, 'src/main/resources/log4j2.properties'),
  ];
  const built = existsSync(jar) && existsSync(join(project, 'target/lib')) ? statSync(jar).mtimeMs : 0;
  if (sources.every((s) => statSync(s).mtimeMs < built)) return;
  requireTool('mvn', ['-v'], 'Maven 3.8+');
  console.log('opensearch: building the launcher (first run downloads OpenSearch from Maven Central)');
  const started = Date.now();
  const r = spawnSync('mvn', ['-B', '-q', '-f', join(project, 'pom.xml'), 'clean', 'package'], {
    stdio: 'inherit',
  });
  if (r.status !== 0) fail(`mvn package failed (exit ${r.status}); see the output above`);
  console.log(`opensearch: launcher built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function readState(): State {
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8')) as State;
  } catch {
    return { nodes: [] };
  }
}

async function get(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return response.json();
}

function logTail(index: number): string {
  const file = join(runDir, `node-${index}.log`);
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
}

function startNode(index: number, count: number): { index: number; pid: number; port: number } {
  const heap = process.env.OPENSEARCH_HEAP ?? '512m';
  const tmp = join(runDir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const log = openSync(join(runDir, `node-${index}.log`), 'a');
  const child = spawn(
    'java',
    [
      `-Xms${heap}`,
      `-Xmx${heap}`,
      '-XX:+UseG1GC',
      '-XX:MaxDirectMemorySize=256m',
      `-Djava.io.tmpdir=${tmp}`,
      '-Dlog4j2.disable.jmx=true',
      '-Dopensearch.set.netty.runtime.available.processors=false',
      '-cp',
      `${jar}:${join(project, 'target/lib/*')}`,
      'trailmark.OpenSearchLauncher',
      runDir,
      String(index),
      String(count),
      String(HTTP_BASE),
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  child.unref();
  closeSync(log);
  if (child.pid === undefined) fail(`could not start java for node ${index}`);
  return { index, pid: child.pid, port: HTTP_BASE + index };
}

async function waitReady(node: { index: number; pid: number; port: number }, started: number) {
  const deadline = started + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!alive(node.pid)) fail(`node n${node.index} exited during start-up:\n${logTail(node.index)}`);
    try {
      const info = (await get(`http://127.0.0.1:${node.port}/`)) as { version?: { number?: string } };
      console.log(
        `opensearch: node n${node.index} ready on http://127.0.0.1:${node.port} (OpenSearch ${
          info.version?.number
        }, ${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  fail(`node n${node.index} not ready after ${READY_TIMEOUT_MS / 1000} s:\n${logTail(node.index)}`);
}

async function waitCluster(count: number, started: number): Promise<void> {
  const deadline = started + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      const health = (await get(
        `http://127.0.0.1:${HTTP_BASE}/_cluster/health?wait_for_nodes=${count}&timeout=5s`,
      )) as { number_of_nodes?: number; status?: string };
      if (health.number_of_nodes === count && health.status !== 'red') {
        console.log(
          `opensearch: cluster of ${count} node(s) formed, status ${health.status} (${(
            (Date.now() - started) / 1000
          ).toFixed(1)} s)`,
        );
        return;
      }
    } catch {
      // not elected yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  fail(`the cluster did not reach ${count} node(s) in ${READY_TIMEOUT_MS / 1000} s`);
}

async function start(args: string[]): Promise<void> {
  const option = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const count = Number(option('--nodes') ?? '1');
  if (!Number.isInteger(count) || count < 1 || count > 5) fail('--nodes takes 1 to 5');
  const only = option('--only');
  requireTool('java', ['-version'], 'Java 17+');
  build();
  mkdirSync(runDir, { recursive: true });
  const state = readState();
  const running = state.nodes.filter((n) => alive(n.pid));
  const wanted = only === undefined ? [...Array(count).keys()] : [Number(only)];
  for (const index of wanted) {
    if (running.some((n) => n.index === index))
      fail(`node n${index} is already running (npm run opensearch:stop first)`);
  }
  const started = Date.now();
  const nodes = wanted.map((i) => startNode(i, count));
  writeFileSync(
    stateFile,
    JSON.stringify({ nodes: [...running.filter((n) => !wanted.includes(n.index)), ...nodes] }, null, 2),
  );
  await Promise.all(nodes.map((n) => waitReady(n, started)));
  await waitCluster(count, started);
  console.log(`opensearch: logs and data in ${runDir}`);
}

async function stop(): Promise<void> {
  const state = readState();
  for (const node of state.nodes) if (alive(node.pid)) process.kill(node.pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (state.nodes.some((n) => alive(n.pid)) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 200));
  for (const node of state.nodes) if (alive(node.pid)) process.kill(node.pid, 'SIGKILL');
  rmSync(runDir, { recursive: true, force: true });
  console.log(`opensearch: stopped ${state.nodes.length} node(s), removed ${runDir}`);
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'start') await start(rest);
else if (command === 'stop') await stop();
else fail('usage: tsx scripts/opensearch.ts start [--nodes N] [--only I] | stop');
