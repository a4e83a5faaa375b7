import {
  type CheckpointRecord,
  type CheckpointStore,
  consistencyProof,
  ErrorCode,
  type EventLog,
  formatCheckpoint,
  formatVerifierKey,
  fromHex,
  type Hash,
  keyId,
  type LogLeaf,
  MerkleTree,
  type NoteSigner,
  NotFoundError,
  signNote,
  TrailmarkError,
} from '@trailmark/core';

export interface EvidenceOptions {
  log: EventLog;
  checkpoints: CheckpointStore;
  signer: NoteSigner;
  /** Log origins are `<origin>/<tenant>`; the key is named `<origin>` too. */
  origin: string;
  now?: () => Date;
  /** Told of each checkpoint once it is kept (the streams push it to destinations that asked). */
  onSigned?: (checkpoint: CheckpointRecord, logOrigin: string) => void;
}

export const hashOf = (leaf: LogLeaf): Hash => fromHex(leaf.hash) as Hash;
const b64 = (h: Uint8Array) => Buffer.from(h).toString('base64');

/** Reads a tenant's leaves [0, size) in pages, so one query never holds the whole log. */
export async function readLeaves(log: EventLog, tenant: string, size: number): Promise<LogLeaf[]> {
  const out: LogLeaf[] = [];
  for (let from = 0; from < size; from += 50_000)
    out.push(...(await log.leaves(tenant, from, Math.min(size, from + 50_000))));
  return out;
}

export interface InclusionAnswer {
  event_id: string;
  log_index: number;
  leaf_hash: string;
  removed?: string;
  tree_size: number;
  root_hash: string;
  /** Audit path, nearest sibling first, base64. */
  proof: string[];
  checkpoint: CheckpointRecord;
}

/**
 * Checkpoints, proofs and the public key, over a store's evidence log. Proofs are computed from the stored
 * leaves on request (O(tree size) hashing per request: fine to a few million leaves per tenant).
 */
export function createEvidence(options: EvidenceOptions) {
  const { log, checkpoints, signer } = options;
  const now = options.now ?? (() => new Date());
  const currentKeyId = keyId(signer.name, signer.publicKey);
  const verifierKey = formatVerifierKey(signer.name, signer.publicKey);
  checkpoints.addKey({ key_id: currentKeyId, verifier_key: verifierKey, created_at: now().toISOString() });
  const originOf = (tenant: string) => `${options.origin}/${tenant}`;

  /** Signs the tenant's current tree unless the newest checkpoint already covers it. */
  async function checkpoint(tenant: string, force = false): Promise<CheckpointRecord | undefined> {
    const size = await log.treeSize(tenant);
    const latest = checkpoints.latest(tenant);
    if (latest && latest.tree_size === size && !force) return latest;
    if (size === 0 && !latest) return undefined;
    const tree = new MerkleTree((await readLeaves(log, tenant, size)).map(hashOf));
    const at = now().toISOString();
    const body = formatCheckpoint({
      origin: originOf(tenant),
      size,
      root: tree.root(),
      extensions: [`time ${at}`],
    });
    const signed = checkpoints.add({
      tenant,
      tree_size: size,
      key_id: currentKeyId,
      note: signNote(body, signer),
      created_at: at,
    });
    options.onSigned?.(signed, originOf(tenant));
    return signed;
  }

  return {
    checkpoints,
    origin: options.origin,
    keyId: currentKeyId,
    verifierKey,
    originOf,
    checkpoint,
    /** Every tenant with leaves gets a checkpoint when its log grew since the last one. */
    async checkpointAll(tenants: readonly string[]): Promise<CheckpointRecord[]> {
      const made: CheckpointRecord[] = [];
      for (const tenant of tenants) {
        const before = checkpoints.latest(tenant)?.id;
        const c = await checkpoint(tenant);
        if (c && c.id !== before) made.push(c);
      }
      return made;
    },
    /** Inclusion of one event in the newest checkpoint that covers it (signed now if none does yet). */
    async inclusion(tenant: string, eventId: string): Promise<InclusionAnswer> {
      const leaf = await log.leafOf(tenant, eventId);
      if (!leaf) throw new NotFoundError(`no event "${eventId}" in this tenant's log`);
      let signed = checkpoints.latest(tenant);
      if (!signed || signed.tree_size <= leaf.index) signed = await checkpoint(tenant);
      if (!signed) throw new NotFoundError(`no event "${eventId}" in this tenant's log`);
      const tree = new MerkleTree((await readLeaves(log, tenant, signed.tree_size)).map(hashOf));
      return {
        event_id: leaf.event_id,
        log_index: leaf.index,
        leaf_hash: leaf.hash,
        ...(leaf.removed ? { removed: leaf.removed } : {}),
        tree_size: signed.tree_size,
        root_hash: b64(tree.root()),
        proof: tree.inclusionProof(leaf.index).map(b64),
        checkpoint: signed,
      };
    },
    async consistency(tenant: string, from: number, to: number) {
      const size = await log.treeSize(tenant);
      if (from > to || to > size)
        throw new TrailmarkError(
          ErrorCode.VALIDATION_FAILED,
          `need 0 <= from <= to <= ${size} (the tree size of this tenant's log)`,
          [
            {
              path: from > to ? 'from' : 'to',
              message: `must be ${from > to ? `<= to (${to})` : `<= ${size}`}`,
            },
          ],
        );
      const leaves = (await readLeaves(log, tenant, to)).map(hashOf);
      return {
        from,
        to,
        from_root: b64(new MerkleTree(leaves.slice(0, from)).root()),
        to_root: b64(new MerkleTree(leaves).root()),
        proof: consistencyProof(leaves, from, to).map(b64),
      };
    },
    list(tenant: string, limit: number) {
      return checkpoints.list(tenant, { limit });
    },
    keys() {
      return checkpoints.keys();
    },
  };
}

export type Evidence = ReturnType<typeof createEvidence>;
