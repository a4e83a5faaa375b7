import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPluginSet } from '@trailmark/core';
import { demoEventsOf, demoSources } from '@trailmark/server/demo';
import { loadConfig } from '@trailmark/server/env';
import { defaultPlugins } from '@trailmark/server/plugins';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.ts';

/**
 * The README's quick start points at one asset of the demo data (`npm start` seeds it with fixed seeds).
 * A change to a demo generator can move that asset away, so this replays the default demo and checks
 * the README's example still tells the story it promises: renamed, moved and deleted.
 */
describe('README quick start', () => {
  it('the history example names a demo file that was renamed, moved and deleted in tenant acme', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const example = /\/v1\/history\?tenant=(\w+)&target_path=([^"&\s]+)/.exec(readme);
    expect(example, 'README has a /v1/history example').not.toBeNull();
    const [, tenant, path] = example!;
    const sources = demoSources(createPluginSet(defaultPlugins).sources.values());
    const media = sources.find((s) => s.id === 'media-library')!;
    const events = [...demoEventsOf(sources, media, { events: loadConfig({}).demoEvents })]
      .filter((e) => e.tenant === tenant)
      .map((e) => e.event);
    const deletion = events.find((e) => e.action === 'file.deleted' && e.targets[0]?.path === path);
    expect(deletion, `a deletion of ${path}`).toBeDefined();
    const lineage = events.filter((e) =>
      e.targets.some((t) => t.type === 'file' && t.id === deletion!.targets[0].id),
    );
    const actions = new Set(lineage.map((e) => e.action));
    expect(actions).toContain('file.renamed');
    expect(actions).toContain('file.moved');
  });
});
