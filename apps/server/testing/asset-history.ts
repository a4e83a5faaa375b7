/**
 * One file's life (uploaded, renamed, moved, deleted by another person, denied) beside a second file and
 * an old event past retention, in tenant acme: what the history, facets and retention tests read.
 */
import { expect } from 'vitest';
import type { TestApp } from './index.ts';

export const DAY = 86_400_000;
export const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();
export const base = {
  source: 'dam-app',
  actor: { type: 'user', id: 'u-ana', name: 'Ana Lima', email: 'ana@acme.test' },
  outcome: { result: 'success' },
};

/** Stores the events (ids h1-h5 and old1) through the API. */
export async function seedAssetHistory(t: TestApp): Promise<void> {
  const events = [
    {
      ...base,
      id: 'h1',
      action: 'file.uploaded',
      occurred_at: ago(10),
      targets: [{ type: 'file', id: 'f1', path: '/forest/tree.png' }],
    },
    {
      ...base,
      id: 'h2',
      action: 'file.renamed',
      occurred_at: ago(9),
      targets: [{ type: 'file', id: 'f1', path: '/forest/oak.png', previous_path: '/forest/tree.png' }],
    },
    {
      ...base,
      id: 'h3',
      action: 'file.moved',
      occurred_at: ago(8),
      targets: [{ type: 'file', id: 'f1', path: '/archive/oak.png', previous_path: '/forest/oak.png' }],
    },
    {
      ...base,
      id: 'h4',
      action: 'file.deleted',
      occurred_at: ago(7),
      targets: [{ type: 'file', id: 'f1', path: '/archive/oak.png' }],
      actor: { type: 'user', id: 'u-bo', name: 'Bo Chen' },
      outcome: { result: 'denied', reason: 'permission_denied' },
    },
    {
      ...base,
      id: 'h5',
      action: 'file.uploaded',
      occurred_at: ago(6),
      targets: [{ type: 'file', id: 'f2', path: '/forest/pine.png' }],
    },
    {
      ...base,
      id: 'old1',
      action: 'file.uploaded',
      occurred_at: ago(400),
      targets: [{ type: 'file', id: 'f9', path: '/old.png' }],
    },
  ].map((e) => ({ ...e, tenant: 'acme' }));
  const res = await t.request('/v1/events', { body: { events } });
  expect(res.status).toBe(201);
}
