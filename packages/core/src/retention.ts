/** How long events are kept. Months are calendar months in UTC ("12 months" means the same date last year). */
export type RetentionPeriod = { days: number } | { months: number };

export interface RetentionPolicy {
  /** Applies when neither the tenant nor the source says otherwise. */
  default: RetentionPeriod;
  /** Per-source defaults, usually declared by the source plugin (`retention` in defineSourcePlugin). */
  sources: Record<string, RetentionPeriod>;
  /** Per-tenant overrides: a default for the tenant and/or per-source values. */
  tenants: Record<string, { default?: RetentionPeriod; sources?: Record<string, RetentionPeriod> }>;
}

export const DEFAULT_RETENTION: RetentionPeriod = { months: 12 };

/** Most specific wins: tenant+source, tenant default, source default, global default. */
export function resolveRetention(policy: RetentionPolicy, tenant: string, source: string): RetentionPeriod {
  const forTenant = policy.tenants[tenant];
  return forTenant?.sources?.[source] ?? forTenant?.default ?? policy.sources[source] ?? policy.default;
}

/** Events that occurred strictly before the returned instant are past retention. */
export function retentionCutoff(period: RetentionPeriod, now: Date): Date {
  const cutoff = new Date(now.getTime());
  if ('days' in period) {
    cutoff.setUTCDate(cutoff.getUTCDate() - period.days);
  } else {
    const day = cutoff.getUTCDate();
    cutoff.setUTCDate(1);
    cutoff.setUTCMonth(cutoff.getUTCMonth() - period.months);
    const lastDay = new Date(Date.UTC(cutoff.getUTCFullYear(), cutoff.getUTCMonth() + 1, 0)).getUTCDate();
    cutoff.setUTCDate(Math.min(day, lastDay));
  }
  return cutoff;
}

export function describeRetention(period: RetentionPeriod): string {
  return 'days' in period ? `${period.days} days` : `${period.months} months`;
}

export interface Partition {
  tenant: string;
  source: string;
}

export interface PurgeTask extends Partition {
  before: string;
  retention: string;
}

/** Turns the policy and the partitions a store holds into one purge task per (tenant, source). */
export function planPurge(policy: RetentionPolicy, partitions: readonly Partition[], now: Date): PurgeTask[] {
  return partitions.map(({ tenant, source }) => {
    const period = resolveRetention(policy, tenant, source);
    return {
      tenant,
      source,
      before: retentionCutoff(period, now).toISOString(),
      retention: describeRetention(period),
    };
  });
}
