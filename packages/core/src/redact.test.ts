import { describe, expect, it } from 'vitest';
import { isSecretKey, REDACTED, redactSecrets } from './redact.ts';

describe('isSecretKey', () => {
  it('matches secret names in any case, with - _ and spaces ignored, and as a suffix', () => {
    for (const key of [
      'password',
      'Password',
      'API_KEY',
      'api-key',
      'x-api-key',
      'client_secret',
      'Set-Cookie',
    ])
      expect(isSecretKey(key), key).toBe(true);
    expect(isSecretKey('stripe_access_token')).toBe(true);
  });

  it('leaves ordinary keys alone and accepts extra names', () => {
    for (const key of ['name', 'email', 'path', 'token_count_limit'])
      expect(isSecretKey(key), key).toBe(false);
    expect(isSecretKey('tax_id')).toBe(false);
    expect(isSecretKey('TAX_ID', ['tax_id'])).toBe(true);
  });
});

describe('redactSecrets', () => {
  it('masks secret values anywhere, records RFC 6901 pointers, and does not touch the input', () => {
    const input = {
      user: 'ana',
      password: 'hunter2',
      nested: { items: [{ token: 'abc' }, { ok: 1 }] },
    };
    const copy = structuredClone(input);
    const { value, paths } = redactSecrets(input);
    expect(value).toEqual({
      user: 'ana',
      password: REDACTED,
      nested: { items: [{ token: REDACTED }, { ok: 1 }] },
    });
    expect(paths).toEqual(['/password', '/nested/items/0/token']);
    expect(input).toEqual(copy);
  });

  it('escapes ~ and / in keys as ~0 and ~1, and prefixes the given base', () => {
    const { paths } = redactSecrets({ 'a/b': { 'x~token': 's' } }, { base: '/request/body' });
    expect(paths).toEqual(['/request/body/a~1b/x~0token']);
  });

  it('keeps empty secrets as they are: there is nothing to hide', () => {
    const { value, paths } = redactSecrets({ password: '', token: null });
    expect(value).toEqual({ password: '', token: null });
    expect(paths).toEqual([]);
  });

  it('masks a secret whose value is an object as a whole', () => {
    const { value, paths } = redactSecrets({ credentials: { user: 'u', pass: 'p' } });
    expect(value).toEqual({ credentials: REDACTED });
    expect(paths).toEqual(['/credentials']);
  });
});
