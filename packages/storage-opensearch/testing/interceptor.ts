import type { ClientRequest, IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { Client, type ClientOptions, Connection } from '@opensearch-project/opensearch';
import type { SpecValidator } from './spec-validator.ts';

/**
 * A client for a real OpenSearch node that records every request, checks it against the official API
 * specification, and can fail chosen bulk items or whole requests. Faults a live engine cannot be made to
 * produce on demand (a 429 for one item, a 503 for one shard) are injected here: a failed item is withheld
 * from the node, so it is really not stored, and its error is put back at its place in the node's answer.
 * Everything else is the engine's own answer. Test code only (exported from `testing.ts`).
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface InterceptedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body?: unknown;
  /** `_bulk` only: the NDJSON lines, parsed. */
  lines?: unknown[];
}

export interface InterceptedResponse {
  status: number;
  body: unknown;
}

export interface BulkFault {
  status: number;
  type: string;
  reason: string;
}

export interface InterceptorOptions {
  /** The real node every request that is not answered here goes to. */
  node: string;
  spec?: SpecValidator;
  /** Per bulk item: return a fault to fail the item (it is not sent to the node). Attempts count from 1. */
  bulkFault?: (item: { index: string; id: string; attempt: number }) => BulkFault | undefined;
  /** Answers a whole request here instead of the node: a fault, or a stand-in for an absent plugin. */
  answer?: (request: InterceptedRequest) => InterceptedResponse | undefined;
}

/** One bulk operation: its action line and, except for delete, its document line. */
interface BulkOperation {
  lines: unknown[];
  index: string;
  id: string;
  kind: string;
}

function operations(lines: unknown[]): BulkOperation[] {
  const out: BulkOperation[] = [];
  for (let i = 0; i < lines.length; i++) {
    const action = lines[i];
    const kind = isObj(action) ? (Object.keys(action)[0] ?? '') : '';
    const meta = isObj(action) && isObj(action[kind]) ? action[kind] : {};
    const withDocument = kind !== 'delete';
    out.push({
      lines: withDocument ? [action, lines[i + 1]] : [action],
      index: String(meta._index ?? ''),
      id: String(meta._id ?? ''),
      kind,
    });
    if (withDocument) i++;
  }
  return out;
}

/** An error answer shaped like every OpenSearch error (for `answer` faults). */
export function errorBody(status: number, type: string, reason: string): Obj {
  return { error: { root_cause: [{ type, reason }], type, reason }, status };
}

export class Interceptor {
  readonly requests: InterceptedRequest[] = [];
  readonly violations: string[] = [];
  private readonly attempts = new Map<string, number>();
  private readonly clients: Client[] = [];

  constructor(private readonly options: InterceptorOptions) {}

  /** A client for the node; `extra` carries auth and TLS options for a secured cluster. */
  client(extra: Omit<ClientOptions, 'node' | 'nodes' | 'Connection'> = {}): Client {
    const interceptor = this;
    class InterceptingConnection extends Connection {
      override request(
        params: Parameters<Connection['request']>[0],
        callback: Parameters<Connection['request']>[1],
      ): ReturnType<Connection['request']> {
        const raw =
          typeof params.body === 'string'
            ? params.body
            : Buffer.isBuffer(params.body)
              ? params.body.toString()
              : '';
        const request = interceptor.record(
          String(params.method),
          decodeURIComponent(String(params.path)),
          new URLSearchParams(params.querystring ?? ''),
          raw,
        );
        const reply = (response: InterceptedResponse) => {
          const payload = JSON.stringify(response.body);
          const stream = Object.assign(Readable.from([Buffer.from(payload)]), {
            statusCode: response.status,
            headers: {
              'content-type': 'application/json; charset=UTF-8',
              'content-length': String(Buffer.byteLength(payload)),
            },
          });
          process.nextTick(callback, null, stream as unknown as IncomingMessage);
          return { abort() {} } as unknown as ClientRequest;
        };
        const answered = interceptor.options.answer?.(request);
        if (answered) {
          interceptor.checkResponse(request, answered);
          return reply(answered);
        }
        if (request.path !== '/_bulk' || !interceptor.options.bulkFault)
          return super.request(params, interceptor.checked(request, callback));
        // Failed items stay here; the others go to the node, and the answer is put back together in order.
        const ops = operations(request.lines ?? []);
        const faults = ops.map((op) => interceptor.faultFor(op));
        const forwarded = ops.filter((_, i) => !faults[i]);
        const merge = (answer: unknown): unknown => {
          const items = isObj(answer) && Array.isArray(answer.items) ? [...answer.items] : [];
          const merged = ops.map((op, i) => {
            const fault = faults[i];
            if (!fault) return items.shift();
            return {
              [op.kind]: {
                _index: op.index,
                _id: op.id,
                status: fault.status,
                error: { type: fault.type, reason: fault.reason },
              },
            };
          });
          return { took: isObj(answer) ? (answer.took ?? 0) : 0, errors: true, items: merged };
        };
        if (forwarded.length === 0) {
          const response = { status: 200, body: merge({ took: 0, items: [] }) };
          interceptor.checkResponse(request, response);
          return reply(response);
        }
        const body = `${forwarded
          .flatMap((op) => op.lines)
          .map((l) => JSON.stringify(l))
          .join('\n')}\n`;
        params.body = body;
        const headers = params.headers as Record<string, string> | undefined;
        if (headers) headers['content-length'] = String(Buffer.byteLength(body));
        return super.request(params, (error, response) => {
          if (error || !response) return callback(error, response);
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('error', (e) => callback(e, null));
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString();
            const answer = status === 200 ? merge(JSON.parse(text) as unknown) : JSON.parse(text);
            const merged = { status, body: answer };
            interceptor.checkResponse(request, merged);
            reply(merged);
          });
        });
      }
    }
    const client = new Client({
      ...extra,
      node: this.options.node,
      Connection: InterceptingConnection as unknown as typeof Connection,
      maxRetries: 0,
    });
    this.clients.push(client);
    return client;
  }

  /** Closes the clients made here (a store given a client does not close it). */
  async close(): Promise<void> {
    for (const client of this.clients.splice(0)) await client.close();
  }

  private faultFor(op: BulkOperation): BulkFault | undefined {
    const key = `${op.index}/${op.id}`;
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    return this.options.bulkFault?.({ index: op.index, id: op.id, attempt });
  }

  private record(method: string, path: string, query: URLSearchParams, raw: string): InterceptedRequest {
    const request: InterceptedRequest = { method, path, query };
    if (path === '/_bulk')
      request.lines = raw
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as unknown);
    else if (raw) request.body = JSON.parse(raw) as unknown;
    this.requests.push(request);
    this.checkRequest(request);
    return request;
  }

  /** Passes the node's answer on unchanged, after checking its shape against the spec. */
  private checked(
    request: InterceptedRequest,
    callback: Parameters<Connection['request']>[1],
  ): Parameters<Connection['request']>[1] {
    if (!this.options.spec) return callback;
    return (error, response) => {
      if (error || !response) return callback(error, response);
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('error', (e) => callback(e, null));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        const status = response.statusCode ?? 0;
        let body: unknown = text;
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          // _cat with format=text and HEAD answers are not JSON; nothing to check.
        }
        if (typeof body !== 'string') this.checkResponse(request, { status, body });
        const stream = Object.assign(Readable.from([Buffer.from(text)]), {
          statusCode: status,
          headers: response.headers,
        });
        callback(null, stream as unknown as IncomingMessage);
      });
    };
  }

  private checkRequest(request: InterceptedRequest): void {
    const spec = this.options.spec;
    if (!spec) return;
    const op = spec.findOperation(request.method, request.path);
    if (!op) {
      this.violations.push(`${request.method} ${request.path}: no such operation in the spec`);
      return;
    }
    const query = spec.validateQuery(op, Object.fromEntries(request.query));
    if (!query.valid) this.violations.push(`${op.group} query string: ${JSON.stringify(query.issues)}`);
    if (op.group === 'bulk') {
      for (const bulkOp of operations(request.lines ?? [])) {
        const result = spec.validateRef(
          'schemas/_core.bulk.yaml#/components/schemas/OperationContainer',
          bulkOp.lines[0],
        );
        if (!result.valid) this.violations.push(`bulk ${bulkOp.id}: ${JSON.stringify(result.issues)}`);
      }
      return;
    }
    if (request.body !== undefined) {
      const result = spec.validateRequest(op.group, request.body);
      if (!result.valid) this.violations.push(`${op.group}: ${JSON.stringify(result.issues.slice(0, 5))}`);
    }
  }

  /** Answers from the node and from here alike: errors shaped like OpenSearch errors, bodies like the spec's. */
  private checkResponse(request: InterceptedRequest, response: InterceptedResponse): void {
    const spec = this.options.spec;
    if (!spec) return;
    if (response.status >= 400) {
      const error = spec.validateResponseRef(
        'schemas/_common.yaml#/components/schemas/ErrorResponseBase',
        response.body,
      );
      if (!error.valid)
        this.violations.push(`error response ${response.status}: ${JSON.stringify(error.issues)}`);
      return;
    }
    if (response.status >= 300) return;
    const op = spec.findOperation(request.method, request.path);
    if (!op || !RESPONSE_CHECKED.has(op.group)) return;
    const result = spec.validateResponse(op.group, response.status, response.body);
    if (!result.valid)
      this.violations.push(`${op.group} response: ${JSON.stringify(result.issues.slice(0, 5))}`);
  }
}

/** Operations whose 2xx bodies are checked against the spec's response schemas. */
const RESPONSE_CHECKED = new Set([
  'bulk',
  'search',
  'count',
  'delete_by_query',
  'create_pit',
  'delete_pit',
  'indices.put_index_template',
  'indices.put_mapping',
  'indices.delete',
  'indices.refresh',
  'cat.indices',
]);
