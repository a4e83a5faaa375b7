import type { AuditEvent, ExportEncoder, ExportEncoderOptions, ExportFormat } from '@trailmark/core';
import { stringify } from 'csv-stringify/sync';

type Cell = string | number | undefined;

export interface CsvColumn {
  name: string;
  description: string;
  value: (event: AuditEvent, label: string) => Cell;
}

const json = (value: unknown): string | undefined =>
  value === undefined ? undefined : JSON.stringify(value);

/**
 * The CSV column set. Order and names are a public contract (spreadsheets and scripts address columns by
 * name or position): append new columns at the end, never rename or reorder. Documented in README.md.
 * Nested fields are flattened; the first target fills the `target_*` columns and `targets_json` keeps all.
 */
export const CSV_COLUMNS: readonly CsvColumn[] = [
  {
    name: 'occurred_at',
    description: 'When it happened (source clock), ISO 8601 UTC',
    value: (e) => e.occurred_at,
  },
  { name: 'received_at', description: 'When Trailmark stored it, ISO 8601 UTC', value: (e) => e.received_at },
  { name: 'id', description: 'Event id', value: (e) => e.id },
  { name: 'tenant', description: 'Tenant id', value: (e) => e.tenant },
  { name: 'source', description: 'Source plugin id', value: (e) => e.source },
  { name: 'action', description: 'Normalized action, noun.verb_past', value: (e) => e.action },
  { name: 'action_label', description: 'Human label from the action registry', value: (_e, label) => label },
  {
    name: 'source_action',
    description: "The product's own name for the action",
    value: (e) => e.source_action,
  },
  { name: 'category', description: 'Action category', value: (e) => e.category },
  {
    name: 'actor_type',
    description: 'user, api_key, service, system, anonymous, integration',
    value: (e) => e.actor.type,
  },
  { name: 'actor_id', description: 'Actor id', value: (e) => e.actor.id },
  { name: 'actor_name', description: 'Actor display name', value: (e) => e.actor.name },
  { name: 'actor_email', description: 'Actor email', value: (e) => e.actor.email },
  { name: 'outcome_result', description: 'success, failure, denied, error', value: (e) => e.outcome.result },
  { name: 'outcome_reason', description: 'snake_case reason code', value: (e) => e.outcome.reason },
  { name: 'outcome_message', description: 'Free-text outcome message', value: (e) => e.outcome.message },
  { name: 'workspace_id', description: 'Workspace id', value: (e) => e.workspace?.id },
  { name: 'workspace_name', description: 'Workspace name', value: (e) => e.workspace?.name },
  { name: 'target_type', description: 'First target: type', value: (e) => e.targets[0]?.type },
  { name: 'target_id', description: 'First target: id', value: (e) => e.targets[0]?.id },
  { name: 'target_name', description: 'First target: name', value: (e) => e.targets[0]?.name },
  { name: 'target_path', description: 'First target: path', value: (e) => e.targets[0]?.path },
  {
    name: 'target_previous_path',
    description: 'First target: path before a rename or move',
    value: (e) => e.targets[0]?.previous_path,
  },
  {
    name: 'target_size_bytes',
    description: 'First target: size in bytes',
    value: (e) => e.targets[0]?.size_bytes,
  },
  { name: 'target_region', description: 'First target: storage region', value: (e) => e.targets[0]?.region },
  { name: 'targets_json', description: 'All targets as a JSON array', value: (e) => json(e.targets) },
  { name: 'client_ip', description: 'Client IP address', value: (e) => e.client?.ip },
  {
    name: 'client_country_code',
    description: 'Client country, ISO 3166-1 alpha-2',
    value: (e) => e.client?.geo?.country_code,
  },
  { name: 'client_region', description: 'Client region (geo)', value: (e) => e.client?.geo?.region },
  {
    name: 'device_kind',
    description: 'browser, cli, sdk, api, mobile, desktop, server, unknown',
    value: (e) => e.client?.device?.kind,
  },
  { name: 'user_agent', description: 'Client user agent', value: (e) => e.client?.user_agent },
  { name: 'request_id', description: 'Request id', value: (e) => e.request?.id },
  { name: 'request_method', description: 'HTTP method', value: (e) => e.request?.method },
  { name: 'request_endpoint', description: 'Endpoint or path called', value: (e) => e.request?.endpoint },
  { name: 'request_region', description: 'Region that served the request', value: (e) => e.request?.region },
  { name: 'request_status', description: 'HTTP status of the request', value: (e) => e.request?.status },
  { name: 'changes_json', description: 'Field changes as a JSON array', value: (e) => json(e.changes) },
  { name: 'metadata_json', description: 'Metadata as a JSON object', value: (e) => json(e.metadata) },
];

export const CSV_HEADER: readonly string[] = CSV_COLUMNS.map((c) => c.name);

/**
 * Cells a spreadsheet would evaluate as a formula (OWASP CSV Injection, ASVS 1.2.10, CWE-1236): a leading
 * = + - @, tab, CR or NUL, plus the full-width (＝ ＋ － ＠) and small-form (﹦ ﹢ ﹣) signs that some
 * spreadsheet apps normalize to ASCII. Spreadsheets also skip leading whitespace, NBSP, zero-width
 * characters and a BOM before reading a formula, so those are looked through too (`FORMULA_SIGN` is the
 * first visible character). Leading single quotes are looked through so that the escaping stays
 * reversible: a value that already starts with `'=` gets one more quote, and stripping exactly one quote
 * always restores the original.
 */
const INVISIBLE = '\\s\\u00A0\\u180E\\u200B-\\u200D\\u2060\\uFEFF';
const SIGNS = '=+\\-@\\t\\r\\0\\uFF1D\\uFF0B\\uFF0D\\uFF20\\uFE66\\uFE62\\uFE63';
/** A cell a spreadsheet reads as a formula, once invisible leading characters are skipped. */
export const FORMULA_SIGN = new RegExp(`^[${INVISIBLE}]*[${SIGNS}]`);
const FORMULA_CELL = new RegExp(`^'*[${INVISIBLE}]*[${SIGNS}]`);

/** Prefixes a single quote to a cell that a spreadsheet would treat as a formula. */
export function neutralizeCell(value: string): string {
  return FORMULA_CELL.test(value) ? `'${value}` : value;
}

/** Reverses `neutralizeCell`: removes the one quote it added. */
export function restoreCell(value: string): string {
  return value.startsWith("'") && FORMULA_CELL.test(value) ? value.slice(1) : value;
}

/** One event as its CSV cells, before formula neutralization (what a round trip gives back). */
export function csvCells(event: AuditEvent, label: string = event.action): string[] {
  return CSV_COLUMNS.map((column) => {
    const value = column.value(event, label);
    return value === undefined ? '' : String(value);
  });
}

/**
 * One event as the cells that are written. Text is neutralized whatever it looks like: `-5` or
 * `+49 30 1234567` in a text field is text, and the prefix also stops a spreadsheet from turning it into a
 * number. Values typed as numbers in the event are written as plain decimals: a JS number never renders as
 * a formula, and they stay numbers in a spreadsheet.
 */
export function csvRow(event: AuditEvent, label: string = event.action): string[] {
  return CSV_COLUMNS.map((column) => {
    const value = column.value(event, label);
    if (value === undefined) return '';
    return typeof value === 'number' ? String(value) : neutralizeCell(value);
  });
}

export const BOM = '\uFEFF';

export function createCsvEncoder(options: ExportEncoderOptions = {}): ExportEncoder {
  const label = options.label ?? ((_source: string, action: string) => action);
  // quote_record_delimiter: csv-stringify turns it off once record_delimiter is set, and would then
  // quote only fields holding a full CRLF. A lone CR or LF left unquoted splits the row in spreadsheet
  // apps, so every field with either is quoted (RFC 4180 §2.6).
  const render = (rows: string[][]) =>
    stringify(rows, { eof: true, record_delimiter: 'windows', quote_record_delimiter: true });
  return {
    header: () => (options.bom ? BOM : '') + render([[...CSV_HEADER]]),
    encode(events) {
      if (events.length === 0) return '';
      return render(events.map((e) => csvRow(e, label(e.source, e.action))));
    },
    footer: () => '',
  };
}

export const csvFormat: ExportFormat = {
  id: 'csv',
  name: 'CSV (RFC 4180, formula-safe)',
  contentType: 'text/csv; charset=utf-8',
  extension: 'csv',
  createEncoder: createCsvEncoder,
};
