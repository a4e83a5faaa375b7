import { z } from '@hono/zod-openapi';
import { ErrorCode, parseLimit, TrailmarkError, ValidationError } from '@trailmark/core';
import type { Context } from 'hono';
import { tenantScope } from '../../auth.ts';
import type { AppEnv } from '../../context.ts';
import type { AppDeps } from '../../deps.ts';
import type { Evidence } from '../../evidence/service.ts';
import { createRouter, defineRoute, firstValue, json } from '../define.ts';

/** Proofs and checkpoints answer for one tenant: a tenant's own, or the one the operator names. */
function oneTenant(c: Context<AppEnv>): string {
  const tenants = tenantScope(c, c.req.queries('tenant'));
  if (tenants?.length !== 1)
    throw new ValidationError('name one tenant', [
      { path: 'tenant', message: 'required once with the operator token' },
    ]);
  return tenants[0] as string;
}

const EVIDENCE_NOTE =
  'The evidence log and its proofs are described in docs/evidence.md (RFC 6962 hashing, C2SP signed-note checkpoints, Ed25519).';
const EVIDENCE_ERRORS = [ErrorCode.VALIDATION_FAILED, ErrorCode.NOT_FOUND] as const;

// Which tenant may be named depends on the caller, so oneTenant checks it (exactly once for the operator).
const tenant = firstValue(z.string().optional()).openapi({
  description:
    'The tenant whose log is meant: required (once) with the operator token; a tenant credential may only name its own.',
});
/** Given once, a whole number: a repeat is refused, not silently narrowed to its first value. */
const treeSize = (description: string) => {
  const message = 'a tree size: one whole number >= 0';
  return z
    .string({ error: message })
    .regex(/^(0|[1-9][0-9]{0,14})$/, message)
    .transform(Number)
    .openapi({ description, type: 'integer', minimum: 0 });
};

const hash = z.string().openapi({ description: 'SHA-256 hash, base64.' });
const timestamp = z.iso.datetime();

const checkpointSchema = z
  .strictObject({
    id: z.int(),
    tenant: z.string(),
    tree_size: z.int().min(0),
    key_id: z.string().regex(/^[0-9a-f]{8}$/),
    note: z.string().openapi({
      description:
        'The C2SP signed note: origin, tree size, base64 root, `time` line, blank line, signature.',
    }),
    created_at: timestamp,
  })
  .openapi('Checkpoint');

const checkpointKeySchema = z
  .strictObject({
    key_id: z.string(),
    verifier_key: z
      .string()
      .openapi({ description: '`<name>+<key id>+<base64(0x01 || Ed25519 public key)>`' }),
    created_at: timestamp,
  })
  .openapi('CheckpointKey');

const inclusionProofSchema = z
  .strictObject({
    tenant: z.string(),
    event_id: z.string(),
    log_index: z.int().min(0),
    leaf_hash: z.string().openapi({ description: 'SHA-256(0x00 || leaf entry), hex.' }),
    // The service types it as a string; the document names the two values it takes.
    removed: z
      .string()
      .optional()
      .openapi({
        enum: ['purged', 'erased'],
        description: 'Set when the body is gone (retention, erasure); the leaf stays.',
      }),
    tree_size: z.int(),
    root_hash: hash,
    proof: z.array(hash).openapi({ description: 'Audit path, nearest sibling first.' }),
    checkpoint: checkpointSchema,
    public_key: z.string(),
  })
  .openapi('InclusionProof');

const consistencyProofSchema = z
  .strictObject({
    tenant: z.string(),
    from: z.int(),
    to: z.int(),
    from_root: hash,
    to_root: hash,
    proof: z.array(hash),
  })
  .openapi('ConsistencyProof');

const inclusionProof = defineRoute(
  { scope: 'read', invalid: 'invalid id', errors: EVIDENCE_ERRORS },
  {
    method: 'get',
    path: '/proofs/inclusion',
    operationId: 'inclusionProof',
    summary: "Prove an event is in its tenant's log",
    description: `The event's leaf, its audit path and the newest signed checkpoint covering it (signed now if none does). Works for purged and erased events too: their leaves stay. ${EVIDENCE_NOTE}`,
    tags: ['Evidence'],
    request: {
      query: z.object({
        id: z
          .string({ error: 'one event id is required' })
          .min(1, 'one event id is required')
          .openapi({ description: 'Event id.' }),
        tenant,
      }),
    },
    responses: { 200: json('The proof', inclusionProofSchema) },
  },
);

const consistencyProof = defineRoute(
  {
    scope: 'read',
    // As before the schemas: the message names the first size that is wrong.
    invalid: (details) => `invalid ${details[0]?.path ?? 'tree size'}`,
    errors: EVIDENCE_ERRORS,
  },
  {
    method: 'get',
    path: '/proofs/consistency',
    operationId: 'consistencyProof',
    summary: 'Prove an older tree is a prefix of a newer one',
    description: `RFC 6962 consistency proof between two tree sizes of the tenant's log: nothing signed at \`from\` was changed or removed by \`to\`. ${EVIDENCE_NOTE}`,
    tags: ['Evidence'],
    request: {
      query: z.object({
        from: treeSize('Older tree size.'),
        to: treeSize('Newer tree size, at most the current one.'),
        tenant,
      }),
    },
    responses: { 200: json('The proof', consistencyProofSchema) },
  },
);

const listCheckpoints = defineRoute(
  { scope: 'read', errors: EVIDENCE_ERRORS },
  {
    method: 'get',
    path: '/checkpoints',
    operationId: 'listCheckpoints',
    summary: "The tenant's signed checkpoints, newest first",
    description: `Every checkpoint is kept. Signed every TRAILMARK_CHECKPOINT_INTERVAL_MINUTES when the log grew, and on demand. ${EVIDENCE_NOTE}`,
    tags: ['Evidence'],
    // The page size is core's parseLimit, shared with every list (the Limit component).
    parameters: [{ $ref: '#/components/parameters/Limit' }],
    request: { query: z.object({ tenant }) },
    responses: {
      200: json(
        'Checkpoints',
        z.strictObject({
          tenant: z.string(),
          origin: z.string(),
          public_key: z.string(),
          data: z.array(checkpointSchema),
        }),
      ),
    },
  },
);

const signCheckpoint = defineRoute(
  { scope: 'admin', errors: EVIDENCE_ERRORS },
  {
    method: 'post',
    path: '/checkpoints',
    operationId: 'signCheckpoint',
    summary: "Sign the tenant's log now",
    description: 'Returns the new checkpoint, or the newest one when the log did not grow since.',
    tags: ['Evidence'],
    request: { query: z.object({ tenant }) },
    responses: { 201: json('The checkpoint', checkpointSchema) },
  },
);

const checkpointPublicKey = defineRoute(
  { scope: 'read', errors: [ErrorCode.NOT_FOUND] },
  {
    method: 'get',
    path: '/checkpoints/public-key',
    operationId: 'checkpointPublicKey',
    summary: 'The keys that sign checkpoints',
    description:
      'The current verifier key and every earlier one (kept across rotations). Pin the key out of band: a verifier must not trust a key only because the server served it.',
    tags: ['Evidence'],
    responses: {
      200: json(
        'Keys',
        z.strictObject({ current: z.string(), key_id: z.string(), keys: z.array(checkpointKeySchema) }),
      ),
    },
  },
);

/** Inclusion and consistency proofs and signed checkpoints (mounted at /v1). */
export function proofRoutes(deps: AppDeps) {
  const app = createRouter();
  const evidence = (): Evidence => {
    if (!deps.evidence)
      throw new TrailmarkError(ErrorCode.NOT_FOUND, `the ${deps.storage.name} store keeps no evidence log`);
    return deps.evidence;
  };

  app.openapi(inclusionProof, async (c) => {
    const tenant = oneTenant(c);
    const answer = await evidence().inclusion(tenant, c.req.valid('query').id);
    return c.json({ tenant, ...answer, public_key: evidence().verifierKey }, 200);
  });

  app.openapi(consistencyProof, async (c) => {
    const tenant = oneTenant(c);
    const { from, to } = c.req.valid('query');
    const answer = await evidence().consistency(tenant, from, to);
    return c.json({ tenant, ...answer }, 200);
  });

  app.openapi(listCheckpoints, async (c) => {
    const tenant = oneTenant(c);
    const data = evidence().list(tenant, parseLimit(c.req.queries('limit')));
    return c.json(
      {
        tenant,
        origin: evidence().originOf(tenant),
        public_key: evidence().verifierKey,
        data: data.reverse(),
      },
      200,
    );
  });

  app.openapi(signCheckpoint, async (c) => {
    const tenant = oneTenant(c);
    const made = await evidence().checkpoint(tenant);
    if (!made)
      throw new TrailmarkError(ErrorCode.NOT_FOUND, `tenant "${tenant}" has no events in its log yet`);
    return c.json(made, 201);
  });

  app.openapi(checkpointPublicKey, (c) =>
    c.json({ current: evidence().verifierKey, key_id: evidence().keyId, keys: evidence().keys() }, 200),
  );

  return app;
}
