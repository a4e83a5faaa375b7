import {
  DEFAULT_RETENTION,
  type RetentionPeriod,
  type RetentionPolicy,
  resolveRetention,
  ValidationError,
} from '@trailmark/core';

/**
 * Where events live: one index family per retention class, one index per UTC month of occurred_at,
 * all behind one read alias. `trailmark-events-r12m-2026.03` holds every tenant's March 2026 events
 * whose retention is 12 months. Monthly indices chosen from the event time (not rollover) keep
 * `op_type=create` deduplication exact and let backfilled history land in the right month
 * (research: event-schema.md §d.1).
 */
export interface IndexLayout {
  prefix: string;
  /** Index template name, also the stem of every index name. */
  template: string;
  /** Alias over every monthly index of every family: all reads go here. */
  readAlias: string;
  /** Wildcard over every event index of the layout. */
  pattern: string;
  /** The evidence log's index (leaves of every tenant). */
  log: string;
}

const PREFIX_PATTERN = /^[a-z0-9][a-z0-9_-]{0,99}$/;

export function indexLayout(prefix = 'trailmark'): IndexLayout {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new ValidationError('invalid index prefix', [
      {
        path: 'indexPrefix',
        message: 'lower-case letters, digits, _ and -; must start with a letter or digit',
      },
    ]);
  }
  return {
    prefix,
    template: `${prefix}-events`,
    readAlias: `${prefix}-events`,
    pattern: `${prefix}-events-*`,
    log: `${prefix}-log`,
  };
}

/** `r12m`, `r90d`: index names must be lower case, and a class name must not contain `-`. */
export function retentionClass(period: RetentionPeriod): string {
  return 'days' in period ? `r${period.days}d` : `r${period.months}m`;
}

/** Longest time, in days, an event of this class may be kept (months counted as 31 days). */
export function retentionDays(period: RetentionPeriod): number {
  return 'days' in period ? period.days : period.months * 31;
}

export const DEFAULT_RETENTION_POLICY: RetentionPolicy = {
  default: DEFAULT_RETENTION,
  sources: {},
  tenants: {},
};

/** Every retention period a policy can resolve to, deduplicated by class name. */
export function retentionPeriods(policy: RetentionPolicy): Map<string, RetentionPeriod> {
  const periods = new Map<string, RetentionPeriod>();
  const add = (p: RetentionPeriod | undefined) => {
    if (p) periods.set(retentionClass(p), p);
  };
  add(policy.default);
  Object.values(policy.sources).forEach(add);
  for (const t of Object.values(policy.tenants)) {
    add(t.default);
    Object.values(t.sources ?? {}).forEach(add);
  }
  return periods;
}

export function familyPattern(layout: IndexLayout, cls: string): string {
  return `${layout.prefix}-events-${cls}-*`;
}

/** The monthly index an event belongs to, from its occurred_at in UTC. */
export function monthlyIndex(layout: IndexLayout, cls: string, occurredAt: string): string {
  const date = new Date(Date.parse(occurredAt));
  const month = String(date.getUTCMonth() + 1).padStart(2, '0');
  return `${layout.prefix}-events-${cls}-${date.getUTCFullYear()}.${month}`;
}

export function indexFor(
  layout: IndexLayout,
  policy: RetentionPolicy,
  event: { tenant: string; source: string; occurred_at: string },
): string {
  const cls = retentionClass(resolveRetention(policy, event.tenant, event.source));
  return monthlyIndex(layout, cls, event.occurred_at);
}

/** First instant after the month an index covers, or undefined for names outside the layout. */
export function indexMonthEnd(layout: IndexLayout, index: string): number | undefined {
  if (!index.startsWith(`${layout.prefix}-events-`)) return undefined;
  const match = /-r\d+[dm]-(\d{4})\.(\d{2})$/.exec(index);
  if (!match) return undefined;
  return Date.UTC(Number(match[1]), Number(match[2]), 1);
}

/** Document ids are unique per tenant, so the OpenSearch `_id` carries the tenant. */
export function documentId(tenant: string, id: string): string {
  return `${tenant}:${id}`;
}
