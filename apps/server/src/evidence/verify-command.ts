import type { Config } from '../env.ts';
import { buildDeps } from '../server.ts';
import { verifyEvidence } from './verify.ts';

/** `trailmark verify`: one line per problem (kind, event or checkpoint), a summary, exit 1 on any damage. */
export async function verifyCommand(
  config: Config,
  opts: { tenant?: string[]; since?: string; json?: boolean },
  print: (line: string) => void = console.log,
): Promise<number> {
  if (opts.since !== undefined && Number.isNaN(Date.parse(opts.since))) {
    print(`--since: not an ISO 8601 date: ${opts.since}`);
    return 2;
  }
  const deps = await buildDeps({ ...config, demo: false });
  try {
    if (!deps.evidence || !deps.storage.log) {
      print(`the ${deps.storage.name} store keeps no evidence log: nothing to verify`);
      return 2;
    }
    const result = await verifyEvidence({
      log: deps.storage.log,
      storage: deps.storage,
      checkpoints: deps.evidence.checkpoints,
      origin: deps.evidence.origin,
      ...(opts.tenant?.length ? { tenants: opts.tenant } : {}),
      ...(opts.since ? { since: opts.since } : {}),
    });
    if (opts.json) print(JSON.stringify(result, null, 2));
    else {
      for (const d of result.damage) print(`INVALID ${d.tenant}: ${d.kind}: ${d.message}`);
      for (const t of result.tenants)
        print(
          `${t.tenant}: ${t.leaves_checked} leaves recomputed (${t.removed} purged or erased, bodies gone, leaves kept), ${t.checkpoints_checked} checkpoints checked, tree size ${t.tree_size}`,
        );
      print(result.ok ? 'valid: no damage found' : `${result.damage.length} problem(s) found`);
    }
    return result.ok ? 0 : 1;
  } finally {
    await deps.storage.close();
  }
}
