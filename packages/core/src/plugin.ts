import type { z } from 'zod';
import {
  type DeclaredError,
  ErrorCode,
  type ErrorDetail,
  TrailmarkError,
  ValidationError,
} from './errors.ts';
import type { ActionDefinition, SearchableField } from './registry.ts';
import type { RetentionPeriod } from './retention.ts';
import type { AuditEvent, EventInput } from './schema.ts';
import type { AnyStreamPlugin } from './stream.ts';

/** A mapper's output: a normalized event minus what only the platform decides (tenant, received_at). */
export type MappedEvent = Omit<EventInput, 'tenant'>;

export interface SourcePluginDefinition<Native = unknown> {
  /** Stable id; it becomes every event's `source`. Lower case, digits and dashes. */
  id: string;
  name: string;
  description?: string;
  /** Every action the source emits, each declared once. */
  actions: readonly ActionDefinition[];
  /**
   * The product's own fields users search and count by, each read from `metadata[name]` of this
   * source's events: validated at ingest, indexed, filterable as `attr.<name>`, facetable.
   */
  fields?: readonly SearchableField[];
  /** Schema of the product's own payload, accepted at `POST /v1/sources/{id}/events`. */
  nativeSchema?: z.ZodType<Native>;
  /** Pure: one native payload in, one or more normalized events out. No I/O, no clock, no randomness. */
  map?: (native: Native) => MappedEvent | MappedEvent[];
  /** Default retention for this source's events; tenants may override it. */
  retention?: RetentionPeriod;
  /** Accept actions not in `actions` (for sources whose vocabulary is open-ended). */
  allowCustomActions?: boolean;
  /** Believable demo activity as native payloads, ingested through the real path (map, validate, store). */
  demo?: (options: DemoOptions) => Iterable<DemoRecord<Native>>;
  /** The plugin's own error codes, for refusals `map` raises as a TrailmarkError with one of them. */
  errors?: readonly DeclaredError[];
}

export interface DemoOptions {
  /** Same seed, same data: demos and benchmarks are reproducible. */
  seed: number;
  /** How many native payloads to produce (a payload may map to more than one event). */
  count: number;
  /** Activity is spread over [now - days, now]. */
  now: Date;
  days: number;
  /** Tenants to spread activity over. */
  tenants: readonly string[];
}

export interface DemoRecord<Native> {
  tenant: string;
  native: Native;
}

export interface SourcePlugin<Native = unknown> extends SourcePluginDefinition<Native> {
  readonly kind: 'source';
}

export function defineSourcePlugin<Native>(definition: SourcePluginDefinition<Native>): SourcePlugin<Native> {
  return { kind: 'source', ...definition };
}

/** Turns a stream of events into bytes of one file format. Encoders are incremental: memory stays constant. */
export interface ExportEncoder {
  /** Text written before the first row (CSV header, JSON array opening). */
  header(): string;
  /** Encodes a batch of events; returns the text to append. */
  encode(events: readonly AuditEvent[]): string;
  /** Text written after the last row. */
  footer(): string;
}

export interface ExportEncoderOptions {
  /** Prefix a UTF-8 byte order mark so spreadsheet apps detect the encoding. */
  bom?: boolean;
  /** Resolves an action's human label (from the registry). */
  label?: (source: string, action: string) => string;
  /** Resolves an action's registry entry; formats that need its OCSF class or category read it here. */
  action?: (source: string, action: string) => ActionDefinition | undefined;
}

export interface ExportFormat {
  /** Value of `format=` in the export API. */
  id: string;
  name: string;
  contentType: string;
  extension: string;
  createEncoder(options: ExportEncoderOptions): ExportEncoder;
}

export interface ExportPlugin {
  readonly kind: 'export';
  id: string;
  name: string;
  formats: readonly ExportFormat[];
  /** The plugin's own error codes (see DeclaredError). */
  errors?: readonly DeclaredError[];
}

export function defineExportPlugin(definition: Omit<ExportPlugin, 'kind'>): ExportPlugin {
  return { kind: 'export', ...definition };
}

/**
 * A source plugin with its native type erased, so plugins of different products fit one list.
 * `map` takes `never`: callers pass a payload their `nativeSchema` has already validated.
 */
export interface AnySourcePlugin extends Omit<SourcePlugin, 'nativeSchema' | 'map' | 'demo'> {
  nativeSchema?: z.ZodType<unknown>;
  map?: (native: never) => MappedEvent | MappedEvent[];
  demo?: (options: DemoOptions) => Iterable<DemoRecord<unknown>>;
}

export type TrailmarkPlugin = AnySourcePlugin | ExportPlugin | AnyStreamPlugin;

/**
 * Native payloads to normalized events through a source plugin: every payload is checked against the
 * plugin's native schema first (each problem listed by index and path; one bad payload maps none), then
 * mapped. The one implementation behind the native ingest route, the demo seeder and the plugin kit.
 */
export function mapNativePayloads(
  plugin: Pick<AnySourcePlugin, 'id' | 'nativeSchema' | 'map'>,
  natives: readonly unknown[],
): MappedEvent[] {
  const { map } = plugin;
  if (!map)
    throw new TrailmarkError(
      ErrorCode.UNKNOWN_SOURCE,
      `no source plugin "${plugin.id}" accepts native payloads`,
    );
  const details: ErrorDetail[] = [];
  const payloads: unknown[] = [];
  for (const [index, native] of natives.entries()) {
    const parsed = plugin.nativeSchema
      ? plugin.nativeSchema.safeParse(native)
      : { success: true as const, data: native };
    if (parsed.success) payloads.push(parsed.data);
    else
      for (const issue of parsed.error.issues.slice(0, 20))
        details.push({
          index,
          path: issue.path.map(String).join('.') || '(payload)',
          message: issue.message,
        });
  }
  if (details.length > 0)
    throw new ValidationError(
      `payload does not match the "${plugin.id}" schema; nothing was stored`,
      details,
    );
  return payloads.flatMap((p) => map(p as never));
}
