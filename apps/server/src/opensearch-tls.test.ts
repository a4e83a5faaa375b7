import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@opensearch-project/opensearch';
import { createOpenSearchStorage } from '@trailmark/storage-opensearch';
import { dropLayout } from '@trailmark/storage-opensearch/testing';
import { contractEvents } from '@trailmark/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The adapter's client options against the real node behind a local HTTPS proxy that demands basic auth,
 * with a certificate signed by a CA made here (openssl): a real TLS handshake with OPENSEARCH_CA_FILE.
 * A wrong password or an untrusted certificate stops `trailmark serve` with one line saying what to change.
 */
const url = process.env.OPENSEARCH_URL;
if (!url) console.info('OpenSearch TLS test: skipped, OPENSEARCH_URL is not set (no node to test)');

const USER = 'trailmark';
const PASSWORD = `pw-${randomBytes(6).toString('hex')}`;
const cli = new URL('./cli.ts', import.meta.url).pathname;

describe.skipIf(!url)('OpenSearch behind TLS and basic auth (OPENSEARCH_URL)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trailmark-tls-'));
  const prefix = `tm-tls-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const ca = join(dir, 'ca.pem');
  let proxy: Server;
  let proxyUrl = '';
  const seen = { authorized: 0, refused: 0 };

  beforeAll(async () => {
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=trailmark test CA',
    );
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'node.key',
      '-out',
      'node.csr',
      '-subj',
      '/CN=127.0.0.1',
    );
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    openssl(
      'x509',
      '-req',
      '-in',
      'node.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'node.pem',
      '-days',
      '2',
      '-extfile',
      'san.ext',
    );
    const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    const target = new URL(url ?? '');
    proxy = createServer(
      { key: readFileSync(join(dir, 'node.key')), cert: readFileSync(join(dir, 'node.pem')) },
      (req, res) => {
        if (req.headers.authorization !== expected) {
          seen.refused++;
          res.writeHead(401, {
            'content-type': 'application/json',
            'www-authenticate': 'Basic realm="test"',
          });
          res.end(
            JSON.stringify({
              error: { type: 'security_exception', reason: 'missing or wrong credentials' },
              status: 401,
            }),
          );
          return;
        }
        seen.authorized++;
        const { authorization: _, host: __, ...headers } = req.headers;
        const upstream = httpRequest(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', () => res.destroy());
        req.pipe(upstream);
      },
    );
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    proxyUrl = `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((r) => proxy?.close(() => r()));
    const admin = new Client({ node: url ?? '' });
    await dropLayout(admin, prefix);
    await admin.close();
  });

  it('stores and reads through the proxy with the CA file and the right password', async () => {
    const storage = createOpenSearchStorage({
      node: proxyUrl,
      auth: { username: USER, password: PASSWORD },
      tls: { rejectUnauthorized: true, ca: readFileSync(ca, 'utf8') },
      indexPrefix: prefix,
      ism: 'auto',
      onWarning: () => {},
    });
    try {
      await storage.init();
      const events = contractEvents(12);
      expect((await storage.append(events)).inserted).toHaveLength(12);
      expect(await storage.get(events[3].id, [events[3].tenant])).toEqual(events[3]);
      expect(await storage.count({})).toBe(12);
    } finally {
      await storage.close();
    }
    expect(seen.authorized).toBeGreaterThan(0);
  }, 60_000);

  /** `trailmark serve` on this proxy; resolves with its exit code and output, or once it listens. */
  const serve = (env: Record<string, string>) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', cli, 'serve'], {
        env: {
          ...process.env,
          TRAILMARK_DATA_DIR: mkdtempSync(join(tmpdir(), 'trailmark-tls-data-')),
          TRAILMARK_DEMO: 'off',
          TRAILMARK_STORAGE: 'opensearch',
          TRAILMARK_ADMIN_TOKEN: 'tls-test-operator-token-0123456789',
          OPENSEARCH_URL: proxyUrl,
          OPENSEARCH_INDEX_PREFIX: prefix,
          OPENSEARCH_ISM: 'auto',
          OPENSEARCH_USERNAME: USER,
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
          ...env,
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += d;
        if (stdout.includes('is listening on')) child.kill('SIGTERM');
      });
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });

  it('trailmark serve starts on it with OPENSEARCH_CA_FILE and the right password', async () => {
    const run = await serve({ OPENSEARCH_PASSWORD: PASSWORD, OPENSEARCH_CA_FILE: ca });
    expect(run.stdout).toContain('(storage: opensearch');
  }, 60_000);

  it('a wrong password stops the start with one line naming the credentials, not a stack trace', async () => {
    const before = seen.refused;
    const run = await serve({ OPENSEARCH_PASSWORD: 'not-the-password', OPENSEARCH_CA_FILE: ca });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/trailmark: OpenSearch .*\(401\): the cluster refused the credentials/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(seen.refused).toBeGreaterThan(before);
  }, 60_000);

  it('an untrusted certificate (no CA file) stops the start with one line naming the CA setting', async () => {
    const run = await serve({ OPENSEARCH_PASSWORD: PASSWORD });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /trailmark: OpenSearch at https:\/\/127\.0\.0\.1:\d+: its TLS certificate is not trusted/,
    );
    expect(run.stderr).toContain('OPENSEARCH_CA_FILE');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
