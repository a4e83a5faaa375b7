import { ValidationError } from './errors.ts';
import { ATTRIBUTE_TYPES, type AttributeType } from './query.ts';
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

/**
 * A field of the product's own that users search and count by (a share link id, a token id, an
 * operation type). Its value is `metadata[name]` of the source's events: validated at ingest against
 * the type, indexed by both stores, filterable as `attr.<name>` and facetable. Undeclared metadata is
 * stored and shown, never indexed.
 */
export interface SearchableField {
  /** Lower snake case; the metadata key and the `attr.<name>` filter. */
  name: string;
  label: string;
  type: AttributeType;
  description?: string;
}

export const SEARCHABLE_FIELD_NAME = /^[a-z][a-z0-9_]{0,63}$/;

export interface SourceDescriptor {
  id: string;
  name: string;
  description?: string;
  allowCustomActions: boolean;
  actions: readonly ActionDefinition[];
  /** Declared searchable fields (see SearchableField). */
  fields?: readonly SearchableField[];
}

/** Checks declared searchable fields for bad names, types, labels and duplicates. */
export function checkSearchableFields(fields: readonly SearchableField[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [i, f] of fields.entries()) {
    if (!SEARCHABLE_FIELD_NAME.test(f.name))
      problems.push(`fields[${i}]: "${f.name}" is not lower snake case`);
    if (seen.has(f.name)) problems.push(`fields[${i}]: "${f.name}" is declared twice`);
    seen.add(f.name);
    if (!(ATTRIBUTE_TYPES as readonly string[]).includes(f.type))
      problems.push(`fields[${i}]: type "${f.type}" is not one of ${ATTRIBUTE_TYPES.join(', ')}`);
    if (!f.label?.trim()) problems.push(`fields[${i}]: "${f.name}" has no label`);
  }
  return problems;
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
    const fieldProblems = checkSearchableFields(source.fields ?? []);
    for (const f of source.fields ?? []) {
      const other = this.field(f.name);
      // One name, one type: `attr.<name>` is one filter and one index field across sources.
      if (other && other.type !== f.type)
        fieldProblems.push(`field "${f.name}" is a ${f.type} here and a ${other.type} in another source`);
    }
    if (fieldProblems.length > 0)
      throw new Error(`source "${source.id}" has invalid fields:\n${fieldProblems.join('\n')}`);
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

  /** A declared searchable field, looked up across sources (the first declaration; types agree). */
  field(name: string): SearchableField | undefined {
    for (const s of this.sources.values()) {
      const f = s.fields?.find((x) => x.name === name);
      if (f) return f;
    }
    return undefined;
  }

  /** Every declared searchable field once, in registration order. */
  fields(): SearchableField[] {
    const out = new Map<string, SearchableField>();
    for (const s of this.sources.values())
      for (const f of s.fields ?? []) if (!out.has(f.name)) out.set(f.name, f);
    return [...out.values()];
  }

  /** Whether some registered source declares this action, or an action under this dotted prefix. */
  declaresAction(action: string, kind: 'action' | 'prefix' = 'action'): boolean {
    for (const s of this.sources.values()) {
      if (
        kind === 'action' ? s.byAction.has(action) : s.actions.some((a) => a.action.startsWith(`${action}.`))
      )
        return true;
    }
    return false;
  }

  /** Whether some registered source accepts actions it does not declare. */
  anyCustomActions(): boolean {
    return [...this.sources.values()].some((s) => s.allowCustomActions);
  }

  /** Declared action names, across sources, deduplicated. */
  actionNames(): string[] {
    return [...new Set([...this.sources.values()].flatMap((s) => s.actions.map((a) => a.action)))];
  }

  list(): SourceDescriptor[] {
    return [...this.sources.values()].map(({ byAction: _ignored, ...rest }) => rest);
  }
}
