import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { parseOctetCounted } from '@trailmark/plugin-stream-syslog';

/** Test receivers on 127.0.0.1: real sockets, recorded requests, behavior switchable mid-test. */

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Answer = { status: number; headers?: Record<string, string>; body?: string; delayMs?: number };

export interface HttpReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** How the next requests are answered (default 200). */
  answer: (req: ReceivedRequest, index: number) => Answer;
  close(): Promise<void>;
}

/** An HTTP receiver, or HTTPS with `tls` (a certificate from selfSignedCertificate()). */
export async function startHttpReceiver(
  answer?: HttpReceiver['answer'],
  options: { tls?: { key: string; cert: string } } = {},
): Promise<HttpReceiver> {
  const receiver: HttpReceiver = {
    url: '',
    requests: [],
    answer: answer ?? (() => ({ status: 200, body: 'ok' })),
    close: async () => {},
  };
  const timers = new Set<NodeJS.Timeout>();
  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = {
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const index = receiver.requests.push(received) - 1;
      const a = receiver.answer(received, index);
      const reply = () => {
        timers.delete(timer);
        if (res.destroyed) return;
        res.writeHead(a.status, a.headers);
        res.end(a.body ?? '');
      };
      const timer = setTimeout(reply, a.delayMs ?? 0);
      timers.add(timer);
    });
  };
  const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () =>
    new Promise((resolve) => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

/** A self-signed certificate for 127.0.0.1 / localhost, made with openssl in a temp directory. */
export function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'trailmark-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface SyslogReceiver {
  port: number;
  messages: string[];
  close(): Promise<void>;
}

/** A syslog collector over TCP (or TLS) that splits RFC 6587 octet-counted frames. */
export async function startSyslogReceiver(
  options: { tls?: { key: string; cert: string } } = {},
): Promise<SyslogReceiver> {
  const messages: string[] = [];
  const onSocket = (socket: net.Socket) => {
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const parsed = parseOctetCounted(buffer);
      messages.push(...parsed.messages);
      buffer = Buffer.from(parsed.rest);
    });
    socket.on('error', () => {});
  };
  const server = options.tls ? tls.createServer(options.tls, onSocket) : net.createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    messages,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
