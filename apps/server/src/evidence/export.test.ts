import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  type AuditEvent,
  canonicalEvent,
  ed25519Signer,
  formatCheckpoint,
  formatVerifierKey,
  generateSigningSeed,
  keyId,
  type LogLeaf,
  MerkleTree,
  signNote,
} from '@trailmark/core';
import { verifyExportFile } from '@trailmark/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/index.ts';
import { exportHeader, exportRow, writeVerifiableExport } from './export.ts';

const dir = mkdtempSync(join(tmpdir(), 'trailmark-vexport-'));

/** Rewrites one line of a file with `change`. */
function alterLine(path: string, line: number, change: (text: string) => string): string {
  const lines = readFileSync(path, 'utf8').split('\n');
  lines[line - 1] = change(lines[line - 1] as string);
  const out = `${path}.altered-${line}`;
  writeFileSync(out, lines.join('\n'));
  return out;
}

describe('a verifiable export of 100k events, checked by the standalone verifier', () => {
  const path = join(dir, 'big.ndjson');
  const signer = ed25519Signer('trailmark.test', generateSigningSeed());
  const verifierKey = formatVerifierKey(signer.name, signer.publicKey);
  const N = 100_000;

  beforeAll(() => {
    // Generated straight into the export format (no server in between), with the export's own writers.
    const events: AuditEvent[] = [];
    const leaves: LogLeaf[] = [];
    for (let i = 0; i < N; i++) {
      const event = {
        id: `evt_big_${i}`,
        tenant: 'acme',
        source: 'billing-app',
        action: 'invoice.paid',
        occurred_at: new Date(1_770_000_000_000 + i * 1000).toISOString(),
        received_at: new Date(1_770_000_000_000 + i * 1000 + 5).toISOString(),
        actor: { type: 'user', id: `u-${i % 97}` },
        targets: [{ type: 'invoice', id: `inv-${i}` }],
        outcome: { result: 'success' },
      } as AuditEvent;
      const digest = createHash('sha256').update(canonicalEvent(event)).digest('hex');
      const hash = createHash('sha256')
        .update(Buffer.from([0]))
        .update(`{"event_sha256":"${digest}","log_index":${i}}`)
        .digest('hex');
      events.push(event);
      leaves.push({
        index: i,
        event_id: event.id,
        hash,
        ...(i % 1000 === 7 ? { removed: 'purged' as const } : {}),
      });
    }
    const tree = new MerkleTree(leaves.map((l) => new Uint8Array(Buffer.from(l.hash, 'hex'))));
    const at = new Date().toISOString();
    const note = signNote(
      formatCheckpoint({
        origin: 'trailmark.test/acme',
        size: N,
        root: tree.root(),
        extensions: [`time ${at}`],
      }),
      signer,
    );
    const checkpoint = {
      id: 1,
      tenant: 'acme',
      tree_size: N,
      key_id: keyId(signer.name, signer.publicKey),
      note,
      created_at: at,
    };
    const parts = [
      exportHeader({ tenant: 'acme', origin: 'trailmark.test/acme', checkpoint, publicKeys: [verifierKey] }),
    ];
    for (let i = 0; i < N; i++) parts.push(exportRow(leaves[i]!, events[i]!, tree.inclusionProof(i)));
    writeFileSync(path, parts.join(''));
  }, 120_000);

  it('verifies offline, every row proven against the signed checkpoint, purged rows included', async () => {
    const result = await verifyExportFile(path, { trustedKeys: [verifierKey] });
    expect(result.problems).toEqual([]);
    expect(result).toMatchObject({ ok: true, rows: N, removed: 100, tree_size: N, key_from_file: false });
  }, 120_000);

  it('fails on any altered row, naming its line and event', async () => {
    const cases: [number, (t: string) => string][] = [
      [2 + 51_234, (t) => t.replace('"u-', '"v-')], // an event field
      [2 + 99_999, (t) => t.replace('"log_index":99999', '"log_index":99998')], // its position
      [
        2 + 7,
        (t) => t.replace(/"leaf_hash":"(.)/, (_m, c: string) => `"leaf_hash":"${c === 'f' ? 'e' : 'f'}`),
      ], // a purged row's leaf
      [2 + 10, (t) => t.replace(/"proof":\["./, '"proof":["A')], // a proof element
    ];
    // All in one file (one pass over 100k rows): each altered line must be named, and nothing else.
    const lines = readFileSync(path, 'utf8').split('\n');
    for (const [line, change] of cases) {
      const before = lines[line - 1] as string;
      lines[line - 1] = change(before);
      expect(lines[line - 1], `line ${line} changed`).not.toBe(before);
    }
    const altered = `${path}.altered`;
    writeFileSync(altered, lines.join('\n'));
    const result = await verifyExportFile(altered, { trustedKeys: [verifierKey] });
    expect(result.ok).toBe(false);
    expect([...new Set(result.problems.map((p) => p.line))].sort()).toEqual(
      cases.map(([line]) => line).sort(),
    );
    expect(result.problems.find((p) => p.line === 2 + 51_234)?.event_id).toBe('evt_big_51234');
    // Another key than the operator's: the checkpoint itself is refused.
    const other = ed25519Signer('trailmark.test', generateSigningSeed());
    const refused = await verifyExportFile(path, {
      trustedKeys: [formatVerifierKey(other.name, other.publicKey)],
    });
    expect(refused.ok).toBe(false);
    expect(refused.problems[0]?.message).toMatch(/no valid signature/);
  }, 120_000);
});

describe('trailmark export-evidence output, after retention purge and an erasure', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    const event = (i: number) => ({
      id: `evt_x_${String(i).padStart(3, '0')}`,
      tenant: 'acme',
      source: 'billing-app',
      action: 'invoice.paid',
      occurred_at: new Date(Date.parse('2026-03-01T00:00:00Z') + i * 3_600_000).toISOString(),
      actor: { type: 'user', id: 'u-1' },
      targets: [{ type: 'invoice', id: `inv-${i}` }],
      outcome: { result: 'success' },
    });
    await t.deps.ingest(
      Array.from({ length: 40 }, (_, i) => event(i)),
      {},
    );
    await t.deps.evidence!.checkpoint('acme');
    await t.deps.storage.purge({ tenant: 'acme', source: 'billing-app', before: '2026-03-01T10:00:00Z' });
    await t.deps.storage.log!.erase('acme', ['evt_x_020']);
  });
  afterAll(async () => {
    await t.close();
  });

  it('still verifies with the bin, shows purged and erased rows as such, and fails when a row is altered', async () => {
    const path = join(dir, 'server.ndjson');
    const written = await writeVerifiableExport(t.deps.evidence!, t.deps.storage, 'acme', path);
    expect(written).toEqual({ rows: 40, tree_size: 40 });
    const text = readFileSync(path, 'utf8');
    expect(text.match(/"removed":"purged"/g)).toHaveLength(10);
    expect(text.match(/"removed":"erased"/g)).toHaveLength(1);
    const bin = new URL('../../../../packages/verify/bin/trailmark-verify.mjs', import.meta.url).pathname;
    const run = async (file: string) => {
      try {
        return {
          code: 0,
          out: (
            await promisify(execFile)(process.execPath, [bin, file, '--key', t.deps.evidence!.verifierKey])
          ).stdout,
        };
      } catch (error) {
        const e = error as { code: number; stdout: string };
        return { code: e.code, out: e.stdout };
      }
    };
    const ok = await run(path);
    expect(ok.out).toContain('valid: every row is proven by the signed checkpoint');
    expect(ok.code).toBe(0);
    const bad = await run(alterLine(path, 2 + 30, (l) => l.replace('inv-30', 'inv-31')));
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/INVALID line 32 \(log index 30, event evt_x_030\)/);
  }, 60_000);
});
