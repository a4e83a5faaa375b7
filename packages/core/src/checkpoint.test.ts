import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import {
  ed25519Signer,
  formatCheckpoint,
  formatVerifierKey,
  generateSigningSeed,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  signNote,
  verifyNote,
} from './checkpoint.ts';
import { canonicalEvent, eventDigest, eventLeafHash, leafEntry } from './evidence.ts';
import { leafHash, toHex } from './merkle.ts';

const root = new Uint8Array(32).map((_, i) => i);

describe('checkpoints as C2SP signed notes', () => {
  it('formats and parses the checkpoint body (origin, size, base64 root, extension lines)', () => {
    const body = formatCheckpoint({
      origin: 'trailmark.test/acme',
      size: 12,
      root,
      extensions: ['time 2026-01-01T00:00:00.000Z'],
    });
    expect(body).toBe(
      'trailmark.test/acme\n12\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\ntime 2026-01-01T00:00:00.000Z\n',
    );
    expect(parseCheckpoint(body)).toEqual({
      origin: 'trailmark.test/acme',
      size: 12,
      root,
      extensions: ['time 2026-01-01T00:00:00.000Z'],
    });
    for (const bad of [
      'x\n012\nAAAA\n',
      'x\n1\nAAAA\n',
      'x\n1\n',
      'x\n-1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n',
      'x\n1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
    ]) {
      expect(parseCheckpoint(bad)).toBeUndefined();
    }
  });

  it('signs with Ed25519 and verifies with the key named by its hash; any change fails', () => {
    const signer = ed25519Signer('trailmark.test', generateSigningSeed());
    const key = parseVerifierKey(formatVerifierKey(signer.name, signer.publicKey));
    expect(key).toBeDefined();
    const body = formatCheckpoint({ origin: 'trailmark.test/acme', size: 3, root, extensions: [] });
    const note = signNote(body, signer);
    expect(note.startsWith(`${body}\n\u2014 trailmark.test `)).toBe(true);
    expect(verifyNote(note, [key!])).toMatchObject({ ok: true, text: body });
    for (let at = 0; at < note.length; at++) {
      const altered = note.slice(0, at) + String.fromCharCode(note.charCodeAt(at) ^ 1) + note.slice(at + 1);
      expect(verifyNote(altered, [key!]).ok, `byte ${at}`).toBe(false);
    }
    const other = ed25519Signer('trailmark.test', generateSigningSeed());
    const otherKey = parseVerifierKey(formatVerifierKey(other.name, other.publicKey))!;
    expect(verifyNote(note, [otherKey])).toEqual({ ok: false, reason: 'unknown_key' });
    // Rotation: a verifier that knows both keys checks notes of either.
    expect(verifyNote(signNote(body, other), [key!, otherKey]).ok).toBe(true);
  });

  it('matches the signed-note reference vector (key hash and signature bytes)', () => {
    // From https://pkg.go.dev/golang.org/x/mod/sumdb/note: the "PeterNeumann" example key.
    const vkey = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
    const key = parseVerifierKey(vkey);
    expect(key).toBeDefined();
    const note =
      "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n" +
      '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
    expect(openNote(note)?.signatures).toHaveLength(1);
    expect(verifyNote(note, [key!]).ok).toBe(true);
  });
});

describe('the canonical form of an event', () => {
  it('is RFC 8785 JCS: sorted keys, no spaces, ES number and string forms', () => {
    expect(canonicalEvent({ b: 1, a: [1e21, 0.1, -0, 'é\u2028'], c: { z: null, y: true } })).toBe(
      '{"a":[1e+21,0.1,0,"é\u2028"],"b":1,"c":{"y":true,"z":null}}',
    );
  });

  it('a leaf commits to the event (through its SHA-256) and its log index', () => {
    const event = { id: 'evt_1', tenant: 'acme', received_at: '2026-01-01T00:00:00.000Z' };
    const canonical = canonicalEvent(event);
    expect(canonical).toBe('{"id":"evt_1","received_at":"2026-01-01T00:00:00.000Z","tenant":"acme"}');
    const digest = eventDigest(canonical);
    expect(digest).toBe(toHex(sha256(new TextEncoder().encode(canonical))));
    expect(leafEntry(digest, 7)).toBe(`{"event_sha256":"${digest}","log_index":7}`);
    expect(leafEntry(digest, 7)).toBe(canonicalEvent({ log_index: 7, event_sha256: digest }));
    expect(toHex(eventLeafHash(event, 7))).toBe(
      toHex(leafHash(new TextEncoder().encode(leafEntry(digest, 7)))),
    );
    expect(toHex(eventLeafHash(event, 7))).not.toBe(toHex(eventLeafHash(event, 8)));
    expect(toHex(eventLeafHash(event, 7))).not.toBe(
      toHex(eventLeafHash({ ...event, received_at: '2026-01-01T00:00:00.001Z' }, 7)),
    );
  });
});
