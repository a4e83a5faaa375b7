import { DECLARED_ERROR_CODE, type DeclaredError, ErrorCode } from './errors.ts';
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
  /** Error codes the plugins declared, by code, with the id of the plugin that declared each. */
  errors: ReadonlyMap<string, DeclaredError & { plugin: string }>;
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
  const errors = new Map<string, DeclaredError & { plugin: string }>();
  const coreCodes = new Set<string>(Object.values(ErrorCode));
  const retention: RetentionPolicy = {
    default: overrides.default ?? DEFAULT_RETENTION,
    sources: {},
    tenants: overrides.tenants ?? {},
  };
  for (const plugin of plugins) {
    const key = `${plugin.kind}:${plugin.id}`;
    if (ids.has(key)) throw new Error(`plugin "${plugin.id}" is listed twice`);
    ids.add(key);
    for (const declared of plugin.errors ?? []) {
      const { code } = declared;
      if (!DECLARED_ERROR_CODE.test(code))
        throw new Error(
          `plugin "${plugin.id}" declares error code "${code}": use UPPER_SNAKE letters and digits`,
        );
      if (coreCodes.has(code))
        throw new Error(`plugin "${plugin.id}" declares error code "${code}", which is a core code`);
      const holder = errors.get(code);
      if (holder)
        throw new Error(`error code "${code}" is declared by "${holder.plugin}" and "${plugin.id}"`);
      errors.set(code, { ...declared, plugin: plugin.id });
    }
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
  return { registry, sources, exportFormats, streams, retention, errors };
}
