import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';

/**
 * `<id>.<secret>` tokens as Lucia's current guide builds them: the id finds the row, the secret is
 * 20 CSPRNG bytes (160 bits), stored only as SHA-256 and compared in constant time, so neither a
 * database read nor response timing yields a usable token.
 */
export function newSecret(): string {
  return encodeBase32LowerCaseNoPadding(randomBytes(20));
}

export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function splitToken(token: string | undefined): { id: string; secret: string } | undefined {
  if (!token || token.length > 200) return undefined;
  const dot = token.indexOf('.');
  if (dot <= 0 || dot === token.length - 1) return undefined;
  return { id: token.slice(0, dot), secret: token.slice(dot + 1) };
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashTokenSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
