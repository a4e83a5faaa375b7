import { exportPages } from '@trailmark/core';
import type { AppDeps } from '../deps.ts';
import { type ExportPlan, encoderOptions } from './plan.ts';

/** Rows per storage page: large enough to amortize a query, small enough that a page stays ~0.5 MB. */
export const EXPORT_PAGE_SIZE = 1000;

export interface ExportChunk {
  text: string;
  /** Rows encoded in this chunk. */
  rows: number;
  /** Rows per tenant in this chunk: the audit entry goes to every tenant whose data left. */
  tenants?: Map<string, number>;
}

export interface ExportSummary {
  rows: number;
  /** Exact: true only when at least one more matching row existed beyond the cap. */
  truncated: boolean;
  tenants: Map<string, number>;
}

/**
 * Encodes a plan page by page: one page in memory at a time, whatever the result size. Pages come from
 * `exportPages`: one point-in-time snapshot where the store has one (OpenSearch), keyset paging otherwise.
 * The consumer pulls; nothing is read from storage before it asks, which is what gives backpressure.
 * `summary` is filled in as rows go out and is final once the generator is done.
 */
export async function* encodeExport(
  deps: AppDeps,
  plan: ExportPlan,
  summary: ExportSummary,
): AsyncGenerator<ExportChunk> {
  const encoder = plan.format.createEncoder(encoderOptions(deps, plan.bom));
  const header = encoder.header();
  if (header) yield { text: header, rows: 0 };
  const limit = plan.rowLimit ?? Number.POSITIVE_INFINITY;
  const pages = exportPages(deps.storage, plan.filter, Math.min(EXPORT_PAGE_SIZE, Math.max(1, limit)));
  try {
    for await (const page of pages) {
      const room = limit - summary.rows;
      if (room <= 0) {
        // The cap was reached exactly at a page boundary and another page exists: that is a truncation.
        summary.truncated = true;
        break;
      }
      const events = page.length > room ? page.slice(0, room) : page;
      if (events.length < page.length) summary.truncated = true;
      const tenants = new Map<string, number>();
      for (const e of events) tenants.set(e.tenant, (tenants.get(e.tenant) ?? 0) + 1);
      for (const [t, n] of tenants) summary.tenants.set(t, (summary.tenants.get(t) ?? 0) + n);
      summary.rows += events.length;
      yield { text: encoder.encode(events), rows: events.length, tenants };
      if (summary.truncated) break;
    }
  } finally {
    await pages.return(undefined);
  }
  const footer = encoder.footer();
  if (footer) yield { text: footer, rows: 0 };
}

export function newSummary(): ExportSummary {
  return { rows: 0, truncated: false, tenants: new Map() };
}
