import {
  checkpointOfNote,
  eventLeafHash,
  parseVerifierKey,
  toHex,
  verifyConsistency,
  verifyInclusion,
  verifyNote,
} from '@trailmark/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../testing/index.ts';

const event = (id: string) => ({
  id,
  source: 'billing-app',
  action: 'invoice.paid',
  occurred_at: '2026-04-14T10:32:15Z',
  actor: { type: 'user', id: 'u-1' },
  targets: [{ type: 'invoice', id: 'inv-1' }],
  outcome: { result: 'success' },
});
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

let t: TestApp;
let reader: string;
beforeAll(async () => {
  t = await createTestApp();
  const ingest = t.key('acme', ['ingest']);
  reader = t.key('acme', ['read']);
  for (let i = 0; i < 3; i++) {
    const res = await t.request('/v1/events', {
      token: ingest,
      body: { events: Array.from({ length: 5 }, (_, k) => event(`evt_proof_${i}_${k}`)) },
    });
    expect(res.status).toBe(201);
  }
  await t.request('/v1/events', { token: t.key('globex', ['ingest']), body: event('evt_globex_1') });
});
afterAll(async () => {
  await t.close();
});

describe('proofs and checkpoints: happy paths', () => {
  it('an inclusion proof verifies against a signed checkpoint and the served public key', async () => {
    const res = await t.request('/v1/proofs/inclusion?id=evt_proof_1_2', { token: reader });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ tenant: 'acme', event_id: 'evt_proof_1_2', log_index: 7, tree_size: 15 });
    const stored = await (await t.request('/v1/events/evt_proof_1_2', { token: reader })).json();
    expect(body.leaf_hash).toBe(toHex(eventLeafHash(stored, 7)));
    const keyRes = await (await t.request('/v1/checkpoints/public-key', { token: reader })).json();
    const key = parseVerifierKey(keyRes.current);
    expect(key).toBeDefined();
    expect(verifyNote(body.checkpoint.note, [key!]).ok).toBe(true);
    const signed = checkpointOfNote(body.checkpoint.note);
    expect(signed).toMatchObject({ origin: 'trailmark.test/acme', size: 15 });
    expect(
      verifyInclusion(
        bytes(Buffer.from(body.leaf_hash, 'hex').toString('base64')),
        7,
        15,
        body.proof.map(bytes),
        signed!.root,
      ),
    ).toBe(true);
  });

  it('a consistency proof shows an older tree is a prefix of the newer one', async () => {
    const res = await t.request('/v1/proofs/consistency?from=6&to=15', { token: reader });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(verifyConsistency(6, 15, bytes(body.from_root), bytes(body.to_root), body.proof.map(bytes))).toBe(
      true,
    );
  });

  it('checkpoints are listed newest first, signed on demand by an admin, and all kept', async () => {
    const admin = t.key('acme', ['admin', 'read']);
    await t.request('/v1/events', { token: t.key('acme', ['ingest']), body: event('evt_proof_late') });
    const made = await t.request('/v1/checkpoints', { token: admin, method: 'POST' });
    expect(made.status).toBe(201);
    expect((await made.json()).tree_size).toBe(16);
    const list = await (await t.request('/v1/checkpoints', { token: reader })).json();
    expect(list.origin).toBe('trailmark.test/acme');
    expect(list.data.map((c: { tree_size: number }) => c.tree_size)).toEqual([16, 15]);
  });
});

describe('proofs and checkpoints: errors and security', () => {
  it('401 without a credential', async () => {
    for (const path of [
      '/v1/proofs/inclusion?id=evt_proof_0_0',
      '/v1/checkpoints',
      '/v1/proofs/consistency?from=0&to=1',
    ])
      expect((await t.request(path, { token: null })).status).toBe(401);
  });

  it("another tenant's event is not found, and naming another tenant is forbidden", async () => {
    const res = await t.request('/v1/proofs/inclusion?id=evt_globex_1', { token: reader });
    expect(res.status).toBe(404);
    expect((await t.request('/v1/checkpoints?tenant=globex', { token: reader })).status).toBe(403);
  });

  it('400 with the field for bad input', async () => {
    const cases: [string, string][] = [
      ['/v1/proofs/inclusion', 'id'],
      ['/v1/proofs/consistency?from=x&to=3', 'from'],
      ['/v1/proofs/consistency?from=5&to=3', 'from'],
      ['/v1/proofs/consistency?from=0&to=999', 'to'],
      ['/v1/checkpoints', 'tenant'],
    ];
    for (const [path, field] of cases) {
      const res = await t.request(path, path === '/v1/checkpoints' ? {} : { token: reader });
      expect(res.status, path).toBe(400);
      expect((await res.json()).error.details[0].path, path).toBe(field);
    }
  });

  it('signing on demand needs the admin scope', async () => {
    expect((await t.request('/v1/checkpoints', { token: reader, method: 'POST' })).status).toBe(403);
  });
});
