import { parseVerifierKey, verifyNote } from '@trailmark/core';
import { parseOctetCounted } from '@trailmark/plugin-stream-syslog';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/index.ts';
import {
  type HttpReceiver,
  type ReceivedRequest,
  selfSignedCertificate,
  startHttpReceiver,
  startSyslogReceiver,
} from '../../testing/stream-receivers.ts';
import type { StreamClock } from './dispatcher.ts';
import type { PublicDestination } from './service.ts';

/** Delivery against real receivers on 127.0.0.1, allow-listed as an on-premise SIEM would be. */

interface FakeClock extends StreamClock {
  t: number;
}
const fakeClock = (start = Date.parse('2026-05-01T00:00:00Z')): FakeClock => {
  const clock: FakeClock = { t: start, now: () => clock.t, sleep: async () => {} };
  return clock;
};

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()?.close();
});

async function app(overrides: Parameters<typeof createTestApp>[0] = {}): Promise<TestApp> {
  const t = await createTestApp({
    streams: { allowPrivate: '127.0.0.1', publicUrl: 'https://audit.acme.example' },
    ...overrides,
  });
  open.push(t);
  return t;
}
async function receiver(answer?: HttpReceiver['answer']): Promise<HttpReceiver> {
  const r = await startHttpReceiver(answer);
  open.push(r);
  return r;
}

let counter = 0;
const events = (n: number, tenant = 'acme') =>
  Array.from({ length: n }, (_, i) => ({
    id: `evt_stream_${++counter}`,
    tenant,
    source: 'stream-test',
    action: 'record.written',
    occurred_at: new Date(Date.parse('2026-04-01T00:00:00Z') + i * 1000).toISOString(),
    actor: { type: 'user', id: `u-${i}`, name: 'Ana Lima', email: 'ana@acme.test' },
    targets: [{ type: 'record', id: `r-${i}`, name: `record ${i}` }],
    outcome: { result: i % 5 === 0 ? 'denied' : 'success' },
  }));

async function ingest(t: TestApp, list: ReturnType<typeof events>) {
  const res = await t.request('/v1/events', { body: { events: list } });
  expect(res.status).toBeLessThan(300);
}

async function json(t: TestApp, path: string, options?: Parameters<TestApp['request']>[1]): Promise<unknown> {
  return (await t.request(path, options)).json();
}

async function createDestination(t: TestApp, body: Record<string, unknown>): Promise<PublicDestination> {
  const res = await t.request('/v1/streams/destinations', {
    body: { tenant: 'acme', filter: { source: ['stream-test'] }, ...body },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as PublicDestination;
}

/** Steps one destination until it has nothing to do, moving the fake clock over every wait. */
async function drain(t: TestApp, id: string, clock?: FakeClock, max = 200) {
  const dispatcher = t.deps.streams!.dispatcher;
  for (let i = 0; i < max; i++) {
    const step = await dispatcher.step(id);
    if (step.kind === 'idle') return;
    if (step.kind === 'wait') {
      if (!clock) throw new Error('a wait without a fake clock');
      clock.t += step.ms;
    }
  }
  throw new Error('still busy');
}

const webhookIds = (requests: ReceivedRequest[]) => requests.map((r) => String(r.headers['webhook-id']));
const deliveredEventIds = (requests: ReceivedRequest[]) =>
  requests.flatMap((r) => (JSON.parse(r.body) as { data: { id: string }[] }).data.map((e) => e.id));

async function until(check: () => boolean, what: string) {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

describe('webhook delivery', () => {
  it('delivers every event once, in order, signed so the standardwebhooks package verifies it', async () => {
    const t = await app();
    const r = await receiver();
    const d = await createDestination(t, { name: 'SIEM', kind: 'webhook', config: { url: `${r.url}/hook` } });
    const secret = (await json(t, `/v1/streams/destinations/${d.id}/rotate-secret`, { method: 'POST' })) as {
      signing_secret: string;
    };
    const sent = events(250);
    await ingest(t, sent);
    await drain(t, d.id);
    // Three messages (100 per batch), increasing sequences, every event exactly once, oldest first.
    expect(deliveredEventIds(r.requests)).toEqual(sent.map((e) => e.id));
    const sequences = r.requests.map((x) => Number(x.headers['trailmark-sequence']));
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(new Set(sequences).size).toBe(sequences.length);
    for (const request of r.requests) {
      const payload = new Webhook(secret.signing_secret).verify(
        request.body,
        request.headers as Record<string, string>,
      ) as {
        sequence: number;
      };
      expect(payload.sequence).toBe(Number(request.headers['trailmark-sequence']));
    }
  });

  it('delivers over HTTPS to a receiver with a private CA given in the config, and refuses it without', async () => {
    const cert = selfSignedCertificate();
    const t = await app();
    const r = await startHttpReceiver(undefined, { tls: cert });
    open.push(r);
    const trusted = await createDestination(t, {
      name: 'https',
      kind: 'webhook',
      config: { url: `${r.url}/hook`, ca: cert.cert },
    });
    const untrusted = await createDestination(t, {
      name: 'untrusted',
      kind: 'webhook',
      config: { url: `${r.url}/hook` },
    });
    const sent = events(3);
    await ingest(t, sent);
    await drain(t, trusted.id);
    expect(deliveredEventIds(r.requests)).toEqual(sent.map((e) => e.id));
    const step = await t.deps.streams!.dispatcher.step(untrusted.id);
    expect(step.kind === 'attempted' && step.result.outcome.kind).toBe('retry');
    expect(step.kind === 'attempted' && step.result.error).toMatch(/certificate/i);
    expect(r.requests).toHaveLength(1);
  });

  it('keeps delivering after a secret rotation: both the old and the new secret verify during the overlap', async () => {
    const t = await app();
    const r = await receiver();
    const d = await createDestination(t, { name: 'SIEM', kind: 'webhook', config: { url: `${r.url}/hook` } });
    const first = (await json(t, `/v1/streams/destinations/${d.id}/rotate-secret`, { method: 'POST' })) as {
      signing_secret: string;
    };
    await ingest(t, events(2));
    await drain(t, d.id);
    const second = (await json(t, `/v1/streams/destinations/${d.id}/rotate-secret`, {
      body: { overlap_hours: 1 },
    })) as { signing_secret: string; previous_until: string };
    await ingest(t, events(2));
    await drain(t, d.id);
    const last = r.requests.at(-1) as ReceivedRequest;
    const headers = last.headers as Record<string, string>;
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(new Webhook(second.signing_secret).verify(last.body, headers)).toBeTruthy();
    expect(new Webhook(first.signing_secret).verify(last.body, headers)).toBeTruthy();
    // The first message was signed with the first secret only.
    expect(() =>
      new Webhook(second.signing_secret).verify(
        r.requests[0]!.body,
        r.requests[0]!.headers as Record<string, string>,
      ),
    ).toThrow();
  });

  it('loses nothing across a receiver that fails for a while; the retries carry the same webhook-id', async () => {
    const clock = fakeClock();
    const t = await app({ streams: { allowPrivate: '127.0.0.1', overrides: { clock, random: () => 0.5 } } });
    let failing = true;
    let failures = 0;
    const r = await receiver(() => {
      if (!failing) return { status: 204 };
      failures++;
      return { status: 503, body: 'maintenance' };
    });
    const d = await createDestination(t, { name: 'SIEM', kind: 'webhook', config: { url: `${r.url}/hook` } });
    const sent = events(1000);
    await ingest(t, sent.slice(0, 10));
    const dispatcher = t.deps.streams!.dispatcher;
    for (let i = 0; i < 4; i++) {
      const step = await dispatcher.step(d.id);
      if (step.kind === 'wait') clock.t += step.ms;
    }
    // More events arrive while the receiver is down; they wait behind the failing message (order).
    for (let i = 10; i < sent.length; i += 500) await ingest(t, sent.slice(i, i + 500));
    const health = (await json(t, `/v1/streams/destinations/${d.id}/health`)) as Record<string, unknown>;
    expect(health.failing_since).not.toBeNull();
    expect(String(health.last_error)).toContain('503');
    failing = false;
    await drain(t, d.id, clock);
    expect(new Set(deliveredEventIds(r.requests))).toEqual(new Set(sent.map((e) => e.id)));
    // After the recovery every event arrived exactly once, in order: only the failing message was repeated.
    expect(failures).toBeGreaterThan(1);
    expect(deliveredEventIds(r.requests.slice(failures))).toEqual(sent.map((e) => e.id));
    // Every request before recovery was the same message: one id, retried.
    const ids = webhookIds(r.requests);
    const firstId = ids[0];
    expect(ids.filter((id) => id === firstId).length).toBeGreaterThan(2);
    const bodies = r.requests.filter((x) => x.headers['webhook-id'] === firstId).map((x) => x.body);
    expect(new Set(bodies).size).toBe(1);
    const after = (await json(t, `/v1/streams/destinations/${d.id}`)) as PublicDestination;
    expect(after.health.failing_since).toBeNull();
    expect(after.health.last_success_at).not.toBeNull();
  });

  it('retries on the Svix-like schedule with full jitter for more than 24 h, then dead-letters (fake clock)', async () => {
    for (const draw of [0.5, 0.999]) {
      const clock = fakeClock();
      const t = await app({
        streams: { allowPrivate: '127.0.0.1', overrides: { clock, random: () => draw } },
      });
      const r = await receiver(() => ({ status: 500 }));
      const d = await createDestination(t, {
        name: 'down',
        kind: 'webhook',
        config: { url: `${r.url}/hook` },
      });
      await ingest(t, events(1));
      const start = clock.t;
      const times: number[] = [];
      for (let i = 0; i < 50; i++) {
        const step = await t.deps.streams!.dispatcher.step(d.id);
        if (step.kind === 'attempted') times.push(clock.t - start);
        else if (step.kind === 'wait') clock.t += step.ms;
        else break;
      }
      const gaps = times.slice(1).map((x, i) => x - (times[i] as number));
      const caps = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000];
      for (const [i, cap] of caps.entries()) expect(gaps[i]).toBe(Math.floor(cap * draw));
      expect(times[0]).toBe(0);
      expect(times.at(-1)).toBeGreaterThanOrEqual(24 * 3600_000);
      expect(times.at(-1)).toBe(28 * 3600_000);
      const dead = (await json(t, `/v1/streams/destinations/${d.id}/dead-letters`)) as {
        data: { attempts: number; last_status: number }[];
      };
      expect(dead.data).toHaveLength(1);
      expect(dead.data[0]).toMatchObject({ attempts: times.length, last_status: 500 });
      const log = (await json(t, `/v1/streams/destinations/${d.id}/deliveries`)) as {
        data: { outcome: string }[];
      };
      expect(log.data[0]?.outcome).toBe('exhausted');
      expect(log.data).toHaveLength(times.length);
    }
  });

  it('honors Retry-After on a 429', async () => {
    const clock = fakeClock();
    const t = await app({ streams: { allowPrivate: '127.0.0.1', overrides: { clock, random: () => 0 } } });
    const r = await receiver((_req, i) =>
      i === 0 ? { status: 429, headers: { 'retry-after': '120' } } : { status: 200 },
    );
    const d = await createDestination(t, {
      name: 'limited',
      kind: 'webhook',
      config: { url: `${r.url}/hook` },
    });
    await ingest(t, events(1));
    expect((await t.deps.streams!.dispatcher.step(d.id)).kind).toBe('attempted');
    const wait = await t.deps.streams!.dispatcher.step(d.id);
    expect(wait).toEqual({ kind: 'wait', ms: 120_000 });
  });

  it('410 Gone pauses the destination until an admin resumes it; nothing is lost', async () => {
    const clock = fakeClock();
    const t = await app({ streams: { allowPrivate: '127.0.0.1', overrides: { clock } } });
    let gone = true;
    const r = await receiver(() => (gone ? { status: 410 } : { status: 200 }));
    const d = await createDestination(t, { name: 'gone', kind: 'webhook', config: { url: `${r.url}/hook` } });
    const sent = events(3);
    await ingest(t, sent);
    await drain(t, d.id, clock);
    expect(r.requests).toHaveLength(1);
    const paused = (await json(t, `/v1/streams/destinations/${d.id}`)) as PublicDestination;
    expect(paused.state).toBe('paused_gone');
    expect(paused.health.last_error).toContain('410');
    // The pause is audited by the system (asynchronously, like every self-audit event).
    type Page = { data: { actor: { type: string }; outcome: { reason: string } }[] };
    let audited: Page = { data: [] };
    for (let i = 0; i < 100 && audited.data.length === 0; i++) {
      audited = (await json(
        t,
        '/v1/events?tenant=acme&source=trailmark&action=stream_destination.paused',
      )) as Page;
      if (audited.data.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(audited.data).toHaveLength(1);
    expect(audited.data[0]).toMatchObject({
      actor: { type: 'system' },
      outcome: { reason: 'receiver_gone' },
    });
    gone = false;
    const resumed = await t.request(`/v1/streams/destinations/${d.id}/resume`, { method: 'POST' });
    expect(((await resumed.json()) as PublicDestination).state).toBe('active');
    await drain(t, d.id, clock);
    expect(new Set(deliveredEventIds(r.requests))).toEqual(new Set(sent.map((e) => e.id)));
    expect(webhookIds(r.requests)[0]).toBe(webhookIds(r.requests)[1]);
  });

  it('dead-letters a 400 with the answer at once, moves on, and replays it under the same id', async () => {
    const clock = fakeClock();
    const t = await app({ streams: { allowPrivate: '127.0.0.1', overrides: { clock } } });
    let reject = true;
    const r = await receiver((_req, i) =>
      reject && i === 0 ? { status: 400, body: '{"error":"schema mismatch"}' } : { status: 200 },
    );
    const d = await createDestination(t, {
      name: 'strict',
      kind: 'webhook',
      config: { url: `${r.url}/hook` },
    });
    await ingest(t, events(2));
    await drain(t, d.id, clock);
    await ingest(t, events(2));
    await drain(t, d.id, clock);
    expect(r.requests).toHaveLength(2);
    const dead = (await json(t, `/v1/streams/destinations/${d.id}/dead-letters`)) as {
      data: { id: string; last_status: number; last_response: string; event_count: number }[];
    };
    expect(dead.data).toHaveLength(1);
    expect(dead.data[0]).toMatchObject({
      last_status: 400,
      last_response: '{"error":"schema mismatch"}',
      event_count: 2,
    });
    reject = false;
    const replay = await t.request(`/v1/streams/destinations/${d.id}/dead-letters/replay`, { body: {} });
    expect(replay.status).toBe(202);
    await drain(t, d.id, clock);
    expect(r.requests).toHaveLength(3);
    expect(r.requests[2]?.headers['webhook-id']).toBe(dead.data[0]?.id);
    expect(r.requests[2]?.body).toBe(r.requests[0]?.body);
    const after = (await json(t, `/v1/streams/destinations/${d.id}/dead-letters`)) as { data: unknown[] };
    expect(after.data).toHaveLength(0);
  });

  it('auto-pauses a destination failing for a long time, with its health', async () => {
    const clock = fakeClock();
    const t = await app({
      streams: { allowPrivate: '127.0.0.1', overrides: { clock, autoPauseAfterMs: 3600_000 } },
    });
    const r = await receiver(() => ({ status: 502 }));
    const d = await createDestination(t, {
      name: 'flaky',
      kind: 'webhook',
      config: { url: `${r.url}/hook` },
    });
    await ingest(t, events(1));
    await drain(t, d.id, clock);
    const paused = (await json(t, `/v1/streams/destinations/${d.id}`)) as PublicDestination;
    expect(paused.state).toBe('paused_failing');
    expect(paused.health.failing_since).toBe(new Date(Date.parse('2026-05-01T00:00:00Z')).toISOString());
    expect(paused.health.queued_events).toBe(1);
    // The lag is the waiting event's age on the service's clock (ingest stamps received_at with the real
    // one): two hours on, it is two hours old.
    clock.t = Date.now() + 7_200_000;
    const later = (await json(t, `/v1/streams/destinations/${d.id}/health`)) as { lag_seconds: number };
    expect(later.lag_seconds).toBeGreaterThan(7_000);
    expect(later.lag_seconds).toBeLessThanOrEqual(7_300);
  });

  it('replays a time range and sends a test event through the same queue', async () => {
    const clock = fakeClock();
    const t = await app({ streams: { allowPrivate: '127.0.0.1', overrides: { clock } } });
    const r = await receiver();
    const before = events(5);
    await ingest(t, before);
    const d = await createDestination(t, { name: 'late', kind: 'webhook', config: { url: `${r.url}/hook` } });
    await drain(t, d.id, clock);
    expect(r.requests).toHaveLength(0);
    const replay = await t.request(`/v1/streams/destinations/${d.id}/replay`, {
      body: { from: '2026-04-01T00:00:00Z', to: '2026-04-01T00:00:03Z' },
    });
    expect(await replay.json()).toEqual({ events: 3, messages: 1, truncated: false });
    const test = await t.request(`/v1/streams/destinations/${d.id}/test`, { method: 'POST' });
    expect(test.status).toBe(202);
    await drain(t, d.id, clock);
    expect(deliveredEventIds(r.requests)).toHaveLength(4);
    expect(deliveredEventIds(r.requests).slice(0, 3)).toEqual(before.slice(0, 3).map((e) => e.id));
    expect(r.requests[1]?.body).toContain('stream_destination.tested');
  });
});

describe('replay for a receiver that was down', () => {
  it('re-sends everything from a time on when "to" is left out', async () => {
    const clock = fakeClock();
    const t = await app({ streams: { allowPrivate: '127.0.0.1', overrides: { clock } } });
    const r = await receiver();
    const before = events(5);
    await ingest(t, before);
    const d = await createDestination(t, { name: 'late', kind: 'webhook', config: { url: `${r.url}/hook` } });
    const replay = await t.request(`/v1/streams/destinations/${d.id}/replay`, {
      body: { from: '2026-04-01T00:00:02Z' },
    });
    expect(replay.status, await replay.clone().text()).toBe(202);
    expect(await replay.json()).toEqual({ events: 3, messages: 1, truncated: false });
    await drain(t, d.id, clock);
    expect(deliveredEventIds(r.requests)).toEqual(before.slice(2).map((e) => e.id));
  });

  it('re-sends everything after the sequence the receiver last processed (a cursor), in order', async () => {
    const clock = fakeClock();
    const t = await app({ streams: { allowPrivate: '127.0.0.1', overrides: { clock } } });
    const r = await receiver();
    const d = await createDestination(t, { name: 'SIEM', kind: 'webhook', config: { url: `${r.url}/hook` } });
    const batches = [events(2), events(3), events(2)];
    for (const batch of batches) {
      await ingest(t, batch);
      await drain(t, d.id, clock);
    }
    const sequences = r.requests.map((x) => (JSON.parse(x.body) as { sequence: number }).sequence);
    expect(sequences).toEqual([1, 2, 3]);
    // The receiver lost what came after sequence 1 and asks for it again.
    const replay = await t.request(`/v1/streams/destinations/${d.id}/replay`, {
      body: { after_sequence: 1 },
    });
    expect(replay.status, await replay.clone().text()).toBe(202);
    expect(await replay.json()).toEqual({ events: 5, messages: 1, truncated: false, from_sequence: 2 });
    await drain(t, d.id, clock);
    const again = r.requests.slice(3);
    expect(deliveredEventIds(again)).toEqual([...batches[1]!, ...batches[2]!].map((e) => e.id));
    expect(again.map((x) => (JSON.parse(x.body) as { sequence: number }).sequence)).toEqual([4]);
    // Nothing after the newest sequence: nothing to send.
    const none = await t.request(`/v1/streams/destinations/${d.id}/replay`, { body: { after_sequence: 4 } });
    expect(await none.json()).toMatchObject({ events: 0, messages: 0 });
  });

  it('refuses a cursor whose messages are past the delivery log (409), and bad bodies with the field path', async () => {
    const clock = fakeClock(Date.now());
    const t = await app({ streams: { allowPrivate: '127.0.0.1', overrides: { clock } } });
    const r = await receiver();
    const d = await createDestination(t, { name: 'SIEM', kind: 'webhook', config: { url: `${r.url}/hook` } });
    await ingest(t, events(2));
    await drain(t, d.id, clock);
    clock.t += 8 * 86_400_000;
    t.deps.streams!.prune();
    const old = await t.request(`/v1/streams/destinations/${d.id}/replay`, { body: { after_sequence: 0 } });
    expect(old.status).toBe(409);
    const error = ((await old.json()) as { error: { code: string; details: { path: string }[] } }).error;
    expect(error.code).toBe('CONFLICT');
    expect(error.details[0]?.path).toBe('after_sequence');
    for (const [body, path] of [
      [{}, 'from'],
      [{ to: '2026-04-01T00:00:00Z' }, 'from'],
      [{ from: '2026-04-01T00:00:00Z', after_sequence: 3 }, 'after_sequence'],
      [{ after_sequence: -1 }, 'after_sequence'],
      [{ from: '2026-04-02T00:00:00Z', to: '2026-04-01T00:00:00Z' }, 'to'],
    ] as const) {
      const res = await t.request(`/v1/streams/destinations/${d.id}/replay`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      const e = ((await res.json()) as { error: { code: string; details: { path: string }[] } }).error;
      expect(e.code).toBe('VALIDATION_FAILED');
      expect(e.details.map((x) => x.path)).toContain(path);
    }
  });
});

describe('bounded history', () => {
  it('keeps the delivery log 7 days and prunes the stream log behind every cursor', async () => {
    const clock = fakeClock(Date.now());
    const t = await app({ streams: { allowPrivate: '127.0.0.1', overrides: { clock } } });
    const r = await receiver();
    const d = await createDestination(t, { name: 'SIEM', kind: 'webhook', config: { url: `${r.url}/hook` } });
    await ingest(t, events(3));
    await drain(t, d.id, clock);
    const service = t.deps.streams!;
    expect(
      ((await json(t, `/v1/streams/destinations/${d.id}/deliveries`)) as { data: unknown[] }).data,
    ).toHaveLength(1);
    expect(service.prune().log).toBeGreaterThan(0);
    expect(service.log.read('acme', 0, service.log.head(), 100)).toEqual([]);
    clock.t += 8 * 86_400_000;
    expect(service.prune().history).toBe(2);
    expect(
      ((await json(t, `/v1/streams/destinations/${d.id}/deliveries`)) as { data: unknown[] }).data,
    ).toHaveLength(0);
  });
});

describe('restart after a restore', () => {
  it('brings back a cursor found past the stream log (events.db older than control.db), so nothing new is skipped', async () => {
    const t = await app();
    const r = await receiver();
    const d = await createDestination(t, { name: 'SIEM', kind: 'webhook', config: { url: `${r.url}/hook` } });
    const service = t.deps.streams!;
    service.store.updateDestination(d.id, { cursor: service.log.head() + 1000 });
    // What start() does first.
    service.dispatcher.recoverCursors();
    expect(service.record(d.id, 'acme').cursor).toBe(service.log.head());
    const sent = events(3);
    await ingest(t, sent);
    await drain(t, d.id);
    expect(deliveredEventIds(r.requests)).toEqual(sent.map((e) => e.id));
  });
});

describe('a slow receiver', () => {
  it('answering after 30 s holds up neither ingest nor the other destinations', async () => {
    const t = await app({ streams: { allowPrivate: '127.0.0.1', overrides: { idlePollMs: 20 } } });
    const slow = await receiver(() => ({ status: 200, delayMs: 30_000 }));
    const fast = await receiver();
    const hec = await receiver();
    const s = await createDestination(t, {
      name: 'slow',
      kind: 'webhook',
      config: { url: `${slow.url}/hook` },
    });
    await createDestination(t, { name: 'fast', kind: 'webhook', config: { url: `${fast.url}/hook` } });
    await createDestination(t, {
      name: 'splunk',
      kind: 'splunk-hec',
      config: { url: hec.url },
      secrets: { token: 'tok' },
    });
    t.deps.streams!.start();
    const sent = events(300);
    for (let i = 0; i < sent.length; i += 50) await ingest(t, sent.slice(i, i + 50));
    await until(() => deliveredEventIds(fast.requests).length === 300, 'the fast webhook');
    await until(() => hec.requests.flatMap((x) => x.body.split('\n')).length === 300, 'splunk');
    // The slow receiver got its first message and is still sitting on it.
    expect(slow.requests).toHaveLength(1);
    const health = (await json(t, `/v1/streams/destinations/${s.id}`)) as PublicDestination;
    expect(health.health.last_success_at).toBeNull();
  });

  it('a destination waiting to retry is not woken by every ingest; an idle one still is', async () => {
    // No idle polling: a loop runs again only when it is woken (or its wait ends).
    const t = await app({ streams: { allowPrivate: '127.0.0.1', overrides: { idlePollMs: 3_600_000 } } });
    const down = await receiver(() => ({ status: 503, headers: { 'retry-after': '3600' } }));
    const healthy = await receiver();
    const d = await createDestination(t, {
      name: 'down',
      kind: 'webhook',
      config: { url: `${down.url}/hook` },
    });
    await createDestination(t, { name: 'up', kind: 'webhook', config: { url: `${healthy.url}/hook` } });
    const service = t.deps.streams!;
    const reads: string[] = [];
    const nextPending = service.store.nextPending.bind(service.store);
    service.store.nextPending = (id) => {
      reads.push(id);
      return nextPending(id);
    };
    await ingest(t, events(100));
    service.start();
    await until(() => service.store.listAttempts(d.id, { limit: 10 }).length === 1, 'the failed attempt');
    await until(() => deliveredEventIds(healthy.requests).length === 100, 'the healthy destination');
    // The failing destination now waits an hour (Retry-After). Ingest goes on: each append wakes the
    // loops, and a waiting one used to re-read (and parse) its pending message every time.
    const before = reads.filter((id) => id === d.id).length;
    for (let i = 0; i < 10; i++) await ingest(t, events(10));
    // Woken by the appends (it would otherwise sleep an hour), the idle one delivers them.
    await until(() => deliveredEventIds(healthy.requests).length === 200, 'the woken healthy destination');
    expect(reads.filter((id) => id === d.id).length - before).toBeLessThanOrEqual(1);
    expect(down.requests).toHaveLength(1);
  });
});

describe('other kinds against real receivers', () => {
  it('splunk-hec: batches to /services/collector/event with the Splunk token', async () => {
    const t = await app();
    const r = await receiver(() => ({ status: 200, body: '{"text":"Success","code":0}' }));
    const d = await createDestination(t, {
      name: 'splunk',
      kind: 'splunk-hec',
      config: { url: r.url, index: 'audit' },
      secrets: { token: 'c0ffee00-1111-2222-3333-444455556666' },
    });
    expect(JSON.stringify(d.secrets)).not.toContain('c0ffee00-1111');
    const sent = events(20);
    await ingest(t, sent);
    await drain(t, d.id);
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]?.path).toBe('/services/collector/event');
    expect(r.requests[0]?.headers.authorization).toBe('Splunk c0ffee00-1111-2222-3333-444455556666');
    const objects = r.requests[0]!.body.split('\n').map((l) => JSON.parse(l));
    expect(objects.map((o) => o.event.id)).toEqual(sent.map((e) => e.id));
    expect(objects[0]).toMatchObject({ index: 'audit', sourcetype: 'trailmark:audit', source: 'trailmark' });
    const metrics = await (await t.request('/metrics')).text();
    expect(metrics).toContain(
      `trailmark_stream_delivered_events_total{destination="${d.id}",kind="splunk-hec"} 20`,
    );
    expect(metrics).toContain(`trailmark_stream_queued_events{destination="${d.id}",kind="splunk-hec"} 0`);
  });

  it('splunk-hec: a refused token (403) pauses the destination with its queue kept, not 20 dead letters', async () => {
    const clock = fakeClock();
    const t = await app({ streams: { allowPrivate: '127.0.0.1', overrides: { clock } } });
    const good = 'Splunk 0a0a0a0a-2222-3333-4444-555566667777';
    const r = await receiver((req) =>
      req.headers.authorization === good
        ? { status: 200, body: '{"text":"Success","code":0}' }
        : { status: 403, body: '{"text":"Invalid token","code":4}' },
    );
    const d = await createDestination(t, {
      name: 'splunk',
      kind: 'splunk-hec',
      config: { url: r.url },
      secrets: { token: 'revoked0-1111-2222-3333-444455556666' },
    });
    const sent = events(20);
    await ingest(t, sent.slice(0, 10));
    await ingest(t, sent.slice(10));
    await drain(t, d.id, clock);
    expect(r.requests).toHaveLength(1);
    const paused = (await json(t, `/v1/streams/destinations/${d.id}`)) as PublicDestination;
    expect(paused.state).toBe('paused_unauthorized');
    expect(paused.health.last_error).toContain('403');
    const dead = (await json(t, `/v1/streams/destinations/${d.id}/dead-letters`)) as { data: unknown[] };
    expect(dead.data).toEqual([]);
    type Page = { data: { outcome: { reason: string } }[] };
    let audited: Page = { data: [] };
    for (let i = 0; i < 100 && audited.data.length === 0; i++) {
      audited = (await json(
        t,
        '/v1/events?tenant=acme&source=trailmark&action=stream_destination.paused',
      )) as Page;
      if (audited.data.length === 0) await new Promise((done) => setTimeout(done, 20));
    }
    expect(audited.data.map((e) => e.outcome.reason)).toEqual(['credentials_refused']);
    // The admin fixes the token and resumes: every event arrives, none was lost while paused.
    const patched = await t.request(`/v1/streams/destinations/${d.id}`, {
      method: 'PATCH',
      body: { secrets: { token: good.slice('Splunk '.length) } },
    });
    expect(patched.status).toBe(200);
    await t.request(`/v1/streams/destinations/${d.id}/resume`, { method: 'POST' });
    await drain(t, d.id, clock);
    const delivered = r.requests
      .filter((x) => x.headers.authorization === good)
      .flatMap((x) => x.body.split('\n').map((l) => JSON.parse(l).event.id));
    // The destination also streams Trailmark's own audit events of the tenant (the pause, the fix).
    const ids = new Set(sent.map((e) => e.id));
    expect(delivered.filter((id) => ids.has(id))).toEqual(sent.map((e) => e.id));
  });

  it('slack: a readable message with a link to the event, paced to one a second', async () => {
    const clock = fakeClock();
    const t = await app({
      streams: { allowPrivate: '127.0.0.1', publicUrl: 'https://audit.acme.example', overrides: { clock } },
    });
    const r = await receiver(() => ({ status: 200, body: 'ok' }));
    const d = await createDestination(t, {
      name: 'slack',
      kind: 'slack',
      config: {},
      secrets: { webhook_url: `${r.url}/services/T0/B0/secret` },
    });
    const dispatcher = t.deps.streams!.dispatcher;
    const worker = { lastSentAt: 0 };
    await ingest(t, events(1));
    expect((await dispatcher.step(d.id, worker)).kind).toBe('attempted');
    await ingest(t, events(60));
    const paced = await dispatcher.step(d.id, worker);
    expect(paced).toEqual({ kind: 'wait', ms: 1000 });
    clock.t += 1000;
    expect((await dispatcher.step(d.id, worker)).kind).toBe('attempted');
    const single = JSON.parse(r.requests[0]!.body) as { text: string };
    expect(single.text).toContain('Ana Lima');
    expect(single.text).toMatch(
      /<https:\/\/audit\.acme\.example\/events\/evt_stream_\d+\?range=all\|view event>/,
    );
    const digest = JSON.parse(r.requests[1]!.body) as { text: string };
    expect(digest.text).toBe('50 audit events');
  });

  it("slack: a 429 waits for Slack's Retry-After, then the same message goes again", async () => {
    const clock = fakeClock();
    const t = await app({ streams: { allowPrivate: '127.0.0.1', overrides: { clock, random: () => 0 } } });
    const r = await receiver((_req, i) =>
      i === 0 ? { status: 429, headers: { 'retry-after': '30' }, body: 'rate_limited' } : { status: 200 },
    );
    const d = await createDestination(t, {
      name: 'slack',
      kind: 'slack',
      config: {},
      secrets: { webhook_url: `${r.url}/services/T0/B0/secret` },
    });
    const dispatcher = t.deps.streams!.dispatcher;
    const worker = { lastSentAt: 0 };
    await ingest(t, events(1));
    const first = await dispatcher.step(d.id, worker);
    expect(first.kind === 'attempted' && first.result.outcome).toEqual({
      kind: 'retry',
      retryAfterMs: 30_000,
    });
    expect(await dispatcher.step(d.id, worker)).toEqual({ kind: 'wait', ms: 30_000 });
    clock.t += 30_000;
    expect((await dispatcher.step(d.id, worker)).kind).toBe('attempted');
    expect(r.requests).toHaveLength(2);
    expect(r.requests[1]?.body).toBe(r.requests[0]?.body);
    const metrics = await (await t.request('/metrics')).text();
    expect(metrics).toContain(`trailmark_stream_failed_events_total{destination="${d.id}",kind="slack"} 1`);
    expect(metrics).toContain(
      `trailmark_stream_delivered_events_total{destination="${d.id}",kind="slack"} 1`,
    );
  });

  it('syslog over TCP and over TLS (self-signed receiver): RFC 5424 frames, one per event', async () => {
    const cert = selfSignedCertificate();
    const plain = await startSyslogReceiver();
    const secure = await startSyslogReceiver({ tls: cert });
    open.push(plain, secure);
    const t = await app();
    const a = await createDestination(t, {
      name: 'tcp',
      kind: 'syslog',
      config: { host: '127.0.0.1', port: plain.port, tls: false },
    });
    const b = await createDestination(t, {
      name: 'tls',
      kind: 'syslog',
      config: { host: '127.0.0.1', port: secure.port, tls: true, ca: cert.cert },
    });
    const sent = events(5);
    await ingest(t, sent);
    await drain(t, a.id);
    await drain(t, b.id);
    await until(() => plain.messages.length === 5 && secure.messages.length === 5, 'syslog frames');
    for (const messages of [plain.messages, secure.messages]) {
      expect(messages.map((m) => /id="([^"]+)"/.exec(m)?.[1])).toEqual(sent.map((e) => e.id));
      expect(messages[0]).toMatch(/^<\d+>1 \S+ \S+ trailmark - record\.written \[trailmark@32473 /);
      expect(
        parseOctetCounted(Buffer.from(`${Buffer.byteLength(messages[0]!)} ${messages[0]}`)).messages,
      ).toHaveLength(1);
    }
  });

  it('syslog over TLS refuses a receiver whose certificate it does not trust', async () => {
    const cert = selfSignedCertificate();
    const secure = await startSyslogReceiver({ tls: cert });
    open.push(secure);
    const t = await app();
    const d = await createDestination(t, {
      name: 'tls',
      kind: 'syslog',
      config: { host: '127.0.0.1', port: secure.port, tls: true },
    });
    await ingest(t, events(1));
    const step = await t.deps.streams!.dispatcher.step(d.id);
    expect(step.kind).toBe('attempted');
    expect(step.kind === 'attempted' && step.result.outcome.kind).toBe('retry');
    expect(secure.messages).toHaveLength(0);
  });
});

describe('checkpoints pushed to a destination (evidence off the machine)', () => {
  it('sends each signed checkpoint to destinations that asked, whatever their filter, and stores no event', async () => {
    const t = await app();
    const r = await receiver();
    const other = await receiver();
    const d = await createDestination(t, {
      name: 'vault',
      kind: 'webhook',
      config: { url: `${r.url}/hook` },
      checkpoints: true,
    });
    expect(d.checkpoints).toBe(true);
    const plain = await createDestination(t, {
      name: 'siem',
      kind: 'webhook',
      config: { url: `${other.url}/hook` },
    });
    expect(plain.checkpoints).toBe(false);
    await ingest(t, events(3));
    const made = await t.request('/v1/checkpoints?tenant=acme', { method: 'POST' });
    expect(made.status).toBe(201);
    const checkpoint = (await made.json()) as { tree_size: number; note: string };
    await drain(t, d.id);
    await drain(t, plain.id);
    const pushed = r.requests
      .flatMap((x) => (JSON.parse(x.body) as { data: AuditEventLike[] }).data)
      .filter((e) => e.action === 'checkpoint.signed');
    expect(pushed).toHaveLength(1);
    expect(pushed[0]?.metadata).toMatchObject({ tree_size: checkpoint.tree_size, note: checkpoint.note });
    const keys = (await json(t, '/v1/checkpoints/public-key?tenant=acme')) as { current: string };
    expect(verifyNote(String(pushed[0]?.metadata.note), [parseVerifierKey(keys.current)!]).ok).toBe(true);
    expect(deliveredEventIds(other.requests)).toHaveLength(3);
    expect(other.requests.some((x) => x.body.includes('checkpoint.signed'))).toBe(false);
    // A message, not an event: the log it describes does not grow by it.
    const stored = (await json(t, '/v1/events?tenant=acme&source=trailmark&limit=500')) as {
      data: AuditEventLike[];
    };
    expect(stored.data.length).toBeGreaterThan(0);
    expect(stored.data.filter((e) => e.action === 'checkpoint.signed')).toEqual([]);
    // Turned off, the next checkpoint stays home.
    await t.request(`/v1/streams/destinations/${d.id}`, { method: 'PATCH', body: { checkpoints: false } });
    await ingest(t, events(1));
    expect((await t.request('/v1/checkpoints?tenant=acme', { method: 'POST' })).status).toBe(201);
    await drain(t, d.id);
    expect(r.requests.filter((x) => x.body.includes('checkpoint.signed'))).toHaveLength(1);
  });
});

interface AuditEventLike {
  action: string;
  metadata: Record<string, unknown>;
}
