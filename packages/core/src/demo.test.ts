import { describe, expect, it } from 'vitest';
import { createDemoRandom, demoTimes } from './demo.ts';

describe('createDemoRandom', () => {
  it('gives the same stream for the same seed and another for another seed', () => {
    const a = createDemoRandom(42);
    const b = createDemoRandom(42);
    const c = createDemoRandom(43);
    const take = (r: ReturnType<typeof createDemoRandom>) => Array.from({ length: 20 }, () => r.next());
    const first = take(a);
    expect(take(b)).toEqual(first);
    expect(take(c)).not.toEqual(first);
  });

  it('keeps int, between, pick, id and hex inside their ranges', () => {
    const r = createDemoRandom(1);
    for (let i = 0; i < 2000; i++) {
      const n = r.int(5);
      expect(Number.isInteger(n) && n >= 0 && n <= 5).toBe(true);
      const m = r.between(10, 12);
      expect(m >= 10 && m <= 12).toBe(true);
    }
    expect(new Set(Array.from({ length: 500 }, () => r.pick(['a', 'b', 'c'])))).toEqual(
      new Set(['a', 'b', 'c']),
    );
    expect(r.id(12)).toMatch(/^[A-Za-z2-9]{12}$/);
    expect(r.hex(24)).toMatch(/^[0-9a-f]{24}$/);
  });

  it('weighted follows the weights', () => {
    const r = createDemoRandom(5);
    const table = [
      { value: 'common', weight: 90 },
      { value: 'rare', weight: 10 },
    ];
    const rare = Array.from({ length: 10_000 }, () => r.weighted(table)).filter((v) => v === 'rare').length;
    expect(rare).toBeGreaterThan(800);
    expect(rare).toBeLessThan(1200);
  });

  it('publicIpv4 never gives a private, loopback, link-local, CGNAT, documentation or multicast address', () => {
    const r = createDemoRandom(9);
    const ips = Array.from({ length: 20_000 }, () => r.publicIpv4());
    for (const ip of ips) {
      const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number];
      expect(
        [a, b, c, d].every((o) => Number.isInteger(o) && o >= 0 && o <= 255),
        ip,
      ).toBe(true);
      expect(a === 10 || a === 127 || a === 0 || a === 100 || a === 169 || a >= 224, ip).toBe(false);
      expect(a === 172 && b >= 16 && b <= 31, ip).toBe(false);
      expect(a === 192 && b === 168, ip).toBe(false);
      expect(`${a}.${b}.${c}` === '198.51.100' || `${a}.${b}.${c}` === '203.0.113', ip).toBe(false);
    }
    expect(new Set(ips).size).toBeGreaterThan(19_000);
    // 100,000 expectations: well within 5 s on an idle machine, not on a shared CI runner.
  }, 30_000);
});

describe('demoTimes', () => {
  const now = new Date('2026-04-14T12:00:00Z');
  const options = { seed: 3, count: 5000, now, days: 180, tenants: ['t'] };

  it('spreads ascending times over [now - days, now]', () => {
    const times = demoTimes(createDemoRandom(3), options);
    expect(times).toHaveLength(5000);
    expect([...times].sort((x, y) => x - y)).toEqual(times);
    expect(times[0]).toBeGreaterThanOrEqual(now.getTime() - 180 * 86_400_000);
    expect(times.at(-1)).toBeLessThanOrEqual(now.getTime());
    // Spread over the window, not bunched at one end.
    const middle = times.filter(
      (t) => t > now.getTime() - 120 * 86_400_000 && t < now.getTime() - 60 * 86_400_000,
    );
    expect(middle.length).toBeGreaterThan(1000);
  });

  it('has bursts: runs of events within seconds of each other', () => {
    const times = demoTimes(createDemoRandom(3), options);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    const typical = [...gaps].sort((x, y) => x - y)[Math.floor(gaps.length / 2)] as number;
    expect(gaps.filter((g) => g < 60_000).length).toBeGreaterThan(200);
    expect(typical).toBeGreaterThan(60_000);
  });
});
