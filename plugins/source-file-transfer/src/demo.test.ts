import { describe, expect, it } from 'vitest';
import { fileTransferDemo } from './demo.ts';
import type { FileTransferNative } from './native.ts';

/** The stories the demo must tell, checked on a sample as large as a scenario server seeds. */
const now = new Date('2026-04-14T12:00:00Z');
const records = [
  ...fileTransferDemo({ seed: 7, count: 8000, now, days: 119, tenants: ['acme', 'globex', 'initech'] }),
];
const natives = records.map((r) => r.native);

describe('file-transfer demo data', () => {
  it('spreads over several tenants, workspaces, dozens of people and a few API keys', () => {
    expect(new Set(records.map((r) => r.tenant)).size).toBe(3);
    expect(new Set(natives.map((n) => n.workspace.id)).size).toBeGreaterThanOrEqual(6);
    expect(new Set(natives.flatMap((n) => (n.user ? [n.user.email] : []))).size).toBeGreaterThan(50);
    expect(new Set(natives.flatMap((n) => (n.api_key ? [n.api_key.id] : []))).size).toBeGreaterThanOrEqual(3);
  });

  it('has denials and errors, but mostly successes', () => {
    const by = (r: FileTransferNative['result']) => natives.filter((n) => n.result === r).length;
    expect(by('denied')).toBeGreaterThan(natives.length * 0.01);
    expect(by('error')).toBeGreaterThan(0);
    expect(by('success')).toBeGreaterThan(natives.length * 0.85);
  });

  it('never opens a share link after it expired; later attempts on a dead link are blocked', () => {
    const expiredAt = new Map<string, number>();
    const linksOfFile = new Map<string, Set<string>>();
    for (const n of natives) {
      const at = Date.parse(n.timestamp);
      // Deleting a file kills its links.
      if (n.action === 'DELETE' && n.file)
        for (const id of linksOfFile.get(n.file.id) ?? []) expiredAt.set(id, at);
      const link = n.share_link;
      if (!link) continue;
      if (n.file) linksOfFile.set(n.file.id, (linksOfFile.get(n.file.id) ?? new Set()).add(link.id));
      if (n.action === 'EXPIRE' || n.action === 'REVOKE') expiredAt.set(link.id, at);
      if ((n.action === 'ACCESS' || n.action === 'PASSWORD_ATTEMPT') && n.result === 'success') {
        expect(expiredAt.has(link.id), `${n.event_id} opens dead link ${link.id}`).toBe(false);
        if (link.expires_at) expect(at, n.event_id).toBeLessThan(Date.parse(link.expires_at));
      }
      if (n.action === 'BLOCKED' && n.reason === 'link_expired')
        expect(expiredAt.has(link.id), `${n.event_id} blocks a live link`).toBe(true);
    }
    expect(natives.filter((n) => n.action === 'EXPIRE').length).toBeGreaterThan(10);
  });

  it('leaks share links: some links are opened from many IPs in many countries', () => {
    const visitors = new Map<string, { ips: Set<string>; countries: Set<string> }>();
    for (const n of natives) {
      if (n.action !== 'ACCESS' || !n.share_link || !n.ip) continue;
      const v = visitors.get(n.share_link.id) ?? { ips: new Set(), countries: new Set() };
      v.ips.add(n.ip);
      if (n.country_code) v.countries.add(n.country_code);
      visitors.set(n.share_link.id, v);
    }
    const leaked = [...visitors.values()].filter((v) => v.ips.size >= 10 && v.countries.size >= 5);
    expect(leaked.length).toBeGreaterThanOrEqual(3);
  });

  it('moves files through their lifecycle: uploaded, downloaded, shared, then deleted', () => {
    const seen = new Map<string, Set<string>>();
    for (const n of natives) {
      if (!n.file) continue;
      const actions = seen.get(n.file.id) ?? new Set<string>();
      actions.add(n.action);
      seen.set(n.file.id, actions);
    }
    const lifecycles = [...seen.values()].filter((a) => a.has('UPLOAD') && a.has('DELETE') && a.size >= 3);
    expect(lifecycles.length).toBeGreaterThan(20);
  });

  it('uses public client IPs only', () => {
    for (const n of natives) {
      if (!n.ip) continue;
      const [a, b] = n.ip.split('.').map(Number) as [number, number];
      expect(a === 10 || a === 127 || a >= 224 || (a === 192 && b === 168), n.ip).toBe(false);
    }
  });
});
