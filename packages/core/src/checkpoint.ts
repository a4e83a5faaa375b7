import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';

/**
 * Checkpoints in the C2SP tlog-checkpoint format, signed as C2SP signed notes with Ed25519
 * (https://c2sp.org/tlog-checkpoint, https://c2sp.org/signed-note):
 *
 *     <origin>\n<tree size>\n<base64 root hash>\n[extension lines\n]
 *     \n
 *     — <key name> <base64(4-byte key hash || 64-byte signature)>\n
 *
 * The key hash is the first 4 bytes of SHA-256(key name || "\n" || 0x01 || public key), so a verifier
 * with several keys (after a rotation) knows which one signed, and unknown signatures are skipped.
 */
export interface Checkpoint {
  origin: string;
  size: number;
  /** 32-byte root hash. */
  root: Uint8Array;
  /** Extension lines (Trailmark writes `time <ISO 8601>`). */
  extensions: string[];
}

export interface NoteSignature {
  name: string;
  keyHash: number;
  signature: Uint8Array;
}

const utf8 = new TextEncoder();
const ED25519_ALG = 0x01;
const NAME_PATTERN = /^[^\s+]+$/;

// btoa/atob rather than Buffer: the admin UI verifies checkpoints in the browser with this same code.
const b64 = (bytes: Uint8Array) => {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
};
export function unb64(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  return b64(bytes) === text ? bytes : undefined;
}

export function formatCheckpoint(checkpoint: Checkpoint): string {
  if (checkpoint.root.length !== 32) throw new RangeError('a root hash has 32 bytes');
  const lines = [checkpoint.origin, String(checkpoint.size), b64(checkpoint.root), ...checkpoint.extensions];
  return `${lines.join('\n')}\n`;
}

/** Strict parse of a checkpoint body; undefined when it is not one. */
export function parseCheckpoint(text: string): Checkpoint | undefined {
  if (!text.endsWith('\n')) return undefined;
  const lines = text.slice(0, -1).split('\n');
  const [origin, size, root, ...extensions] = lines;
  if (!origin || size === undefined || root === undefined || extensions.some((l) => l === ''))
    return undefined;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(size) || !Number.isSafeInteger(Number(size))) return undefined;
  const rootBytes = unb64(root);
  if (rootBytes?.length !== 32) return undefined;
  return { origin, size: Number(size), root: rootBytes, extensions };
}

export function keyHash(name: string, publicKey: Uint8Array): number {
  const input = new Uint8Array([...utf8.encode(`${name}\n`), ED25519_ALG, ...publicKey]);
  const digest = sha256(input);
  return (
    ((digest[0] as number) << 24) |
    ((digest[1] as number) << 16) |
    ((digest[2] as number) << 8) |
    (digest[3] as number)
  );
}

/** The 8-hex-digit key id shown to people and stored with each checkpoint. */
export const keyId = (name: string, publicKey: Uint8Array) =>
  (keyHash(name, publicKey) >>> 0).toString(16).padStart(8, '0');

export interface NoteSigner {
  name: string;
  publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** A signer over a 32-byte Ed25519 seed (the private key). */
export function ed25519Signer(name: string, seed: Uint8Array): NoteSigner {
  if (!NAME_PATTERN.test(name)) throw new RangeError('a key name has no spaces or +');
  const publicKey = ed25519.getPublicKey(seed);
  return { name, publicKey, sign: (message) => ed25519.sign(message, seed) };
}

export function signNote(text: string, signer: NoteSigner): string {
  if (!text.endsWith('\n')) throw new RangeError('a note text ends with a newline');
  const hash = keyHash(signer.name, signer.publicKey);
  const sig = signer.sign(utf8.encode(text));
  const blob = new Uint8Array(68);
  new DataView(blob.buffer).setUint32(0, hash >>> 0);
  blob.set(sig, 4);
  return `${text}\n\u2014 ${signer.name} ${b64(blob)}\n`;
}

/** A verifier key in the signed-note text form: `<name>+<key hash hex>+<base64(0x01 || public key)>`. */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  return `${name}+${keyId(name, publicKey)}+${b64(new Uint8Array([ED25519_ALG, ...publicKey]))}`;
}

export interface VerifierKey {
  name: string;
  keyHash: number;
  publicKey: Uint8Array;
}

export function parseVerifierKey(text: string): VerifierKey | undefined {
  // The base64 key may itself contain '+': split on the first two only.
  const match = /^([^+]*)\+([^+]*)\+(.*)$/.exec(text.trim());
  if (!match) return undefined;
  const [, name, hash, key] = match as unknown as [string, string, string, string];
  if (!NAME_PATTERN.test(name) || !/^[0-9a-f]{8}$/.test(hash)) return undefined;
  const bytes = unb64(key);
  if (bytes?.length !== 33 || bytes[0] !== ED25519_ALG) return undefined;
  const publicKey = bytes.slice(1);
  if (keyId(name, publicKey) !== hash) return undefined;
  return { name, keyHash: keyHash(name, publicKey), publicKey };
}

export interface OpenedNote {
  text: string;
  signatures: NoteSignature[];
}

/** Splits a signed note into its text and signature lines; undefined when malformed. */
export function openNote(note: string): OpenedNote | undefined {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) return undefined;
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  const signatures: NoteSignature[] = [];
  for (const line of lines) {
    const match = /^\u2014 ([^\s+]+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!match) return undefined;
    const blob = unb64(match[2] as string);
    if (!blob || blob.length < 5) return undefined;
    signatures.push({
      name: match[1] as string,
      keyHash: new DataView(blob.buffer, blob.byteOffset).getUint32(0) | 0,
      signature: blob.slice(4),
    });
  }
  return signatures.length > 0 ? { text, signatures } : undefined;
}

export type NoteCheck =
  | { ok: true; text: string; key: VerifierKey }
  | { ok: false; reason: 'malformed' | 'unknown_key' | 'bad_signature' };

/** Verifies a note against known keys: the first signature by a known key must verify. Unknown ones are ignored. */
export function verifyNote(note: string, keys: readonly VerifierKey[]): NoteCheck {
  const opened = openNote(note);
  if (!opened) return { ok: false, reason: 'malformed' };
  let known = false;
  for (const sig of opened.signatures) {
    const key = keys.find((k) => k.name === sig.name && (k.keyHash | 0) === sig.keyHash);
    if (!key) continue;
    known = true;
    if (sig.signature.length !== 64) continue;
    let valid = false;
    try {
      valid = ed25519.verify(sig.signature, utf8.encode(opened.text), key.publicKey);
    } catch {
      valid = false;
    }
    if (valid) return { ok: true, text: opened.text, key };
  }
  return { ok: false, reason: known ? 'bad_signature' : 'unknown_key' };
}

export function generateSigningSeed(): Uint8Array {
  return ed25519.utils.randomSecretKey();
}

/** The checkpoint a signed note states, without checking its signature (undefined when it is none). */
export function checkpointOfNote(note: string): Checkpoint | undefined {
  const opened = openNote(note);
  return opened ? parseCheckpoint(opened.text) : undefined;
}
