/** Value that replaces a secret. Kept short and obvious so reviewers see that something was there. */
export const REDACTED = '[REDACTED]';

/** Key names treated as secrets anywhere in a payload (case-insensitive, `-` and `_` ignored). */
const SECRET_KEYS = [
  'password',
  'passwd',
  'secret',
  'token',
  'apikey',
  'privatekey',
  'authorization',
  'cookie',
  'setcookie',
  'session',
  'signature',
  'clientsecret',
  'refreshtoken',
  'accesstoken',
  'secretaccesskey',
  'accesskeyid',
  'credentials',
  'cardnumber',
  'cvc',
  'cvv',
  // Found missing by an adversarial test (issue 10): short and compound names senders really use.
  'pwd',
  'passphrase',
  'pin',
  'otp',
  'auth',
  'bearer',
  'secretkey',
  'passwordhash',
  'credential',
];

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_\s]/g, '');
}

export function isSecretKey(key: string, extra: readonly string[] = []): boolean {
  const k = normalizeKey(key);
  return SECRET_KEYS.some((s) => k === s || k.endsWith(s)) || extra.some((e) => normalizeKey(e) === k);
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Masks secret-looking keys anywhere in a JSON value. Returns a copy plus the RFC 6901 pointers
 * of what was masked, so the event can say what it no longer contains.
 */
export function redactSecrets(
  value: unknown,
  options: { extraKeys?: readonly string[]; base?: string } = {},
): { value: unknown; paths: string[] } {
  const paths: string[] = [];
  const walk = (node: unknown, pointer: string): unknown => {
    if (Array.isArray(node)) return node.map((item, i) => walk(item, `${pointer}/${i}`));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) {
        const childPointer = `${pointer}/${escapePointer(key)}`;
        if (isSecretKey(key, options.extraKeys) && child !== null && child !== undefined && child !== '') {
          out[key] = REDACTED;
          paths.push(childPointer);
        } else {
          out[key] = walk(child, childPointer);
        }
      }
      return out;
    }
    return node;
  };
  return { value: walk(value, options.base ?? ''), paths };
}
