import type { AddressInfo } from 'node:net';
import type { AuditEvent } from '@trailmark/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../../../testing/index.ts';
import { listen } from '../../listen.ts';
import { createLiveHub } from '../../live.ts';

/** Live tail through the real HTTP server: Node's socket, chunked SSE, a client that hangs up. */
let t: TestApp;
let server: ReturnType<typeof listen>;
let base: string;
beforeAll(async () => {
  t = await createTestApp({ live: createLiveHub({ maxStreams: 3, heartbeatMs: 150 }) });
  server = listen(t.app.fetch, 0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  (server as import('node:http').Server).closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await t.close();
});

/** Every stream a test opened, closed after it whatever happened, so no slot leaks into the next test. */
const opened: AbortController[] = [];
afterEach(() => {
  for (const c of opened.splice(0)) c.abort();
});

let serial = 0;
const event = (over: Record<string, unknown> = {}) => ({
  id: `evt_live_${++serial}_${Date.now()}`,
  source: 'billing-app',
  action: 'invoice.paid',
  occurred_at: new Date().toISOString(),
  actor: { type: 'user', id: 'u-1', name: 'Ana Lima', email: 'ana@acme.test' },
  targets: [{ type: 'invoice', id: 'inv-1', name: 'April invoice' }],
  outcome: { result: 'success' },
  ...over,
});

async function ingest(tenant: string, ...events: Record<string, unknown>[]) {
  const res = await fetch(`${base}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(events.map((e) => ({ tenant, ...e }))),
  });
  expect(res.status).toBe(201);
}

interface Message {
  event?: string;
  id?: string;
  data?: string;
  comment?: string;
}

/** An SSE reader over fetch: every message and comment line, in order, as the server wrote them. */
async function open(path: string, headers: Record<string, string> = {}) {
  const ctrl = new AbortController();
  opened.push(ctrl);
  const res = await fetch(`${base}${path}`, {
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, ...headers },
    signal: ctrl.signal,
  });
  const messages: Message[] = [];
  let waiters: (() => void)[] = [];
  if (res.ok && res.body) {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const m: Message = {};
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) m.comment = line.slice(1).trim();
              else {
                const at = line.indexOf(':');
                const key = line.slice(0, at) as keyof Message;
                const v = line.slice(at + 1).replace(/^ /, '');
                if (key === 'data') m.data = m.data === undefined ? v : `${m.data}\n${v}`;
                else if (key === 'event' || key === 'id') m[key] = v;
              }
            }
            messages.push(m);
            for (const w of waiters) w();
            waiters = [];
          }
        }
      } catch {
        // Aborted by the test.
      }
    })();
  }
  const until = async (test: (all: Message[]) => boolean, what: string) => {
    const end = Date.now() + 5000;
    while (!test(messages)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(messages)}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 100);
      });
    }
  };
  const audits = () =>
    messages
      .filter((m) => m.event === 'audit')
      .map((m) => ({ id: m.id!, event: JSON.parse(m.data!) as AuditEvent }));
  return { res, messages, until, audits, close: () => ctrl.abort() };
}

describe('GET /v1/events/live', () => {
  it('streams newly stored events that match, with heartbeats; other tenants and other filters stay out', async () => {
    const s = await open('/v1/events/live?tenant=acme&result=failure');
    expect(s.res.status).toBe(200);
    expect(s.res.headers.get('content-type')).toContain('text/event-stream');
    await s.until((m) => m.some((x) => x.event === 'ready'), 'ready');
    const wanted = event({ outcome: { result: 'failure' } });
    await ingest('acme', event(), wanted);
    await ingest('globex', event({ outcome: { result: 'failure' } }));
    await s.until((m) => m.some((x) => x.event === 'audit'), 'the matching event');
    await s.until((m) => m.some((x) => x.comment === 'heartbeat'), 'a heartbeat');
    const got = s.audits();
    expect(got.map((a) => a.event.id)).toEqual([wanted.id]);
    expect(got[0].event.tenant).toBe('acme');
    // The SSE id is a resume cursor: when it was received, then the event id.
    expect(got[0].id).toBe(`${got[0].event.received_at}~${wanted.id}`);
    s.close();
  });

  it('resumes after a reconnect with Last-Event-ID: the events stored in between, in order, nothing twice', async () => {
    const first = await open('/v1/events/live?tenant=acme&action=invoice.refunded');
    await first.until((m) => m.some((x) => x.event === 'ready'), 'ready');
    const a = event({ action: 'invoice.refunded' });
    await ingest('acme', a);
    await first.until((m) => m.some((x) => x.event === 'audit'), 'the first event');
    const lastId = first.audits()[0].id;
    first.close();
    // Stored while nobody listened.
    const b = event({ action: 'invoice.refunded' });
    const c = event({ action: 'invoice.refunded' });
    await ingest('acme', b);
    await ingest('acme', c);
    const again = await open('/v1/events/live?tenant=acme&action=invoice.refunded', {
      'Last-Event-ID': lastId,
    });
    await again.until((m) => m.filter((x) => x.event === 'audit').length >= 2, 'the two missed events');
    const d = event({ action: 'invoice.refunded' });
    await ingest('acme', d);
    await again.until(
      (m) => m.filter((x) => x.event === 'audit').length >= 3,
      'the live event after the replay',
    );
    expect(again.audits().map((x) => x.event.id)).toEqual([b.id, c.id, d.id]);
    again.close();
  });

  it('bounds concurrent streams with 429 and Retry-After, and frees a slot when a client hangs up', async () => {
    const open3 = [
      await open('/v1/events/live'),
      await open('/v1/events/live'),
      await open('/v1/events/live'),
    ];
    for (const s of open3) await s.until((m) => m.some((x) => x.event === 'ready'), 'ready');
    const refused = await fetch(`${base}/v1/events/live`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    open3[0].close();
    // The server notices the hang-up at its next write (a heartbeat at the latest).
    let status = 0;
    for (let i = 0; i < 30 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const s = await open('/v1/events/live');
      status = s.res.status;
      s.close();
    }
    expect(status).toBe(200);
    for (const s of open3) s.close();
  });

  it('is tenant-scoped and needs read access: sessions of auditors work, viewers and other tenants are refused', async () => {
    const auditor = await t.person('auditor', 'acme');
    const cookie = await t.signIn(auditor.email);
    const mine = await open('/v1/events/live', { authorization: '', cookie });
    expect(mine.res.status).toBe(200);
    await mine.until((m) => m.some((x) => x.event === 'ready'), 'ready');
    const own = event();
    await ingest('globex', event());
    await ingest('acme', own);
    await mine.until((m) => m.some((x) => x.event === 'audit'), 'own event');
    expect(mine.audits().map((x) => x.event.id)).toEqual([own.id]);
    mine.close();
    const other = await open('/v1/events/live?tenant=globex', { authorization: '', cookie });
    expect(other.res.status).toBe(403);
    const viewer = await t.person('viewer', 'acme');
    const viewing = await open('/v1/events/live', {
      authorization: '',
      cookie: await t.signIn(viewer.email),
    });
    expect(viewing.res.status).toBe(403);
    const anonymous = await open('/v1/events/live', { authorization: '' });
    expect(anonymous.res.status).toBe(401);
  });

  it('refuses paging parameters and a malformed Last-Event-ID with a 400 naming the field', async () => {
    const paged = await open('/v1/events/live?limit=10');
    expect(paged.res.status).toBe(400);
    expect(
      ((await paged.res.json()) as { error: { details: { path: string }[] } }).error.details[0].path,
    ).toBe('limit');
    const bad = await open('/v1/events/live', { 'Last-Event-ID': 'nonsense' });
    expect(bad.res.status).toBe(400);
    expect(((await bad.res.json()) as { error: { code: string } }).error.code).toBe('INVALID_CURSOR');
    const unknown = await open('/v1/events/live?colour=red');
    expect(unknown.res.status).toBe(400);
  });
});
