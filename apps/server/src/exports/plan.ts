import {
  filterToParams as coreFilterToParams,
  ErrorCode,
  type EventFilter,
  type ExportEncoderOptions,
  type ExportFormat,
  IdPrefix,
  newId,
  type QueryParams,
  TrailmarkError,
} from '@trailmark/core';
import type { AppDeps } from '../deps.ts';

/** Everything an export needs, decided before the first byte: the stream and the job runner share it. */
export interface ExportPlan {
  id: string;
  format: ExportFormat;
  bom: boolean;
  /** The effective filter, tenant scope included. */
  filter: EventFilter;
  /** The same filter as normalized parameters: stored with jobs and written to the audit trail. */
  params: Record<string, string[]>;
  /** Tenant cap on rows, when one applies. */
  rowLimit?: number;
  /** Rows matching the filter when the export was planned (storage.count). */
  total: number;
  /** Whether `total` exceeds `rowLimit`, so the file stops at the cap. Decided up front and stated. */
  truncated: boolean;
  fileName: string;
}

/** Resolves `format=` against the formats the installed export plugins provide. */
export function resolveFormat(deps: AppDeps, id: string | undefined): ExportFormat {
  const format = deps.plugins.exportFormats.get(id ?? 'csv');
  if (!format) {
    const known = [...deps.plugins.exportFormats.keys()].join(', ');
    throw new TrailmarkError(ErrorCode.UNSUPPORTED_FORMAT, `unsupported export format "${id}"`, [
      { path: 'format', message: `one of ${known}` },
    ]);
  }
  return format;
}

export function parseBom(raw: string | boolean | undefined): boolean {
  if (raw === undefined || raw === false || raw === 'false' || raw === '0' || raw === '') return false;
  if (raw === true || raw === 'true' || raw === '1') return true;
  throw new TrailmarkError(ErrorCode.VALIDATION_FAILED, 'invalid bom', [
    { path: 'bom', message: 'true or false' },
  ]);
}

/** The encoder options every format gets: labels and registry entries come from the installed source plugins. */
export function encoderOptions(deps: AppDeps, bom: boolean): ExportEncoderOptions {
  const { registry } = deps.plugins;
  return {
    bom,
    label: (source, action) => registry.label(source, action),
    action: (source, action) => registry.action(source, action),
  };
}

/** A filter written back as query parameters, so a job can be replayed and an audit entry read by people. */
export function filterToParams(filter: EventFilter): Record<string, string[]> {
  return coreFilterToParams(filter);
}

/**
 * The row cap that applies: the smallest `max_export_rows` among the tenants in scope. An operator export
 * over all tenants names none and is uncapped (the operator owns the instance); one naming tenants gets
 * their cap like their own keys would.
 */
export function rowLimitFor(deps: AppDeps, tenants: readonly string[] | undefined): number | undefined {
  let limit: number | undefined;
  for (const tenant of tenants ?? []) {
    const max = deps.control.getTenantSettings(tenant).max_export_rows;
    if (max !== undefined && max !== null && (limit === undefined || max < limit)) limit = max;
  }
  return limit;
}

const slug = (value: string, max = 40) =>
  value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/g, '');

const day = (iso: string) => iso.slice(0, 10);

/**
 * A file name that says what is inside: tenant, source and action when there is exactly one, the date
 * range, e.g. `trailmark-acme-file-transfer-2026-04-01_2026-04-14.csv`, and `-first-<n>-rows` when a row
 * cap cut the result, so a file passed on without its HTTP headers still says it is partial. Only
 * [a-z0-9._-], so it is safe in a header, on every file system and in a shell.
 */
export function exportFileName(
  filter: EventFilter,
  extension: string,
  now: Date = new Date(),
  truncatedAt?: number,
): string {
  const parts = ['trailmark'];
  const tenants = filter.tenant ?? [];
  parts.push(tenants.length === 0 ? 'all-tenants' : tenants.length === 1 ? slug(tenants[0]) : 'multi-tenant');
  if (filter.source?.length === 1) parts.push(slug(filter.source[0]));
  if (filter.action?.length === 1) parts.push(slug(filter.action[0]));
  if (filter.workspace?.length === 1) parts.push(slug(filter.workspace[0]));
  // `to` is exclusive: an export "to 2026-04-15" ends on the 14th, and the name says so.
  const last = filter.to ? day(new Date(Date.parse(filter.to) - 1).toISOString()) : day(now.toISOString());
  parts.push(filter.from ? `${day(filter.from)}_${last}` : last);
  const ext = extension.replace(/[^a-z0-9.]/gi, '').toLowerCase() || 'txt';
  // The cap marker is added after the length cut, so a long name can never lose it.
  const cap = truncatedAt === undefined ? '' : `-first-${truncatedAt}-rows`;
  return `${parts.filter(Boolean).join('-').slice(0, 150)}${cap}.${ext}`;
}

/**
 * Builds the plan from an already tenant-scoped filter. Counts the matching rows first: the row count and
 * any truncation are stated before the first byte (headers of a stream, fields of a job).
 */
export async function planExport(
  deps: AppDeps,
  input: { format: ExportFormat; bom: boolean; filter: EventFilter; now?: Date },
): Promise<ExportPlan> {
  const rowLimit = rowLimitFor(deps, input.filter.tenant);
  const total = await deps.storage.count(input.filter);
  const truncated = rowLimit !== undefined && total > rowLimit;
  return {
    id: newId(IdPrefix.exportJob),
    format: input.format,
    bom: input.bom,
    filter: input.filter,
    params: filterToParams(input.filter),
    ...(rowLimit === undefined ? {} : { rowLimit }),
    total,
    truncated,
    fileName: exportFileName(
      input.filter,
      input.format.extension,
      input.now,
      truncated ? rowLimit : undefined,
    ),
  };
}

/** `{ filter: "a" | ["a", "b"] }` from a JSON body, as the query-parameter shape parseEventFilter reads. */
export function bodyFiltersToParams(filters: Record<string, string | string[]>): QueryParams {
  const params: QueryParams = {};
  for (const [key, value] of Object.entries(filters)) params[key] = Array.isArray(value) ? value : [value];
  return params;
}
