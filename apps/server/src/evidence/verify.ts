import {
  type AuditEvent,
  type CheckpointRecord,
  type CheckpointStore,
  checkpointOfNote,
  consistencyProof,
  type EventLog,
  equalHashes,
  eventLeafHash,
  type Hash,
  keyId,
  type LogLeaf,
  MerkleTree,
  parseVerifierKey,
  type StoragePort,
  toHex,
  type VerifierKey,
  verifyConsistency,
  verifyNote,
} from '@trailmark/core';
import { hashOf, readLeaves } from './service.ts';

/** The kinds of damage `trailmark verify` tells apart. */
export type DamageKind =
  | 'body_altered' // the stored event no longer hashes to its leaf (or its leaf hash was altered)
  | 'body_unreadable' // the stored body is not JSON any more
  | 'body_missing' // the leaf's event is gone but the leaf was never marked purged or erased
  | 'removed_but_present' // the leaf says purged/erased, yet the body is still there
  | 'not_in_log' // an event body without a leaf: inserted outside the ingest path
  | 'leaf_missing' // a gap in the log's indexes
  | 'leaf_out_of_sequence' // a leaf beyond the end of an otherwise gapped log
  | 'leaf_duplicate' // two leaves name the same event
  | 'backdated' // received before a checkpoint that does not contain it
  | 'checkpoint_malformed'
  | 'checkpoint_signature'
  | 'checkpoint_record_altered' // the stored columns disagree with the signed note
  | 'checkpoint_root_mismatch' // the leaves no longer give the signed root
  | 'checkpoint_beyond_log' // a signed size larger than the log: rolled back or truncated
  | 'checkpoint_inconsistent'
  | 'checkpoint_missing';

export interface Damage {
  tenant: string;
  kind: DamageKind;
  event_id?: string;
  log_index?: number;
  checkpoint_id?: number;
  message: string;
}

export interface TenantVerification {
  tenant: string;
  tree_size: number;
  leaves_checked: number;
  removed: number;
  checkpoints_checked: number;
}

export interface VerifyOptions {
  log: EventLog;
  storage: Pick<StoragePort, 'get' | 'partitions'>;
  checkpoints: CheckpointStore;
  origin: string;
  tenants?: readonly string[];
  /** Re-hash only bodies appended after the newest checkpoint signed before this instant. */
  since?: string;
  /** How far a commit may trail its received_at before a checkpoint (default 60 s). */
  clockSkewMs?: number;
}

/** Recomputes every leaf from its stored event and checks every checkpoint against the leaves. */
export async function verifyEvidence(options: VerifyOptions) {
  const keys = options.checkpoints
    .keys()
    .map((k) => parseVerifierKey(k.verifier_key))
    .filter((k): k is VerifierKey => k !== undefined);
  const tenants =
    options.tenants ??
    [
      ...new Set([
        ...(await options.storage.partitions()).map((p) => p.tenant),
        ...options.checkpoints.tenants(),
      ]),
    ].sort();
  const damage: Damage[] = [];
  const reports: TenantVerification[] = [];
  for (const tenant of tenants) reports.push(await verifyTenant(tenant, options, keys, damage));
  // Checkpoint ids are one sequence over all tenants: a gap is a deleted checkpoint.
  if (!options.tenants) {
    const ids = options.checkpoints
      .tenants()
      .flatMap((t) => options.checkpoints.list(t).map((c) => c.id))
      .sort((a, b) => a - b);
    for (let i = 1; i < ids.length; i++) {
      const [before, after] = [ids[i - 1] as number, ids[i] as number];
      if (after !== before + 1)
        damage.push({
          tenant: '*',
          kind: 'checkpoint_missing',
          checkpoint_id: before + 1,
          message: `checkpoint(s) ${before + 1}..${after - 1} were deleted`,
        });
    }
  }
  return { ok: damage.length === 0, tenants: reports, damage };
}

async function verifyTenant(
  tenant: string,
  options: VerifyOptions,
  keys: readonly VerifierKey[],
  damage: Damage[],
): Promise<TenantVerification> {
  const { log } = options;
  const report = (d: Omit<Damage, 'tenant'>) => damage.push({ tenant, ...d });
  const skew = options.clockSkewMs ?? 60_000;
  const size = await log.treeSize(tenant);
  const leaves = await readLeaves(log, tenant, size);
  const all = options.checkpoints.list(tenant);
  const sinceMs = options.since ? Date.parse(options.since) : undefined;
  const anchor =
    sinceMs === undefined ? undefined : [...all].reverse().find((c) => Date.parse(c.created_at) < sinceMs);
  const start = anchor?.tree_size ?? 0;

  // 1. The log's indexes run 0..size-1 without a gap.
  const byIndex = new Map<number, LogLeaf>();
  for (const leaf of leaves) byIndex.set(leaf.index, leaf);
  for (let i = 0; i < size; i++)
    if (!byIndex.has(i)) report({ kind: 'leaf_missing', log_index: i, message: `no leaf at log index ${i}` });
  // With 0..n-1 not all present, a leaf at n or beyond that follows a gap (or has no body to check it
  // against) was moved there: its index was altered.
  for (const [position, leaf] of leaves.entries())
    if (leaf.index >= leaves.length && (leaf.removed || leaves[position - 1]?.index !== leaf.index - 1))
      report({
        kind: 'leaf_out_of_sequence',
        event_id: leaf.event_id,
        log_index: leaf.index,
        message: `event ${leaf.event_id}: its leaf sits at log index ${leaf.index}, beyond the ${leaves.length} leaves of the log`,
      });

  // An event has one leaf: a second one with its id is a copied or renamed leaf.
  const firstSeen = new Map<string, number>();
  for (const leaf of leaves) {
    const first = firstSeen.get(leaf.event_id);
    if (first === undefined) firstSeen.set(leaf.event_id, leaf.index);
    else
      for (const index of [first, leaf.index])
        report({
          kind: 'leaf_duplicate',
          event_id: leaf.event_id,
          log_index: index,
          message: `event ${leaf.event_id} has leaves at log indexes ${first} and ${leaf.index}`,
        });
  }

  // 2. Every leaf is recomputed from its stored event.
  const received = new Map<number, number>();
  let removed = 0;
  let checked = 0;
  for (const leaf of leaves) {
    if (leaf.index < start) continue;
    const at = { event_id: leaf.event_id, log_index: leaf.index };
    let event: AuditEvent | null;
    try {
      event = await options.storage.get(leaf.event_id, [tenant]);
    } catch {
      report({
        kind: 'body_unreadable',
        ...at,
        message: `event ${leaf.event_id} (log index ${leaf.index}): the stored body is not readable JSON`,
      });
      continue;
    }
    checked++;
    if (leaf.removed) {
      removed++;
      if (event)
        report({
          kind: 'removed_but_present',
          ...at,
          message: `event ${leaf.event_id} (log index ${leaf.index}): its leaf says ${leaf.removed}, but the body is still stored`,
        });
      continue;
    }
    if (!event) {
      report({
        kind: 'body_missing',
        ...at,
        message: `event ${leaf.event_id} (log index ${leaf.index}) was deleted without a retention or erasure record`,
      });
      continue;
    }
    let expected: string;
    try {
      expected = toHex(eventLeafHash(event, leaf.index));
    } catch {
      report({
        kind: 'body_unreadable',
        ...at,
        message: `event ${leaf.event_id} (log index ${leaf.index}): the body has no canonical form`,
      });
      continue;
    }
    if (expected !== leaf.hash || event.id !== leaf.event_id || event.tenant !== tenant)
      report({
        kind: 'body_altered',
        ...at,
        message: `event ${leaf.event_id} (log index ${leaf.index}): the stored event does not hash to its leaf (body, leaf hash or position altered)`,
      });
    received.set(leaf.index, Date.parse(event.received_at));
  }

  // 3. Every stored body has a leaf.
  const inLog = new Set(leaves.map((l) => l.event_id));
  for (const id of await log.storedIds(tenant))
    if (!inLog.has(id))
      report({
        kind: 'not_in_log',
        event_id: id,
        message: `event ${id} is stored but not in the log (inserted outside the ingest path)`,
      });

  // 4. Every checkpoint: signed by a known key, its record matches the note, its root matches the leaves.
  const hashes = leaves.map(hashOf);
  const ordered = Array.from({ length: size }, (_, i) => byIndex.get(i));
  let previous: { record: CheckpointRecord; size: number; root: Hash } | undefined;
  // earliestFrom[i]: the earliest received_at among leaves i..size-1, so each checkpoint checks in O(1).
  const earliestFrom = new Array<number>(size + 1).fill(Number.POSITIVE_INFINITY);
  for (let i = size - 1; i >= 0; i--)
    earliestFrom[i] = Math.min(earliestFrom[i + 1] as number, received.get(i) ?? Number.POSITIVE_INFINITY);
  const backdated = new Set<number>();
  let checkpointsChecked = 0;
  for (const record of all) {
    if (anchor && record.id < anchor.id) continue;
    checkpointsChecked++;
    const at = { checkpoint_id: record.id };
    const signed = verifyNote(record.note, keys);
    const body = checkpointOfNote(record.note);
    if (!body) {
      report({
        kind: 'checkpoint_malformed',
        ...at,
        message: `checkpoint ${record.id}: not a checkpoint note`,
      });
      continue;
    }
    if (!signed.ok) {
      report({
        kind: 'checkpoint_signature',
        ...at,
        message: `checkpoint ${record.id}: signature ${signed.reason === 'unknown_key' ? 'by an unknown key' : 'does not verify'}`,
      });
      continue;
    }
    const time = body.extensions.find((l) => l.startsWith('time '))?.slice(5);
    if (
      body.size !== record.tree_size ||
      body.origin !== `${options.origin}/${tenant}` ||
      time !== record.created_at ||
      // Compared as text: parseInt(key_id, 16) read an id with a letter's case changed, or a leading
      // space, as the same number, and missed that change.
      record.key_id !== keyId(signed.key.name, signed.key.publicKey)
    ) {
      report({
        kind: 'checkpoint_record_altered',
        ...at,
        message: `checkpoint ${record.id}: the stored record (size, tenant, time or key id) differs from the signed note`,
      });
      continue;
    }
    if (body.size > size) {
      report({
        kind: 'checkpoint_beyond_log',
        ...at,
        message: `checkpoint ${record.id} signed ${body.size} leaves but the log has ${size}: rolled back or truncated`,
      });
      continue;
    }
    if (ordered.slice(0, body.size).some((l) => l === undefined)) continue; // gaps reported above
    const root = new MerkleTree(hashes.slice(0, body.size)).root();
    if (!equalHashes(root, body.root)) {
      report({
        kind: 'checkpoint_root_mismatch',
        ...at,
        message: `checkpoint ${record.id}: the first ${body.size} leaves no longer give the signed root (leaf hashes altered, removed or reordered)`,
      });
      continue;
    }
    if (previous) {
      const proof = consistencyProof(hashes, previous.size, body.size);
      if (
        previous.size > body.size ||
        !verifyConsistency(previous.size, body.size, previous.root, body.root, proof)
      )
        report({
          kind: 'checkpoint_inconsistent',
          ...at,
          message: `checkpoint ${record.id} is not an extension of checkpoint ${previous.record.id}`,
        });
    }
    // A leaf received well before this checkpoint was signed must be inside it.
    const signedAt = Date.parse(record.created_at);
    if ((earliestFrom[body.size] ?? Number.POSITIVE_INFINITY) < signedAt - skew)
      for (let index = body.size; index < size; index++) {
        const receivedAt = received.get(index);
        const id = ordered[index]?.event_id;
        if (receivedAt === undefined || receivedAt >= signedAt - skew || backdated.has(index)) continue;
        backdated.add(index);
        report({
          kind: 'backdated',
          event_id: id,
          log_index: index,
          message: `event ${id} (log index ${index}) claims it was received before checkpoint ${record.id} was signed but is not in it`,
        });
      }
    previous = { record, size: body.size, root };
  }
  return {
    tenant,
    tree_size: size,
    leaves_checked: checked,
    removed,
    checkpoints_checked: checkpointsChecked,
  };
}
