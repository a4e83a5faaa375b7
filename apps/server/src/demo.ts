import { type AnySourcePlugin, type MappedEvent, mapNativePayloads } from '@trailmark/core';
import type { AppDeps } from './deps.ts';

export const DEMO_TENANTS = ['acme', 'globex', 'initech'] as const;

/** Share of demo activity per source: file transfer and media edits are the busiest streams. */
const WEIGHTS: Record<string, number> = {
  'file-transfer': 0.4,
  'media-library': 0.3,
  'generation-billing': 0.2,
  'central-config': 0.1,
};

export interface DemoOptions {
  events: number;
  days?: number;
  seed?: number;
  now?: Date;
  onProgress?: (stored: number) => void;
}

type DemoSource = AnySourcePlugin & Required<Pick<AnySourcePlugin, 'demo' | 'map'>>;

/** The sources that can make demo activity, in plugin order. */
export function demoSources(plugins: Iterable<AnySourcePlugin>): DemoSource[] {
  return [...plugins].filter((p): p is DemoSource => Boolean(p.demo && p.map));
}

/** What an added source (one without a weight here) seeds, as a share of `events`, on top of the rest. */
const ADDED_SOURCE_SHARE = 0.1;

/**
 * How many events one source seeds. The bundled sources split `events` by their weights whatever else is
 * registered, and an added source seeds a tenth of `events` on top: registering a sixth plugin never moves
 * the bundled demo (the README points at one of its assets), it only adds to it.
 */
export function demoCount(sources: readonly DemoSource[], source: DemoSource, events: number): number {
  const weight = WEIGHTS[source.id];
  if (weight === undefined) return Math.round(events * ADDED_SOURCE_SHARE);
  const bundled = sources.reduce((n, s) => n + (WEIGHTS[s.id] ?? 0), 0);
  return Math.round((events * weight) / bundled);
}

/**
 * One source's share of the demo, mapped to event inputs (with their tenant), in the order it is
 * seeded: the same options always give the same events, so docs can point at demo assets.
 */
export function* demoEventsOf(
  sources: readonly DemoSource[],
  source: DemoSource,
  options: Pick<DemoOptions, 'events' | 'days' | 'seed' | 'now'>,
): Generator<{ tenant: string; event: MappedEvent }> {
  const count = demoCount(sources, source, options.events);
  let produced = 0;
  for (const record of source.demo({
    seed: (options.seed ?? 7) + sources.indexOf(source),
    count,
    now: options.now ?? new Date(),
    // Stay inside the source's retention, or the first purge would delete part of the demo.
    days: Math.min(
      options.days ?? 180,
      source.retention && 'days' in source.retention ? source.retention.days - 1 : 180,
    ),
    tenants: DEMO_TENANTS,
  })) {
    for (const event of mapNativePayloads(source, [record.native])) {
      yield { tenant: record.tenant, event };
      if (++produced >= count) return;
    }
  }
}

/**
 * Seeds believable activity through the real ingest path: each plugin's demo generator yields native
 * payloads, the plugin maps them, and deps.ingest validates and stores them exactly as the HTTP routes do.
 */
export async function seedDemo(
  deps: AppDeps,
  options: DemoOptions,
): Promise<{ stored: number; bySource: Record<string, number> }> {
  const sources = demoSources(deps.plugins.sources.values());
  const bySource: Record<string, number> = {};
  let stored = 0;
  let failure: unknown;
  const inFlight = new Set<Promise<void>>();
  const submit = (tenant: string, batch: MappedEvent[]) => {
    const p = deps
      .ingest(
        batch.map((e) => ({ ...e, tenant })),
        { tenant },
      )
      .then((r) => {
        stored += r.accepted;
        options.onProgress?.(stored);
      })
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    return p;
  };
  for (const source of sources) {
    const batches = new Map<string, MappedEvent[]>();
    let produced = 0;
    for (const { tenant, event } of demoEventsOf(sources, source, options)) {
      produced++;
      const batch = batches.get(tenant) ?? [];
      batch.push(event);
      batches.set(tenant, batch);
      if (batch.length >= 1000) {
        batches.set(tenant, []);
        // Several batches in flight let the store group-commit them, as concurrent clients would.
        if (inFlight.size >= 8) await Promise.race(inFlight);
        void submit(tenant, batch);
      }
    }
    for (const [tenant, batch] of batches) if (batch.length > 0) void submit(tenant, batch);
    await Promise.all(inFlight);
    bySource[source.id] = produced;
  }
  await Promise.all(inFlight);
  if (failure) throw failure;
  return { stored, bySource };
}
