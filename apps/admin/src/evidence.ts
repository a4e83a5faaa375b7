import { parseCheckpoint, parseVerifierKey, unb64, verifyNote } from '@trailmark/core/checkpoint';
import { type CheckpointRecord, eventLeafHash } from '@trailmark/core/evidence';
import { fromHex, toHex, verifyConsistency, verifyInclusion } from '@trailmark/core/merkle';
import { type AuditEvent, api } from './api.ts';

/**
 * An event's proof, checked here in the browser with the core's own Merkle and signed-note code (the
 * server's word is not taken): the event as shown hashes to its leaf, the leaf's audit path leads to the
 * root of a checkpoint, and that checkpoint is signed by one of the log's Ed25519 keys.
 */

export interface InclusionProof {
  tenant: string;
  event_id: string;
  log_index: number;
  leaf_hash: string;
  removed?: 'purged' | 'erased';
  tree_size: number;
  root_hash: string;
  proof: string[];
  checkpoint: { id: number; tree_size: number; key_id: string; note: string; created_at: string };
  public_key: string;
}

export interface CheckpointKey {
  key_id: string;
  verifier_key: string;
  created_at: string;
}

/** Every key the log publishes (the current one and those rotated out, which still verify old checkpoints). */
export async function logKeys(): Promise<string[]> {
  const r = await api<{ current: string; keys: CheckpointKey[] }>('/v1/checkpoints/public-key');
  return [r.current, ...r.keys.map((k) => k.verifier_key)];
}

export type Verdict =
  | { ok: true; proof: InclusionProof; keyName: string; signedAt?: string }
  | { ok: false; proof?: InclusionProof; reason: string };

/** The `time` extension line Trailmark writes into each checkpoint. */
export function checkpointTime(noteText: string): string | undefined {
  return /^time (\S+)$/m.exec(noteText)?.[1];
}

/** Checks an already fetched proof against the event shown and the log's keys. */
export function checkProof(event: AuditEvent, proof: InclusionProof, keys: readonly string[]): Verdict {
  const fail = (reason: string): Verdict => ({ ok: false, proof, reason });
  const checkpoint = openCheckpoint(proof.checkpoint.note, keys);
  if (!checkpoint.ok) return fail(`the checkpoint does not verify (${checkpoint.reason})`);
  if (checkpoint.size !== proof.tree_size)
    return fail('the proof is for another tree size than the checkpoint');
  if (proof.event_id !== event.id) return fail('the proof is for another event');
  // A purged or erased event has no body left to hash: only its stored leaf can be proven.
  const leaf = proof.removed
    ? undefined
    : eventLeafHash(event as unknown as Record<string, unknown>, proof.log_index);
  if (leaf && toHex(leaf) !== proof.leaf_hash)
    return fail('the event shown does not hash to its leaf: its stored form was changed');
  const path = proof.proof.map(unb64);
  if (path.some((h) => h === undefined)) return fail('the audit path is malformed');
  const leafBytes = leaf ?? fromHex(proof.leaf_hash);
  if (!leafBytes) return fail('the stored leaf hash is malformed');
  if (!verifyInclusion(leafBytes, proof.log_index, checkpoint.size, path as Uint8Array[], checkpoint.root))
    return fail('the audit path does not lead to the signed root');
  return {
    ok: true,
    proof,
    keyName: checkpoint.keyName,
    ...(checkpoint.signedAt ? { signedAt: checkpoint.signedAt } : {}),
  };
}

/** Fetches the proof and the log's public keys, then checks them locally. */
export async function verifyEvent(event: AuditEvent): Promise<Verdict> {
  const q = new URLSearchParams({ id: event.id, tenant: event.tenant });
  const [proof, keys] = await Promise.all([api<InclusionProof>(`/v1/proofs/inclusion?${q}`), logKeys()]);
  return checkProof(event, proof, keys);
}

/** A kept checkpoint as the API lists it (core's record type: the same fields). */
export type SignedCheckpoint = CheckpointRecord;

export type OpenedCheckpoint =
  | { ok: true; size: number; root: Uint8Array; keyName: string; signedAt?: string }
  | { ok: false; reason: string };

/** A checkpoint's signature checked against the log's keys, and what it states. */
export function openCheckpoint(note: string, keys: readonly string[]): OpenedCheckpoint {
  const signed = verifyNote(
    note,
    keys.map(parseVerifierKey).filter((k) => k !== undefined),
  );
  if (!signed.ok)
    return { ok: false, reason: signed.reason === 'unknown_key' ? 'unknown key' : 'bad signature' };
  const c = parseCheckpoint(signed.text);
  if (!c) return { ok: false, reason: 'malformed' };
  const signedAt = checkpointTime(signed.text);
  return {
    ok: true,
    size: c.size,
    root: c.root,
    keyName: signed.key.name,
    ...(signedAt ? { signedAt } : {}),
  };
}

/**
 * Is the older signed tree a prefix of the newer one (nothing signed earlier was changed or removed)?
 * The roots compared are the signed ones, not the server's restatement of them.
 */
export async function checkConsistency(
  older: SignedCheckpoint,
  newer: SignedCheckpoint,
  keys: readonly string[],
): Promise<boolean> {
  const a = openCheckpoint(older.note, keys);
  const b = openCheckpoint(newer.note, keys);
  if (!a.ok || !b.ok) return false;
  const q = new URLSearchParams({ tenant: newer.tenant, from: String(a.size), to: String(b.size) });
  const answer = await api<{ proof: string[] }>(`/v1/proofs/consistency?${q}`);
  const path = answer.proof.map(unb64);
  if (path.some((h) => h === undefined)) return false;
  return verifyConsistency(a.size, b.size, a.root, b.root, path as Uint8Array[]);
}
