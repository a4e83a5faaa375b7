import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSecretBox, secretKeyFrom } from './secrets.ts';
import { resolveSecretKey } from './setup.ts';
import { parseAllowList } from './ssrf.ts';

describe('destination secrets at rest (AES-256-GCM)', () => {
  const box = createSecretBox(randomBytes(32));

  it('round-trips, and a sealed value never shows the secret', () => {
    const sealed = box.seal({ token: 'splunk-token-123456' }, 'dst_a');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('splunk-token');
    expect(box.open(sealed, 'dst_a')).toEqual({ token: 'splunk-token-123456' });
  });

  it('does not open for another destination, with another key, or once tampered with', () => {
    const sealed = box.seal({ token: 't' }, 'dst_a');
    expect(() => box.open(sealed, 'dst_b')).toThrow();
    expect(() => createSecretBox(randomBytes(32)).open(sealed, 'dst_a')).toThrow();
    const parts = sealed.split('.');
    const data = Buffer.from(parts[3] as string, 'base64url');
    data[0] = (data[0] as number) ^ 1;
    expect(() =>
      box.open([parts[0], parts[1], parts[2], data.toString('base64url')].join('.'), 'dst_a'),
    ).toThrow();
  });

  it('accepts a key as base64, hex or a long passphrase, and refuses a short one', () => {
    const key = randomBytes(32);
    expect(secretKeyFrom(key.toString('base64')).equals(key)).toBe(true);
    expect(secretKeyFrom(key.toString('hex')).equals(key)).toBe(true);
    expect(secretKeyFrom('a passphrase of more than thirty-two characters')).toHaveLength(32);
    expect(() => secretKeyFrom('short')).toThrow(/TRAILMARK_SECRET_KEY/);
  });

  it('generates a key once into the data directory (0600) and reads it back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tm-key-'));
    const first = resolveSecretKey({ dataDir: dir });
    expect(statSync(join(dir, 'secret-key')).mode & 0o777).toBe(0o600);
    expect(resolveSecretKey({ dataDir: dir }).equals(first)).toBe(true);
    expect(readFileSync(join(dir, 'secret-key'), 'utf8').trim()).toBe(first.toString('base64'));
    const configured = randomBytes(32);
    expect(
      resolveSecretKey({ dataDir: dir, streams: { secretKey: configured.toString('base64') } }).equals(
        configured,
      ),
    ).toBe(true);
  });

  it('refuses a malformed allow-list at start-up', () => {
    expect(() => parseAllowList('10.0.0.0/8,not-an-ip')).toThrow();
    expect(parseAllowList(undefined)).toEqual([]);
    expect(parseAllowList('on')).toBe('all');
  });
});
