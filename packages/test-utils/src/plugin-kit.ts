import {
  type AnySourcePlugin,
  type AuditEvent,
  checkActionDefinitions,
  createPluginSet,
  EVENT_ID_PATTERN,
  editDistance,
  type MappedEvent,
  mapNativePayloads,
  prepareEvents,
  type SourcePlugin,
  TrailmarkError,
} from '@trailmark/core';
import { describe, expect, it, vi } from 'vitest';

/** Fixtures as a list, or keyed by a readable name (the name shows up in test titles). */
export type PluginFixtures = readonly unknown[] | Readonly<Record<string, unknown>>;

export interface SourcePluginTestOptions {
  /** How many demo records to sample (default 200). */
  demoSample?: number;
  /** Tenant used for fixtures (default `kit-tenant`). */
  tenant?: string;
  /**
   * The product's action names the native schema accepts (its enum), when it lists them: the kit fails
   * when one has no declared action (`source_action`) and when a declared one is not accepted.
   */
  nativeActions?: readonly string[];
  /**
   * For a plugin with `allowCustomActions`: a native payload carrying an action the plugin does not
   * declare. The kit checks it maps, keeps the product's name in `source_action`, and core accepts it.
   */
  customActionFixture?: unknown;
}

/** The shared nouns of docs/writing-a-source-plugin.md ("action naming rules"). */
export const ACTION_NOUNS = [
  'file',
  'folder',
  'collection',
  'file_version',
  'share_link',
  'public_link',
  'user',
  'member',
  'user_group',
  'role',
  'permission',
  'api_key',
  'session',
  'organization',
  'workspace',
  'setting',
  'external_storage',
  'url_endpoint',
  'cache',
  'subscription',
  'credits',
  'seats',
  'metered_billing',
  'billing_details',
  'generation',
] as const;

/** The documented verbs; a compound `<attribute>_<verb>` ends in one of them (`role_changed`). */
export const ACTION_VERBS = [
  'created',
  'updated',
  'deleted',
  'renamed',
  'moved',
  'copied',
  'restored',
  'uploaded',
  'downloaded',
  'accessed',
  'shared',
  'unshared',
  'invited',
  'added',
  'removed',
  'granted',
  'revoked',
  'assigned',
  'unassigned',
  'signed_in',
  'signed_out',
  'provisioned',
  'enabled',
  'disabled',
  'transferred',
  'triggered',
  'cancelled',
  'applied',
  'purged',
  'expired',
  'unlocked',
  'blocked',
  'changed',
] as const;

const nearest = (word: string, vocabulary: readonly string[]) =>
  [...vocabulary].sort((x, y) => editDistance(word, x) - editDistance(word, y) || (x < y ? -1 : 1))[0];

/** Received-at clock for validation: far enough ahead that fixture dates are never "in the future". */
const KIT_NOW = new Date('2099-01-01T00:00:00.000Z');
const DEMO_NOW = new Date('2026-04-14T12:00:00.000Z');

/** Two clocks and two random streams far apart: a mapper that reads either maps differently under them. */
const WORLDS = [
  { now: new Date('2001-02-03T04:05:06.007Z'), random: 0.123456789 },
  { now: new Date('2087-11-12T13:14:15.016Z'), random: 0.987654321 },
] as const;

function entriesOf(fixtures: PluginFixtures): [string, unknown][] {
  if (Array.isArray(fixtures)) return fixtures.map((f, i) => [`#${i}`, f]);
  return Object.entries(fixtures as Readonly<Record<string, unknown>>);
}

function describeError(error: unknown): string {
  if (error instanceof TrailmarkError && error.details)
    return error.details.map((d) => `${d.path}: ${d.message}`).join('; ');
  return error instanceof Error ? error.message : String(error);
}

function mapper<Native>(plugin: SourcePlugin<Native>) {
  if (!plugin.nativeSchema) throw new Error(`plugin "${plugin.id}" has no nativeSchema`);
  if (!plugin.map) throw new Error(`plugin "${plugin.id}" has no map function`);
  return (raw: unknown): MappedEvent[] => mapNativePayloads(plugin as AnySourcePlugin, [raw]);
}

/**
 * The checks behind the kit, as functions that return the problems they find (empty = conforming), so
 * the kit itself is tested against broken plugins (plugin-kit.test.ts) and can never pass vacuously.
 */
export const pluginChecks = {
  /** Well-formed, duplicate-free action names and source actions, and the parts the engine needs. */
  registry<Native>(plugin: SourcePlugin<Native>): string[] {
    const problems = checkActionDefinitions(plugin.actions);
    if (plugin.actions.length === 0) problems.push('declares no actions');
    if (plugin.kind !== 'source') problems.push(`kind is "${String(plugin.kind)}", not "source"`);
    if (!plugin.nativeSchema) problems.push('has no nativeSchema');
    if (!plugin.map) problems.push('has no map function');
    return problems;
  },

  /** Each fixture validates against the native schema and maps to events that core stores as they are. */
  fixtures<Native>(plugin: SourcePlugin<Native>, fixtures: PluginFixtures, tenant = 'kit-tenant'): string[] {
    const entries = entriesOf(fixtures);
    if (entries.length === 0) return ['has no fixtures'];
    const { registry } = createPluginSet([plugin as SourcePlugin]);
    const problems: string[] = [];
    const map = mapper(plugin);
    for (const [name, raw] of entries) {
      const parsed = plugin.nativeSchema?.safeParse(raw);
      if (!parsed?.success) {
        problems.push(
          `fixture ${name} does not match the native schema: ${parsed?.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        );
        continue;
      }
      let events: MappedEvent[];
      try {
        events = map(raw);
      } catch (error) {
        problems.push(`fixture ${name}: map threw: ${describeError(error)}`);
        continue;
      }
      if (events.length === 0) problems.push(`fixture ${name} maps to no event`);
      let stored: AuditEvent[] = [];
      try {
        stored = prepareEvents(events, { tenant }, registry, KIT_NOW);
      } catch (error) {
        problems.push(`fixture ${name} maps to an event core rejects: ${describeError(error)}`);
      }
      for (const event of stored) {
        if (event.source !== plugin.id)
          problems.push(`fixture ${name}: source "${event.source}" is not "${plugin.id}"`);
        if (event.tenant !== tenant) problems.push(`fixture ${name}: the mapper set the tenant`);
      }
      for (const event of events) {
        if (event.id === undefined || !EVENT_ID_PATTERN.test(event.id))
          problems.push(`fixture ${name}: no stable event id (re-delivery would store it twice)`);
      }
    }
    const ids = entries.flatMap(([, raw]) => {
      try {
        return map(raw).map((e) => e.id);
      } catch {
        return [];
      }
    });
    const seen = new Set<string | undefined>();
    for (const id of ids) {
      if (id !== undefined && seen.has(id)) problems.push(`two fixtures map to the event id "${id}"`);
      seen.add(id);
    }
    return problems;
  },

  /**
   * Naming advice, never a failure: a noun or verb outside the documented vocabulary, with the nearest
   * documented word (a product's own noun may be right; a typo or a synonym usually is not).
   */
  vocabulary<Native>(plugin: SourcePlugin<Native>): string[] {
    const warnings: string[] = [];
    for (const { action } of plugin.actions) {
      const parts = action.split('.');
      const noun = parts[0];
      const verb = parts[parts.length - 1];
      if (!(ACTION_NOUNS as readonly string[]).includes(noun))
        warnings.push(
          `action "${action}": noun "${noun}" is not a shared noun; nearest: "${nearest(noun, ACTION_NOUNS)}"`,
        );
      const known = ACTION_VERBS.some((v) => verb === v || verb.endsWith(`_${v}`));
      if (!known)
        warnings.push(
          `action "${action}": verb "${verb}" is not a documented verb; nearest: "${nearest(verb, ACTION_VERBS)}"`,
        );
    }
    return warnings;
  },

  /** The native schema's action names and the declared `source_action`s are the same set. */
  nativeActions<Native>(plugin: SourcePlugin<Native>, nativeActions: readonly string[]): string[] {
    const declared = new Set(plugin.actions.map((a) => a.source_action).filter((a) => a !== undefined));
    const accepted = new Set(nativeActions);
    return [
      ...[...accepted]
        .filter((n) => !declared.has(n))
        .map((n) => `native action "${n}" has no declared action`),
      ...[...declared]
        .filter((d) => !accepted.has(d))
        .map((d) => `declared source_action "${d}" is not accepted by the native schema`),
    ];
  },

  /**
   * A plugin that allows custom actions passes an undeclared product action through: it maps, keeps the
   * product's name in `source_action`, and a batch holding it is accepted.
   */
  customActions<Native>(plugin: SourcePlugin<Native>, fixtures: PluginFixtures, custom?: unknown): string[] {
    if (!plugin.allowCustomActions)
      return custom === undefined
        ? []
        : ['customActionFixture given, but the plugin does not allowCustomActions'];
    const { registry } = createPluginSet([plugin as SourcePlugin]);
    const map = mapper(plugin);
    const problems: string[] = [];
    const batch: MappedEvent[] = [];
    const first = entriesOf(fixtures)[0];
    if (first) {
      try {
        batch.push(...map(first[1]));
      } catch {
        // Reported by the fixtures check.
      }
    }
    if (custom !== undefined) {
      let events: MappedEvent[] = [];
      try {
        events = map(custom);
      } catch (error) {
        problems.push(`customActionFixture: map threw: ${describeError(error)}`);
      }
      for (const e of events) {
        if (
          registry.action(plugin.id, e.action) !== undefined &&
          e.source_action !== undefined &&
          plugin.actions.some((a) => a.source_action === e.source_action)
        )
          problems.push('customActionFixture carries a declared product action; give it an undeclared one');
        if (e.source_action === undefined) problems.push('customActionFixture: source_action is not kept');
      }
      batch.push(...events);
    } else {
      // No native example: the normalized path alone, one event with an action nobody declared.
      const base = batch[0];
      if (base)
        batch.push({
          ...base,
          id: `${base.id ?? 'kit'}_custom`,
          action: 'kit_custom.performed',
          source_action: 'KIT_CUSTOM',
        });
    }
    try {
      prepareEvents(batch, { tenant: 'kit-tenant' }, registry, KIT_NOW);
    } catch (error) {
      problems.push(`a batch with an undeclared action is rejected: ${describeError(error)}`);
    }
    return problems;
  },

  /** Every declared action is produced by at least one fixture. */
  coverage<Native>(plugin: SourcePlugin<Native>, fixtures: PluginFixtures): string[] {
    const map = mapper(plugin);
    const covered = new Set<string>();
    for (const [, raw] of entriesOf(fixtures)) {
      try {
        for (const e of map(raw)) covered.add(e.action);
      } catch {
        // Reported by the fixtures check.
      }
    }
    return plugin.actions
      .filter((a) => !covered.has(a.action))
      .map((a) => `action "${a.action}" has no fixture`);
  },

  /**
   * Mapping is pure: the same payload maps to the same events under two different clocks and random
   * streams, and the payload is left as it was.
   */
  purity<Native>(plugin: SourcePlugin<Native>, fixtures: PluginFixtures): string[] {
    const map = mapper(plugin);
    const problems: string[] = [];
    for (const [name, raw] of entriesOf(fixtures)) {
      const before = structuredClone(raw);
      const outputs: unknown[] = [];
      for (const world of WORLDS) {
        vi.useFakeTimers({ now: world.now, toFake: ['Date', 'performance'] });
        const random = vi.spyOn(Math, 'random').mockReturnValue(world.random);
        try {
          outputs.push(structuredClone(map(raw)));
        } catch (error) {
          outputs.push(`threw: ${describeError(error)}`);
        } finally {
          random.mockRestore();
          vi.useRealTimers();
        }
      }
      if (JSON.stringify(outputs[0]) !== JSON.stringify(outputs[1]))
        problems.push(`fixture ${name} maps differently with another clock or random stream`);
      if (JSON.stringify(raw) !== JSON.stringify(before))
        problems.push(`fixture ${name}: map changed its input`);
    }
    return problems;
  },
};

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

  describe(`source plugin "${plugin.id}" (plugin kit)`, () => {
    it('declares a well-formed action registry: no malformed or duplicate names', () => {
      expect(pluginChecks.registry(plugin)).toEqual([]);
    });

    it('has fixtures', () => {
      expect(entries.length).toBeGreaterThan(0);
    });

    describe.each(entries)('fixture %s', (name, raw) => {
      it('validates against the native schema and maps to events that core accepts, with stable ids', () => {
        expect(pluginChecks.fixtures(plugin, { [name]: raw }, tenant)).toEqual([]);
      });

      it('maps purely: same events under another clock and random stream, input untouched', () => {
        expect(pluginChecks.purity(plugin, { [name]: raw })).toEqual([]);
      });
    });

    it('gives every mapped event a distinct id across fixtures', () => {
      expect(
        pluginChecks.fixtures(plugin, fixtures, tenant).filter((p) => p.startsWith('two fixtures')),
      ).toEqual([]);
    });

    it('has at least one fixture for every declared action', () => {
      expect(pluginChecks.coverage(plugin, fixtures)).toEqual([]);
    });

    it('names actions with the documented nouns and verbs (warns, never fails)', () => {
      const warnings = pluginChecks.vocabulary(plugin);
      for (const warning of warnings) console.warn(`[plugin kit] ${plugin.id}: ${warning}`);
      for (const warning of warnings) expect(warning).toMatch(/nearest: "[a-z_]+"$/);
    });

    if (options.nativeActions) {
      const nativeActions = options.nativeActions;
      it('declares an action for every native action, and accepts every declared one', () => {
        expect(pluginChecks.nativeActions(plugin, nativeActions)).toEqual([]);
      });
    }

    if (plugin.allowCustomActions || options.customActionFixture !== undefined) {
      it('passes an undeclared product action through (allowCustomActions)', () => {
        expect(pluginChecks.customActions(plugin, fixtures, options.customActionFixture)).toEqual([]);
      });
    }

    if (plugin.demo) {
      const demo = plugin.demo;
      const map = mapper(plugin);
      const tenants = ['kit-tenant-a', 'kit-tenant-b', 'kit-tenant-c'];
      const sample = options.demoSample ?? 200;
      const demoOptions = { seed: 7, count: sample, now: DEMO_NOW, days: 30, tenants };

      it(`demo yields ${sample} records that validate, map and pass core`, () => {
        const records = [...demo(demoOptions)];
        expect(records.length).toBe(sample);
        const earliest = DEMO_NOW.getTime() - 30 * 24 * 60 * 60 * 1000;
        for (const record of records) {
          expect(tenants).toContain(record.tenant);
          const stored = prepareEvents(map(record.native), { tenant: record.tenant }, registry, DEMO_NOW);
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
