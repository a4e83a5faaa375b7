/**
 * Scaffolds a source plugin with the same shape as the built-in ones:
 *
 *   npm run new:source -- <name> [--title "Display name"] [--dir <parent folder>] [--custom-actions]
 *
 * creates `<dir>/source-<name>/` (default dir: `plugins/`) with package.json, vitest config, README
 * and `src/{plugin,native,mapper,fixtures,demo,index}.ts` + `mapper.test.ts` + `plugin.test.ts`.
 * The result passes the plugin kit as soon as `npm install` has linked the new workspace.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export interface ScaffoldOptions {
  /** Plugin id and folder suffix, lower case with dashes: `ticketing` -> `plugins/source-ticketing`. */
  name: string;
  /** Human name shown in the API and UI; defaults to the id in Title Case. */
  title?: string;
  /** Parent folder; defaults to the repository's `plugins/`. */
  dir?: string;
  /** The product has more actions than it declares: undeclared ones pass through (allowCustomActions). */
  customActions?: boolean;
}

function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function pascal(name: string): string {
  const c = camel(name);
  return c.charAt(0).toUpperCase() + c.slice(1);
}

function titleCase(name: string): string {
  return name
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

/** Every file of a new plugin, keyed by path relative to the plugin folder. */
export function sourcePluginFiles(options: {
  name: string;
  title?: string;
  customActions?: boolean;
}): Record<string, string> {
  const { name } = options;
  if (!NAME_PATTERN.test(name) || name.length > 40)
    throw new Error(`"${name}" is not a valid source id: lower case letters, digits and single dashes`);
  const title = options.title ?? titleCase(name);
  const c = camel(name);
  const P = pascal(name);
  const ID = `${name.replace(/-/g, '_').toUpperCase()}_SOURCE_ID`;
  const pkg = `@trailmark/plugin-source-${name}`;
  const idPrefix = `${name.replace(/-/g, '_')}_`;
  const customActions = options.customActions ?? false;

  return {
    'package.json': `${JSON.stringify(
      {
        name: pkg,
        version: '0.1.0',
        private: true,
        description: `Source plugin: ${title}`,
        type: 'module',
        license: 'Apache-2.0',
        engines: { node: '>=20.19.0' },
        exports: { '.': './src/index.ts' },
        scripts: { test: 'vitest run', typecheck: 'tsc --noEmit -p ../../tsconfig.json' },
        dependencies: { '@trailmark/core': '*', zod: '^4.6.7' },
        devDependencies: { '@trailmark/test-utils': '*' },
      },
      null,
      2,
    )}\n`,

    'vitest.config.ts': `import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: '${pkg}' } });
`,

    'README.md': `# ${pkg}

Source plugin \`${name}\`: maps ${title} audit entries to Trailmark events.

| source_action  | action         | category  | OCSF class                   |
| -------------- | -------------- | --------- | ---------------------------- |
| \`ITEM_CREATED\` | \`item.created\` | \`content\` | 6003 API Activity / 1 Create |

The table lives once, in \`src/plugin.ts\` (\`ACTION_TABLE\`): the declared actions, the native schema's
action enum and the mapper's lookup are all built from it.

Fields: \`event_id\` -> \`id\` (\`${idPrefix}\` prefix, so re-delivery is idempotent), \`occurred_at\`, \`actor\`,
\`item\` -> \`targets[0]\`, \`ip\` -> \`client.ip\`, \`result\` -> \`outcome.result\`. Unknown payload fields are
accepted and ignored (products add fields all the time); only what breaks the mapping is rejected.

Searchable fields (\`${c}Fields\` in \`src/plugin.ts\`): \`item_kind\` (keyword), from \`item.kind\`, filterable
as \`attr.item_kind=...\`.

Retention: 12 months (\`retention\` in \`src/plugin.ts\`).

See [docs/writing-a-source-plugin.md](../../docs/writing-a-source-plugin.md) for the next steps.
`,

    'src/plugin.ts': `import type { ActionDefinition, RetentionPeriod, SearchableField } from '@trailmark/core';

export const ${ID} = '${name}';

export const ${c}Info = {
  id: ${ID},
  name: '${title.replace(/'/g, "\\'")}',
  description: 'Audit events of ${title.replace(/'/g, "\\'")}.',
  retention: { months: 12 } satisfies RetentionPeriod,${
    customActions
      ? `
  /** The product has more actions than are declared here: undeclared ones pass through (see mapper.ts). */
  allowCustomActions: true,`
      : ''
  }
} as const;

/**
 * Every action the product emits, declared once:
 * [product name, action (noun.verb_past), label, category, OCSF class, OCSF activity].
 * The declared actions, the native schema's enum and the mapper's lookup are all built from this table.
 */
const ACTION_TABLE = [
  ['ITEM_CREATED', 'item.created', 'Item created', 'content', 6003, 1],
] as const satisfies readonly (readonly [string, string, string, string, number, number])[];

export type ${P}NativeAction = (typeof ACTION_TABLE)[number][0];

/** The product's action names, for the native schema's enum. */
export const ${c}NativeActions = ACTION_TABLE.map(([native]) => native) as [${P}NativeAction, ...${P}NativeAction[]];

export const ${c}Actions: readonly ActionDefinition[] = ACTION_TABLE.map(
  ([source_action, action, label, category, ocsf_class_uid, ocsf_activity_id]) => ({
    action,
    source_action,
    label,
    category,
    ocsf_class_uid,
    ocsf_activity_id,
  }),
);

/** Product name -> declared action, for the mapper. */
export const ${c}ActionByNative: ReadonlyMap<string, ActionDefinition> = new Map(
  ${c}Actions.map((a) => [a.source_action as string, a]),
);

/** The product's own fields people search and count by: read from metadata, indexed, \`attr.<name>\`. */
export const ${c}Fields: readonly SearchableField[] = [
  { name: 'item_kind', label: 'Item kind', type: 'keyword', description: 'What kind of item it is.' },
];
`,

    'src/native.ts': `import { z } from 'zod';
import { ${c}NativeActions } from './plugin.ts';

/**
 * The product's own payload. Loose objects: products add fields all the time, so unknown fields are
 * accepted (and ignored by the mapper) instead of failing ingest; only what the mapping needs is checked.
 */
export const ${c}NativeSchema = z.looseObject({
  event_id: z.string().regex(/^[A-Za-z0-9_-]{1,22}$/),
  occurred_at: z.iso.datetime({ offset: true }),
  action: ${customActions ? `z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/)` : `z.enum(${c}NativeActions)`},
  actor: z.looseObject({ id: z.string().min(1), email: z.email().optional(), name: z.string().min(1).optional() }),
  item: z.looseObject({
    id: z.string().min(1),
    name: z.string().min(1),
    path: z.string().startsWith('/').optional(),
    kind: z.string().min(1).max(100).optional(),
  }),
  ip: z.union([z.ipv4(), z.ipv6()]).optional(),
  result: z.enum(['success', 'failure', 'denied', 'error']),
});

export type ${P}Native = z.infer<typeof ${c}NativeSchema>;
`,

    'src/mapper.ts': `import type { MappedEvent } from '@trailmark/core';
import type { ${P}Native } from './native.ts';
import { ${c}ActionByNative, ${ID} } from './plugin.ts';

/** Event ids are \`${idPrefix}\` + the product's event id. */
export const ${c.toUpperCase()}_ID_PREFIX = '${idPrefix}';

/** Pure: no clock, no randomness, no I/O. The native id becomes the event id (idempotent re-delivery). */
export function map${P}Event(n: ${P}Native): MappedEvent {
  const def = ${c}ActionByNative.get(n.action);
${
  customActions
    ? `  // An undeclared product action passes through: a generic action and category, the product's own
  // name kept verbatim in source_action (the source declares allowCustomActions).
  const action = def?.action ?? 'item.changed';
  const category = def?.category ?? 'other';`
    : `  if (!def) throw new Error(\`unknown ${name} action "\${n.action}"\`);
  const { action, category } = def;`
}
  return {
    id: \`\${${c.toUpperCase()}_ID_PREFIX}\${n.event_id}\`,
    source: ${ID},
    action,
    source_action: n.action,
    category,
    occurred_at: n.occurred_at,
    actor: {
      type: 'user',
      id: n.actor.id,
      ...(n.actor.email ? { email: n.actor.email } : {}),
      ...(n.actor.name ? { name: n.actor.name } : {}),
    },
    targets: [
      { type: 'item', id: n.item.id, name: n.item.name, ...(n.item.path ? { path: n.item.path } : {}) },
    ],
    outcome: { result: n.result },
    ...(n.ip ? { client: { ip: n.ip } } : {}),
    ...(n.item.kind ? { metadata: { item_kind: n.item.kind } } : {}),
  };
}
`,

    'src/fixtures.ts': `import type { ${P}Native } from './native.ts';

/** Real-looking payloads: at least one per action, plus failures. Exported for other tests. */
export const ${c}Fixtures = {
  item_created: {
    event_id: 'evt_0001',
    occurred_at: '2026-04-14T10:32:15Z',
    action: 'ITEM_CREATED',
    actor: { id: 'usr_42', email: 'ada@example.com', name: 'Ada Lovelace' },
    item: { id: 'itm_1', name: 'Quarterly report', path: '/reports/q1.pdf' },
    ip: '203.0.113.7',
    result: 'success',
  },
  item_create_denied: {
    event_id: 'evt_0002',
    occurred_at: '2026-04-14T10:33:00Z',
    action: 'ITEM_CREATED',
    actor: { id: 'usr_43', email: 'guest@example.com' },
    item: { id: 'itm_2', name: 'Draft' },
    ip: '198.51.100.9',
    result: 'denied',
  },
} satisfies Record<string, ${P}Native>;
`,

    'src/demo.ts': `import { createDemoRandom, type DemoOptions, type DemoRecord, demoTimes } from '@trailmark/core';
import type { ${P}Native } from './native.ts';

/**
 * Deterministic demo payloads spread over [now - days, now] with bursts (core's demoTimes); the same
 * seed gives the same data. Replace the pools with your product's people, objects and failure modes.
 */
export function* ${c}Demo(options: DemoOptions): Generator<DemoRecord<${P}Native>> {
  const rng = createDemoRandom(options.seed);
  const times = demoTimes(rng, options);
  const people = Array.from({ length: 20 }, (_, i) => ({ id: \`usr_\${i}\`, email: \`user\${i}@example.com\` }));
  for (let i = 0; i < options.count; i++) {
    yield {
      tenant: rng.pick(options.tenants),
      native: {
        event_id: \`demo\${options.seed}_\${i}\`,
        occurred_at: new Date(times[i] as number).toISOString(),
        action: 'ITEM_CREATED',
        actor: rng.pick(people),
        item: { id: \`itm_\${i}\`, name: \`Item \${i}\`, path: \`/items/item-\${i}.txt\` },
        ip: \`198.51.100.\${rng.between(1, 250)}\`,
        result: rng.chance(0.05) ? 'denied' : 'success',
      },
    };
  }
}
`,

    'src/index.ts': `import { defineSourcePlugin } from '@trailmark/core';
import { ${c}Demo } from './demo.ts';
import { map${P}Event } from './mapper.ts';
import { ${c}NativeSchema } from './native.ts';
import { ${c}Actions, ${c}Fields, ${c}Info } from './plugin.ts';

export const ${c}Source = defineSourcePlugin({
  ...${c}Info,
  actions: ${c}Actions,
  fields: ${c}Fields,
  nativeSchema: ${c}NativeSchema,
  map: map${P}Event,
  demo: ${c}Demo,
});

export { ${c}Fixtures } from './fixtures.ts';
export { map${P}Event } from './mapper.ts';
export * from './native.ts';
export * from './plugin.ts';
`,

    'src/mapper.test.ts': `import { describe, expect, it } from 'vitest';
import { ${c}Fixtures } from './fixtures.ts';
import { map${P}Event } from './mapper.ts';
import { ${c}NativeSchema } from './native.ts';

const cases: [keyof typeof ${c}Fixtures, Record<string, unknown>][] = [
  [
    'item_created',
    {
      id: '${name.replace(/-/g, '_')}_evt_0001',
      action: 'item.created',
      source_action: 'ITEM_CREATED',
      actor: { type: 'user', id: 'usr_42', email: 'ada@example.com', name: 'Ada Lovelace' },
      targets: [{ type: 'item', id: 'itm_1', name: 'Quarterly report', path: '/reports/q1.pdf' }],
      outcome: { result: 'success' },
      client: { ip: '203.0.113.7' },
    },
  ],
  ['item_create_denied', { action: 'item.created', outcome: { result: 'denied' } }],
];

describe('map${P}Event', () => {
  it.each(cases)('%s', (name, expected) => {
    const event = map${P}Event(${c}NativeSchema.parse(${c}Fixtures[name]));
    expect(event).toMatchObject({ source: '${name}', ...expected });
  });
});
`,

    'src/plugin.test.ts': `import { runSourcePluginTests } from '@trailmark/test-utils';
import { ${c}Fixtures } from './fixtures.ts';
import { ${c}Source } from './index.ts';

import { ${c}NativeActions } from './plugin.ts';

// nativeActions: the kit checks that every product action is declared and every declared one accepted.
runSourcePluginTests(${c}Source, ${c}Fixtures, { nativeActions: ${c}NativeActions });
`,
  };
}

/** Writes the plugin folder; refuses to overwrite an existing one. Returns the folder created. */
export async function scaffoldSourcePlugin(options: ScaffoldOptions): Promise<string> {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const folder = resolve(options.dir ?? join(root, 'plugins'), `source-${options.name}`);
  const files = sourcePluginFiles(options);
  if (existsSync(folder)) throw new Error(`${folder} already exists`);
  for (const [path, content] of Object.entries(files)) {
    const target = join(folder, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content, 'utf8');
  }
  return folder;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      title: { type: 'string' },
      'custom-actions': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const name = positionals[0];
  if (values.help || !name) {
    console.log(
      'usage: npm run new:source -- <name> [--title "Display name"] [--dir <parent folder>] [--custom-actions]',
    );
    process.exitCode = name || values.help ? 0 : 1;
    return;
  }
  const folder = await scaffoldSourcePlugin({
    name,
    ...(values.title ? { title: values.title } : {}),
    ...(values.dir ? { dir: values.dir } : {}),
    ...(values['custom-actions'] ? { customActions: true } : {}),
  });
  const shown = relative(process.cwd(), folder) || folder;
  console.log(`created ${shown}
next:
  1. npm install                      (links @trailmark/plugin-source-${name} into the workspace)
  2. npx vitest run --project @trailmark/plugin-source-${name}
  3. list your actions in ACTION_TABLE (src/plugin.ts), describe the payload in src/native.ts, map it in src/mapper.ts
  4. add the plugin to defaultPlugins in apps/server/src/plugins.ts
see docs/writing-a-source-plugin.md`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
