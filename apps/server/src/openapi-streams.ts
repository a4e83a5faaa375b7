import { ErrorCode, OUTCOME_RESULTS, TENANT_PATTERN } from '@trailmark/core';
import { type Json, jsonBody, jsonResponse, operation, pathParam, ref } from './openapi.ts';

/** OpenAPI paths and schemas of stream destinations (webhook, Slack, Splunk HEC, syslog). */

const timestamp = { type: 'string', format: 'date-time' };
const nullableTime = { type: ['string', 'null'], format: 'date-time' };
const obj = (properties: Record<string, Json>, required: string[]): Json => ({
  type: 'object',
  properties,
  required,
});
const stringList = { type: 'array', items: { type: 'string' } };

export const destinationExample = {
  id: 'dst_01JRWC0M3S5T7V9X1Z3B5D7F9H',
  tenant: 'acme',
  name: 'SIEM webhook',
  kind: 'webhook',
  config: { url: 'https://siem.acme.example/hooks/trailmark' },
  secrets: { signing_secret: '••••Gk0=' },
  filter: { result: ['denied', 'failure'] },
  enabled: true,
  checkpoints: false,
  state: 'active',
  health: {
    failing_since: null,
    last_success_at: '2026-04-14T10:32:16.020Z',
    last_error: null,
    queued_messages: 0,
    queued_events: 0,
    dead_letters: 0,
    lag_seconds: 0,
  },
  created_at: '2026-04-14T10:00:00.000Z',
  updated_at: '2026-04-14T10:00:00.000Z',
};

const messageExample = {
  id: 'msg_01JRWC4Q8E2K5M7P9R1T3V5X7Z',
  destination_id: destinationExample.id,
  sequence: 42,
  status: 'dead',
  origin: 'live',
  event_count: 1,
  event_ids: ['ft_01JRW6B9G1UPLOAD0001'],
  attempts: 1,
  created_at: '2026-04-14T10:32:15.500Z',
  first_attempt_at: '2026-04-14T10:32:15.510Z',
  next_attempt_at: 0,
  last_status: 400,
  last_error: 'HTTP 400',
  last_response: '{"error":"unknown field"}',
  dead_at: '2026-04-14T10:32:15.600Z',
};

const attemptExample = {
  message_id: messageExample.id,
  destination_id: destinationExample.id,
  sequence: 42,
  attempt: 1,
  at: '2026-04-14T10:32:15.600Z',
  outcome: 'reject',
  status_code: 400,
  latency_ms: 87,
  error: 'HTTP 400',
};

const ID = pathParam('id', 'Destination id (`dst_...`).');
const MANAGE_ERRORS = [ErrorCode.NOT_FOUND, ErrorCode.MALFORMED_JSON, ErrorCode.VALIDATION_FAILED] as const;
const AUDIT_NOTE = 'Recorded in the `trailmark` source with secrets masked.';

export function streamSchemas(): Record<string, Json> {
  return {
    StreamFilter: {
      type: 'object',
      description:
        'Which events the destination receives: any value of a list matches, fields combine with AND.',
      properties: {
        source: stringList,
        action: stringList,
        result: { type: 'array', items: { type: 'string', enum: [...OUTCOME_RESULTS] } },
        workspace: stringList,
      },
      additionalProperties: false,
    },
    StreamDestinationInput: {
      type: 'object',
      properties: {
        tenant: {
          type: 'string',
          pattern: TENANT_PATTERN.source,
          description: 'Operator only; others create in their own tenant.',
        },
        name: { type: 'string', minLength: 1, maxLength: 128 },
        kind: { type: 'string', enum: ['webhook', 'slack', 'splunk-hec', 'syslog'] },
        config: {
          type: 'object',
          description:
            'webhook `{url}`; slack `{channel?}`; splunk-hec `{url, index?, sourcetype?, source?, host?}`; syslog `{host, port?, tls?, ca?, facility?, app_name?}`.',
        },
        secrets: {
          type: 'object',
          description:
            'Encrypted at rest, never returned in full. webhook `{signing_secret?}` (generated when absent); slack `{webhook_url}`; splunk-hec `{token}`; syslog none.',
        },
        filter: ref('schemas', 'StreamFilter'),
        enabled: { type: 'boolean', default: true },
        checkpoints: {
          type: 'boolean',
          default: false,
          description:
            "Also receive each signed checkpoint of the tenant's evidence log, as a `checkpoint.signed` message (not a stored event) whose `metadata.note` is the signed note: a copy outside the operator's reach.",
        },
      },
      required: ['name', 'kind', 'config'],
    },
    StreamDestinationPatch: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        config: { type: 'object' },
        secrets: { type: 'object', description: 'Fields given replace the stored ones; others are kept.' },
        filter: ref('schemas', 'StreamFilter'),
        enabled: { type: 'boolean' },
        checkpoints: { type: 'boolean' },
      },
    },
    StreamDestination: {
      type: 'object',
      properties: {
        id: { type: 'string', pattern: '^dst_' },
        tenant: { type: 'string' },
        name: { type: 'string' },
        kind: { type: 'string' },
        config: { type: 'object' },
        secrets: { type: 'object', description: 'Masked: the last four characters at most.' },
        filter: ref('schemas', 'StreamFilter'),
        enabled: { type: 'boolean' },
        checkpoints: { type: 'boolean' },
        state: {
          type: 'string',
          enum: ['active', 'disabled', 'paused_failing', 'paused_gone', 'paused_unauthorized'],
        },
        health: obj(
          {
            failing_since: nullableTime,
            last_success_at: nullableTime,
            last_error: { type: ['string', 'null'] },
            queued_messages: { type: 'integer' },
            queued_events: { type: 'integer' },
            dead_letters: { type: 'integer' },
            lag_seconds: {
              type: 'number',
              minimum: 0,
              description:
                'Age of the oldest event not yet delivered to this destination; 0 when none waits.',
            },
          },
          [
            'failing_since',
            'last_success_at',
            'last_error',
            'queued_messages',
            'queued_events',
            'dead_letters',
            'lag_seconds',
          ],
        ),
        created_at: timestamp,
        updated_at: timestamp,
      },
      required: [
        'id',
        'tenant',
        'name',
        'kind',
        'config',
        'secrets',
        'filter',
        'enabled',
        'checkpoints',
        'state',
        'health',
      ],
    },
    StreamMessage: {
      type: 'object',
      properties: {
        id: { type: 'string', pattern: '^msg_', description: 'The `webhook-id`: the same on every attempt.' },
        destination_id: { type: 'string' },
        sequence: { type: 'integer', description: 'Increasing per destination.' },
        status: { type: 'string', enum: ['pending', 'delivered', 'dead'] },
        origin: { type: 'string', enum: ['live', 'replay', 'test', 'checkpoint'] },
        event_count: { type: 'integer' },
        event_ids: stringList,
        attempts: { type: 'integer' },
        created_at: timestamp,
        first_attempt_at: timestamp,
        next_attempt_at: { type: 'integer', description: 'Epoch ms of the next attempt while pending.' },
        last_status: { type: 'integer' },
        last_error: { type: 'string' },
        last_response: { type: 'string', description: 'Start of the receiver answer (size-capped).' },
        delivered_at: timestamp,
        dead_at: timestamp,
      },
      required: ['id', 'destination_id', 'sequence', 'status', 'origin', 'event_count', 'attempts'],
    },
    StreamAttempt: {
      type: 'object',
      properties: {
        message_id: { type: 'string' },
        destination_id: { type: 'string' },
        sequence: { type: 'integer' },
        attempt: { type: 'integer' },
        at: timestamp,
        outcome: {
          type: 'string',
          enum: ['delivered', 'retry', 'reject', 'gone', 'unauthorized', 'exhausted'],
        },
        status_code: { type: 'integer' },
        latency_ms: { type: 'integer' },
        error: { type: 'string' },
      },
      required: ['message_id', 'destination_id', 'sequence', 'attempt', 'at', 'outcome', 'latency_ms'],
    },
  };
}

const list = (item: string) => obj({ data: { type: 'array', items: ref('schemas', item) } }, ['data']);

export function streamPaths(): Record<string, Json> {
  const tags = ['Streams'];
  return {
    '/v1/streams/kinds': {
      get: operation({
        operationId: 'listStreamKinds',
        summary: 'Destination kinds this server can stream to',
        tags,
        scope: 'read',
        responses: {
          '200': jsonResponse(
            'Installed stream plugins',
            obj({ data: { type: 'array', items: { type: 'object' } } }, ['data']),
            {
              data: [
                { kind: 'webhook', name: 'Webhook', description: 'Any HTTPS endpoint...', max_batch: 100 },
              ],
            },
          ),
        },
      }),
    },
    '/v1/streams/destinations': {
      get: operation({
        operationId: 'listStreamDestinations',
        summary: 'List stream destinations with their health',
        tags,
        scope: 'read',
        parameters: [
          { name: 'tenant', in: 'query', description: 'Operator: one tenant.', schema: { type: 'string' } },
        ],
        responses: {
          '200': jsonResponse('Destinations', list('StreamDestination'), { data: [destinationExample] }),
        },
      }),
      post: operation({
        operationId: 'createStreamDestination',
        summary: 'Create a stream destination',
        description: `Receives events stored from now on (replay sends older ones). The address is refused (422 \`DESTINATION_BLOCKED\`) when it resolves to a loopback, private, link-local, CGNAT, multicast or metadata address not allow-listed by TRAILMARK_STREAM_ALLOW_PRIVATE. ${AUDIT_NOTE}`,
        tags,
        scope: 'admin',
        requestBody: jsonBody(ref('schemas', 'StreamDestinationInput'), {
          webhook: {
            value: {
              name: 'SIEM webhook',
              kind: 'webhook',
              config: { url: 'https://siem.acme.example/hooks/trailmark' },
              filter: { result: ['denied', 'failure'] },
            },
          },
          splunk: {
            value: {
              name: 'Splunk',
              kind: 'splunk-hec',
              config: { url: 'https://splunk.acme.example:8088', index: 'audit' },
              secrets: { token: '11111111-2222-3333-4444-555555555555' },
            },
          },
        }),
        responses: {
          '201': jsonResponse('Created', ref('schemas', 'StreamDestination'), destinationExample),
        },
        errors: [...MANAGE_ERRORS, ErrorCode.UNSUPPORTED_MEDIA_TYPE, ErrorCode.DESTINATION_BLOCKED],
      }),
    },
    '/v1/streams/destinations/{id}': {
      get: operation({
        operationId: 'getStreamDestination',
        summary: 'One stream destination',
        tags,
        scope: 'read',
        parameters: [ID],
        responses: {
          '200': jsonResponse('The destination', ref('schemas', 'StreamDestination'), destinationExample),
        },
        errors: [ErrorCode.NOT_FOUND],
      }),
      patch: operation({
        operationId: 'updateStreamDestination',
        summary: 'Change a destination (name, config, secrets, filter, enabled)',
        description: AUDIT_NOTE,
        tags,
        scope: 'admin',
        parameters: [ID],
        requestBody: jsonBody(ref('schemas', 'StreamDestinationPatch')),
        responses: {
          '200': jsonResponse('Changed', ref('schemas', 'StreamDestination'), destinationExample),
        },
        errors: [...MANAGE_ERRORS, ErrorCode.DESTINATION_BLOCKED],
      }),
      delete: operation({
        operationId: 'deleteStreamDestination',
        summary: 'Delete a destination, its queue and delivery log',
        description: AUDIT_NOTE,
        tags,
        scope: 'admin',
        parameters: [ID],
        responses: { '204': { description: 'Deleted.' } },
        errors: [ErrorCode.NOT_FOUND],
      }),
    },
    '/v1/streams/destinations/{id}/resume': {
      post: operation({
        operationId: 'resumeStreamDestination',
        summary: 'Resume a destination paused by a 410 or a long failure',
        description: `The next pending message is sent at once. ${AUDIT_NOTE}`,
        tags,
        scope: 'admin',
        parameters: [ID],
        responses: {
          '200': jsonResponse('Resumed', ref('schemas', 'StreamDestination'), destinationExample),
        },
        errors: [ErrorCode.NOT_FOUND],
      }),
    },
    '/v1/streams/destinations/{id}/rotate-secret': {
      post: operation({
        operationId: 'rotateStreamSecret',
        summary: 'Rotate a webhook signing secret',
        description: `The new secret signs at once; the old one signs beside it until \`previous_until\` (default 24 h), so receivers switch without rejecting a message. The new secret is shown only here. ${AUDIT_NOTE}`,
        tags,
        scope: 'admin',
        parameters: [ID],
        responses: {
          '200': jsonResponse(
            'Rotated',
            obj({ signing_secret: { type: 'string' }, previous_until: timestamp }, [
              'signing_secret',
              'previous_until',
            ]),
            {
              signing_secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
              previous_until: '2026-04-15T10:00:00.000Z',
            },
          ),
        },
        errors: [ErrorCode.NOT_FOUND, ErrorCode.CONFLICT, ErrorCode.VALIDATION_FAILED],
      }),
    },
    '/v1/streams/destinations/{id}/test': {
      post: operation({
        operationId: 'testStreamDestination',
        summary: 'Send a test event through the queue',
        description: `A synthetic \`stream_destination.tested\` event (not stored) goes through the same queue, retries and signing. ${AUDIT_NOTE}`,
        tags,
        scope: 'admin',
        parameters: [ID],
        responses: {
          '202': jsonResponse(
            'Queued',
            obj(
              { message_id: { type: 'string' }, sequence: { type: 'integer' }, event: { type: 'object' } },
              ['message_id'],
            ),
            {
              message_id: messageExample.id,
              sequence: 43,
              event: { id: 'evt_01JRWC4Q8E2K5M7P9R1T3V5X7Z', action: 'stream_destination.tested' },
            },
          ),
        },
        errors: [ErrorCode.NOT_FOUND],
      }),
    },
    '/v1/streams/destinations/{id}/health': {
      get: operation({
        operationId: 'getStreamHealth',
        summary: 'Health of a destination',
        tags,
        scope: 'read',
        parameters: [ID],
        responses: {
          '200': jsonResponse(
            'Health',
            { type: 'object' },
            { id: destinationExample.id, state: 'active', ...destinationExample.health },
          ),
        },
        errors: [ErrorCode.NOT_FOUND],
      }),
    },
    '/v1/streams/destinations/{id}/deliveries': {
      get: operation({
        operationId: 'listStreamDeliveries',
        summary: 'Delivery log: every attempt, newest first (kept 7 days)',
        tags,
        scope: 'read',
        parameters: [
          ID,
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
          { name: 'since', in: 'query', schema: timestamp },
        ],
        responses: { '200': jsonResponse('Attempts', list('StreamAttempt'), { data: [attemptExample] }) },
        errors: [ErrorCode.NOT_FOUND, ErrorCode.VALIDATION_FAILED],
      }),
    },
    '/v1/streams/destinations/{id}/messages': {
      get: operation({
        operationId: 'listStreamMessages',
        summary: 'Messages of a destination, newest first',
        tags,
        scope: 'read',
        parameters: [
          ID,
          { name: 'status', in: 'query', schema: { type: 'string', enum: ['pending', 'delivered', 'dead'] } },
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        ],
        responses: { '200': jsonResponse('Messages', list('StreamMessage'), { data: [messageExample] }) },
        errors: [ErrorCode.NOT_FOUND, ErrorCode.VALIDATION_FAILED],
      }),
    },
    '/v1/streams/destinations/{id}/dead-letters': {
      get: operation({
        operationId: 'listStreamDeadLetters',
        summary: 'Dead letters: rejected (4xx) or exhausted messages, with the last answer',
        tags,
        scope: 'read',
        parameters: [
          ID,
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        ],
        responses: { '200': jsonResponse('Dead letters', list('StreamMessage'), { data: [messageExample] }) },
        errors: [ErrorCode.NOT_FOUND, ErrorCode.VALIDATION_FAILED],
      }),
    },
    '/v1/streams/destinations/{id}/dead-letters/replay': {
      post: operation({
        operationId: 'replayStreamDeadLetters',
        summary: 'Queue dead letters again (all, or the ids given)',
        description: `They keep their message id and sequence, so receivers de-duplicate them. ${AUDIT_NOTE}`,
        tags,
        scope: 'admin',
        parameters: [ID],
        requestBody: jsonBody(obj({ message_ids: stringList }, [])),
        responses: {
          '202': jsonResponse('Queued', obj({ replayed: stringList }, ['replayed']), {
            replayed: [messageExample.id],
          }),
        },
        errors: [...MANAGE_ERRORS],
      }),
    },
    '/v1/streams/destinations/{id}/replay': {
      post: operation({
        operationId: 'replayStreamRange',
        summary: 'Re-send a time range, or everything after a sequence (a SIEM that was down)',
        description: `Either a time range: events matching the destination's filter with \`from <= occurred_at < to\`, oldest first, at most 50,000 per request (split longer ranges); without \`to\`, everything from \`from\` on. Or a cursor: \`after_sequence\`, the last sequence the receiver processed, re-sends the stored events of every later message of this destination (delivered or dead-lettered; pending ones are on their way), in sequence order; 409 \`CONFLICT\` when those messages are past the delivery log's 7 days. Both go through the same queue under new sequences. ${AUDIT_NOTE}`,
        tags,
        scope: 'admin',
        parameters: [ID],
        requestBody: jsonBody(
          obj({ from: timestamp, to: timestamp, after_sequence: { type: 'integer', minimum: 0 } }, []),
          {
            day: { value: { from: '2026-04-14T00:00:00Z', to: '2026-04-15T00:00:00Z' } },
            cursor: { value: { after_sequence: 4711 } },
          },
        ),
        responses: {
          '202': jsonResponse(
            'Queued',
            obj(
              {
                events: { type: 'integer' },
                messages: { type: 'integer' },
                truncated: { type: 'boolean' },
                from_sequence: {
                  type: 'integer',
                  description: 'with after_sequence: the first sequence re-sent',
                },
              },
              ['events', 'messages', 'truncated'],
            ),
            {
              events: 1200,
              messages: 12,
              truncated: false,
            },
          ),
        },
        errors: [...MANAGE_ERRORS],
      }),
    },
  };
}
