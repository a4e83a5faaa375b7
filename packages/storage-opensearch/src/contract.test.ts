import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from '@opensearch-project/opensearch';
import { runStorageContract } from '@trailmark/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { dropLayout } from '../testing/index.ts';
import { Interceptor } from '../testing/interceptor.ts';
import { createSpecValidator, specAvailable } from '../testing/spec-validator.ts';
import {
  createOpenSearchStorage,
  type IsmMode,
  type OpenSearchStorageOptions,
} from './opensearch-storage.ts';

/**
 * The shared storage contract against a REAL engine, when OPENSEARCH_URL is set: CI starts one
 * (`npm run opensearch:start`, OpenSearch 2.19.6 from Maven artifacts) and runs `npm run test:opensearch`.
 * Each store gets a unique index prefix; everything under it (indices, template, ISM policies) is deleted
 * afterwards. Every request the adapter sends during the suite, and the engine's answer to it, is also
 * checked against the official API specification (interceptor.ts).
 */
const url = process.env.OPENSEARCH_URL;
if (!url)
  console.info(
    'storage-opensearch contract: skipped, OPENSEARCH_URL is not set (no cluster to test against)',
  );

/** The launcher's node has no ISM (see test/opensearch/README.md): `auto` unless told otherwise. */
function ismMode(): IsmMode {
  const mode = process.env.OPENSEARCH_ISM;
  return mode === 'require' || mode === 'off' ? mode : 'auto';
}

function connection(): Pick<OpenSearchStorageOptions, 'node' | 'auth' | 'tls'> {
  const username = process.env.OPENSEARCH_USERNAME;
  const password = process.env.OPENSEARCH_PASSWORD;
  const ca = process.env.OPENSEARCH_CA_FILE;
  return {
    node: url ?? '',
    ...(username && password ? { auth: { username, password } } : {}),
    tls: {
      rejectUnauthorized: process.env.OPENSEARCH_TLS_REJECT_UNAUTHORIZED !== 'false',
      ...(ca ? { ca: readFileSync(ca, 'utf8') } : {}),
    },
  };
}

/** Auth and TLS of the connection, as client options. */
function clientTls(c: ReturnType<typeof connection>) {
  return {
    ...(c.auth ? { auth: c.auth } : {}),
    ssl: { rejectUnauthorized: c.tls?.rejectUnauthorized ?? true, ...(c.tls?.ca ? { ca: c.tls.ca } : {}) },
  };
}

describe.skipIf(!url)('storage-opensearch against a real cluster (OPENSEARCH_URL)', () => {
  const run = `tm-test-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const prefixes: string[] = [];
  const spec = specAvailable() ? createSpecValidator() : undefined;
  const interceptors: Interceptor[] = [];

  runStorageContract({
    name: `opensearch ${url}`,
    create: async ({ fields }) => {
      const prefix = `${run}-${prefixes.length}`;
      prefixes.push(prefix);
      const c = connection();
      const interceptor = new Interceptor({
        node: typeof c.node === 'string' ? c.node : (c.node[0] ?? ''),
        ...(spec ? { spec } : {}),
      });
      interceptors.push(interceptor);
      const storage = createOpenSearchStorage({
        ...c,
        client: interceptor.client(clientTls(c)),
        indexPrefix: prefix,
        ism: ismMode(),
        fields,
      });
      await storage.init();
      return storage;
    },
  });

  it.skipIf(!spec)('sent only requests the API specification allows, and got answers shaped like it', () => {
    expect(interceptors.length).toBeGreaterThan(0);
    expect(interceptors.reduce((n, i) => n + i.requests.length, 0)).toBeGreaterThan(100);
    expect(interceptors.flatMap((i) => i.violations)).toEqual([]);
  });

  afterAll(async () => {
    const c = connection();
    const client = new Client({ node: typeof c.node === 'string' ? c.node : [...c.node], ...clientTls(c) });
    for (const interceptor of interceptors) await interceptor.close();
    for (const prefix of prefixes) await dropLayout(client, prefix);
    await client.close();
  });
});
