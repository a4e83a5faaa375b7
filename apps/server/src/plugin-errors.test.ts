import { createPluginSet, defineSourcePlugin, TrailmarkError } from '@trailmark/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestApp, type TestApp } from '../testing/index.ts';

/**
 * A plugin declares its own error codes: the server answers them with the declared status and the
 * usual envelope, the API reference lists them, and nothing in core's list had to change.
 */
const transfers = defineSourcePlugin({
  id: 'geo-transfer',
  name: 'Geo transfer',
  actions: [{ action: 'file.uploaded', label: 'File uploaded', category: 'file', ocsf_class_uid: 6006 }],
  errors: [
    {
      code: 'TRANSFER_REGION_CLOSED',
      status: 422,
      when: 'The transfer names a region that no longer accepts files.',
    },
  ],
  nativeSchema: z.object({ id: z.string(), region: z.string(), user: z.string(), at: z.string() }),
  map: (native) => {
    if (native.region === 'closed-1')
      throw new TrailmarkError('TRANSFER_REGION_CLOSED', `region ${native.region} no longer accepts files`, [
        { path: 'region', message: 'this region is closed' },
      ]);
    if (native.region === 'broken') throw new TrailmarkError('NOT_DECLARED_ANYWHERE', 'a plugin bug');
    return {
      id: native.id,
      source: 'geo-transfer',
      action: 'file.uploaded',
      occurred_at: native.at,
      actor: { type: 'user', id: native.user },
      targets: [{ type: 'file', id: `${native.id}-file`, region: native.region }],
      outcome: { result: 'success' },
    };
  },
});

const payload = (id: string, region: string) => ({ id, region, user: 'u-1', at: '2026-04-14T10:32:15Z' });

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ plugins: [transfers] });
});
afterAll(async () => {
  await t.close();
});

describe('error codes a plugin declares', () => {
  it('answer with the declared status, code and field path; nothing of the request is stored', async () => {
    const res = await t.request('/v1/sources/geo-transfer/events?tenant=acme', {
      body: [payload('gt-1', 'eu-1'), payload('gt-2', 'closed-1')],
    });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error).toMatchObject({
      code: 'TRANSFER_REGION_CLOSED',
      message: 'region closed-1 no longer accepts files',
      details: [{ path: 'region', message: 'this region is closed' }],
    });
    expect(body.error.request_id).toMatch(/^req_/);
    expect((await t.request('/v1/events/gt-1?tenant=acme')).status).toBe(404);

    const ok = await t.request('/v1/sources/geo-transfer/events?tenant=acme', {
      body: payload('gt-3', 'eu-1'),
    });
    expect(ok.status).toBe(201);
  });

  it('an undeclared code is a fault of the plugin: 500 INTERNAL, no internals leaked', async () => {
    const res = await t.request('/v1/sources/geo-transfer/events?tenant=acme', {
      body: payload('gt-4', 'broken'),
    });
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body.error.code).toBe('INTERNAL');
    expect(JSON.stringify(body)).not.toContain('NOT_DECLARED_ANYWHERE');
  });

  it('are listed in the API reference: the code enum and the native ingest route', async () => {
    const doc = await (await t.request('/v1/openapi.json')).json();
    const codes = doc.components.schemas.ErrorCode;
    expect(codes.enum).toContain('TRANSFER_REGION_CLOSED');
    expect(codes.description).toContain(
      '`TRANSFER_REGION_CLOSED` (422, declared by the plugin `geo-transfer`): The transfer names a region',
    );
    const native = doc.paths['/v1/sources/{source}/events'].post.responses['422'];
    expect(native.description).toContain('`TRANSFER_REGION_CLOSED` (the `geo-transfer` plugin)');
  });

  it('must be UPPER_SNAKE, must not reuse a core code, and are declared by one plugin only', () => {
    const withCode = (id: string, code: string) =>
      defineSourcePlugin({
        id,
        name: id,
        actions: [
          { action: 'file.uploaded', label: 'File uploaded', category: 'file', ocsf_class_uid: 6006 },
        ],
        errors: [{ code, status: 409, when: 'never' }],
      });
    expect(() => createPluginSet([withCode('a', 'region-closed')])).toThrow(/UPPER_SNAKE/);
    expect(() => createPluginSet([withCode('a', 'CONFLICT')])).toThrow(/is a core code/);
    expect(() => createPluginSet([withCode('a', 'SAME_CODE'), withCode('b', 'SAME_CODE')])).toThrow(
      /declared by "a" and "b"/,
    );
    expect(createPluginSet([withCode('a', 'A_CODE')]).errors.get('A_CODE')).toEqual({
      code: 'A_CODE',
      status: 409,
      when: 'never',
      plugin: 'a',
    });
  });
});
