import { sha256 } from '@noble/hashes/sha2.js';
import canonicalize from 'canonicalize';
import { leafHash, toHex } from './merkle.ts';
import type { AuditEvent } from './schema.ts';

/**
 * What a leaf commits to: the RFC 8785 (JCS) canonical JSON of exactly the stored event (every field,
 * received_at included), through its SHA-256, with its position in the tenant's log:
 *
 *     {"event_sha256":"<hex SHA-256 of JCS(event)>","log_index":<n>}
 *
 * That entry is itself the JCS form of `{ event_sha256, log_index }`, so any JCS implementation
 * reproduces it; the leaf hash is SHA-256(0x00 || UTF-8 of it) (RFC 6962). The event's digest is taken
 * where the event is prepared, so the single writer that assigns log indexes hashes only ~90 bytes.
 */
export function canonicalEvent(event: AuditEvent | Record<string, unknown>): string {
  const text = canonicalize(event);
  if (text === undefined) throw new TypeError('an event must be a JSON object');
  return text;
}

const utf8 = new TextEncoder();

/** Hex SHA-256 of an event's canonical form. */
export function eventDigest(canonical: string): string {
  return toHex(sha256(utf8.encode(canonical)));
}

/** The leaf entry of an event, from its digest (the writer thread builds the same string). */
export function leafEntry(eventSha256: string, logIndex: number): string {
  return `{"event_sha256":"${eventSha256}","log_index":${logIndex}}`;
}

export function eventLeafHash(event: AuditEvent | Record<string, unknown>, logIndex: number): Uint8Array {
  return leafHash(utf8.encode(leafEntry(eventDigest(canonicalEvent(event)), logIndex)));
}

/** Why a leaf's event body is no longer stored: the leaf (its hash) always stays. */
export const LEAF_REMOVALS = ['purged', 'erased'] as const;
export type LeafRemoval = (typeof LEAF_REMOVALS)[number];

/** One leaf of a tenant's log, as the store keeps it. */
export interface LogLeaf {
  index: number;
  event_id: string;
  /** SHA-256 leaf hash, lower-case hex. */
  hash: string;
  /** Set once the event body was removed by retention or by an erasure request. */
  removed?: LeafRemoval;
  removed_at?: string;
}

/**
 * The per-tenant append-only log a store keeps beside its events: leaves are appended in the same commit
 * that stores the events, and never change except for the `removed` mark.
 */
export interface EventLog {
  /** Leaves in the tenant's log. */
  treeSize(tenant: string): Promise<number>;
  /** Leaves with index in [from, to), oldest first. */
  leaves(tenant: string, from: number, to: number): Promise<LogLeaf[]>;
  leafOf(tenant: string, eventId: string): Promise<LogLeaf | null>;
  /** Ids of every event body stored for the tenant (read without parsing the bodies), for audits. */
  storedIds(tenant: string): Promise<string[]>;
  /**
   * Removes the bodies of these events (a person's erasure request) but keeps their leaves, marked
   * `erased`; returns how many were removed.
   */
  erase(tenant: string, eventIds: readonly string[]): Promise<number>;
  /**
   * Optional: writes another store's leaves verbatim at their indexes (removal marks included), so a
   * migrated log keeps its roots and every checkpoint signed before the move still verifies. Only into a
   * tenant log that is empty or holds a prefix of these leaves (a resumed migration); refuses otherwise.
   */
  importLeaves?(tenant: string, leaves: readonly LogLeaf[]): Promise<void>;
}

/** A signed checkpoint as kept: the signed note is the evidence, the other fields index it. */
export interface CheckpointRecord {
  id: number;
  tenant: string;
  tree_size: number;
  /** 8-hex-digit key id (C2SP key hash) of the key that signed it. */
  key_id: string;
  /** The C2SP signed note (checkpoint body, blank line, signature lines). */
  note: string;
  created_at: string;
}

/** A public key that signed checkpoints, kept after rotation so old checkpoints stay verifiable. */
export interface CheckpointKeyRecord {
  key_id: string;
  /** The signed-note verifier key: `<name>+<key id>+<base64(0x01 || Ed25519 public key)>`. */
  verifier_key: string;
  created_at: string;
}

export interface CheckpointStore {
  add(checkpoint: Omit<CheckpointRecord, 'id'>): CheckpointRecord;
  /** Oldest first; with `limit`, the newest `limit`. */
  list(tenant: string, options?: { limit?: number }): CheckpointRecord[];
  latest(tenant: string): CheckpointRecord | undefined;
  /** Tenants with at least one checkpoint. */
  tenants(): string[];
  addKey(key: CheckpointKeyRecord): void;
  keys(): CheckpointKeyRecord[];
}
