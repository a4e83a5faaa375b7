import { ErrorCode } from '@trailmark/core';
import { type Json, jsonResponse, operation, ref } from './openapi.ts';

const obj = (properties: Record<string, Json>, required: string[]): Json => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});
const b64Hash = { type: 'string', description: 'SHA-256 hash, base64.' };
const tenantParam: Json = {
  name: 'tenant',
  in: 'query',
  required: false,
  description:
    'The tenant whose log is meant: required (once) with the operator token; a tenant credential may only name its own.',
  schema: { type: 'string' },
};
const sizeParam = (name: string, description: string): Json => ({
  name,
  in: 'query',
  required: true,
  description,
  schema: { type: 'integer', minimum: 0 },
});
const EVIDENCE_NOTE =
  'The evidence log and its proofs are described in docs/evidence.md (RFC 6962 hashing, C2SP signed-note checkpoints, Ed25519).';

export function evidenceSchemas(): Record<string, Json> {
  const timestamp = { type: 'string', format: 'date-time' };
  return {
    Checkpoint: obj(
      {
        id: { type: 'integer' },
        tenant: { type: 'string' },
        tree_size: { type: 'integer', minimum: 0 },
        key_id: { type: 'string', pattern: '^[0-9a-f]{8}$' },
        note: {
          type: 'string',
          description:
            'The C2SP signed note: origin, tree size, base64 root, `time` line, blank line, signature.',
        },
        created_at: timestamp,
      },
      ['id', 'tenant', 'tree_size', 'key_id', 'note', 'created_at'],
    ),
    CheckpointKey: obj(
      {
        key_id: { type: 'string' },
        verifier_key: {
          type: 'string',
          description: '`<name>+<key id>+<base64(0x01 || Ed25519 public key)>`',
        },
        created_at: timestamp,
      },
      ['key_id', 'verifier_key', 'created_at'],
    ),
    InclusionProof: obj(
      {
        tenant: { type: 'string' },
        event_id: { type: 'string' },
        log_index: { type: 'integer', minimum: 0 },
        leaf_hash: { type: 'string', description: 'SHA-256(0x00 || leaf entry), hex.' },
        removed: {
          type: 'string',
          enum: ['purged', 'erased'],
          description: 'Set when the body is gone (retention, erasure); the leaf stays.',
        },
        tree_size: { type: 'integer' },
        root_hash: b64Hash,
        proof: { type: 'array', items: b64Hash, description: 'Audit path, nearest sibling first.' },
        checkpoint: ref('schemas', 'Checkpoint'),
        public_key: { type: 'string' },
      },
      [
        'tenant',
        'event_id',
        'log_index',
        'leaf_hash',
        'tree_size',
        'root_hash',
        'proof',
        'checkpoint',
        'public_key',
      ],
    ),
    ConsistencyProof: obj(
      {
        tenant: { type: 'string' },
        from: { type: 'integer' },
        to: { type: 'integer' },
        from_root: b64Hash,
        to_root: b64Hash,
        proof: { type: 'array', items: b64Hash },
      },
      ['tenant', 'from', 'to', 'from_root', 'to_root', 'proof'],
    ),
  };
}

export function evidencePaths(): Record<string, Json> {
  return {
    '/v1/proofs/inclusion': {
      get: operation({
        operationId: 'inclusionProof',
        summary: "Prove an event is in its tenant's log",
        description: `The event's leaf, its audit path and the newest signed checkpoint covering it (signed now if none does). Works for purged and erased events too: their leaves stay. ${EVIDENCE_NOTE}`,
        tags: ['Evidence'],
        scope: 'read',
        parameters: [
          { name: 'id', in: 'query', required: true, description: 'Event id.', schema: { type: 'string' } },
          tenantParam,
        ],
        responses: { '200': jsonResponse('The proof', ref('schemas', 'InclusionProof')) },
        errors: [ErrorCode.VALIDATION_FAILED, ErrorCode.NOT_FOUND],
      }),
    },
    '/v1/proofs/consistency': {
      get: operation({
        operationId: 'consistencyProof',
        summary: 'Prove an older tree is a prefix of a newer one',
        description: `RFC 6962 consistency proof between two tree sizes of the tenant's log: nothing signed at \`from\` was changed or removed by \`to\`. ${EVIDENCE_NOTE}`,
        tags: ['Evidence'],
        scope: 'read',
        parameters: [
          sizeParam('from', 'Older tree size.'),
          sizeParam('to', 'Newer tree size, at most the current one.'),
          tenantParam,
        ],
        responses: { '200': jsonResponse('The proof', ref('schemas', 'ConsistencyProof')) },
        errors: [ErrorCode.VALIDATION_FAILED, ErrorCode.NOT_FOUND],
      }),
    },
    '/v1/checkpoints': {
      get: operation({
        operationId: 'listCheckpoints',
        summary: "The tenant's signed checkpoints, newest first",
        description: `Every checkpoint is kept. Signed every TRAILMARK_CHECKPOINT_INTERVAL_MINUTES when the log grew, and on demand. ${EVIDENCE_NOTE}`,
        tags: ['Evidence'],
        scope: 'read',
        parameters: [ref('parameters', 'Limit'), tenantParam],
        responses: {
          '200': jsonResponse(
            'Checkpoints',
            obj(
              {
                tenant: { type: 'string' },
                origin: { type: 'string' },
                public_key: { type: 'string' },
                data: { type: 'array', items: ref('schemas', 'Checkpoint') },
              },
              ['tenant', 'origin', 'public_key', 'data'],
            ),
          ),
        },
        errors: [ErrorCode.VALIDATION_FAILED, ErrorCode.NOT_FOUND],
      }),
      post: operation({
        operationId: 'signCheckpoint',
        summary: "Sign the tenant's log now",
        description: 'Returns the new checkpoint, or the newest one when the log did not grow since.',
        tags: ['Evidence'],
        scope: 'admin',
        parameters: [tenantParam],
        responses: { '201': jsonResponse('The checkpoint', ref('schemas', 'Checkpoint')) },
        errors: [ErrorCode.VALIDATION_FAILED, ErrorCode.NOT_FOUND],
      }),
    },
    '/v1/checkpoints/public-key': {
      get: operation({
        operationId: 'checkpointPublicKey',
        summary: 'The keys that sign checkpoints',
        description:
          'The current verifier key and every earlier one (kept across rotations). Pin the key out of band: a verifier must not trust a key only because the server served it.',
        tags: ['Evidence'],
        scope: 'read',
        responses: {
          '200': jsonResponse(
            'Keys',
            obj(
              {
                current: { type: 'string' },
                key_id: { type: 'string' },
                keys: { type: 'array', items: ref('schemas', 'CheckpointKey') },
              },
              ['current', 'key_id', 'keys'],
            ),
          ),
        },
        errors: [ErrorCode.NOT_FOUND],
      }),
    },
  };
}
