import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import {
  classifyHttpStatus,
  type DeliveryOutcome,
  type HttpStreamRequest,
  type SocketStreamRequest,
  type StreamRequest,
} from '@trailmark/core';
import {
  type AllowList,
  BlockedAddressError,
  bareHost,
  checkHost,
  type GuardOptions,
  guardedLookup,
} from './ssrf.ts';

export interface TransportOptions {
  allow: AllowList;
  /** Connection set-up (DNS, TCP, TLS). */
  connectTimeoutMs: number;
  /** The whole answer, after the request was sent (Svix waits 15 s). */
  responseTimeoutMs: number;
  /** Most bytes of an answer read (kept for the delivery log and dead letters). */
  maxResponseBytes: number;
  resolve?: GuardOptions['resolve'];
  /** Trusted CAs for HTTPS receivers (tests with a self-signed receiver); the system CAs otherwise. */
  ca?: string;
}

export const DEFAULT_TRANSPORT: Omit<TransportOptions, 'allow'> = {
  connectTimeoutMs: 10_000,
  responseTimeoutMs: 15_000,
  maxResponseBytes: 16 * 1024,
};

export interface SendResult {
  outcome: DeliveryOutcome;
  status?: number;
  error?: string;
  response?: string;
  latencyMs: number;
}

/**
 * The check before connecting, bounded by the connect timeout: a resolver that never answers must not
 * hold the destination's loop (the socket's own lookup is bounded by the connect timer).
 */
async function checkHostWithin(host: string, guard: GuardOptions, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      checkHost(host, guard),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${host}: no address within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const failure = (error: unknown, started: number): SendResult => ({
  outcome: error instanceof BlockedAddressError ? { kind: 'reject' } : { kind: 'retry' },
  error: error instanceof Error ? error.message : String(error),
  latencyMs: Math.round(performance.now() - started),
});

/** Sends one request; never throws: every failure is a classified result. */
export function send(request: StreamRequest, options: TransportOptions): Promise<SendResult> {
  return request.transport === 'http' ? sendHttp(request, options) : sendSocket(request, options);
}

export async function sendHttp(request: HttpStreamRequest, options: TransportOptions): Promise<SendResult> {
  const started = performance.now();
  let url: URL;
  try {
    url = new URL(request.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new BlockedAddressError(`${url.protocol} is not http(s)`);
    const guard = {
      allow: options.allow,
      plaintext: url.protocol === 'http:',
      ...(options.resolve ? { resolve: options.resolve } : {}),
    };
    await checkHostWithin(url.hostname, guard, options.connectTimeoutMs);
    return await new Promise<SendResult>((resolve) => {
      const client = url.protocol === 'https:' ? https : http;
      const body = Buffer.from(request.body, 'utf8');
      const req = client.request(
        url,
        {
          method: request.method,
          headers: {
            ...request.headers,
            'content-length': String(body.length),
            'user-agent': 'Trailmark-Streams/1',
          },
          lookup: guardedLookup(guard),
          // No connection reuse: every attempt resolves and checks the address again.
          agent: false,
          ...(request.ca ? { ca: request.ca } : options.ca ? { ca: options.ca } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            if (size < options.maxResponseBytes)
              chunks.push(chunk.subarray(0, options.maxResponseBytes - size));
            size += chunk.length;
            // Enough of the answer is kept; the rest is not read (a receiver cannot make us buffer a gigabyte).
            if (size >= options.maxResponseBytes) res.destroy();
          });
          const finish = () => {
            clearTimeout(timer);
            const status = res.statusCode ?? 0;
            resolve({
              outcome: classifyHttpStatus(status, res.headers['retry-after'] as string | undefined),
              status,
              response: Buffer.concat(chunks).toString('utf8'),
              latencyMs: Math.round(performance.now() - started),
            });
          };
          res.on('end', finish);
          res.on('close', finish);
          res.on('error', () => finish());
        },
      );
      const timer = setTimeout(
        () => req.destroy(new Error(`no answer within ${options.responseTimeoutMs} ms`)),
        options.connectTimeoutMs + options.responseTimeoutMs,
      );
      req.on('socket', (socket) => {
        socket.setTimeout(options.connectTimeoutMs, () => {
          if (socket.connecting)
            req.destroy(new Error(`no connection within ${options.connectTimeoutMs} ms`));
        });
        socket.once('connect', () => socket.setTimeout(0));
      });
      req.on('error', (error) => {
        clearTimeout(timer);
        resolve(failure(error, started));
      });
      req.end(body);
    });
  } catch (error) {
    return failure(error, started);
  }
}

/**
 * Writes framed syslog messages on one connection and closes it. Syslog has no acknowledgement: the
 * batch counts as delivered when every byte was written and the receiver closed or accepted the close.
 */
export async function sendSocket(
  request: SocketStreamRequest,
  options: TransportOptions,
): Promise<SendResult> {
  const started = performance.now();
  const host = bareHost(request.host);
  const guard = {
    allow: options.allow,
    plaintext: !request.tls,
    ...(options.resolve ? { resolve: options.resolve } : {}),
  };
  try {
    await checkHostWithin(host, guard, options.connectTimeoutMs);
    return await new Promise<SendResult>((resolve) => {
      const lookup = guardedLookup(guard);
      const socket = request.tls
        ? tls.connect({
            host,
            port: request.port,
            lookup,
            servername: net.isIP(host) ? undefined : host,
            ...(request.ca ? { ca: request.ca } : options.ca ? { ca: options.ca } : {}),
          })
        : net.connect({ host, port: request.port, lookup });
      let settled = false;
      const done = (result: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        resolve(result);
      };
      const timer = setTimeout(
        () =>
          done(
            failure(
              new Error(`not delivered within ${options.connectTimeoutMs + options.responseTimeoutMs} ms`),
              started,
            ),
          ),
        options.connectTimeoutMs + options.responseTimeoutMs,
      );
      socket.once(request.tls ? 'secureConnect' : 'connect', () => {
        socket.end(request.data, () => {
          done({ outcome: { kind: 'delivered' }, latencyMs: Math.round(performance.now() - started) });
        });
      });
      socket.on('data', () => {});
      socket.once('error', (error) => done(failure(error, started)));
    });
  } catch (error) {
    return failure(error, started);
  }
}
