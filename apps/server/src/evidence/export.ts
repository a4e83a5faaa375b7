import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { AuditEvent, CheckpointRecord, LogLeaf, StoragePort } from '@trailmark/core';
import { MerkleTree } from '@trailmark/core';
import { type Evidence, hashOf, readLeaves } from './service.ts';

/**
 * The verifiable export (NDJSON), checked offline by `trailmark-verify` (packages/verify). Line 1 is the
 * header with the signed checkpoint and the public keys; every other line is one leaf with its inclusion
 * proof against that checkpoint, and the event, or why its body is gone (purged, erased).
 */
export const EXPORT_FORMAT = 'trailmark-verifiable-export/1';

export function exportHeader(h: {
  tenant: string;
  origin: string;
  checkpoint: CheckpointRecord;
  publicKeys: string[];
}): string {
  return `${JSON.stringify({
    format: EXPORT_FORMAT,
    tenant: h.tenant,
    origin: h.origin,
    tree_size: h.checkpoint.tree_size,
    checkpoint: h.checkpoint.note,
    public_keys: h.publicKeys,
  })}\n`;
}

const b64 = (h: Uint8Array) => Buffer.from(h).toString('base64');

export function exportRow(leaf: LogLeaf, event: AuditEvent | null, proof: readonly Uint8Array[]): string {
  const body = event && !leaf.removed ? { event } : { removed: leaf.removed ?? 'purged' };
  return `${JSON.stringify({ log_index: leaf.index, leaf_hash: leaf.hash, ...body, proof: proof.map(b64) })}\n`;
}

/** Writes leaves [from, to) of the tenant's log, proven against its newest checkpoint (signed now if the log grew). */
export async function writeVerifiableExport(
  evidence: Evidence,
  storage: StoragePort,
  tenant: string,
  path: string,
  range: { from?: number; to?: number } = {},
): Promise<{ rows: number; tree_size: number }> {
  const checkpoint = await evidence.checkpoint(tenant);
  if (!checkpoint) throw new Error(`tenant "${tenant}" has no events in its log`);
  const leaves = await readLeaves(storage.log!, tenant, checkpoint.tree_size);
  const tree = new MerkleTree(leaves.map(hashOf));
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(
    exportHeader({
      tenant,
      origin: evidence.originOf(tenant),
      checkpoint,
      publicKeys: evidence.keys().map((k) => k.verifier_key),
    }),
  );
  const from = range.from ?? 0;
  const to = Math.min(range.to ?? checkpoint.tree_size, checkpoint.tree_size);
  for (let i = from; i < to; i++) {
    const leaf = leaves[i] as LogLeaf;
    const event = leaf.removed ? null : await storage.get(leaf.event_id, [tenant]);
    await write(exportRow(leaf, event, tree.inclusionProof(i)));
  }
  out.end();
  await once(out, 'finish');
  return { rows: Math.max(0, to - from), tree_size: checkpoint.tree_size };
}
