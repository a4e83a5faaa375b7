import {
  type AuditEvent,
  checkActionDefinitions,
  createPluginSet,
  EVENT_ID_PATTERN,
  type MappedEvent,
  prepareEvents,
  type SourcePlugin,
} from '@trailmark/core';
import { describe, expect, it } from 'vitest';

/** Fixtures as a list, or keyed by a readable name (the name shows up in test titles). */
export type PluginFixtures = readonly unknown[] | Readonly<Record<string, unknown>>;

export interface SourcePluginTestOptions {
  /** How many demo records to sample (default 200). */
  demoSample?: number;
  /** Tenant used for fixtures (default `kit-tenant`). */
  tenant?: string;
}

/** Received-at clock for validation: far enough ahead that fixture dates are never "in the future". */
const KIT_NOW = new Date('2099-01-01T00:00:00.000Z');
const DEMO_NOW = new Date('2026-04-14T12:00:00.000Z');

function entriesOf(fixtures: PluginFixtures): [string, unknown][] {
  if (Array.isArray(fixtures)) return fixtures.map((f, i) => [`#${i}`, f]);
  return Object.entries(fixtures as Readonly<Record<string, unknown>>);
}

function asList(mapped: MappedEvent | MappedEvent[]): MappedEvent[] {
  return Array.isArray(mapped) ? mapped : [mapped];
}

/**
 * The conformance suite every source plugin runs from its `plugin.test.ts`:
 * fixtures parse and map to events core accepts, every declared action is exercised,
 * mapping is pure, the registry is well formed, and demo data goes through the same path.
 */
export function runSourcePluginTests<Native>(
  plugin: SourcePlugin<Native>,
  fixtures: PluginFixtures,
  options: SourcePluginTestOptions = {},
): void {
  const tenant = options.tenant ?? 'kit-tenant';
  const entries = entriesOf(fixtures);
  const { registry } = createPluginSet([plugin as SourcePlugin]);

  const mapNative = (raw: unknown): { native: Native; events: MappedEvent[] } => {
    if (!plugin.nativeSchema) throw new Error(`plugin "${plugin.id}" has no nativeSchema`);
    if (!plugin.map) throw new Error(`plugin "${plugin.id}" has no map function`);
    const native = plugin.nativeSchema.parse(raw);
    return { native, events: asList(plugin.map(native)) };
  };

  describe(`source plugin "${plugin.id}" (plugin kit)`, () => {
    it('declares a well-formed action registry', () => {
      expect(checkActionDefinitions(plugin.actions)).toEqual([]);
      expect(plugin.actions.length).toBeGreaterThan(0);
      expect(plugin.kind).toBe('source');
      expect(plugin.nativeSchema, 'nativeSchema is required').toBeDefined();
      expect(plugin.map, 'map is required').toBeDefined();
    });

    it('has fixtures', () => {
      expect(entries.length).toBeGreaterThan(0);
    });

    describe.each(entries)('fixture %s', (_name, raw) => {
      it('validates against the native schema', () => {
        const parsed = plugin.nativeSchema?.safeParse(raw);
        expect(parsed?.success, parsed?.success ? '' : JSON.stringify(parsed?.error.issues)).toBe(true);
      });

      it('maps to events that core accepts', () => {
        const { events } = mapNative(raw);
        expect(events.length).toBeGreaterThan(0);
        let stored: AuditEvent[] = [];
        expect(() => {
          stored = prepareEvents(events, { tenant }, registry, KIT_NOW);
        }).not.toThrow();
        for (const event of stored) {
          expect(event.source).toBe(plugin.id);
          expect(event.tenant).toBe(tenant);
        }
      });

      it('maps deterministically, with stable ids, without touching its input', () => {
        const before = structuredClone(raw);
        const first = mapNative(raw).events;
        const second = mapNative(raw).events;
        expect(second).toEqual(first);
        expect(raw).toEqual(before);
        for (const event of first) {
          expect(event.id, 'mapped events carry an id so re-delivery is idempotent').toMatch(
            EVENT_ID_PATTERN,
          );
        }
      });
    });

    it('gives every mapped event a distinct id across fixtures', () => {
      const ids = entries.flatMap(([, raw]) => mapNative(raw).events.map((e) => e.id));
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('has at least one fixture for every declared action', () => {
      const covered = new Set(entries.flatMap(([, raw]) => mapNative(raw).events.map((e) => e.action)));
      const missing = plugin.actions.map((a) => a.action).filter((a) => !covered.has(a));
      expect(missing).toEqual([]);
    });

    if (plugin.demo) {
      const demo = plugin.demo;
      const tenants = ['kit-tenant-a', 'kit-tenant-b', 'kit-tenant-c'];
      const sample = options.demoSample ?? 200;
      const demoOptions = { seed: 7, count: sample, now: DEMO_NOW, days: 30, tenants };

      it(`demo yields ${sample} records that validate, map and pass core`, () => {
        const records = [...demo(demoOptions)];
        expect(records.length).toBe(sample);
        const earliest = DEMO_NOW.getTime() - 30 * 24 * 60 * 60 * 1000;
        for (const record of records) {
          expect(tenants).toContain(record.tenant);
          const { events } = mapNative(record.native);
          const stored = prepareEvents(events, { tenant: record.tenant }, registry, DEMO_NOW);
          for (const event of stored) {
            const at = Date.parse(event.occurred_at);
            expect(at).toBeGreaterThanOrEqual(earliest);
            expect(at).toBeLessThanOrEqual(DEMO_NOW.getTime());
          }
        }
      });

      it('demo is deterministic for a seed', () => {
        const a = [...demo({ ...demoOptions, count: 50 })];
        const b = [...demo({ ...demoOptions, count: 50 })];
        expect(b).toEqual(a);
      });
    }
  });
}
