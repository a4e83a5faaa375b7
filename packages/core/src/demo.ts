import type { DemoOptions } from './plugin.ts';

/**
 * Seeded randomness for demo generators: fast (mulberry32) for the per-record loop, reproducible for a given
 * seed. Plugins use a library such as faker only to build their pools of names, emails and IPs.
 */
export interface DemoRandom {
  next(): number;
  /** Integer in [0, max]. */
  int(max: number): number;
  between(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  weighted<T>(table: readonly { value: T; weight: number }[]): T;
  shuffle<T>(items: readonly T[]): T[];
  id(length: number): string;
  hex(length: number): string;
  /** A routable public IPv4 address: never private, loopback, link-local, CGNAT, documentation or multicast. */
  publicIpv4(): string;
}

/** First octets that are private, reserved, loopback, CGNAT-heavy or multicast as a whole. */
const NOT_PUBLIC_FIRST_OCTET = new Set([0, 10, 100, 127, 169]);

function isPublicIpv4(a: number, b: number, c: number): boolean {
  if (NOT_PUBLIC_FIRST_OCTET.has(a) || a >= 224) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && (b === 168 || (b === 0 && (c === 0 || c === 2)))) return false;
  if (a === 198 && (b === 18 || b === 19 || (b === 51 && c === 100))) return false;
  if (a === 203 && b === 0 && c === 113) return false;
  return true;
}

const HEX_CHARS = '0123456789abcdef';
const ID_CHARS = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

export function createDemoRandom(seed: number): DemoRandom {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number): number => Math.floor(next() * (max + 1));
  const cumulative = new WeakMap<object, number[]>();
  return {
    next,
    int,
    between: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
    weighted: (table) => {
      let sums = cumulative.get(table);
      if (!sums) {
        let total = 0;
        sums = table.map((row) => {
          total += row.weight;
          return total;
        });
        cumulative.set(table, sums);
      }
      const r = next() * (sums[sums.length - 1] as number);
      let lo = 0;
      let hi = sums.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((sums[mid] as number) > r) hi = mid;
        else lo = mid + 1;
      }
      return (table[lo] as (typeof table)[number]).value;
    },
    shuffle: (items) => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j] as (typeof out)[number], out[i] as (typeof out)[number]];
      }
      return out;
    },
    id: (length) => {
      let out = '';
      for (let i = 0; i < length; i++) out += ID_CHARS.charAt(Math.floor(next() * ID_CHARS.length));
      return out;
    },
    publicIpv4: () => {
      for (;;) {
        const [a, b, c, d] = [1 + int(222), int(255), int(255), 1 + int(253)];
        if (isPublicIpv4(a, b, c)) return `${a}.${b}.${c}.${d}`;
      }
    },
    hex: (length) => {
      let out = '';
      while (out.length < length) {
        let bits = (next() * 4294967296) >>> 0;
        for (let k = 0; k < 8 && out.length < length; k++) {
          out += HEX_CHARS.charAt(bits & 15);
          bits >>>= 4;
        }
      }
      return out;
    },
  };
}

/** Times over [now - days, now], ascending, with bursts (one person doing many things within seconds). */
export function demoTimes(rng: DemoRandom, options: DemoOptions): number[] {
  const gaps: number[] = [];
  let total = 0;
  let burst = 0;
  for (let i = 0; i < options.count; i++) {
    if (burst === 0 && rng.int(99) < 4) burst = rng.between(5, 40);
    const gap = burst > 0 ? 0.001 + rng.next() * 0.02 : -Math.log(1 - rng.next());
    if (burst > 0) burst--;
    total += gap;
    gaps.push(total);
  }
  const end = options.now.getTime();
  const span = options.days * 86_400_000;
  return gaps.map((g) => Math.floor(end - span + (g / (total || 1)) * span));
}
