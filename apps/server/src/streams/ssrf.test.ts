import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { startHttpReceiver } from '../../testing/stream-receivers.ts';
import { blockedReason, checkHost, parseAllowList } from './ssrf.ts';
import { sendHttp, sendSocket } from './transport.ts';

/** Every address and name here must be refused with no allow-list (IPv4, IPv6, IPv4-mapped, encodings). */
const REFUSED_ADDRESSES = [
  '127.0.0.1',
  '127.255.255.254',
  '0.0.0.0',
  '10.0.0.1',
  '10.255.255.255',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.1.1',
  '169.254.169.254', // AWS, GCP, Azure instance metadata
  '169.254.170.2', // ECS task metadata
  '100.64.0.1', // CGNAT
  '100.100.100.200', // Alibaba metadata (CGNAT range)
  '168.63.129.16', // Azure wire server
  '192.0.0.192', // Oracle Cloud metadata (IETF protocol assignments)
  '224.0.0.1',
  '239.255.255.250',
  '255.255.255.255',
  '198.18.0.1', // benchmarking
  '240.0.0.1', // reserved
  '::1',
  '::',
  'fe80::1',
  'fc00::1',
  'fd00:ec2::254', // AWS metadata over IPv6
  'ff02::1',
  '::ffff:127.0.0.1', // IPv4-mapped loopback
  '::ffff:10.0.0.1',
  '::ffff:169.254.169.254',
  '::ffff:7f00:1', // the same, hex form
  '64:ff9b::a00:1', // NAT64 of 10.0.0.1
  '2002:a00:1::1', // 6to4 of 10.0.0.1
  '2001:db8::1', // documentation
];

/** URL spellings of internal addresses: the WHATWG parser normalizes them, then the guard refuses them. */
const REFUSED_URLS = [
  'http://0x7f000001/',
  'http://2130706433/',
  'http://017700000001/',
  'http://127.1/',
  'http://[::1]:8080/',
  'http://[::ffff:127.0.0.1]/',
  'https://[0:0:0:0:0:ffff:a9fe:a9fe]/latest/meta-data/',
];

const ALLOWED = ['8.8.8.8', '93.184.216.34', '1.1.1.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e'];

/** A resolver that answers like a hostile DNS server: names resolving to internal addresses. */
type Answer = (
  hostname: string,
  options: unknown,
  callback: (e: Error | null, a: LookupAddress[]) => void,
) => void;

function dnsAnswer(table: Record<string, string[]>): Answer {
  return (hostname, _options, callback) => {
    const addresses = table[hostname];
    if (!addresses)
      return callback(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };
}

/** The resolver option's type is node's overloaded `dns.lookup`; the fake implements the `all: true` form. */
const fakeDns = (table: Record<string, string[]>) => dnsAnswer(table) as never;

const NAMES: Record<string, string[]> = {
  'localhost.example': ['127.0.0.1'],
  'metadata.example': ['169.254.169.254'],
  'internal-siem.example': ['10.1.2.3'],
  'ipv6-internal.example': ['fd12:3456::1'],
  'mapped.example': ['::ffff:192.168.0.10'],
  // One public and one private answer: refused (every address must be public).
  'mixed.example': ['93.184.216.34', '10.0.0.5'],
  'public.example': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
};

describe('SSRF guard: the address corpus', () => {
  it.each(REFUSED_ADDRESSES)('refuses %s', (ip) => {
    expect(blockedReason(ip, [])).toBeDefined();
  });

  it.each(ALLOWED)('allows public %s', (ip) => {
    expect(blockedReason(ip, [])).toBeUndefined();
  });

  it.each(REFUSED_URLS)('refuses the URL %s (normalized first)', async (url) => {
    await expect(checkHost(new URL(url).hostname, { allow: [], plaintext: false })).rejects.toThrow(
      /refused/,
    );
  });

  it.each(Object.keys(NAMES).filter((n) => n !== 'public.example'))(
    'refuses the name %s, which resolves to an internal address',
    async (name) => {
      await expect(checkHost(name, { allow: [], plaintext: false, resolve: fakeDns(NAMES) })).rejects.toThrow(
        /refused/,
      );
    },
  );

  it('allows a name whose every address is public', async () => {
    await expect(
      checkHost('public.example', { allow: [], plaintext: false, resolve: fakeDns(NAMES) }),
    ).resolves.toBeUndefined();
  });
});

describe('SSRF guard: the allow-list', () => {
  it('allows listed ranges only (IPv4-mapped addresses match their IPv4 range)', () => {
    const allow = parseAllowList('10.0.0.0/8, 127.0.0.1, fd12:3456::/32');
    expect(blockedReason('10.9.9.9', allow)).toBeUndefined();
    expect(blockedReason('::ffff:10.9.9.9', allow)).toBeUndefined();
    expect(blockedReason('127.0.0.1', allow)).toBeUndefined();
    expect(blockedReason('fd12:3456::1', allow)).toBeUndefined();
    expect(blockedReason('127.0.0.2', allow)).toBeDefined();
    expect(blockedReason('192.168.1.1', allow)).toBeDefined();
    expect(blockedReason('169.254.169.254', parseAllowList('on'))).toBeUndefined();
  });

  it('rejects a malformed allow-list', () => {
    expect(() => parseAllowList('10.0.0.0/33')).toThrow();
    expect(() => parseAllowList('intranet')).toThrow();
  });

  it('sends plain http only to allow-listed addresses', async () => {
    await expect(checkHost('8.8.8.8', { allow: [], plaintext: true })).rejects.toThrow(/plain http/);
    await expect(
      checkHost('127.0.0.1', { allow: parseAllowList('127.0.0.1'), plaintext: true }),
    ).resolves.toBeUndefined();
  });
});

describe('SSRF guard at connect time', () => {
  it('checks the address the socket connects to: a name that rebinds to loopback never reaches the receiver', async () => {
    const receiver = await startHttpReceiver();
    try {
      const port = new URL(receiver.url).port;
      // First answer public (passes a check made before connecting), then loopback at connect time.
      let calls = 0;
      const rebinding = ((
        hostname: string,
        options: unknown,
        callback: (e: Error | null, a: LookupAddress[]) => void,
      ) => {
        calls++;
        dnsAnswer({ 'rebind.example': calls === 1 ? ['93.184.216.34'] : ['127.0.0.1'] })(
          hostname,
          options,
          callback,
        );
      }) as never;
      const result = await sendHttp(
        {
          transport: 'http',
          method: 'POST',
          url: `https://rebind.example:${port}/`,
          headers: {},
          body: '{}',
        },
        {
          allow: [],
          connectTimeoutMs: 2000,
          responseTimeoutMs: 2000,
          maxResponseBytes: 1024,
          resolve: rebinding,
        },
      );
      expect(result.outcome.kind).toBe('reject');
      expect(result.error).toMatch(/127\.0\.0\.1.*refused/);
      expect(calls).toBe(2);
      expect(receiver.requests).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });

  it('does not follow redirects (a 302 to an internal address is a failed attempt)', async () => {
    const internal = await startHttpReceiver();
    const redirecting = await startHttpReceiver(() => ({
      status: 302,
      headers: { location: `${internal.url}/` },
    }));
    try {
      const result = await sendHttp(
        { transport: 'http', method: 'POST', url: `${redirecting.url}/hook`, headers: {}, body: '{}' },
        {
          allow: parseAllowList('127.0.0.1'),
          connectTimeoutMs: 2000,
          responseTimeoutMs: 2000,
          maxResponseBytes: 1024,
        },
      );
      expect(result.status).toBe(302);
      expect(result.outcome.kind).toBe('retry');
      expect(internal.requests).toHaveLength(0);
    } finally {
      await internal.close();
      await redirecting.close();
    }
  });

  it('reads at most the size cap of an answer', async () => {
    const big = await startHttpReceiver(() => ({ status: 400, body: 'x'.repeat(1_000_000) }));
    try {
      const result = await sendHttp(
        { transport: 'http', method: 'POST', url: `${big.url}/`, headers: {}, body: '{}' },
        {
          allow: parseAllowList('127.0.0.1'),
          connectTimeoutMs: 2000,
          responseTimeoutMs: 2000,
          maxResponseBytes: 4096,
        },
      );
      expect(result.status).toBe(400);
      expect(result.response?.length).toBe(4096);
    } finally {
      await big.close();
    }
  });

  it('gives up on a name that does not resolve within the connect timeout (the loop is not held)', async () => {
    const silent = (() => {}) as never; // a resolver that never answers
    const options = {
      allow: parseAllowList('127.0.0.1'),
      connectTimeoutMs: 100,
      responseTimeoutMs: 100,
      maxResponseBytes: 1024,
      resolve: silent,
    };
    const http = await sendHttp(
      { transport: 'http', method: 'POST', url: 'https://hangs.example/', headers: {}, body: '{}' },
      options,
    );
    expect(http.outcome.kind).toBe('retry');
    expect(http.error).toMatch(/hangs\.example.*within 100 ms/);
    const socket = await sendSocket(
      { transport: 'socket', host: 'hangs.example', port: 6514, tls: true, data: '1 x' },
      options,
    );
    expect(socket.outcome.kind).toBe('retry');
    expect(socket.error).toMatch(/hangs\.example.*within 100 ms/);
  }, 10_000);

  it('gives up on an answer that takes longer than the response timeout (a retryable failure)', async () => {
    const slow = await startHttpReceiver(() => ({ status: 200, delayMs: 5000 }));
    try {
      const result = await sendHttp(
        { transport: 'http', method: 'POST', url: `${slow.url}/`, headers: {}, body: '{}' },
        {
          allow: parseAllowList('127.0.0.1'),
          connectTimeoutMs: 100,
          responseTimeoutMs: 200,
          maxResponseBytes: 1024,
        },
      );
      expect(result.outcome.kind).toBe('retry');
      expect(result.error).toMatch(/no answer within/);
      expect(slow.requests).toHaveLength(1);
    } finally {
      await slow.close();
    }
  });
});
