import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/**
 * Test helper: validates request and response bodies against the official OpenSearch API
 * specification (OpenAPI 3.1, JSON Schema 2020-12 dialect), read from /work/shared/opensearch-api-spec.
 * No cluster runs on the build machines, so this is the strongest offline check of what we send.
 *
 * Two things the raw spec does not do, and why we add them:
 * - Its object schemas are open (unknown keys pass), so a typo such as `serach_after` or
 *   `bool: { filtr: [] }` would validate. In `closed` mode (the default) every object schema that
 *   lists `properties` and is not a member of an `allOf` gets `unevaluatedProperties: false`
 *   (allOf members stay open, because closing a member would reject its siblings' keys).
 * - It declares OpenAPI number formats (int32, int64, float, double) that ajv does not know;
 *   int32 and int64 are range-checked, the float formats accept any number.
 */

const BASE = 'https://opensearch-spec.local/spec/';
const METHODS = ['get', 'put', 'post', 'delete', 'head', 'patch'] as const;

export interface SpecIssue {
  path: string;
  message: string;
}

export interface SpecResult {
  valid: boolean;
  issues: SpecIssue[];
}

export interface SpecOperation {
  group: string;
  operationId: string;
  method: string;
  template: string;
  /** JSON pointer (absolute URI) of the request body schema, for application/json when offered, else the first content type. */
  requestSchema?: string;
  /** Content type of the request body (`application/json` or `application/x-ndjson`). */
  requestContentType?: string;
  responseSchemas: Record<string, string>;
  /** Query parameters the operation declares: name -> schema pointer and whether it is required. */
  queryParameters: Record<string, { schema: string; required: boolean }>;
}

export interface SpecValidator {
  /** The operation a method and concrete path address, or undefined when the spec has none. */
  findOperation(method: string, path: string): SpecOperation | undefined;
  /** Every operation of an operation group (e.g. `search`, `indices.put_index_template`). */
  operations(group: string): SpecOperation[];
  validateRequest(group: string, body: unknown): SpecResult;
  validateResponse(group: string, status: number, body: unknown): SpecResult;
  /**
   * The query string of a request to `operation`: every parameter must be declared by the operation (or
   * be one of the spec's global parameters), its wire value must fit the parameter's schema, and every
   * required parameter must be present. Catches `refesh=wait_for`, `refresh=later`, a missing `keep_alive`.
   */
  validateQuery(operation: SpecOperation, query: Record<string, string>): SpecResult;
  /** Validates against a component, e.g. `schemas/_core.bulk.yaml#/components/schemas/OperationContainer`. */
  validateRef(ref: string, value: unknown): SpecResult;
  /** The same, with the open schemas used for responses (OpenSearch may add fields). */
  validateResponseRef(ref: string, value: unknown): SpecResult;
}

export interface SpecValidatorOptions {
  /** Folder holding `spec/` (default: OPENSEARCH_API_SPEC, else shared/ beside the repository). */
  root?: string;
  /** Reject unknown keys in object schemas (see above). Default true. */
  closed?: boolean;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function defaultSpecRoot(): string {
  if (process.env.OPENSEARCH_API_SPEC) return resolve(process.env.OPENSEARCH_API_SPEC);
  // shared/ sits beside the repository checkout (here and in CI); /work/shared is this workplace's copy.
  const besideRepo = resolve(import.meta.dirname, '../../../../shared/opensearch-api-spec');
  return existsSync(besideRepo) ? besideRepo : '/work/shared/opensearch-api-spec';
}

export function specAvailable(root = defaultSpecRoot()): boolean {
  return existsSync(join(root, 'spec', 'namespaces', '_core.yaml'));
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Absolute `file#pointer` for a `$ref` found in `file`. */
function absoluteRef(file: string, ref: string): string {
  const [target, pointer = ''] = ref.split('#');
  const url = target ? new URL(target, `${BASE}${file}`).href.slice(BASE.length) : file;
  return `${url}#${pointer}`;
}

/**
 * Schemas that must stay open: they are evaluated next to sibling keywords that add properties
 * (allOf members; anyOf/oneOf members or `$ref` targets of a schema that lists its own properties).
 * Closing one of them would reject the keys its siblings declare.
 */
function collectOpenSchemas(docs: Map<string, JsonObject>): Set<string> {
  const open = new Set<string>();
  const markRef = (file: string, node: Json) => {
    if (isObject(node) && typeof node.$ref === 'string') open.add(absoluteRef(file, node.$ref));
  };
  for (const [file, doc] of docs) {
    for (const { node, pointer } of rootSchemas(doc)) {
      walkSchema(node, pointer, (schema, at) => {
        const allOfSize = Array.isArray(schema.allOf) ? schema.allOf.length : 0;
        const ownProperties = isObject(schema.properties) || typeof schema.$ref === 'string';
        const addsProperties = ownProperties || allOfSize > 0;
        const lists: [string, boolean][] = [
          // A single-member allOf without siblings is an alias: its member sees no foreign keys.
          ['allOf', allOfSize > 1 || ownProperties],
          ['anyOf', addsProperties],
          ['oneOf', addsProperties],
        ];
        for (const [key, applies] of lists) {
          const members = schema[key];
          if (!applies || !Array.isArray(members)) continue;
          members.forEach((member, i) => {
            open.add(`${file}#${at}/${key}/${i}`);
            markRef(file, member);
          });
        }
        if (typeof schema.$ref === 'string' && (isObject(schema.properties) || allOfSize > 0))
          markRef(file, schema);
      });
    }
  }
  // Openness flows down: an open schema's `$ref` target and composition members see the same sibling keys.
  let grew = true;
  while (grew) {
    grew = false;
    for (const member of [...open]) {
      const node = resolvePointer(docs, member);
      if (!isObject(node)) continue;
      const [file] = member.split('#');
      const next: string[] = [];
      if (typeof node.$ref === 'string') next.push(absoluteRef(file, node.$ref));
      for (const key of ['allOf', 'anyOf', 'oneOf']) {
        const members = node[key];
        if (!Array.isArray(members)) continue;
        members.forEach((child, i) => {
          next.push(`${member}/${key}/${i}`);
          if (isObject(child) && typeof child.$ref === 'string') next.push(absoluteRef(file, child.$ref));
        });
      }
      for (const target of next) {
        if (!open.has(target)) {
          open.add(target);
          grew = true;
        }
      }
    }
  }
  return open;
}

function resolvePointer(docs: Map<string, JsonObject>, ref: string): Json | undefined {
  const [file, pointer = ''] = ref.split('#');
  let node: Json | undefined = docs.get(file);
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) node = node[Number(key)];
    else if (isObject(node)) node = node[key];
    else return undefined;
  }
  return node;
}

const SCHEMA_KEYWORDS = [
  'additionalProperties',
  'items',
  'not',
  'if',
  'then',
  'else',
  'propertyNames',
  'contains',
];
const SCHEMA_LIST_KEYWORDS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const SCHEMA_MAP_KEYWORDS = ['properties', 'patternProperties', '$defs', 'dependentSchemas'];

/** Calls `visit` on every schema reachable through schema keywords (not through property names). */
function walkSchema(node: Json, pointer: string, visit: (schema: JsonObject, pointer: string) => void): void {
  if (!isObject(node)) return;
  visit(node, pointer);
  for (const key of SCHEMA_KEYWORDS) walkSchema(node[key], `${pointer}/${key}`, visit);
  for (const key of SCHEMA_LIST_KEYWORDS) {
    const list = node[key];
    if (!Array.isArray(list)) continue;
    for (const [i, child] of list.entries()) walkSchema(child, `${pointer}/${key}/${i}`, visit);
  }
  for (const key of SCHEMA_MAP_KEYWORDS) {
    const map = node[key];
    if (!isObject(map)) continue;
    for (const [name, child] of Object.entries(map)) {
      walkSchema(child, `${pointer}/${key}/${escapePointer(name)}`, visit);
    }
  }
}

/** The top-level schemas of a spec file: component schemas, request, response and parameter schemas. */
function rootSchemas(doc: JsonObject): { node: Json; pointer: string }[] {
  const out: { node: Json; pointer: string }[] = [];
  const components = isObject(doc.components) ? doc.components : {};
  if (isObject(components.schemas)) {
    for (const [name, node] of Object.entries(components.schemas)) {
      out.push({ node, pointer: `/components/schemas/${escapePointer(name)}` });
    }
  }
  for (const kind of ['requestBodies', 'responses']) {
    const group = components[kind];
    if (!isObject(group)) continue;
    for (const [name, body] of Object.entries(group)) {
      if (!isObject(body) || !isObject(body.content)) continue;
      for (const [type, media] of Object.entries(body.content)) {
        if (isObject(media)) {
          out.push({
            node: media.schema,
            pointer: `/components/${kind}/${escapePointer(name)}/content/${escapePointer(type)}/schema`,
          });
        }
      }
    }
  }
  return out;
}

/** Adds `unevaluatedProperties: false` to object schemas that list properties and are no allOf member, in place. */
function closeObjects(docs: Map<string, JsonObject>, open: Set<string>): void {
  for (const [file, doc] of docs) {
    for (const { node, pointer } of rootSchemas(doc)) {
      walkSchema(node, pointer, (schema, at) => {
        const closable =
          (isObject(schema.properties) || Array.isArray(schema.allOf)) &&
          schema.additionalProperties === undefined &&
          schema.unevaluatedProperties === undefined &&
          schema.patternProperties === undefined;
        if (closable && !open.has(`${file}#${at}`)) schema.unevaluatedProperties = false;
      });
    }
  }
}

function createAjv(docs: Map<string, JsonObject>): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: false, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addFormat('int32', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
  });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('float', { type: 'number', validate: () => true });
  ajv.addFormat('double', { type: 'number', validate: () => true });
  for (const [file, doc] of docs) ajv.addSchema({ ...doc, $id: `${BASE}${file}` });
  return ajv;
}

/** `application/json` when the operation offers it (the adapter asks for JSON), else the first type. */
function preferJson(content: JsonObject): string {
  const types = Object.keys(content);
  return types.includes('application/json') ? 'application/json' : types[0];
}

function templateRegex(template: string): RegExp {
  const pattern = template
    .split('/')
    .map((part) => (/^\{.+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${pattern}$`);
}

export function createSpecValidator(options: SpecValidatorOptions = {}): SpecValidator {
  const root = options.root ?? defaultSpecRoot();
  const docs = new Map<string, JsonObject>();
  for (const folder of ['namespaces', 'schemas']) {
    for (const name of readdirSync(join(root, 'spec', folder))) {
      if (!name.endsWith('.yaml')) continue;
      const doc: unknown = parse(readFileSync(join(root, 'spec', folder, name), 'utf8'));
      if (isObject(doc)) docs.set(`${folder}/${name}`, doc);
    }
  }
  // Requests are checked closed (unknown keys rejected); responses open, because OpenSearch may add fields
  // and because ajv cannot track evaluated properties through the spec's recursive response schemas.
  const closedDocs = new Map([...docs].map(([file, doc]) => [file, structuredClone(doc)]));
  if (options.closed ?? true) closeObjects(closedDocs, collectOpenSchemas(closedDocs));
  const requestAjv = createAjv(closedDocs);
  // Open schemas make oneOf exclusivity meaningless (delete_by_query@200 is oneOf a full result or an object
  // whose only, optional, key is `task`: every result matches both), so responses read oneOf as anyOf.
  for (const doc of docs.values()) {
    for (const { node, pointer } of rootSchemas(doc)) {
      walkSchema(node, pointer, (schema) => {
        if (Array.isArray(schema.oneOf) && schema.anyOf === undefined) {
          schema.anyOf = schema.oneOf;
          delete schema.oneOf;
        }
      });
    }
  }
  const responseAjv = createAjv(docs);

  const operations: SpecOperation[] = [];
  for (const [file, doc] of docs) {
    if (!file.startsWith('namespaces/') || !isObject(doc.paths)) continue;
    for (const [template, item] of Object.entries(doc.paths)) {
      if (!isObject(item)) continue;
      for (const method of METHODS) {
        const op = item[method];
        if (!isObject(op) || typeof op['x-operation-group'] !== 'string') continue;
        const entry: SpecOperation = {
          group: op['x-operation-group'],
          operationId: String(op.operationId),
          method: method.toUpperCase(),
          template,
          responseSchemas: {},
          queryParameters: {},
        };
        for (const parameter of Array.isArray(op.parameters) ? op.parameters : []) {
          if (!isObject(parameter) || typeof parameter.$ref !== 'string') continue;
          const ref = absoluteRef(file, parameter.$ref);
          const resolved = resolvePointer(docs, ref);
          if (!isObject(resolved) || resolved.in !== 'query' || typeof resolved.name !== 'string') continue;
          entry.queryParameters[resolved.name] = {
            schema: `${ref}/schema`,
            required: resolved.required === true,
          };
        }
        const body = isObject(op.requestBody) ? op.requestBody : undefined;
        if (body && typeof body.$ref === 'string') {
          const ref = absoluteRef(file, body.$ref);
          const resolved = resolvePointer(docs, ref);
          if (isObject(resolved) && isObject(resolved.content)) {
            const type = preferJson(resolved.content);
            entry.requestContentType = type;
            entry.requestSchema = `${ref}/content/${escapePointer(type)}/schema`;
          }
        }
        if (isObject(op.responses)) {
          for (const [status, response] of Object.entries(op.responses)) {
            if (!isObject(response) || typeof response.$ref !== 'string') continue;
            const ref = absoluteRef(file, response.$ref);
            const resolved = resolvePointer(docs, ref);
            if (isObject(resolved) && isObject(resolved.content)) {
              const type = preferJson(resolved.content);
              entry.responseSchemas[status] = `${ref}/content/${escapePointer(type)}/schema`;
            }
          }
        }
        operations.push(entry);
      }
    }
  }
  const matchers = operations.map((op) => ({
    op,
    regex: templateRegex(op.template),
    params: (op.template.match(/\{/g) ?? []).length,
  }));

  const compiled = new Map<string, ValidateFunction>();
  // The mapping schema is a 50-branch oneOf per field, recursively: a nested mapping takes seconds to
  // validate, and the emulator sends the same template at every init, so results are memoized.
  const results = new Map<string, SpecResult>();
  const run = (ajv: Ajv2020, ref: string, value: unknown): SpecResult => {
    const key = `${ajv === requestAjv ? 'req' : 'res'} ${ref}`;
    const memo = `${key} ${JSON.stringify(value)}`;
    const known = results.get(memo);
    if (known) return known;
    let fn = compiled.get(key);
    if (!fn) {
      fn = ajv.compile({ $ref: `${BASE}${ref}` });
      compiled.set(key, fn);
    }
    const valid = fn(value) === true;
    const result = {
      valid,
      issues: (fn.errors ?? []).map((e) => ({
        path: e.instancePath || '/',
        message: `${e.message ?? 'invalid'}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
      })),
    };
    if (memo.length < 100_000) results.set(memo, result);
    return result;
  };
  const withRequestBody = (group: string) => {
    const op = operations.find((o) => o.group === group && o.requestSchema);
    if (!op?.requestSchema) throw new Error(`no request body schema for operation group ${group}`);
    return op.requestSchema;
  };

  const globalParameters = new Set<string>();
  const globals: unknown = parse(readFileSync(join(root, 'spec', '_global_parameters.yaml'), 'utf8'));
  const globalList = isObject(globals) && isObject(globals.components) ? globals.components.parameters : {};
  for (const parameter of Object.values(isObject(globalList) ? globalList : {})) {
    if (isObject(parameter) && typeof parameter.name === 'string') globalParameters.add(parameter.name);
  }

  return {
    validateQuery(operation, query) {
      const issues: SpecIssue[] = [];
      for (const [name, raw] of Object.entries(query)) {
        const declared = operation.queryParameters[name];
        if (!declared) {
          if (!globalParameters.has(name))
            issues.push({ path: `?${name}`, message: `not a query parameter of ${operation.operationId}` });
          continue;
        }
        // The wire carries strings; the schema may want a boolean, a number or a comma-separated list.
        const candidates: unknown[] = [raw, raw.split(',')];
        if (raw === 'true' || raw === 'false') candidates.push(raw === 'true');
        if (raw.trim() !== '' && Number.isFinite(Number(raw))) candidates.push(Number(raw));
        if (!candidates.some((value) => run(requestAjv, declared.schema, value).valid)) {
          issues.push({ path: `?${name}`, message: `value ${JSON.stringify(raw)} does not fit its schema` });
        }
      }
      for (const [name, declared] of Object.entries(operation.queryParameters)) {
        if (declared.required && !(name in query))
          issues.push({ path: `?${name}`, message: 'required query parameter missing' });
      }
      return { valid: issues.length === 0, issues };
    },
    findOperation(method, path) {
      const candidates = matchers
        .filter((m) => m.op.method === method.toUpperCase() && m.regex.test(path))
        .sort((a, b) => a.params - b.params);
      return candidates[0]?.op;
    },
    operations: (group) => operations.filter((o) => o.group === group),
    validateRequest: (group, body) => run(requestAjv, withRequestBody(group), body),
    validateResponse(group, status, body) {
      const op = operations.find((o) => o.group === group && o.responseSchemas[String(status)]);
      if (!op) throw new Error(`no ${status} response schema for operation group ${group}`);
      return run(responseAjv, op.responseSchemas[String(status)], body);
    },
    validateRef: (ref, value) => run(requestAjv, ref, value),
    validateResponseRef: (ref, value) => run(responseAjv, ref, value),
  };
}
