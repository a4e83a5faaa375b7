import { RateLimitedError } from '@trailmark/core';

/**
 * Streamed exports running at once, overall and per tenant (per process, like the other counters in the
 * operations guide). Beyond either bound a new stream is refused with 429 and Retry-After instead of
 * slowing every stream, health check and search down together. Export jobs run in the background (two at
 * a time) and are not counted here, but their pages take turns with the streams' (`turn`).
 */
const RETRY_AFTER_SECONDS = 5;

export function createExportSlots(limits: { total: number; perTenant: number }) {
  const state = { total: 0, byTenant: new Map<string, number>() };
  // Pages of every export (streams and jobs) take turns, one per turn of the event loop. Yielding with a
  // bare setImmediate is not enough: all the immediates queued in one loop run back to back, so 16
  // streams would encode 16 pages before the loop polls a socket again.
  const waiting: (() => void)[] = [];
  let pumping = false;
  const pump = () => {
    const next = waiting.shift();
    if (!next) {
      pumping = false;
      return;
    }
    setImmediate(pump);
    next();
  };
  return {
    limits,
    /** Resolves when it is this export's turn to read and encode one page. */
    turn(): Promise<void> {
      return new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (!pumping) {
          pumping = true;
          setImmediate(pump);
        }
      });
    },
    /** Takes a slot for an export over `tenants` (undefined: the operator over every tenant); returns its release. */
    take(tenants: readonly string[] | undefined): () => void {
      const keys = tenants && tenants.length > 0 ? [...new Set(tenants)] : ['*'];
      const { total, perTenant } = limits;
      if (state.total >= total)
        throw new RateLimitedError(
          `${total} exports are streaming already; retry shortly, or create an export job (POST /v1/exports)`,
          RETRY_AFTER_SECONDS,
        );
      const busy = keys.find((k) => (state.byTenant.get(k) ?? 0) >= perTenant);
      if (busy !== undefined)
        throw new RateLimitedError(
          `${perTenant} exports of this tenant are streaming already; retry shortly, or create an export job (POST /v1/exports)`,
          RETRY_AFTER_SECONDS,
        );
      state.total++;
      for (const k of keys) state.byTenant.set(k, (state.byTenant.get(k) ?? 0) + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        state.total--;
        for (const k of keys) {
          const n = (state.byTenant.get(k) ?? 1) - 1;
          if (n === 0) state.byTenant.delete(k);
          else state.byTenant.set(k, n);
        }
      };
    },
  };
}

export type ExportSlots = ReturnType<typeof createExportSlots>;
