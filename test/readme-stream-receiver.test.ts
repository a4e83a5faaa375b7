import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { encodeWebhook, newWebhookSecret } from '@trailmark/plugin-stream-webhook';
import {
  type HttpReceiver,
  selfSignedCertificate,
  startHttpReceiver,
} from '@trailmark/server/stream-receivers';
import { createTestApp, type TestApp } from '@trailmark/server/testing';
import { contractEvents } from '@trailmark/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from './helpers.ts';

const README = () => readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The receiver examples: one bullet per kind (`- **Webhook**`, `- **Slack**`, ...) in the README. */
function bullet(kind: string): string {
  const text = README();
  const start = text.indexOf(`- **${kind}**`);
  if (start < 0) throw new Error(`README has no receiver example for ${kind}`);
  const end = text.slice(start + 1).search(/\n- \*\*|\n\S/);
  return text.slice(start, end < 0 ? undefined : start + 1 + end);
}

/** The JavaScript block of a kind's bullet, unindented, run as written. */
function readmeScript(kind: string): string {
  const block = /```js\n([\s\S]*?)```/.exec(bullet(kind))?.[1];
  if (!block) throw new Error(`README has no ${kind} receiver script`);
  return block.replace(/^ {2}/gm, '');
}
const readmeReceiver = () => readmeScript('Webhook');

/** The destination body a kind's bullet shows (`{"kind":...}`), parsed. */
function readmeDestination(kind: string): {
  kind: string;
  name: string;
  config: Record<string, unknown>;
  secrets?: Record<string, string>;
} {
  const json = /`(\{"kind":[^`]*\})`/.exec(bullet(kind))?.[1];
  if (!json) throw new Error(`README shows no ${kind} destination`);
  return JSON.parse(json);
}

/** Runs a README script in the repository (so its imports resolve) and collects what it prints. */
function runScript(source: string, env: Record<string, string>) {
  const dir = join(ROOT, 'test', `.readme-receiver-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'receiver.mjs');
  writeFileSync(file, source);
  const child = spawn(process.execPath, [file], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run = { out: '', stop: () => {} };
  child.stdout.on('data', (d: Buffer) => {
    run.out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    run.out += d.toString();
  });
  run.stop = () => {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  return run;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe('README webhook receiver example', () => {
  it('verifies and logs a real delivery, and answers 400 to a forged one', async () => {
    // Inside the repository, so `standardwebhooks` resolves from its node_modules.
    const dir = join(ROOT, 'test', `.readme-receiver-${randomBytes(4).toString('hex')}`);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'receiver.mjs');
    writeFileSync(file, readmeReceiver());
    const secret = newWebhookSecret(randomBytes);
    const port = await freePort();
    const child = spawn(process.execPath, [file], {
      env: { ...process.env, PORT: String(port), TRAILMARK_WEBHOOK_SECRET: secret },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    try {
      const events = contractEvents(2);
      const request = encodeWebhook(
        { messageId: 'msg_readme', sequence: 7, events },
        { url: `http://127.0.0.1:${port}/` },
        { signing_secret: secret },
        { now: new Date(), host: 'test' },
      );
      const send = async (body: string) => {
        for (let i = 0; i < 100; i++) {
          try {
            return await fetch(request.url, { method: 'POST', headers: request.headers, body });
          } catch {
            await new Promise((r) => setTimeout(r, 50)); // not listening yet
          }
        }
        throw new Error(`receiver did not start: ${out}`);
      };
      expect((await send(request.body)).status).toBe(204);
      expect((await send(request.body.replace('"sequence":7', '"sequence":8'))).status).toBe(400);
      for (let i = 0; i < 50 && !out.includes(events[1]!.id); i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(out).toContain(`7 ${events[0]!.id} ${events[0]!.action}`);
      expect(out).toContain(events[1]!.id);
    } finally {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Resolves once something accepts TCP connections on the port (the script has started). */
async function listening(port: number, output: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`receiver did not start: ${output()}`);
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
});

async function streamingApp(): Promise<TestApp> {
  const t = await createTestApp({
    streams: { allowPrivate: '127.0.0.1', publicUrl: 'https://audit.acme.example' },
  });
  cleanup.push(() => t.close());
  return t;
}
async function httpReceiver(): Promise<HttpReceiver> {
  const r = await startHttpReceiver(() => ({ status: 200, body: '{"text":"Success","code":0}' }));
  cleanup.push(() => r.close());
  return r;
}

const sample = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `evt_readme_${randomBytes(4).toString('hex')}_${i}`,
    tenant: 'acme',
    source: 'readme-test',
    action: 'record.written',
    occurred_at: new Date(Date.parse('2026-04-01T00:00:00Z') + i * 1000).toISOString(),
    actor: { type: 'user', id: `u-${i}`, name: 'Ana Lima' },
    targets: [{ type: 'record', id: `r-${i}` }],
    outcome: { result: 'success' },
  }));

/** Creates the README's destination (endpoint swapped for the local one), ingests, and delivers. */
async function deliverThrough(t: TestApp, body: ReturnType<typeof readmeDestination>, n: number) {
  const created = await t.request('/v1/streams/destinations', {
    body: { ...body, tenant: 'acme', filter: { source: ['readme-test'] } },
  });
  expect(created.status, await created.clone().text()).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const sent = sample(n);
  expect((await t.request('/v1/events', { body: { events: sent } })).status).toBe(201);
  const dispatcher = t.deps.streams!.dispatcher;
  for (let i = 0; i < 20; i++) {
    const step = await dispatcher.step(id);
    if (step.kind === 'idle') break;
    if (step.kind === 'attempted') expect(step.result.outcome.kind, step.result.error).toBe('delivered');
    if (step.kind === 'wait') await new Promise((r) => setTimeout(r, step.ms));
  }
  return sent;
}

describe('README receiver examples for the other kinds', () => {
  it('Slack: the README destination posts one readable line per event, linked to the admin UI', async () => {
    const t = await streamingApp();
    const r = await httpReceiver();
    const body = readmeDestination('Slack');
    expect(body.kind).toBe('slack');
    const path = new URL(body.secrets!.webhook_url!).pathname;
    const sent = await deliverThrough(t, { ...body, secrets: { webhook_url: `${r.url}${path}` } }, 1);
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]?.path).toBe(path);
    const message = JSON.parse(r.requests[0]!.body) as { text: string };
    expect(message.text).toContain('Ana Lima');
    // "Set TRAILMARK_PUBLIC_URL so each line links to /events/<id> in the admin UI."
    expect(message.text).toContain(`https://audit.acme.example/events/${sent[0]!.id}`);
  });

  it('Splunk: the README destination reaches /services/collector/event and the README search finds it', async () => {
    const t = await streamingApp();
    const r = await httpReceiver();
    const body = readmeDestination('Splunk');
    expect(body.kind).toBe('splunk-hec');
    const token = 'c0ffee00-aaaa-bbbb-cccc-ddddeeeeffff';
    const sent = await deliverThrough(
      t,
      { ...body, config: { ...body.config, url: r.url }, secrets: { token } },
      3,
    );
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]?.path).toBe('/services/collector/event');
    expect(r.requests[0]?.headers.authorization).toBe(`Splunk ${token}`);
    // `index=audit sourcetype="trailmark:audit"`, as the README says to search.
    const search = /search `index=(\w+) sourcetype="([^"]+)"`/.exec(bullet('Splunk'));
    expect(search).not.toBeNull();
    const lines = r.requests[0]!.body.split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.event.id)).toEqual(sent.map((e) => e.id));
    for (const line of lines) {
      expect(line).toMatchObject({ index: search![1], sourcetype: search![2], source: 'trailmark' });
      expect(typeof line.time).toBe('number');
      expect(typeof line.host).toBe('string');
    }
  });

  it('Syslog: the README Node receiver reads the README destination over TLS, frame by frame', async () => {
    const cert = selfSignedCertificate();
    const dir = join(ROOT, 'test', `.readme-cert-${randomBytes(4).toString('hex')}`);
    mkdirSync(dir, { recursive: true });
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'key.pem'), cert.key);
    writeFileSync(join(dir, 'cert.pem'), cert.cert);
    const port = await freePort();
    const run = runScript(readmeScript('Syslog'), {
      PORT: String(port),
      TLS_KEY: join(dir, 'key.pem'),
      TLS_CERT: join(dir, 'cert.pem'),
    });
    cleanup.push(run.stop);
    const t = await streamingApp();
    const body = readmeDestination('Syslog');
    expect(body).toMatchObject({ kind: 'syslog', config: { port: 6514, tls: true } });
    const destination = { ...body, config: { ...body.config, host: '127.0.0.1', port, ca: cert.cert } };
    await listening(port, () => run.out);
    const sent = await deliverThrough(t, destination, 5);
    for (let i = 0; i < 100 && !run.out.includes(sent.at(-1)!.id); i++)
      await new Promise((r) => setTimeout(r, 20));
    const printed = run.out.trim().split('\n');
    expect(printed.map((l) => l.split(' ')[1])).toEqual(sent.map((e) => e.id));
    expect(printed[0]).toMatch(/^\d+ \S+ record\.written u-0$/);
  });
});
