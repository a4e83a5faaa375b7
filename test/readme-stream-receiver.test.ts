import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { encodeWebhook, newWebhookSecret } from '@trailmark/plugin-stream-webhook';
import { contractEvents } from '@trailmark/test-utils';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.ts';

/** The README's webhook receiver, run as written: it accepts Trailmark's signed messages and refuses forged ones. */
function readmeReceiver(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /- \*\*Webhook\*\*[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README has no webhook receiver example');
  return block.replace(/^ {2}/gm, '');
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
