/**
 * The route security matrix: every operation of the OpenAPI document, called by every kind of caller.
 * Generated from the document's `x-trailmark-access` rule, so a new route is covered (or fails here
 * for want of a rule) without anyone remembering to add it. Through the real app on a real SQLite file.
 */
import { ErrorCode, IdPrefix, newId, type Role, type Scope } from '@trailmark/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testing/index.ts';
import { createApiKey } from './keys.ts';
import { uploadEventExample } from './openapi/examples.ts';
import { openApiDocument } from './openapi.ts';

type Json = Record<string, unknown>;
type Access = 'public' | 'any' | 'session' | 'ingest' | 'read' | 'history' | 'export' | 'admin' | 'operator';
const ACCESS: readonly Access[] = [
  'public',
  'any',
  'session',
  'ingest',
  'read',
  'history',
  'export',
  'admin',
  'operator',
];

/** Callers of the matrix. `tenant` says whose objects it may touch; foreign callers are globex. */
type CallerName =
  | 'none'
  | 'expired-session'
  | 'revoked-key'
  | `${Role}-session`
  | `${Scope}-key`
  | 'operator'
  | 'foreign-admin-session'
  | 'foreign-admin-key';

const ROLE_ACCESS: Record<Exclude<Role, 'operator'>, readonly Access[]> = {
  owner: ['any', 'session', 'ingest', 'read', 'history', 'export', 'admin'],
  admin: ['any', 'session', 'ingest', 'read', 'history', 'export', 'admin'],
  auditor: ['any', 'session', 'read', 'history', 'export'],
  viewer: ['any', 'session', 'history'],
};
const KEY_ACCESS: Record<Scope, readonly Access[]> = {
  ingest: ['any', 'ingest'],
  read: ['any', 'read', 'history'],
  export: ['any', 'export'],
  admin: ['any', 'ingest', 'read', 'history', 'export', 'admin'],
};

interface Caller {
  name: CallerName;
  headers: Record<string, string>;
  /** Rules it passes; empty for callers that hold no valid credential. */
  allowed: readonly Access[];
  foreign?: boolean;
  cookie?: boolean;
}

interface World {
  t: TestApp;
  callers: Caller[];
  /** Path parameter values naming acme's objects, and values naming nothing. */
  params: Record<string, string>;
  missing: Record<string, string>;
  /** Ids of acme events: no caller without read access may ever see one. */
  eventIds: string[];
  /** A word only acme's event holds: a response that contains it carries that event. */
  marker: string;
  ownerCookie: string;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const sameSite = (cookie: string) => ({ cookie, 'sec-fetch-site': 'same-origin' });

async function buildWorld(): Promise<World> {
  let clock = Date.now() - 8 * 24 * 3600_000; // past the longest session: the first session made is expired
  // Stream destinations on loopback are allowed here so the world can hold one (nothing listens on port 9).
  const t = await createTestApp({ now: () => new Date(clock), streams: { allowPrivate: '127.0.0.1/32' } });
  const expiredUser = await t.person('auditor', 'acme');
  const expired = await t.signIn(expiredUser.email);
  clock = Date.now();

  // Ids and names of the document's examples are sent by the matrix itself; acme's stored event has its own.
  const marker = 'acme-only-render-final';
  const acmeEvent = {
    ...uploadEventExample,
    tenant: 'acme',
    id: 'ft_acme_fixture_0001',
    targets: [{ ...uploadEventExample.targets[0], name: `${marker}.mp4` }],
  };
  const ingest = await t.request('/v1/events', { body: acmeEvent });
  expect(ingest.status).toBe(201);
  await t.request('/v1/events', { body: { ...uploadEventExample, tenant: 'globex', id: 'ft_globex_only' } });
  const stored = (await (await t.request('/v1/events?tenant=acme')).json()) as { data: { id: string }[] };
  const eventIds = stored.data.map((e) => e.id);
  expect(eventIds.length).toBeGreaterThan(0);

  const callers: Caller[] = [
    { name: 'none', headers: {}, allowed: [] },
    { name: 'expired-session', headers: sameSite(expired), allowed: [], cookie: true },
  ];
  const revoked = createApiKey(t.deps.control, { tenant: 'acme', name: 'revoked', scopes: ['admin'] });
  t.deps.control.revokeApiKey(revoked.id, new Date().toISOString());
  callers.push({ name: 'revoked-key', headers: bearer(revoked.key), allowed: [] });

  let ownerCookie = '';
  for (const role of ['owner', 'admin', 'auditor', 'viewer'] as const) {
    const user = await t.person(role, 'acme');
    const cookie = await t.signIn(user.email);
    if (role === 'owner') ownerCookie = cookie;
    callers.push({
      name: `${role}-session`,
      headers: sameSite(cookie),
      allowed: ROLE_ACCESS[role],
      cookie: true,
    });
  }
  for (const scope of ['ingest', 'read', 'export', 'admin'] as const) {
    callers.push({
      name: `${scope}-key`,
      headers: bearer(t.key('acme', [scope])),
      allowed: KEY_ACCESS[scope],
    });
  }
  callers.push({
    name: 'operator',
    headers: bearer(t.adminToken),
    allowed: ACCESS.filter((a) => a !== 'public' && a !== 'session'),
  });
  const foreignAdmin = await t.person('admin', 'globex');
  callers.push({
    name: 'foreign-admin-session',
    headers: sameSite(await t.signIn(foreignAdmin.email)),
    allowed: ROLE_ACCESS.admin,
    foreign: true,
    cookie: true,
  });
  callers.push({
    name: 'foreign-admin-key',
    headers: bearer(t.key('globex', ['admin'])),
    allowed: KEY_ACCESS.admin,
    foreign: true,
  });

  // acme's objects that path parameters name.
  const spare = await t.person('viewer', 'acme');
  const spareKeyId = createApiKey(t.deps.control, { tenant: 'acme', name: 'spare', scopes: ['read'] }).id;
  const invitation = await t.request('/v1/users/invitations', {
    token: null,
    headers: sameSite(ownerCookie),
    body: { email: 'invited@acme.test', role: 'auditor' },
  });
  expect(invitation.status).toBe(201);
  const invitationId = ((await invitation.json()) as { invitation: { id: string } }).invitation.id;
  const job = await t.request('/v1/exports?tenant=acme', { body: { format: 'csv' } });
  expect(job.status).toBe(202);
  const jobId = ((await job.json()) as { id: string }).id;
  const destination = await t.request('/v1/streams/destinations', {
    body: {
      tenant: 'acme',
      name: 'matrix hook',
      kind: 'webhook',
      config: { url: 'http://127.0.0.1:9/hook' },
    },
  });
  expect(destination.status).toBe(201);
  const destinationId = ((await destination.json()) as { id: string }).id;
  const secondSession = await t.signIn(spare.email);
  const sessionId = t.deps.control.listSessions(spare.id)[0]?.id;
  expect(secondSession).toBeTruthy();
  expect(sessionId).toBeDefined();

  return {
    t,
    callers,
    ownerCookie,
    eventIds,
    marker,
    params: {
      'events/{id}': eventIds[0] as string,
      'exports/{id}': jobId,
      'users/{id}': spare.id,
      'invitations/{id}': invitationId,
      'api-keys/{id}': spareKeyId,
      'sessions/{id}': sessionId as string,
      'destinations/{id}': destinationId,
      '{tenant}': 'acme',
      '{source}': 'file-transfer',
    },
    missing: {
      'destinations/{id}': newId(IdPrefix.destination),
      'events/{id}': newId(IdPrefix.event),
      'exports/{id}': newId(IdPrefix.exportJob),
      'users/{id}': newId(IdPrefix.user),
      'invitations/{id}': newId(IdPrefix.link),
      'api-keys/{id}': newId(IdPrefix.apiKey),
      'sessions/{id}': newId(IdPrefix.session),
      '{tenant}': 'no-such-tenant',
      '{source}': 'file-transfer',
    },
  };
}

/** Fills a path template: the parameter is named by the segment before it (`users/{id}`). */
function fill(path: string, values: Record<string, string>): string {
  return path.replace(/([a-z-]+\/)?\{([a-z]+)\}/g, (whole, segment: string | undefined, name: string) => {
    const value = values[`${segment ?? ''}{${name}}`] ?? values[`{${name}}`];
    if (value === undefined) throw new Error(`no value for ${whole} in ${path}: add one to the matrix world`);
    return `${segment ?? ''}${encodeURIComponent(value)}`;
  });
}

/** Query strings that make a GET meaningful (history needs an asset). */
const QUERY: Record<string, string> = {
  assetHistory: `target_path=${encodeURIComponent(uploadEventExample.targets[0].path)}`,
};

interface Operation {
  method: string;
  path: string;
  operationId: string;
  access: Access;
  body?: unknown;
}

function operationsOf(doc: Json): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(item)) {
      if (typeof op !== 'object' || !op.operationId) continue;
      const json = (op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
      const media = json?.['application/json'];
      const examples = media?.examples as Record<string, { value: unknown }> | undefined;
      const body = media?.example ?? (examples ? Object.values(examples)[0]?.value : undefined);
      operations.push({
        method: method.toUpperCase(),
        path,
        operationId: op.operationId as string,
        access: op['x-trailmark-access'] as Access,
        ...(json ? { body: body ?? {} } : {}),
      });
    }
  }
  return operations;
}

async function call(w: World, op: Operation, caller: Caller, values: Record<string, string>) {
  const query = QUERY[op.operationId];
  const path = fill(op.path, values) + (query ? `?${query}` : '');
  const headers: Record<string, string> = { ...caller.headers };
  const init: RequestInit = { method: op.method, headers };
  if (op.body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(op.body);
  }
  const res = await w.t.app.request(path, init);
  const text = await bodyText(res);
  return { status: res.status, text, code: errorCode(text) };
}

/** The body; of an event stream (live tail, which never ends) what arrives in its first second. */
async function bodyText(res: Response): Promise<string> {
  if (!res.headers.get('content-type')?.includes('text/event-stream') || !res.body) return res.text();
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const until = Date.now() + 1000;
  while (Date.now() < until) {
    const next = await Promise.race([
      reader.read(),
      new Promise<undefined>((resolve) => setTimeout(resolve, until - Date.now())),
    ]);
    if (!next || next.done) break;
    text += decoder.decode(next.value, { stream: true });
  }
  await reader.cancel();
  return text;
}

function errorCode(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

const REFUSED = new Set<string>([ErrorCode.UNAUTHENTICATED, ErrorCode.FORBIDDEN]);
const SAFE = new Set(['GET', 'HEAD']);

let shared: World;
let operations: Operation[];
beforeAll(async () => {
  shared = await buildWorld();
  operations = operationsOf(openApiDocument(shared.t.deps, shared.t.app) as Json);
}, 120_000);
afterAll(() => shared?.t.close());

describe('the route security matrix', () => {
  it('has an access rule for every operation of the document', () => {
    expect(operations.length).toBeGreaterThan(40);
    for (const op of operations) expect(ACCESS, `${op.method} ${op.path}`).toContain(op.access);
  });

  it('refuses every caller without the right, on every route, and lets the right ones through', async () => {
    const leaks: string[] = [];
    let allowedSuccesses = 0;
    for (const op of operations) {
      // A state-changing call may consume what it names (a session, a user): each gets its own world.
      const w = SAFE.has(op.method) ? shared : await buildWorld();
      // Refusals first, so nothing an allowed caller changes can hide a leak.
      const ordered = [...w.callers].sort(
        (a, b) => Number(a.allowed.includes(op.access)) - Number(b.allowed.includes(op.access)),
      );
      for (const caller of ordered) {
        const answer = await call(w, op, caller, w.params);
        const where = `${op.method} ${op.path} as ${caller.name} -> ${answer.status} ${answer.code ?? ''}`;
        if (op.access === 'public') {
          if (answer.status >= 500) leaks.push(`${where} (5xx)`);
          continue;
        }
        if (!caller.allowed.includes(op.access)) {
          // Session routes answer a bearer token as no credential at all: they need a signed-in person.
          const expected = caller.allowed.length === 0 || op.access === 'session' ? 401 : 403;
          if (answer.status !== expected || !REFUSED.has(answer.code ?? ''))
            leaks.push(`${where} (expected ${expected})`);
        } else if (answer.status === 401 || answer.status >= 500) {
          leaks.push(`${where} (an allowed caller was refused or crashed)`);
        } else if (answer.status < 300) {
          allowedSuccesses++;
        }
        // Without read access no response carries an acme event, whatever the route (history aside).
        const reads =
          caller.allowed.includes('read') ||
          ((op.access === 'history' || op.access === 'export') && caller.allowed.includes(op.access));
        if ((!reads || caller.foreign) && answer.text.includes(w.marker)) {
          leaks.push(`${where} (an acme event reached a caller who may not read it)`);
        }
      }
      if (w !== shared) await w.t.close();
    }
    expect(leaks).toEqual([]);
    // The matrix is not vacuous: allowed callers really get through on most routes.
    expect(allowedSuccesses).toBeGreaterThan(operations.length * 2);
  }, 240_000);

  it('answers another tenant for an object of acme exactly as for an object that does not exist', async () => {
    const differences: string[] = [];
    // `{source}` names a plugin, shared by every tenant; the other parameters name tenant objects.
    const tenantObjects = operations.filter(
      (o) => o.path.replace('{source}', '').includes('{') && o.access !== 'public',
    );
    for (const op of tenantObjects) {
      const w = SAFE.has(op.method) ? shared : await buildWorld();
      for (const caller of w.callers.filter((c) => c.foreign)) {
        const existing = await call(w, op, caller, w.params);
        const missing = await call(w, op, caller, w.missing);
        // A message may echo the id asked for and carries its request id; anything else that differs
        // tells the caller that acme's object exists.
        const ids = [...Object.values(w.params), ...Object.values(w.missing)];
        const bare = (text: string) =>
          ids.reduce((acc, id) => acc.replaceAll(id, '<id>'), text.replace(/req_[0-9A-Z]{26}/g, '<request>'));
        if (existing.status < 300)
          differences.push(`${op.method} ${op.path} as ${caller.name}: ${existing.status}`);
        if (existing.status !== missing.status || bare(existing.text) !== bare(missing.text))
          differences.push(
            `${op.method} ${op.path} as ${caller.name}: ${existing.status} ${bare(existing.text)} vs ${missing.status} ${bare(missing.text)}`,
          );
      }
      if (w !== shared) await w.t.close();
    }
    expect(differences).toEqual([]);
  }, 240_000);

  // Refused requests change nothing, so the shared world serves; an accepted one fails the test anyway.
  it('refuses a cookie request from a foreign Origin on every state-changing route', async () => {
    const accepted: string[] = [];
    for (const op of operations.filter((o) => !SAFE.has(o.method) && o.access !== 'public')) {
      const foreign: Record<string, string>[] = [
        { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
        { origin: 'https://evil.example' },
      ];
      for (const site of foreign) {
        const caller: Caller = {
          name: 'owner-session',
          headers: { cookie: shared.ownerCookie, ...site },
          allowed: [],
        };
        const answer = await call(shared, op, caller, shared.params);
        if (answer.status !== 403 || answer.code !== ErrorCode.CSRF_REJECTED)
          accepted.push(
            `${op.method} ${op.path} ${JSON.stringify(site)} -> ${answer.status} ${answer.code ?? ''}`,
          );
      }
    }
    expect(accepted).toEqual([]);
  }, 240_000);

  it('lets a viewer read an asset history and nothing else that holds events', async () => {
    const viewer = shared.callers.find((c) => c.name === 'viewer-session') as Caller;
    const history = operations.find((o) => o.operationId === 'assetHistory') as Operation;
    const answer = await call(shared, history, viewer, shared.params);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain(shared.marker);
    expect(shared.eventIds.some((id) => answer.text.includes(id))).toBe(true);
  });
});
