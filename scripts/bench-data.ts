import { join } from 'node:path';
import type { AuditEvent } from '@trailmark/core';
import { createSqliteStorage } from '@trailmark/storage-sqlite';
import { seededRandom } from '@trailmark/test-utils';

const ACTIONS = [
  'file.uploaded',
  'file.downloaded',
  'file.deleted',
  'file.renamed',
  'file.moved',
  'share_link.created',
  'share_link.accessed',
  'member.invited',
  'member.role_changed',
  'generation.created',
  'credits.transferred',
  'url_endpoint.updated',
];
const REGIONS = ['eu-central-2', 'us-east-1', 'us-west-1', 'ap-south-1'];
export const WORDS = [
  'render',
  'final',
  'draft',
  'invoice',
  'contract',
  'campaign',
  'tree',
  'forest',
  'ocean',
  'report',
  'budget',
  'logo',
];

/**
 * Benchmark events with realistic cardinalities: 20 tenants (skewed), 5,000 actors, 200 workspaces,
 * 200,000 files in nested folders, spread evenly over `days` ending now.
 */
export function* benchEvents(
  count: number,
  options: { seed?: number; days?: number; prefix?: string } = {},
): Generator<AuditEvent> {
  const rand = seededRandom(options.seed ?? 1);
  const days = options.days ?? 180;
  const end = Date.now() - 60_000;
  const start = end - days * 86_400_000;
  const received = new Date().toISOString();
  for (let i = 0; i < count; i++) {
    const tenantNo = Math.floor(20 * rand() * rand());
    const actorNo = Math.floor(rand() * 5000);
    const fileNo = Math.floor(rand() * 200_000);
    const word = WORDS[fileNo % WORDS.length];
    const folder = `/${WORDS[(fileNo >> 4) % WORDS.length]}/${(fileNo >> 8) % 64}`;
    const action = ACTIONS[Math.floor(rand() * rand() * ACTIONS.length)];
    const r = rand();
    yield {
      id: `${options.prefix ?? 'evt_bench_'}${i}`,
      tenant: `tenant-${tenantNo}`,
      // An unregistered source accepts any action, so the bench exercises the full vocabulary.
      source: 'bench-app',
      action,
      source_action: action.split('.')[1].toUpperCase(),
      occurred_at: new Date(start + Math.floor(((end - start) * i) / count)).toISOString(),
      received_at: received,
      actor: {
        type: 'user',
        id: `user-${actorNo}`,
        name: `User ${actorNo}`,
        email: `user${actorNo}@example.com`,
      },
      targets: [
        {
          type: 'file',
          id: `file-${fileNo}`,
          name: `${word}-${fileNo}.pdf`,
          path: `${folder}/${word}-${fileNo}.pdf`,
          size_bytes: 1000 + fileNo,
        },
      ],
      outcome: { result: r < 0.9 ? 'success' : r < 0.97 ? 'denied' : 'error' },
      workspace: { id: `ws-${tenantNo}-${actorNo % 10}`, name: `Workspace ${actorNo % 10}` },
      client: { ip: `198.51.${actorNo % 256}.${fileNo % 256}`, device: { kind: 'browser' } },
      request: {
        id: `req-${i}`,
        method: 'POST',
        endpoint: '/api/files',
        region: REGIONS[i % REGIONS.length],
      },
      metadata: { region: REGIONS[fileNo % REGIONS.length], bytes: 1000 + fileNo },
    };
  }
}

/** The wire form of a bench event: what a sender posts (no received_at). */
export function toInput(e: AuditEvent): Record<string, unknown> {
  const { received_at: _r, ...rest } = e;
  return rest;
}

/**
 * Writes `count` bench events straight into the SQLite store of a data directory (no HTTP), 10,000 per
 * append with the next batch prepared while one is written; resolves with the seconds it took.
 */
export async function seedSqlite(dataDir: string, count: number, prefix = 'evt_ui_'): Promise<number> {
  const storage = createSqliteStorage({ path: join(dataDir, 'events.db') });
  await storage.init();
  const started = performance.now();
  let batch: AuditEvent[] = [];
  let inFlight: Promise<unknown> = Promise.resolve();
  for (const e of benchEvents(count, { prefix })) {
    batch.push(e);
    if (batch.length === 10_000) {
      const next = storage.append(batch);
      await inFlight;
      inFlight = next;
      batch = [];
    }
  }
  if (batch.length) await storage.append(batch);
  await inFlight;
  await storage.close();
  return (performance.now() - started) / 1000;
}
