import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testing/index.ts';
import { listen } from './listen.ts';

/** Refusals by Node's own HTTP parser come in the JSON envelope too (issue 10, #12). */
let t: TestApp;
let server: ReturnType<typeof listen>;
let port: number;
beforeAll(async () => {
  t = await createTestApp();
  server = listen(t.app.fetch, 0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await t.close();
});

function raw(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let out = '';
    socket.on('data', (d) => {
      out += d.toString('utf8');
    });
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
}

function parse(response: string) {
  const [head, body] = response.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), head: head.toLowerCase(), body: JSON.parse(body) };
}

describe('parser refusals in the envelope', () => {
  it('a 20 KB URL is a 431 with JSON and X-Request-Id', async () => {
    const res = parse(await raw(`GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`));
    expect(res.status).toBe(431);
    expect(res.head).toMatch(/x-request-id: req_/);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(res.body.error.request_id).toMatch(/^req_/);
  });

  it('a malformed request line is a 400 with JSON', async () => {
    const res = parse(await raw('NOT A REQUEST\r\n\r\n'));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });

  it.each([
    ['a backslash in the path', 'GET /v1\\events HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['no Host header', 'GET /healthz HTTP/1.1\r\n\r\n'],
    ['an invalid Host header', 'GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n'],
  ])('%s is a 400 with JSON and X-Request-Id, not a bare status', async (_, request) => {
    const res = parse(await raw(request));
    expect(res.status).toBe(400);
    expect(res.head).toMatch(/x-request-id: req_/);
    expect(res.head).toMatch(/content-type: application\/json/);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.request_id).toMatch(/^req_/);
  });

  it('a normal request still works', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
  });
});
