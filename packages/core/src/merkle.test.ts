import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  EMPTY_ROOT,
  fromHex,
  type Hash,
  inclusionProof,
  leafHash,
  MerkleTree,
  rootOf,
  toHex,
  verifyConsistency,
  verifyInclusion,
} from './merkle.ts';

// The RFC 6962 reference leaves and roots (Certificate Transparency / transparency-dev/merkle test data).
const DATA = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const LEAVES = DATA.map((d) => leafHash(fromHex(d) as Uint8Array));
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const hexes = (hs: Hash[]) => hs.map(toHex);
const unhex = (h: string) => fromHex(h) as Uint8Array;

describe('RFC 6962 reference vectors', () => {
  it('empty tree and every size 1..8 have the published roots', () => {
    expect(toHex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(toHex(rootOf([]))).toBe(toHex(EMPTY_ROOT));
    for (let n = 1; n <= 8; n++) expect(toHex(rootOf(LEAVES.slice(0, n)))).toBe(ROOTS[n - 1]);
  });

  it('inclusion proofs match the published paths and verify', () => {
    const cases = [
      {
        index: 0,
        size: 8,
        proof: [
          '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
          '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
          '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
        ],
      },
      {
        index: 5,
        size: 8,
        proof: [
          'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
          'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
          'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
        ],
      },
      { index: 0, size: 1, proof: [] },
    ];
    for (const c of cases) {
      expect(hexes(inclusionProof(LEAVES, c.index, c.size))).toEqual(c.proof);
      const root = unhex(ROOTS[c.size - 1] as string);
      expect(verifyInclusion(LEAVES[c.index] as Hash, c.index, c.size, c.proof.map(unhex), root)).toBe(true);
    }
  });

  it('consistency proofs match the published paths and verify', () => {
    const cases = [
      {
        from: 1,
        to: 8,
        proof: [
          '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
          '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
          '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
        ],
      },
      {
        from: 6,
        to: 8,
        proof: [
          '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
          'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
          'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
        ],
      },
      {
        from: 2,
        to: 5,
        proof: [
          '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
          'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
        ],
      },
      {
        from: 2,
        to: 8,
        proof: [
          '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
          '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
        ],
      },
    ];
    for (const c of cases) {
      expect(hexes(consistencyProof(LEAVES, c.from, c.to))).toEqual(c.proof);
      const [a, b] = [unhex(ROOTS[c.from - 1] as string), unhex(ROOTS[c.to - 1] as string)];
      expect(verifyConsistency(c.from, c.to, a, b, c.proof.map(unhex))).toBe(true);
    }
  });
});

/** A deterministic pseudo-random generator, so a failure names a reproducible case. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function flipOneByte(h: Hash, rnd: () => number): Hash {
  const out = h.slice();
  const at = Math.floor(rnd() * 32);
  out[at] = (out[at] as number) ^ (1 + Math.floor(rnd() * 255));
  return out;
}

describe('properties over random trees', () => {
  const rnd = random(7);
  const all = Array.from({ length: 300 }, (_, i) => leafHash(new Uint8Array([i & 255, i >> 8, 42])));

  it('every inclusion proof verifies for every leaf of sizes 1..70, and every altered one fails', () => {
    for (let n = 1; n <= 70; n++) {
      const tree = new MerkleTree(all.slice(0, n));
      const root = tree.root();
      for (let i = 0; i < n; i++) {
        const proof = tree.inclusionProof(i);
        const leaf = all[i] as Hash;
        expect(verifyInclusion(leaf, i, n, proof, root)).toBe(true);
        expect(verifyInclusion(flipOneByte(leaf, rnd), i, n, proof, root)).toBe(false);
        expect(verifyInclusion(leaf, i, n, proof, flipOneByte(root, rnd))).toBe(false);
        if (n > 1) {
          expect(verifyInclusion(leaf, i ^ 1, n, proof, root) && (i ^ 1) < n).toBe(false);
          expect(verifyInclusion(leaf, i, n * 2, proof, root)).toBe(false);
        }
        if (proof.length > 0) {
          const at = Math.floor(rnd() * proof.length);
          const altered = proof.map((p, k) => (k === at ? flipOneByte(p, rnd) : p));
          expect(verifyInclusion(leaf, i, n, altered, root)).toBe(false);
          expect(verifyInclusion(leaf, i, n, proof.slice(0, -1), root)).toBe(false);
          expect(verifyInclusion(leaf, i, n, [...proof, leaf], root)).toBe(false);
        }
      }
    }
  });

  it('every consistency proof verifies for random sizes, and every altered one fails', () => {
    for (let round = 0; round < 400; round++) {
      const to = 1 + Math.floor(rnd() * all.length);
      const from = Math.floor(rnd() * (to + 1));
      const proof = consistencyProof(all, from, to);
      const [a, b] = [rootOf(all.slice(0, from)), rootOf(all.slice(0, to))];
      expect(verifyConsistency(from, to, a, b, proof)).toBe(true);
      if (from > 0 && from < to) {
        expect(verifyConsistency(from, to, flipOneByte(a, rnd), b, proof)).toBe(false);
        expect(verifyConsistency(from, to, a, flipOneByte(b, rnd), proof)).toBe(false);
        const at = Math.floor(rnd() * proof.length);
        expect(
          verifyConsistency(
            from,
            to,
            a,
            b,
            proof.map((p, k) => (k === at ? flipOneByte(p, rnd) : p)),
          ),
        ).toBe(false);
        expect(verifyConsistency(from, to, a, b, proof.slice(0, -1))).toBe(false);
        expect(verifyConsistency(from + 1, to, a, b, proof)).toBe(false);
        // A history that differs in one old leaf is not an extension of the signed one.
        const forked = all.slice(0, to);
        forked[Math.floor(rnd() * from)] = leafHash(new Uint8Array([9, 9, 9]));
        expect(verifyConsistency(from, to, a, rootOf(forked), consistencyProof(forked, from, to))).toBe(
          false,
        );
      }
    }
  });

  it('refuses impossible requests instead of answering them', () => {
    expect(() => inclusionProof(LEAVES, 8)).toThrow(RangeError);
    expect(() => consistencyProof(LEAVES, 5, 3)).toThrow(RangeError);
    expect(verifyInclusion(LEAVES[0] as Hash, -1, 8, [], EMPTY_ROOT)).toBe(false);
    expect(verifyConsistency(0, 8, EMPTY_ROOT, unhex(ROOTS[7] as string), [])).toBe(true);
    expect(verifyConsistency(4, 4, unhex(ROOTS[3] as string), unhex(ROOTS[4] as string), [])).toBe(false);
  });
});
