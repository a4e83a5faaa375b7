import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ed25519Signer, generateSigningSeed, type NoteSigner } from '@trailmark/core';

/**
 * The checkpoint signing key: a 32-byte Ed25519 seed, base64, from TRAILMARK_CHECKPOINT_KEY or from
 * `checkpoint-key` in the data directory (created at first start, mode 0600). Rotating means replacing it:
 * the old public key stays in the control database, so checkpoints it signed still verify.
 */
export function loadCheckpointSigner(options: { dataDir: string; keyName: string; seed?: string }): {
  signer: NoteSigner;
  file?: string;
  generated: boolean;
} {
  const decode = (text: string, where: string) => {
    const seed = Buffer.from(text.trim(), 'base64');
    if (seed.length !== 32) throw new Error(`${where}: a checkpoint key is 32 bytes, base64 encoded`);
    return new Uint8Array(seed);
  };
  if (options.seed)
    return {
      signer: ed25519Signer(options.keyName, decode(options.seed, 'TRAILMARK_CHECKPOINT_KEY')),
      generated: false,
    };
  const file = join(options.dataDir, 'checkpoint-key');
  if (existsSync(file))
    return {
      signer: ed25519Signer(options.keyName, decode(readFileSync(file, 'utf8'), file)),
      file,
      generated: false,
    };
  mkdirSync(options.dataDir, { recursive: true });
  const seed = generateSigningSeed();
  writeFileSync(file, `${Buffer.from(seed).toString('base64')}\n`, { mode: 0o600 });
  return { signer: ed25519Signer(options.keyName, seed), file, generated: true };
}
