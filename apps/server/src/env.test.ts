import { describe, expect, it } from 'vitest';
import { loadConfig } from './env.ts';

describe('the environment', () => {
  it('treats an empty setting as unset, as compose passes `${NAME:-}`', () => {
    const config = loadConfig({ TRAILMARK_PUBLIC_URL: '', TRAILMARK_SESSION_IDLE_HOURS: '', PORT: '' });
    expect(config.accounts.publicUrl).toBeUndefined();
    expect(config.accounts.sessionIdleMs).toBe(12 * 3600_000);
    expect(config.port).toBe(loadConfig({}).port);
  });

  it('still refuses a malformed setting, naming it', () => {
    expect(() => loadConfig({ TRAILMARK_PUBLIC_URL: 'ftp://audit.example.com' })).toThrow(
      /TRAILMARK_PUBLIC_URL/,
    );
    expect(() => loadConfig({ TRAILMARK_TRUST_PROXY: 'maybe' })).toThrow(/TRAILMARK_TRUST_PROXY/);
  });
});
