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

/** `name=value` pairs of a query string whose name is a secret get their value masked. */
function maskQuery(query: string, extra: readonly string[]): string | undefined {
  let changed = false;
  const masked = query.replace(/([^&=#]+)=([^&#]*)/g, (pair, name: string, value: string) => {
    let decoded = name;
    try {
      decoded = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {}
    if (value === '' || !isSecretKey(decoded, extra)) return pair;
    changed = true;
    return `${name}=${REDACTED}`;
  });
  return changed ? masked : undefined;
}

/**
 * A URL or path with a query string (`/login?token=abc`, `https://x/cb?code=1&api_key=2`): secret
 * parameters are masked, the rest kept. Only strings without whitespace qualify: prose is left alone.
 */
export function maskUrlSecrets(text: string, extra: readonly string[] = []): string | undefined {
  const q = text.indexOf('?');
  if (q < 0 || /\s/.test(text) || !text.includes('=', q)) return undefined;
  const masked = maskQuery(text.slice(q + 1), extra);
  return masked === undefined ? undefined : `${text.slice(0, q + 1)}${masked}`;
}

/** A string holding a JSON object or array (a body sent as a string), parsed; else undefined. */
function embeddedJson(text: string): unknown {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Masks secret-looking keys anywhere in a JSON value. Returns a copy plus the RFC 6901 pointers
 * of what was masked, so the event can say what it no longer contains. Beyond key names it also masks
 * the `value` of name/value pairs whose name is a secret (HAR-style header lists), secrets inside a JSON
 * document sent as a string (the string is re-serialized masked and its pointer recorded), and secret
 * query parameters in URL-like strings.
 */
export function redactSecrets(
  value: unknown,
  options: { extraKeys?: readonly string[]; base?: string } = {},
): { value: unknown; paths: string[] } {
  const paths: string[] = [];
  const extra = options.extraKeys ?? [];
  // Bodies are depth-checked at ingest; a JSON document inside a string is not, so the walk stops here.
  const MAX_WALK_DEPTH = 128;
  const walk = (node: unknown, pointer: string, depth: number, found: string[]): unknown => {
    if (depth > MAX_WALK_DEPTH) return node;
    if (typeof node === 'string') {
      const inner = embeddedJson(node);
      if (inner !== undefined) {
        const innerFound: string[] = [];
        const masked = walk(inner, '', depth + 1, innerFound);
        if (innerFound.length === 0) return node;
        found.push(pointer);
        return JSON.stringify(masked);
      }
      const url = maskUrlSecrets(node, extra);
      if (url === undefined) return node;
      found.push(pointer);
      return url;
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, `${pointer}/${i}`, depth + 1, found));
    if (node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      // {name: "Authorization", value: "Bearer ..."}: the secret is named by a value, not by a key.
      const named = typeof record.name === 'string' && 'value' in record && isSecretKey(record.name, extra);
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(record)) {
        const childPointer = `${pointer}/${escapePointer(key)}`;
        const secret = isSecretKey(key, extra) || (named && key === 'value');
        if (secret && child !== null && child !== undefined && child !== '') {
          out[key] = REDACTED;
          found.push(childPointer);
        } else {
          out[key] = walk(child, childPointer, depth + 1, found);
        }
      }
      return out;
    }
    return node;
  };
  return { value: walk(value, options.base ?? '', 0, paths), paths };
}
