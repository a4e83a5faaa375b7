import type { AnySourcePlugin, ExportFormat, TrailmarkPlugin } from './plugin.ts';
import { ActionRegistry } from './registry.ts';
import { DEFAULT_RETENTION, type RetentionPolicy } from './retention.ts';
import type { AnyStreamPlugin } from './stream.ts';

/** The plugins of one Trailmark instance, resolved from the ordered list in its config. */
export interface PluginSet {
  registry: ActionRegistry;
  sources: Map<string, AnySourcePlugin>;
  exportFormats: Map<string, ExportFormat>;
  /** Stream plugins by destination kind. */
  streams: Map<string, AnyStreamPlugin>;
  /** Retention policy seeded with each source's declared default. */
  retention: RetentionPolicy;
}

export function createPluginSet(
  plugins: readonly TrailmarkPlugin[],
  overrides: Partial<Pick<RetentionPolicy, 'default' | 'tenants'>> = {},
): PluginSet {
  const registry = new ActionRegistry();
  const sources = new Map<string, AnySourcePlugin>();
  const exportFormats = new Map<string, ExportFormat>();
  const streams = new Map<string, AnyStreamPlugin>();
  const ids = new Set<string>();
  const retention: RetentionPolicy = {
    default: overrides.default ?? DEFAULT_RETENTION,
    sources: {},
    tenants: overrides.tenants ?? {},
  };
  for (const plugin of plugins) {
    const key = `${plugin.kind}:${plugin.id}`;
    if (ids.has(key)) throw new Error(`plugin "${plugin.id}" is listed twice`);
    ids.add(key);
    if (plugin.kind === 'source') {
      const source = plugin;
      registry.register({
        id: source.id,
        name: source.name,
        ...(source.description ? { description: source.description } : {}),
        allowCustomActions: source.allowCustomActions ?? false,
        actions: source.actions,
        ...(source.fields ? { fields: source.fields } : {}),
      });
      sources.set(source.id, source);
      if (source.retention) retention.sources[source.id] = source.retention;
    } else if (plugin.kind === 'export') {
      for (const format of plugin.formats) {
        if (exportFormats.has(format.id)) throw new Error(`export format "${format.id}" is defined twice`);
        exportFormats.set(format.id, format);
      }
    } else {
      streams.set(plugin.id, plugin);
    }
  }
  return { registry, sources, exportFormats, streams, retention };
}
