import type { AppDeps } from '../deps.ts';

/** Sets the per-destination gauges from the current state, just before a scrape reads them. */
export function refreshStreamMetrics(deps: Pick<AppDeps, 'streams' | 'metrics'>): void {
  if (!deps.streams) return;
  const { streamQueued, streamLag } = deps.metrics;
  streamQueued.reset();
  streamLag.reset();
  for (const s of deps.streams.stats()) {
    const labels = { destination: s.destination, kind: s.kind };
    streamQueued.set(labels, s.queued);
    streamLag.set(labels, s.lag_seconds);
  }
}
