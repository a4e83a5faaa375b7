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

describe('redactSecrets: the wider net (issue 10)', () => {
  it('masks the value of HAR-style name/value pairs whose name is a secret', () => {
    const headers = [
      { name: 'Authorization', value: 'Bearer abc' },
      { name: 'Accept', value: 'application/json' },
      { name: 'X-Api-Key', value: 'k-123' },
    ];
    const { value, paths } = redactSecrets({ headers });
    expect(value).toEqual({
      headers: [
        { name: 'Authorization', value: REDACTED },
        { name: 'Accept', value: 'application/json' },
        { name: 'X-Api-Key', value: REDACTED },
      ],
    });
    expect(paths).toEqual(['/headers/0/value', '/headers/2/value']);
  });

  it('masks secrets inside a JSON body sent as a string, and records the string', () => {
    const body = JSON.stringify({ user: 'ana', password: 'hunter2', nested: [{ token: 't' }] });
    const { value, paths } = redactSecrets({ body }, { base: '/request_body' });
    const parsed = JSON.parse((value as { body: string }).body);
    expect(parsed).toEqual({ user: 'ana', password: REDACTED, nested: [{ token: REDACTED }] });
    expect(paths).toEqual(['/request_body/body']);
    const plain = redactSecrets({ note: '{not json', list: '[1, 2]' });
    expect(plain.paths).toEqual([]);
  });

  it('masks secret query parameters in URL-like strings and leaves prose and other parameters alone', () => {
    const { value, paths } = redactSecrets({
      endpoint: '/v1/login?user=ana&token=abc123&api_key=zz#frag',
      callback: 'https://app.example/cb?state=1&access_token=xyz',
      prose: 'see /x?token=1 for details',
      clean: '/v1/files?path=/a&limit=5',
    });
    expect(value).toEqual({
      endpoint: `/v1/login?user=ana&token=${REDACTED}&api_key=${REDACTED}#frag`,
      callback: `https://app.example/cb?state=1&access_token=${REDACTED}`,
      prose: 'see /x?token=1 for details',
      clean: '/v1/files?path=/a&limit=5',
    });
    expect(paths).toEqual(['/endpoint', '/callback']);
  });

  it('stops walking a document nested deeper than any body may be, instead of overflowing the stack', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(() => redactSecrets({ body: deep })).not.toThrow();
  });
});
