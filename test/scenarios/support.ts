import type { AuditEvent, FacetBucket } from '@trailmark/core';
import { parse } from 'csv-parse/sync';
import { expect } from 'vitest';
import { api, type ServerProcess, startServerProcess } from '../helpers.ts';

/** The tenant scenario events go to: a demo tenant, so every query runs against realistic noise. */
export const TENANT = 'acme';
export const DEMO_EVENTS = 20_000;

export interface EventPage {
  data: AuditEvent[];
  next_cursor: string | null;
}

export interface FacetResponse {
  field: string;
  buckets: FacetBucket[];
}

export interface HistoryResponse extends EventPage {
  asset: Record<string, string>;
}

export interface IngestResponse {
  accepted: number;
  duplicates: number;
  ids: string[];
}

/**
 * Starts the real CLI server with demo seeding on and waits until the demo data is in, so the scenario
 * events land among ~20k events of the demo tenants (acme, globex, initech).
 */
export async function startDemoServer(): Promise<ServerProcess> {
  const server = await startServerProcess({
    env: { TRAILMARK_DEMO: 'on', TRAILMARK_DEMO_EVENTS: String(DEMO_EVENTS) },
  });
  const deadline = Date.now() + 90_000;
  while (!server.output().includes('Demo data ready')) {
    if (server.child.exitCode !== null) throw new Error(`server exited while seeding:\n${server.output()}`);
    if (Date.now() > deadline) throw new Error(`demo seeding did not finish:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return server;
}

async function json<T>(res: Response, expected: number): Promise<T> {
  const text = await res.text();
  if (res.status !== expected) throw new Error(`expected HTTP ${expected}, got ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

export function getJson<T>(server: ServerProcess, path: string): Promise<T> {
  return api(server.url, path).then((res) => json<T>(res, 200));
}

/** Sends native payloads of one source through its plugin, as the product's webhook would. */
export async function sendNative(
  server: ServerProcess,
  source: string,
  natives: readonly unknown[],
  tenant: string = TENANT,
): Promise<IngestResponse> {
  const res = await api(server.url, `/v1/sources/${source}/events?tenant=${encodeURIComponent(tenant)}`, {
    body: natives,
  });
  const result = await json<IngestResponse>(res, 201);
  expect(result.accepted).toBe(natives.length);
  return result;
}

export type Params = Record<string, string | readonly string[]>;

export function query(params: Params): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    for (const v of typeof value === 'string' ? [value] : value) search.append(key, v);
  }
  return search.toString();
}

/** Every event matching the filters, following cursors. */
export async function listAll(server: ServerProcess, params: Params): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  let cursor: string | null = null;
  do {
    const page: EventPage = await getJson<EventPage>(
      server,
      `/v1/events?${query({ ...params, limit: '1000', ...(cursor ? { cursor } : {}) })}`,
    );
    out.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

export function facets(server: ServerProcess, field: string, params: Params): Promise<FacetResponse> {
  return getJson<FacetResponse>(server, `/v1/facets?${query({ field, ...params })}`);
}

export interface CsvExport {
  status: number;
  headers: Headers;
  rows: Record<string, string>[];
  columns: string[];
}

/** GET /v1/export?format=csv&...: the rows keyed by the header row. */
export async function exportCsv(server: ServerProcess, params: Params): Promise<CsvExport> {
  const res = await api(server.url, `/v1/export?${query({ format: 'csv', ...params })}`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`export failed with HTTP ${res.status}: ${text}`);
  const records = parse(text, { bom: true }) as string[][];
  const [columns = [], ...body] = records;
  const rows = body.map((cells) => Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? ''])));
  return { status: res.status, headers: res.headers, rows, columns };
}

/** An instant relative to now, at a fixed time of day, so scenario events sit inside every retention window. */
export function daysAgoAt(days: number, time: string): string {
  const day = new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
  return new Date(`${day}T${time}Z`).toISOString();
}

export function ids(events: readonly { id: string }[]): string[] {
  return events.map((e) => e.id);
}

/** Tally of values, sorted by value, for comparing counts independent of order. */
export function tally(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of [...values].sort()) out[v] = (out[v] ?? 0) + 1;
  return out;
}
