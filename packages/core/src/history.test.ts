import { describe, expect, it } from 'vitest';
import { traceAssets } from './history.ts';
import type { AuditEvent } from './schema.ts';

let n = 0;
const ev = (action: string, targets: AuditEvent['targets'], tenant = 'acme'): AuditEvent => {
  n++;
  const at = new Date(Date.UTC(2026, 3, 1, 0, n)).toISOString();
  return {
    id: `e${n}`,
    tenant,
    source: 'media-library',
    action,
    occurred_at: at,
    received_at: at,
    actor: { type: 'user', id: 'u' },
    targets,
    outcome: { result: 'success' },
  };
};
const summary = (events: AuditEvent[]) =>
  traceAssets(events).map((a) => ({ key: a.key, paths: a.held.map((h) => h.path), events: a.event_ids }));

describe('traceAssets', () => {
  it('a path freed by a deletion names a new asset when something is created there again', () => {
    const events = [
      ev('file.uploaded', [{ type: 'file', path: '/a.png' }]),
      ev('file.deleted', [{ type: 'file', path: '/a.png' }]),
      ev('file.uploaded', [{ type: 'file', path: '/a.png' }]),
    ];
    const [first, second] = traceAssets(events);
    expect(first?.event_ids).toEqual(['e1', 'e2']);
    expect(first?.deleted).toBe(true);
    expect(second?.event_ids).toEqual(['e3']);
    expect(second?.deleted).toBe(false);
  });

  it('an id wins over a path: another id at a held path is another asset, a path-only mention is the holder', () => {
    n = 100;
    const s = summary([
      ev('file.uploaded', [{ type: 'file', id: 'f1', path: '/a.png' }]),
      ev('file.uploaded', [{ type: 'file', id: 'f2', path: '/a.png' }]), // overwritten by another file
      ev('file.downloaded', [{ type: 'file', path: '/a.png' }]),
    ]);
    expect(s).toEqual([
      { key: 'file:f1', paths: ['/a.png'], events: ['e101'] },
      { key: 'file:f2', paths: ['/a.png'], events: ['e102', 'e103'] },
    ]);
  });

  it('a rename moves the asset and frees the old path; a folder move carries what is under it', () => {
    n = 200;
    const s = summary([
      ev('file.uploaded', [{ type: 'file', path: '/d/a.png' }]),
      ev('file.renamed', [{ type: 'file', path: '/d/b.png', previous_path: '/d/a.png' }]),
      ev('file.uploaded', [{ type: 'file', path: '/d/a.png' }]),
      ev('folder.moved', [{ type: 'folder', id: 'd', path: '/e', previous_path: '/d' }]),
      ev('file.downloaded', [{ type: 'file', path: '/e/b.png' }]),
    ]);
    expect(s).toEqual([
      {
        key: 'path:/d/a.png@e201',
        paths: ['/d/a.png', '/d/b.png', '/e/b.png'],
        events: ['e201', 'e202', 'e205'],
      },
      { key: 'path:/d/a.png@e203', paths: ['/d/a.png', '/e/a.png'], events: ['e203'] },
      { key: 'folder:d', paths: ['/d', '/e'], events: ['e204'] },
    ]);
  });

  it('a parent or related target is not deleted with the file, and tenants never share an asset', () => {
    n = 300;
    const events = [
      ev('file.uploaded', [
        { type: 'file', id: 'f', path: '/d/x' },
        { type: 'folder', path: '/d', role: 'parent' },
      ]),
      ev('file.deleted', [
        { type: 'file', id: 'f', path: '/d/x' },
        { type: 'folder', path: '/d', role: 'parent' },
      ]),
      ev('file.uploaded', [{ type: 'file', id: 'f', path: '/d/x' }], 'globex'),
    ];
    const traced = traceAssets(events);
    expect(traced.map((a) => [a.tenant, a.key, a.deleted])).toEqual([
      ['acme', 'file:f', true],
      ['acme', 'path:/d@e301', false],
      ['globex', 'file:f', false],
    ]);
  });

  it('walks in time order whatever order the events come in, and an id comes back after a restore', () => {
    n = 400;
    const events = [
      ev('file.uploaded', [{ type: 'file', id: 'f', path: '/a' }]),
      ev('file.deleted', [{ type: 'file', id: 'f', path: '/a' }]),
      ev('file.restored', [{ type: 'file', id: 'f', path: '/a' }]),
      ev('file.downloaded', [{ type: 'file', path: '/a' }]),
    ];
    const [only, ...rest] = traceAssets([...events].reverse());
    expect(rest).toEqual([]);
    expect(only?.event_ids).toEqual(['e401', 'e402', 'e403', 'e404']);
    expect(only?.deleted).toBe(false);
  });
});
