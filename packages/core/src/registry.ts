import { ValidationError } from './errors.ts';
import { ACTION_PATTERN, CODE_PATTERN, SOURCE_PATTERN } from './schema.ts';

/**
 * One product operation, declared once by the source that emits it.
 * The registry drives filter lists and labels in the API, and the OCSF mapping on export.
 */
export interface ActionDefinition {
  /** Normalized name, `noun.verb_past` in lower snake case: `file.deleted`, `member.role_changed`. */
  action: string;
  /** The product's own name for the operation, kept verbatim: `AssetDeleted`, `UPLOAD`. */
  source_action?: string;
  /** Short human label shown in lists and facets. */
  label: string;
  description?: string;
  /** Group the action belongs to (lower snake case), e.g. `configuration`, `billing`, `sharing`. */
  category: string;
  /** OCSF 1.8 event class uid (e.g. 6006 File Hosting Activity) and activity id within it. */
  ocsf_class_uid: number;
  ocsf_activity_id?: number;
}

export interface SourceDescriptor {
  id: string;
  name: string;
  description?: string;
  allowCustomActions: boolean;
  actions: readonly ActionDefinition[];
}

/** Checks an action list for malformed names, duplicates and missing fields; returns the problems found. */
export function checkActionDefinitions(actions: readonly ActionDefinition[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const seenSource = new Set<string>();
  for (const [i, def] of actions.entries()) {
    if (!ACTION_PATTERN.test(def.action))
      problems.push(`actions[${i}]: "${def.action}" is not noun.verb_past`);
    if (seen.has(def.action)) problems.push(`actions[${i}]: "${def.action}" is declared twice`);
    seen.add(def.action);
    if (def.source_action !== undefined) {
      if (seenSource.has(def.source_action))
        problems.push(`actions[${i}]: source_action "${def.source_action}" is declared twice`);
      seenSource.add(def.source_action);
    }
    if (!def.label.trim()) problems.push(`actions[${i}]: "${def.action}" has no label`);
    if (!CODE_PATTERN.test(def.category))
      problems.push(`actions[${i}]: category "${def.category}" is not snake_case`);
    if (!Number.isInteger(def.ocsf_class_uid) || def.ocsf_class_uid < 1000 || def.ocsf_class_uid > 9999)
      problems.push(`actions[${i}]: ocsf_class_uid ${def.ocsf_class_uid} is not a 4-digit OCSF class`);
  }
  return problems;
}

export class ActionRegistry {
  private readonly sources = new Map<
    string,
    SourceDescriptor & { byAction: Map<string, ActionDefinition> }
  >();

  register(source: SourceDescriptor): void {
    if (!SOURCE_PATTERN.test(source.id))
      throw new Error(`source id "${source.id}" must match ${SOURCE_PATTERN}`);
    if (this.sources.has(source.id)) throw new Error(`source "${source.id}" is registered twice`);
    const problems = checkActionDefinitions(source.actions);
    if (problems.length > 0)
      throw new Error(`source "${source.id}" has invalid actions:\n${problems.join('\n')}`);
    this.sources.set(source.id, { ...source, byAction: new Map(source.actions.map((a) => [a.action, a])) });
  }

  hasSource(source: string): boolean {
    return this.sources.has(source);
  }

  source(source: string): SourceDescriptor | undefined {
    return this.sources.get(source);
  }

  action(source: string, action: string): ActionDefinition | undefined {
    return this.sources.get(source)?.byAction.get(action);
  }

  /** Human label for an action, falling back to the action name for unregistered ones. */
  label(source: string, action: string): string {
    return this.action(source, action)?.label ?? action;
  }

  /** Label of an action looked up across all sources (facets span sources). */
  labelAnySource(action: string): string | undefined {
    for (const s of this.sources.values()) {
      const def = s.byAction.get(action);
      if (def) return def.label;
    }
    return undefined;
  }

  /**
   * Throws UNKNOWN_ACTION when a registered source does not declare the action and does not allow custom ones.
   * Unregistered sources are accepted as they are: a product can start sending before it has a plugin.
   */
  assertKnown(source: string, action: string, path = 'action', index?: number): ActionDefinition | undefined {
    const entry = this.sources.get(source);
    if (!entry) return undefined;
    const def = entry.byAction.get(action);
    if (!def && !entry.allowCustomActions) {
      throw new ValidationError(
        `action "${action}" is not declared by source "${source}"`,
        [
          {
            ...(index === undefined ? {} : { index }),
            path,
            message: `unknown action for source "${source}"`,
          },
        ],
        'UNKNOWN_ACTION',
      );
    }
    return def;
  }

  /** Where a product's own action name (`source_action`) is declared, across sources. */
  findBySourceAction(sourceAction: string): { source: string; definition: ActionDefinition }[] {
    const out: { source: string; definition: ActionDefinition }[] = [];
    for (const s of this.sources.values()) {
      for (const definition of s.actions)
        if (definition.source_action === sourceAction) out.push({ source: s.id, definition });
    }
    return out;
  }

  list(): SourceDescriptor[] {
    return [...this.sources.values()].map(({ byAction: _ignored, ...rest }) => rest);
  }
}
