import { sha256 } from '@noble/hashes/sha2.js';

/**
 * RFC 6962 / RFC 9162 Merkle tree hashing over leaf hashes. Pure (a JavaScript SHA-256), so the same code
 * runs in the server, in tests and in a browser. Leaves and interior nodes are hashed with different
 * prefixes (0x00, 0x01), so a node can never be passed off as a leaf (second-preimage attacks).
 */
export type Hash = Uint8Array;

export const EMPTY_ROOT: Hash = sha256(new Uint8Array(0));

export function leafHash(data: Uint8Array): Hash {
  const input = new Uint8Array(data.length + 1);
  input[0] = 0;
  input.set(data, 1);
  return sha256(input);
}

export function nodeHash(left: Hash, right: Hash): Hash {
  const input = new Uint8Array(65);
  input[0] = 1;
  input.set(left, 1);
  input.set(right, 33);
  return sha256(input);
}

/** Largest power of two strictly below n (n > 1): the RFC 6962 split point. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * Every level of the tree, bottom up; a node without a sibling is carried up unchanged, which gives the
 * same root as RFC 6962's recursive definition. Built once, it answers any number of proofs for its size.
 */
export class MerkleTree {
  private readonly levels: Hash[][];

  constructor(leafHashes: readonly Hash[]) {
    const levels: Hash[][] = [leafHashes.slice()];
    let level = levels[0] as Hash[];
    while (level.length > 1) {
      const next: Hash[] = new Array(Math.ceil(level.length / 2));
      for (let i = 0; i + 1 < level.length; i += 2)
        next[i / 2] = nodeHash(level[i] as Hash, level[i + 1] as Hash);
      if (level.length % 2 === 1) next[next.length - 1] = level[level.length - 1] as Hash;
      levels.push(next);
      level = next;
    }
    this.levels = levels;
  }

  get size(): number {
    return (this.levels[0] as Hash[]).length;
  }

  root(): Hash {
    const top = this.levels[this.levels.length - 1] as Hash[];
    return top.length === 0 ? EMPTY_ROOT : (top[0] as Hash);
  }

  /** The audit path of one leaf (RFC 9162 2.1.3.1), nearest sibling first. */
  inclusionProof(index: number): Hash[] {
    if (!Number.isInteger(index) || index < 0 || index >= this.size)
      throw new RangeError(`leaf index ${index} is outside a tree of ${this.size}`);
    const path: Hash[] = [];
    let i = index;
    for (let l = 0; l < this.levels.length - 1; l++) {
      const level = this.levels[l] as Hash[];
      const sibling = i ^ 1;
      if (sibling < level.length) path.push(level[sibling] as Hash);
      i >>= 1;
    }
    return path;
  }
}

export function rootOf(leafHashes: readonly Hash[]): Hash {
  return new MerkleTree(leafHashes).root();
}

export function inclusionProof(leafHashes: readonly Hash[], index: number, size = leafHashes.length): Hash[] {
  if (size > leafHashes.length) throw new RangeError(`tree size ${size} exceeds ${leafHashes.length} leaves`);
  return new MerkleTree(leafHashes.slice(0, size)).inclusionProof(index);
}

/** Root of leaves [start, end), recursively as RFC 6962 defines it (used for consistency proofs). */
function subtreeRoot(leaves: readonly Hash[], start: number, end: number): Hash {
  if (end - start === 1) return leaves[start] as Hash;
  return rootOf(leaves.slice(start, end));
}

/** RFC 6962 2.1.2 PROOF(m, D[n]): shows the tree of size `from` is a prefix of the tree of size `to`. */
export function consistencyProof(leafHashes: readonly Hash[], from: number, to: number): Hash[] {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || from > to || to > leafHashes.length)
    throw new RangeError(`no consistency proof from ${from} to ${to} in a log of ${leafHashes.length}`);
  if (from === 0 || from === to) return [];
  const proof: Hash[] = [];
  // SUBPROOF(m, D[start:end], complete), iteratively; appended nodes come out innermost first.
  let m = from;
  let start = 0;
  let end = to;
  let complete = true;
  const outer: Hash[] = [];
  for (;;) {
    const n = end - start;
    if (m === n) {
      if (!complete) proof.push(subtreeRoot(leafHashes, start, end));
      break;
    }
    const k = splitPoint(n);
    if (m <= k) {
      outer.push(subtreeRoot(leafHashes, start + k, end));
      end = start + k;
    } else {
      outer.push(subtreeRoot(leafHashes, start, start + k));
      m -= k;
      start += k;
      complete = false;
    }
  }
  for (let i = outer.length - 1; i >= 0; i--) proof.push(outer[i] as Hash);
  return proof;
}

export function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

const isHash = (h: unknown): h is Hash => h instanceof Uint8Array && h.length === 32;

/** RFC 9162 2.1.3.2: does `leaf` sit at `index` in the tree of `size` whose root is `root`? */
export function verifyInclusion(
  leaf: Hash,
  index: number,
  size: number,
  proof: readonly Hash[],
  root: Hash,
): boolean {
  if (!isHash(leaf) || !isHash(root) || !Array.isArray(proof) || !proof.every(isHash)) return false;
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = BigInt(index);
  let sn = BigInt(size - 1);
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n)
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
    } else r = nodeHash(r, p);
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equalHashes(r, root);
}

/** RFC 9162 2.1.4.2: is the tree of size `from` (root `fromRoot`) a prefix of the tree of size `to`? */
export function verifyConsistency(
  from: number,
  to: number,
  fromRoot: Hash,
  toRoot: Hash,
  proof: readonly Hash[],
): boolean {
  if (!isHash(fromRoot) || !isHash(toRoot) || !Array.isArray(proof) || !proof.every(isHash)) return false;
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || from > to) return false;
  if (from === to) return proof.length === 0 && equalHashes(fromRoot, toRoot);
  if (from === 0) return proof.length === 0 && equalHashes(fromRoot, EMPTY_ROOT);
  if (proof.length === 0) return false;
  const path = (from & (from - 1)) === 0 ? [fromRoot, ...proof] : [...proof];
  let fn = BigInt(from - 1);
  let sn = BigInt(to - 1);
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0] as Hash;
  let sr = path[0] as Hash;
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1n) === 0n)
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
    } else sr = nodeHash(sr, c);
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equalHashes(fr, fromRoot) && equalHashes(sr, toRoot);
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Strict: 64 lower- or upper-case hex digits for a hash; undefined otherwise. */
export function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}
