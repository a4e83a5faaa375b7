// Offline verifier of a Trailmark verifiable export. Plain JavaScript on node:crypto and the
// `canonicalize` (RFC 8785) package alone, so an auditor can read all of it and run it anywhere.
//
// The file is NDJSON. Line 1: { format, tenant, origin, tree_size, checkpoint (a C2SP signed note),
// public_keys }. Every other line is one leaf: { log_index, leaf_hash (hex), proof (base64, nearest
// sibling first) } plus either the `event` or `removed` ("purged" / "erased": the body is gone).
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import canonicalize from 'canonicalize';

export const FORMAT = 'trailmark-verifiable-export/1';
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const sha256 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

function strictBase64(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0)
    return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/**
 * RFC 6962 leaf hash of an event at its log index:
 * SHA-256(0x00 || {"event_sha256":"<hex SHA-256 of JCS(event)>","log_index":n}).
 */
export function eventLeafHash(event, logIndex) {
  const digest = sha256(canonicalize(event)).toString('hex');
  return sha256(LEAF, `{"event_sha256":"${digest}","log_index":${logIndex}}`);
}

/** RFC 9162 2.1.3.2. */
export function verifyInclusion(leaf, index, size, proof, root) {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = BigInt(index);
  let sn = BigInt(size - 1);
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = sha256(NODE, p, r);
      if ((fn & 1n) === 0n)
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
    } else r = sha256(NODE, r, p);
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && r.equals(root);
}

/** A signed-note verifier key `<name>+<hex key hash>+<base64(0x01 || key)>`, checked against its hash. */
export function parseVerifierKey(text) {
  const match = /^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/.exec(String(text).trim());
  if (!match) return undefined;
  const bytes = strictBase64(match[3]);
  if (!bytes || bytes.length !== 33 || bytes[0] !== 1) return undefined;
  const keyHash = sha256(`${match[1]}\n`, bytes).subarray(0, 4);
  if (keyHash.toString('hex') !== match[2]) return undefined;
  const publicKey = createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, bytes.subarray(1)]),
    format: 'der',
    type: 'spki',
  });
  return { name: match[1], keyHash, publicKey, text: String(text).trim() };
}

/** Checks a C2SP signed checkpoint; returns { origin, size, root } or the reason it fails. */
export function openCheckpoint(note, keys) {
  const split = typeof note === 'string' ? note.lastIndexOf('\n\n') : -1;
  if (split < 0 || !note.endsWith('\n')) return { error: 'the checkpoint is not a signed note' };
  const text = note.slice(0, split + 1);
  const lines = text.slice(0, -1).split('\n');
  const [origin, size, rootText] = lines;
  const root = strictBase64(rootText ?? '');
  if (!origin || !/^(0|[1-9][0-9]{0,15})$/.test(size ?? '') || !root || root.length !== 32)
    return { error: 'the checkpoint body is malformed' };
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    const blob = m && strictBase64(m[2]);
    if (!blob || blob.length !== 68) continue;
    const key = keys.find((k) => k.name === m[1] && k.keyHash.equals(blob.subarray(0, 4)));
    if (key && verifySignature(null, Buffer.from(text, 'utf8'), key.publicKey, blob.subarray(4)))
      return { origin, size: Number(size), root, key: key.text, extensions: lines.slice(3) };
  }
  return { error: 'no valid signature by a trusted key on the checkpoint' };
}

/**
 * Verifies an export file. `trustedKeys` (verifier key strings) should come from the operator out of band;
 * without them the keys in the file are used, and the result says so.
 */
export async function verifyExportFile(path, options = {}) {
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  const problems = [];
  let header;
  let checkpoint;
  let rows = 0;
  let removed = 0;
  let lineNo = 0;
  const seen = new Set();
  for await (const line of lines) {
    lineNo++;
    if (line === '') continue;
    let row;
    try {
      row = JSON.parse(line);
    } catch {
      problems.push({ line: lineNo, message: 'not JSON' });
      continue;
    }
    if (!header) {
      header = row;
      if (header?.format !== FORMAT)
        return { ok: false, problems: [{ line: 1, message: `not a ${FORMAT} file` }] };
      const keyTexts = options.trustedKeys?.length ? options.trustedKeys : (header.public_keys ?? []);
      const keys = keyTexts.map(parseVerifierKey).filter(Boolean);
      checkpoint = openCheckpoint(header.checkpoint, keys);
      if (checkpoint.error) return { ok: false, problems: [{ line: 1, message: checkpoint.error }] };
      if (checkpoint.size !== header.tree_size || checkpoint.origin !== header.origin)
        return {
          ok: false,
          problems: [{ line: 1, message: 'the header does not match its signed checkpoint' }],
        };
      continue;
    }
    rows++;
    const where = {
      line: lineNo,
      log_index: row?.log_index,
      ...(row?.event?.id ? { event_id: row.event.id } : {}),
    };
    const proof = Array.isArray(row?.proof) ? row.proof.map(strictBase64) : [];
    if (!Number.isSafeInteger(row?.log_index) || proof.some((p) => !p || p.length !== 32)) {
      problems.push({ ...where, message: 'malformed row (log_index or proof)' });
      continue;
    }
    if (seen.has(row.log_index)) problems.push({ ...where, message: 'log index appears twice' });
    seen.add(row.log_index);
    let leaf;
    if (row.event !== undefined) {
      if (row.removed !== undefined)
        problems.push({ ...where, message: 'a row has both an event and a removal mark' });
      if (row.event?.tenant !== header.tenant)
        problems.push({ ...where, message: `event of another tenant (${row.event?.tenant})` });
      try {
        leaf = eventLeafHash(row.event, row.log_index);
      } catch {
        problems.push({ ...where, message: 'the event has no canonical form' });
        continue;
      }
      if (row.leaf_hash !== undefined && row.leaf_hash !== leaf.toString('hex'))
        problems.push({ ...where, message: 'the event does not hash to its leaf hash (event altered)' });
    } else {
      if (row.removed !== 'purged' && row.removed !== 'erased') {
        problems.push({ ...where, message: 'a row without an event must say why (purged or erased)' });
        continue;
      }
      removed++;
      leaf = /^[0-9a-f]{64}$/.test(row.leaf_hash ?? '') ? Buffer.from(row.leaf_hash, 'hex') : undefined;
      if (!leaf) {
        problems.push({ ...where, message: 'malformed leaf hash' });
        continue;
      }
    }
    if (!verifyInclusion(leaf, row.log_index, checkpoint.size, proof, checkpoint.root))
      problems.push({
        ...where,
        message: 'the inclusion proof does not lead to the signed root (row altered)',
      });
  }
  if (!header) return { ok: false, problems: [{ line: 1, message: 'empty file' }] };
  return {
    ok: problems.length === 0,
    tenant: header.tenant,
    origin: checkpoint.origin,
    tree_size: checkpoint.size,
    key: checkpoint.key,
    key_from_file: !options.trustedKeys?.length,
    rows,
    removed,
    problems,
  };
}
