import { startHttpReceiver } from '@trailmark/server/stream-receivers';
import { describe, expect, it } from 'vitest';
import { api, startServerProcess } from './helpers.ts';

const event = (n: number) => ({
  id: `evt_stream_crash_${n}`,
  tenant: 'crash',
  source: 'stream-test',
  action: 'record.written',
  occurred_at: new Date(Date.parse('2026-06-01T00:00:00Z') + n * 1000).toISOString(),
  actor: { type: 'service', id: 'client' },
  targets: [{ type: 'record', id: `r-${n}` }],
  outcome: { result: 'success' },
});

interface Delivery {
  webhookId: string;
  events: string[];
  /** Answered 200 (after the restart); before the kill the receiver holds every request unanswered. */
  answered: boolean;
}

describe('stream delivery durability', () => {
  it('kill -9 of Trailmark while events stream loses no acknowledged event; duplicates keep their webhook-id', async () => {
    const deliveries: Delivery[] = [];
    let answering = false;
    // Before the kill the receiver takes messages and never answers: the one in flight when the server
    // dies was received but not confirmed, and everything behind it is queued.
    const receiver = await startHttpReceiver((req) => {
      const body = JSON.parse(req.body) as { data: { id: string; source: string }[] };
      deliveries.push({
        webhookId: String(req.headers['webhook-id']),
        events: body.data.filter((e) => e.source === 'stream-test').map((e) => e.id),
        answered: answering,
      });
      return answering ? { status: 200 } : { status: 200, delayMs: 600_000 };
    });
    const env = { TRAILMARK_STREAM_ALLOW_PRIVATE: '127.0.0.1' };
    const server = await startServerProcess({ env });
    try {
      const created = await api(server.url, '/v1/streams/destinations', {
        body: { tenant: 'crash', name: 'receiver', kind: 'webhook', config: { url: `${receiver.url}/hook` } },
      });
      expect(created.status).toBe(201);
      const acknowledged: string[] = [];
      let n = 0;
      let killed = false;
      const sender = (async () => {
        while (!killed) {
          const batch = Array.from({ length: 20 }, () => event(n++));
          try {
            const res = await api(server.url, '/v1/events', { body: { events: batch } });
            if (res.status < 300) acknowledged.push(...batch.map((e) => e.id));
          } catch {
            return;
          }
        }
      })();
      while (acknowledged.length < 2000) await new Promise((r) => setTimeout(r, 10));
      killed = true;
      server.child.kill('SIGKILL');
      await sender;
      expect(deliveries.filter((d) => d.answered)).toEqual([]);
      answering = true;

      const restarted = await startServerProcess({ dataDir: server.dataDir, env });
      try {
        const delivered = () => new Set(deliveries.filter((d) => d.answered).flatMap((d) => d.events));
        for (let i = 0; i < 1200 && acknowledged.some((id) => !delivered().has(id)); i++)
          await new Promise((r) => setTimeout(r, 50));
        const got = delivered();
        expect(acknowledged.filter((id) => !got.has(id))).toEqual([]);
        // An event resent after the crash came in the very message it was queued in: same webhook-id.
        const idsOf = new Map<string, Set<string>>();
        for (const d of deliveries)
          for (const id of d.events) idsOf.set(id, (idsOf.get(id) ?? new Set()).add(d.webhookId));
        expect([...idsOf.values()].filter((ids) => ids.size > 1)).toEqual([]);
        // The message in flight at the kill came again after the restart, with the same id and events.
        const unconfirmed = deliveries.filter((d) => !d.answered);
        expect(unconfirmed.length).toBeGreaterThan(0);
        for (const d of unconfirmed) {
          const again = deliveries.find((x) => x.answered && x.webhookId === d.webhookId);
          expect(again?.events).toEqual(d.events);
        }
        // Per destination, sequences (and so messages) arrive in order.
        const firstSeen = deliveries.map((d) => d.webhookId).filter((id, i, all) => all.indexOf(id) === i);
        expect(firstSeen).toEqual([...firstSeen].sort());
      } finally {
        await restarted.stop();
      }
    } finally {
      await receiver.close();
    }
  }, 180_000);
});
