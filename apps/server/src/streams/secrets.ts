import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Destination credentials at rest: AES-256-GCM with a key from TRAILMARK_SECRET_KEY (or a generated
 * key file in the data directory). The destination id is the additional data, so a sealed value copied
 * onto another destination's row does not open. Envelope: `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */
export interface SecretBox {
  seal(plain: unknown, context: string): string;
  open(sealed: string, context: string): unknown;
}

/** Accepts 32 bytes as base64/base64url/hex, or any passphrase of 32+ characters (hashed to 32 bytes). */
export function secretKeyFrom(value: string): Buffer {
  const trimmed = value.trim();
  if (/^[0-9a-f]{64}$/i.test(trimmed)) return Buffer.from(trimmed, 'hex');
  const b64 = Buffer.from(trimmed, 'base64');
  if (b64.length === 32 && /^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) return b64;
  if (trimmed.length < 32)
    throw new Error('TRAILMARK_SECRET_KEY: use 32 random bytes (base64 or hex) or 32+ characters');
  return createHash('sha256').update(trimmed).digest();
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('the secret key must be 32 bytes');
  return {
    seal(plain, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const data = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()]);
      return ['v1', iv, cipher.getAuthTag(), data]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join('.');
    },
    open(sealed, context) {
      const [version, iv, tag, data] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('not a sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]);
      return JSON.parse(plain.toString('utf8'));
    },
  };
}
