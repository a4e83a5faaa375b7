import { type ActionDefinition, defineSourcePlugin, type MappedEvent } from '@trailmark/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { pluginChecks, runSourcePluginTests } from './plugin-kit.ts';

/**
 * The kit against plugins that break each rule it enforces: a kit that passes a broken plugin would
 * make every plugin's green run meaningless.
 */
const nativeSchema = z.object({
  id: z.string().regex(/^[a-z0-9]+$/),
  op: z.enum(['NOTE_ADD', 'NOTE_DELETE']),
  at: z.iso.datetime(),
  user: z.string().min(1),
  ip: z.string().optional(),
});
type Native = z.infer<typeof nativeSchema>;

const actions: ActionDefinition[] = [
  {
    action: 'note.added',
    source_action: 'NOTE_ADD',
    label: 'Note added',
    category: 'content',
    ocsf_class_uid: 6003,
  },
  {
    action: 'note.deleted',
    source_action: 'NOTE_DELETE',
    label: 'Note deleted',
    category: 'content',
    ocsf_class_uid: 6003,
  },
];

const goodMap = (n: Native): MappedEvent => ({
  id: `kit_${n.id}`,
  source: 'kit-notes',
  action: n.op === 'NOTE_ADD' ? 'note.added' : 'note.deleted',
  source_action: n.op,
  occurred_at: n.at,
  actor: { type: 'user', id: n.user },
  targets: [{ type: 'note', id: n.id }],
  outcome: { result: 'success' },
  ...(n.ip ? { client: { ip: n.ip } } : {}),
});

const fixtures = {
  added: { id: 'n1', op: 'NOTE_ADD', at: '2026-04-01T10:00:00Z', user: 'ana' },
  deleted: { id: 'n2', op: 'NOTE_DELETE', at: '2026-04-01T11:00:00Z', user: 'bo', ip: '203.0.113.9' },
} satisfies Record<string, Native>;

const plugin = (overrides: Partial<Parameters<typeof defineSourcePlugin<Native>>[0]> = {}) =>
  defineSourcePlugin<Native>({
    id: 'kit-notes',
    name: 'Kit notes',
    actions,
    nativeSchema,
    map: goodMap,
    ...overrides,
  });

// A conforming plugin goes through the whole suite, as the bundled plugins do.
runSourcePluginTests(plugin(), fixtures);

describe('the plugin kit finds what a broken plugin gets wrong', () => {
  it('accepts the conforming plugin with no problems', () => {
    const p = plugin();
    expect(pluginChecks.registry(p)).toEqual([]);
    expect(pluginChecks.fixtures(p, fixtures)).toEqual([]);
    expect(pluginChecks.coverage(p, fixtures)).toEqual([]);
    expect(pluginChecks.purity(p, fixtures)).toEqual([]);
  });

  it('a malformed action name and a duplicate action', () => {
    const [first, second] = actions as [ActionDefinition, ActionDefinition];
    const problems = pluginChecks.registry(
      plugin({ actions: [{ ...first, action: 'NoteAdded' }, { ...second, action: 'note.deleted' }, second] }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('"NoteAdded" is not noun.verb_past'),
        expect.stringContaining('"note.deleted" is declared twice'),
        expect.stringContaining('source_action "NOTE_DELETE" is declared twice'),
      ]),
    );
  });

  it('an empty registry, and a plugin without schema or mapper', () => {
    expect(pluginChecks.registry(plugin({ actions: [] }))).toContain('declares no actions');
    const { nativeSchema: _s, map: _m, ...bare } = plugin();
    expect(pluginChecks.registry(bare)).toEqual(['has no nativeSchema', 'has no map function']);
  });

  it('a declared action without a fixture', () => {
    expect(pluginChecks.coverage(plugin(), { added: fixtures.added })).toEqual([
      'action "note.deleted" has no fixture',
    ]);
  });

  it('no fixtures at all', () => {
    expect(pluginChecks.fixtures(plugin(), {})).toEqual(['has no fixtures']);
  });

  it('a fixture that does not match the native schema', () => {
    const problems = pluginChecks.fixtures(plugin(), {
      ...fixtures,
      typo: { ...fixtures.added, op: 'NOTE_ADDED' },
    });
    expect(problems).toEqual([expect.stringMatching(/^fixture typo does not match the native schema: op:/)]);
  });

  it('a mapped event core rejects (bad IP, undeclared action)', () => {
    const badIp = pluginChecks.fixtures(plugin(), { deleted: { ...fixtures.deleted, ip: 'not-an-ip' } });
    expect(badIp).toEqual([
      expect.stringMatching(/^fixture deleted maps to an event core rejects: client\.ip/),
    ]);
    const undeclared = pluginChecks.fixtures(
      plugin({ map: (n) => ({ ...goodMap(n), action: 'note.archived' }) }),
      { added: fixtures.added },
    );
    expect(undeclared).toEqual([expect.stringContaining('unknown action for source "kit-notes"')]);
  });

  it('events without a stable id, and two fixtures mapping to one id', () => {
    const { id: _id, ...withoutId } = goodMap(fixtures.added);
    expect(pluginChecks.fixtures(plugin({ map: () => withoutId }), { added: fixtures.added })).toEqual([
      'fixture added: no stable event id (re-delivery would store it twice)',
    ]);
    expect(
      pluginChecks.fixtures(plugin({ map: (n) => ({ ...goodMap(n), id: 'kit_same' }) }), fixtures),
    ).toEqual(['two fixtures map to the event id "kit_same"']);
  });

  it('a mapper that reads the clock or Math.random', () => {
    const clock = plugin({ map: (n) => ({ ...goodMap(n), occurred_at: new Date().toISOString() }) });
    expect(pluginChecks.purity(clock, { added: fixtures.added })).toEqual([
      'fixture added maps differently with another clock or random stream',
    ]);
    const random = plugin({
      map: (n) => ({ ...goodMap(n), id: `kit_${Math.random().toString(36).slice(2)}` }),
    });
    expect(pluginChecks.purity(random, { added: fixtures.added })).toEqual([
      'fixture added maps differently with another clock or random stream',
    ]);
  });

  it('a mapper that changes its input', () => {
    const mutating = plugin({
      map: (n) => {
        (n as { user: string }).user = n.user.toUpperCase();
        return goodMap(n);
      },
    });
    // The schema parse copies the payload, so the caller's object is untouched: mutation is harmless here
    // and the check stays quiet; a schema that passes the payload through would be caught.
    expect(pluginChecks.purity(mutating, { added: fixtures.added })).toEqual([]);
    const passthrough = defineSourcePlugin<Native>({
      ...plugin(),
      nativeSchema: z.custom<Native>(() => true),
      map: (n) => {
        (n as { user: string }).user = 'changed';
        return goodMap(n);
      },
    });
    expect(pluginChecks.purity(passthrough, { added: { ...fixtures.added } })).toEqual([
      'fixture added: map changed its input',
    ]);
  });
});

describe('plugin kit: one action list, custom actions, naming advice', () => {
  it('fails when a native action has no declared action, and when a declared one is not accepted', () => {
    expect(pluginChecks.nativeActions(plugin(), ['NOTE_ADD', 'NOTE_DELETE'])).toEqual([]);
    expect(pluginChecks.nativeActions(plugin(), ['NOTE_ADD', 'NOTE_PIN'])).toEqual([
      'native action "NOTE_PIN" has no declared action',
      'declared source_action "NOTE_DELETE" is not accepted by the native schema',
    ]);
  });

  it('accepts a batch with one undeclared action from a plugin that allows custom actions', () => {
    const open = plugin({
      allowCustomActions: true,
      nativeSchema: nativeSchema.extend({ op: z.string() }) as unknown as typeof nativeSchema,
      map: (n) => ({
        ...goodMap(n),
        action: n.op === 'NOTE_ADD' ? 'note.added' : n.op === 'NOTE_DELETE' ? 'note.deleted' : 'note.changed',
      }),
    });
    const custom = { id: 'n3', op: 'NOTE_PIN', at: '2026-04-01T12:00:00Z', user: 'cy' };
    expect(pluginChecks.customActions(open, fixtures, custom)).toEqual([]);
    expect(pluginChecks.customActions(open, fixtures)).toEqual([]);
    // The same batch from a closed plugin is refused: the check is not vacuous.
    expect(pluginChecks.customActions(plugin(), fixtures, custom)[0]).toContain(
      'does not allowCustomActions',
    );
  });

  it('warns on nouns and verbs outside the documented vocabulary, suggesting the nearest', () => {
    const odd = plugin({
      actions: [{ ...actions[0], action: 'fille.deletd' }, actions[1]],
    });
    expect(pluginChecks.vocabulary(odd)).toEqual([
      'action "fille.deletd": noun "fille" is not a shared noun; nearest: "file"',
      'action "fille.deletd": verb "deletd" is not a documented verb; nearest: "deleted"',
      'action "note.deleted": noun "note" is not a shared noun; nearest: "role"',
    ]);
  });
});
