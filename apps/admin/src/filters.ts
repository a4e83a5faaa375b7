/**
 * The audit log view lives in the URL: every filter is a query parameter named as in GET /v1/events,
 * plus `range` (a preset). A link is the whole view; reload gives the same view.
 */

export const LIST_KEYS = [
  'action',
  'actor',
  'workspace',
  'source',
  'result',
  'target_path',
  'request_id',
  'ip',
] as const;
export const SCALAR_KEYS = ['target_path_prefix', 'q', 'from', 'to'] as const;
export type ListKey = (typeof LIST_KEYS)[number];

export const RANGE_PRESETS = [
  { id: '1h', label: 'Last hour', ms: 3_600_000 },
  { id: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { id: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
  { id: '90d', label: 'Last 90 days', ms: 90 * 86_400_000 },
  { id: 'all', label: 'All time', ms: 0 },
] as const;
export const DEFAULT_RANGE = '7d';

export const FILTER_LABELS: Record<string, string> = {
  action: 'Action',
  actor: 'Actor',
  workspace: 'Workspace',
  source: 'Source',
  result: 'Result',
  target_path: 'Path',
  target_path_prefix: 'Folder',
  request_id: 'Request',
  ip: 'IP',
  q: 'Text',
  live: 'Live',
};

export interface ViewRange {
  /** The preset in force, or 'custom' when from/to are absolute. */
  preset: string;
  from?: string;
  to?: string;
}

export function rangeOf(params: URLSearchParams): ViewRange {
  const from = params.get('from') ?? undefined;
  const to = params.get('to') ?? undefined;
  if (from || to) return { preset: 'custom', ...(from ? { from } : {}), ...(to ? { to } : {}) };
  const preset = params.get('range') ?? DEFAULT_RANGE;
  return { preset };
}

/** The query for the API: the URL's filters with the preset turned into `from` (resolved once per view). */
export function apiQuery(params: URLSearchParams, now: number): URLSearchParams {
  const out = new URLSearchParams();
  for (const key of [...LIST_KEYS, ...SCALAR_KEYS])
    for (const v of params.getAll(key)) if (v) out.append(key, v);
  const range = rangeOf(params);
  if (range.preset !== 'custom') {
    const preset = RANGE_PRESETS.find((p) => p.id === range.preset) ?? RANGE_PRESETS[2];
    if (preset.ms > 0) out.set('from', new Date(now - preset.ms).toISOString());
  }
  return out;
}

export function toggleValue(params: URLSearchParams, key: string, value: string): URLSearchParams {
  const next = new URLSearchParams(params);
  const values = next.getAll(key);
  next.delete(key);
  const kept = values.includes(value) ? values.filter((v) => v !== value) : [...values, value];
  for (const v of kept) next.append(key, v);
  return next;
}

export function addValue(params: URLSearchParams, key: string, value: string): URLSearchParams {
  if (params.getAll(key).includes(value)) return params;
  return toggleValue(params, key, value);
}

export function setScalar(params: URLSearchParams, key: string, value: string | undefined): URLSearchParams {
  const next = new URLSearchParams(params);
  if (value) next.set(key, value);
  else next.delete(key);
  return next;
}
