import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { ErrorCode } from '@trailmark/core';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testing/index.ts';
import { statusOf } from './errors.ts';
import { ERROR_WHEN } from './openapi/errors.ts';
import {
  deniedEventExample,
  fileTransferNativeExample,
  renameEventExample,
  uploadEventExample,
} from './openapi/examples.ts';
import { openApiDocument } from './openapi.ts';

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
const DOC_ID = 'https://trailmark.invalid/openapi.json';

function newAjv(): Ajv2020 {
  // Not strict: OpenAPI adds keywords (example, x-*) that JSON Schema validators must ignore.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv;
}

function errorsText(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`)
    .join('\n');
}

/** JSON Pointer segment escaping (RFC 6901). */
const escapePointer = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

function resolvePointer(doc: unknown, pointer: string): unknown {
  let node: unknown = doc;
  for (const raw of pointer.replace(/^#\//, '').split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (node === null || typeof node !== 'object' || !(key in node)) return undefined;
    node = (node as Json)[key];
  }
  return node;
}

function collectRefs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) collectRefs(item, out);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push(value);
      else collectRefs(value, out);
    }
  }
  return out;
}

function operations(doc: Json): { path: string; method: string; op: Json }[] {
  const out: { path: string; method: string; op: Json }[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op) out.push({ path, method, op: op as Json });
    }
  }
  return out;
}

let t: TestApp;
let doc: Json;
let ajv: Ajv2020;

beforeAll(async () => {
  t = await createTestApp();
  doc = openApiDocument(t.deps, t.app);
  ajv = newAjv();
  // The whole document becomes one schema resource, so `#/components/...` refs resolve from any pointer.
  ajv.addSchema({ ...doc, $id: DOC_ID }, undefined, undefined, false);
});
afterAll(async () => {
  await t.close();
});

const compiled = new Map<string, ReturnType<typeof ajv.compile>>();

/** Validates `value` against the schema found at `pointer` inside the document (compiled once per pointer). */
function validateAt(pointer: string, value: unknown): string {
  let validate = compiled.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `${DOC_ID}${pointer}` });
    compiled.set(pointer, validate);
  }
  return validate(value) ? '' : errorsText(validate.errors);
}

describe('the OpenAPI document is structurally valid OpenAPI 3.1', () => {
  it('is served without a token at /v1/openapi.json', async () => {
    const res = await t.request('/v1/openapi.json', { token: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it('validates against the official OpenAPI 3.1 schema (@seriousme/openapi-schema-validator)', async () => {
    const validator = new Validator();
    // A copy: the validator may annotate what it is given.
    const result = await validator.validate(structuredClone(doc));
    expect(validator.version).toBe('3.1');
    expect(result.errors ?? [], JSON.stringify(result.errors ?? [], null, 2).slice(0, 4000)).toEqual([]);
    expect(result.valid).toBe(true);
    // And it does refuse a broken document: an operation without responses, an unknown parameter location.
    const broken = structuredClone(doc) as { paths: Record<string, Record<string, Json>> };
    const someGet = Object.values(broken.paths).find((item) => item.get)!.get as Json;
    delete someGet.responses;
    someGet.parameters = [{ name: 'x', in: 'body', schema: { type: 'string' } }];
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('resolves every $ref', () => {
    const refs = [...new Set(collectRefs(doc))];
    expect(refs.length).toBeGreaterThan(20);
    const broken = refs.filter((r) => !r.startsWith('#/') || resolvePointer(doc, r) === undefined);
    expect(broken).toEqual([]);
  });

  it('has component schemas that compile as JSON Schema 2020-12', () => {
    const schemas = (doc.components as Json).schemas as Json;
    for (const name of Object.keys(schemas)) {
      expect(() => ajv.compile({ $ref: `${DOC_ID}#/components/schemas/${name}` }), name).not.toThrow();
    }
  });

  it('gives every operation a unique id, responses, and declared path parameters', () => {
    const ids = new Set<string>();
    for (const { path, method, op } of operations(doc)) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(ids.has(op.operationId as string), `${where}: duplicate operationId`).toBe(false);
      ids.add(op.operationId as string);
      expect(
        Object.keys(op.responses as Json).some((s) => s.startsWith('2')),
        `${where}: no 2xx`,
      ).toBe(true);
      const declared = ((op.parameters as Json[] | undefined) ?? [])
        .map((p) => (p.$ref ? (resolvePointer(doc, p.$ref as string) as Json) : p))
        .filter((p) => p.in === 'path')
        .map((p) => p.name);
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(declared.sort(), where).toEqual(templated.sort());
    }
  });

  it('explains every error code and gives each error example the envelope shape', () => {
    expect(Object.keys(ERROR_WHEN).sort()).toEqual(Object.values(ErrorCode).sort());
    for (const { path, method, op } of operations(doc)) {
      for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
        if (Number(status) < 400) continue;
        const examples = ((response.content as Json)['application/json'] as Json).examples as Record<
          string,
          Json
        >;
        for (const [code, example] of Object.entries(examples)) {
          expect(
            validateAt('#/components/schemas/ErrorEnvelope', example.value),
            `${method} ${path} ${code}`,
          ).toBe('');
        }
      }
    }
    // Compiling a validator per example against the whole document is CPU-bound; the machine may be busy.
  }, 60_000);

  it('has examples that match their schemas', () => {
    let checked = 0;
    for (const { path, method, op } of operations(doc)) {
      const base = `#/paths/${escapePointer(path)}/${method}`;
      const bodies: [string, Json | undefined][] = [
        [`${base}/requestBody`, op.requestBody as Json | undefined],
        ...Object.entries(op.responses as Record<string, Json>).map(
          ([status, r]) => [`${base}/responses/${status}`, r] as [string, Json],
        ),
      ];
      for (const [pointer, holder] of bodies) {
        const media = (holder?.content as Json | undefined)?.['application/json'] as Json | undefined;
        if (!media) continue;
        const schemaPointer = `${pointer}/content/application~1json/schema`;
        const values = [
          ...(media.example === undefined ? [] : [media.example]),
          ...Object.values((media.examples as Record<string, Json> | undefined) ?? {}).map((e) => e.value),
        ];
        for (const value of values) {
          expect(validateAt(schemaPointer, value), `${method.toUpperCase()} ${path}: ${pointer}`).toBe('');
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
    // Compiling a validator per example against the whole document is CPU-bound; the machine may be busy.
  }, 60_000);

  it('restates the event limits the zod schema enforces', () => {
    const input = ((doc.components as Json).schemas as Json).EventInput as Json;
    const props = input.properties as Record<string, Json>;
    expect(props.targets.maxItems).toBe(32);
    expect(props.changes.maxItems).toBe(50);
    expect(props.metadata.maxProperties).toBe(40);
    expect(input.additionalProperties).toBe(false);
    const tooMany = {
      ...uploadEventExample,
      metadata: Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`k${i}`, i])),
    };
    expect(validateAt('#/components/schemas/EventInput', tooMany)).not.toBe('');
    const noKey = { ...uploadEventExample, targets: [{ type: 'file', role: 'primary' }] };
    expect(validateAt('#/components/schemas/EventInput', noKey)).not.toBe('');
  });
});

describe('the document and the app agree on routes', () => {
  /** `:id` (with an optional `{regex}`) becomes `{id}`, the OpenAPI template form. */
  const toTemplate = (path: string) => path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}');

  it('documents every route the app serves, and nothing else', () => {
    const served = new Set(
      t.app.routes
        .filter((r) => r.method !== 'ALL')
        .map((r) => `${r.method.toUpperCase()} ${toTemplate(r.path)}`),
    );
    const documented = new Set(operations(doc).map(({ path, method }) => `${method.toUpperCase()} ${path}`));
    expect(
      [...served].filter((r) => !documented.has(r)),
      'served but undocumented',
    ).toEqual([]);
    expect(
      [...documented].filter((r) => !served.has(r)),
      'documented but not served',
    ).toEqual([]);
  });
});

describe('docs/api.md keeps up with the document', () => {
  const markdown = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');

  it('has a row for every error code with the status errors.ts maps it to', () => {
    for (const code of Object.values(ErrorCode)) {
      // Tables may be column-aligned by the formatter, hence the flexible spacing.
      expect(markdown, code).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${statusOf(code)}\\s*\\|`));
    }
  });

  it('mentions every documented path', () => {
    const missing = Object.keys(doc.paths as Json).filter((path) => !markdown.includes(path));
    expect(missing).toEqual([]);
  });
});

describe('real responses match the documented ones', () => {
  /**
   * Asserts the status is documented for the operation, the Trailmark headers it declares are sent,
   * and a JSON body matches its schema.
   */
  async function conforms(res: Response, method: string, path: string): Promise<Json> {
    const where = `${method.toUpperCase()} ${path}`;
    const pointer = `#/paths/${escapePointer(path)}/${method}/responses/${res.status}`;
    const response = resolvePointer(doc, pointer) as Json | undefined;
    expect(response, `${where}: status ${res.status} is not documented`).toBeDefined();
    for (const name of Object.keys((response?.headers as Json | undefined) ?? {})) {
      // The row limit is the one conditional header: sent only when a tenant cap applies.
      if (!name.startsWith('X-') || name === 'X-Trailmark-Row-Limit') continue;
      expect(res.headers.get(name), `${where}: header ${name}`).not.toBeNull();
    }
    if (!res.headers.get('content-type')?.startsWith('application/json')) {
      await res.arrayBuffer();
      return {};
    }
    const body = (await res.json()) as Json;
    expect(validateAt(`${pointer}/content/application~1json/schema`, body), where).toBe('');
    return body;
  }

  it('ingests the documented examples', async () => {
    const single = await t.request('/v1/events', { body: { ...uploadEventExample, tenant: 'acme' } });
    expect(await conforms(single, 'post', '/v1/events')).toMatchObject({ accepted: 1 });
    const key = t.key('acme', ['ingest']);
    const batch = await t.request('/v1/events', {
      token: key,
      body: { events: [uploadEventExample, renameEventExample, deniedEventExample] },
    });
    expect(await conforms(batch, 'post', '/v1/events')).toEqual({
      accepted: 2,
      duplicates: 1,
      ids: [uploadEventExample.id, renameEventExample.id, deniedEventExample.id],
    });
    const native = await t.request('/v1/sources/file-transfer/events?tenant=globex', {
      body: fileTransferNativeExample,
    });
    expect(await conforms(native, 'post', '/v1/sources/{source}/events')).toMatchObject({ accepted: 1 });
  });

  it('reads back what the schemas describe', async () => {
    const key = t.key('acme', ['read']);
    const list = await conforms(
      await t.request('/v1/events?source=file-transfer&limit=1', { token: key }),
      'get',
      '/v1/events',
    );
    expect(list.next_cursor).toEqual(expect.any(String));
    await conforms(
      await t.request(`/v1/events/${uploadEventExample.id}`, { token: key }),
      'get',
      '/v1/events/{id}',
    );
    await conforms(await t.request('/v1/facets?field=action', { token: key }), 'get', '/v1/facets');
    const history = await conforms(
      await t.request('/v1/history?target_path=/forest/tree.png', { token: key }),
      'get',
      '/v1/history',
    );
    expect((history.data as Json[]).map((e) => e.id)).toEqual([renameEventExample.id]);
    await conforms(await t.request('/v1/catalog', { token: key }), 'get', '/v1/catalog');
  });

  it('exports as documented, streamed and as a job with resumable download', async () => {
    const key = t.key('acme', ['export']);
    const stream = await t.request('/v1/export?format=csv&bom=true&source=file-transfer', { token: key });
    await conforms(stream, 'get', '/v1/export');
    expect(stream.status).toBe(200);
    const job = await conforms(
      await t.request('/v1/exports', {
        token: key,
        body: { format: 'ndjson', filters: { source: 'file-transfer' } },
      }),
      'post',
      '/v1/exports',
    );
    const jobPath = `/v1/exports/${job.id as string}`;
    await t.deps.exportJobs.drain();
    const done = await conforms(await t.request(jobPath, { token: key }), 'get', '/v1/exports/{id}');
    expect(done.status).toBe('completed');
    await conforms(await t.request('/v1/exports', { token: key }), 'get', '/v1/exports');
    const download = '/v1/exports/{id}/download';
    const full = await t.request(`${jobPath}/download`, { token: key });
    expect(full.status).toBe(200);
    await conforms(full, 'get', download);
    const part = await t.request(`${jobPath}/download`, { token: key, headers: { range: 'bytes=10-' } });
    expect(part.status).toBe(206);
    await conforms(part, 'get', download);
    for (const range of ['bytes=99999999-', 'bytes=abc']) {
      const refused = await t.request(`${jobPath}/download`, { token: key, headers: { range } });
      expect(refused.headers.get('content-range'), range).toMatch(/^bytes \*\/\d+$/);
      expect(((await conforms(refused, 'get', download)).error as Json).code).toBe(
        ErrorCode.RANGE_NOT_SATISFIABLE,
      );
    }
    const deleted = await t.request(jobPath, { token: key, method: 'DELETE' });
    expect(deleted.status).toBe(204);
    await conforms(deleted, 'delete', '/v1/exports/{id}');
    const gone = await conforms(await t.request(jobPath, { token: key }), 'get', '/v1/exports/{id}');
    expect((gone.error as Json).code).toBe(ErrorCode.NOT_FOUND);
    const bad = await conforms(
      await t.request('/v1/export?format=xlsx', { token: key }),
      'get',
      '/v1/export',
    );
    expect((bad.error as Json).code).toBe(ErrorCode.UNSUPPORTED_FORMAT);
    const paged = await conforms(await t.request('/v1/export?limit=5', { token: key }), 'get', '/v1/export');
    expect((paged.error as Json).code).toBe(ErrorCode.UNKNOWN_FILTER);
  });

  it('answers admin calls as documented', async () => {
    const created = await conforms(
      await t.request('/v1/admin/api-keys', {
        body: { tenant: 'acme', name: 'siem-pull', scopes: ['read'] },
      }),
      'post',
      '/v1/admin/api-keys',
    );
    await conforms(await t.request('/v1/admin/api-keys?tenant=acme'), 'get', '/v1/admin/api-keys');
    await conforms(
      await t.request(`/v1/admin/api-keys/${created.id as string}`, { method: 'DELETE' }),
      'delete',
      '/v1/admin/api-keys/{id}',
    );
    await conforms(
      await t.request('/v1/admin/tenants/acme/settings', {
        method: 'PUT',
        body: { max_export_rows: 500_000 },
      }),
      'put',
      '/v1/admin/tenants/{tenant}/settings',
    );
    await conforms(
      await t.request('/v1/admin/tenants/acme/settings'),
      'get',
      '/v1/admin/tenants/{tenant}/settings',
    );
    await conforms(
      await t.request('/v1/admin/retention/run', { method: 'POST' }),
      'post',
      '/v1/admin/retention/run',
    );
    await conforms(await t.request('/v1/admin/retention/runs'), 'get', '/v1/admin/retention/runs');
  });

  it('answers errors with documented statuses and the envelope', async () => {
    const cases: [Response | Promise<Response>, string, string, ErrorCode][] = [
      [t.request('/v1/events', { token: null }), 'get', '/v1/events', ErrorCode.UNAUTHENTICATED],
      [t.request('/v1/events?actions=file.uploaded'), 'get', '/v1/events', ErrorCode.UNKNOWN_FILTER],
      [t.request('/v1/events?from=yesterday'), 'get', '/v1/events', ErrorCode.INVALID_FILTER],
      [t.request('/v1/events?cursor=nope'), 'get', '/v1/events', ErrorCode.INVALID_CURSOR],
      [t.request('/v1/events/evt_missing'), 'get', '/v1/events/{id}', ErrorCode.NOT_FOUND],
      [
        t.request('/v1/events', {
          body: { ...uploadEventExample, action: 'file.teleported', tenant: 'acme' },
        }),
        'post',
        '/v1/events',
        ErrorCode.UNKNOWN_ACTION,
      ],
      [t.request('/v1/events', { rawBody: '{"source":' }), 'post', '/v1/events', ErrorCode.MALFORMED_JSON],
      [
        t.request('/v1/events', { token: t.key('acme', ['read']), body: uploadEventExample }),
        'post',
        '/v1/events',
        ErrorCode.FORBIDDEN,
      ],
      [
        t.request('/v1/sources/dropbox/events?tenant=acme', { body: {} }),
        'post',
        '/v1/sources/{source}/events',
        ErrorCode.UNKNOWN_SOURCE,
      ],
      [t.request('/v1/facets?field=colour'), 'get', '/v1/facets', ErrorCode.VALIDATION_FAILED],
      [
        t.request('/v1/admin/retention/runs', { token: t.key('acme', ['admin']) }),
        'get',
        '/v1/admin/retention/runs',
        ErrorCode.FORBIDDEN,
      ],
    ];
    for (const [pending, method, path, code] of cases) {
      const body = await conforms(await pending, method, path);
      expect((body.error as Json).code, `${method.toUpperCase()} ${path}`).toBe(code);
    }
  });
});
