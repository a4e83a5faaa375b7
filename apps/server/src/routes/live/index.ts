import { z } from '@hono/zod-openapi';
import {
  type AuditEvent,
  ErrorCode,
  type EventFilter,
  eventMatchesFilter,
  iterateEvents,
  queryValue,
  RateLimitedError,
  ValidationError,
} from '@trailmark/core';
import { streamSSE } from 'hono/streaming';
import { auditView } from '../../accounts/view-audit.ts';
import type { AppDeps } from '../../deps.ts';
import { filterQuery, readFilter } from '../../filters.ts';
import { READ_ERRORS } from '../../openapi/errors.ts';
import { createRouter, defineRoute } from '../define.ts';

/** Events waiting for a slow reader before the stream gives up and tells it to resume from the store. */
export const LIVE_QUEUE_MAX = 1000;
/** A resume replays at most this many events; beyond it the client is told to reload the view. */
export const LIVE_RESUME_MAX = 1000;
/** A resume reads at most this many stored events looking for the ones after the cursor. */
export const LIVE_RESUME_SCAN_MAX = 20_000;
/**
 * A resume looks back this far in occurred_at from the last event's received_at: events that arrive
 * more than this late (a backfill of old activity) are in the store but not replayed to a tail.
 */
export const LIVE_RESUME_SKEW_MS = 60 * 60_000;

/** The SSE id of an event: where it was received, then its id, so a resume knows what came after. */
export function liveCursor(e: AuditEvent): string {
  return `${e.received_at}~${e.id}`;
}

function parseLiveCursor(value: string | undefined): { at: string; id: string } | undefined {
  if (!value) return undefined;
  const cut = value.indexOf('~');
  const at = value.slice(0, cut);
  if (cut < 1 || Number.isNaN(Date.parse(at)) || value.length > 300)
    throw new ValidationError(
      'invalid Last-Event-ID',
      [{ path: 'Last-Event-ID', message: 'send back the id of the last event received' }],
      ErrorCode.INVALID_CURSOR,
    );
  return { at, id: value.slice(cut + 1) };
}

const after = (e: AuditEvent, c: { at: string; id: string }) =>
  e.received_at > c.at || (e.received_at === c.at && e.id > c.id);
const byReceipt = (a: AuditEvent, b: AuditEvent) =>
  a.received_at < b.received_at ? -1 : a.received_at > b.received_at ? 1 : a.id < b.id ? -1 : 1;

/** Stored events received after the cursor, oldest first; `more` when there were too many to replay. */
async function catchUp(
  deps: AppDeps,
  filter: EventFilter,
  cursor: { at: string; id: string },
): Promise<{ events: AuditEvent[]; more: boolean }> {
  const since = new Date(Date.parse(cursor.at) - LIVE_RESUME_SKEW_MS).toISOString();
  const from = filter.from && filter.from > since ? filter.from : since;
  const found: AuditEvent[] = [];
  let more = false;
  let read = 0;
  scan: for await (const page of iterateEvents(deps.storage, { ...filter, from }, 500)) {
    for (const e of page) {
      if (++read > LIVE_RESUME_SCAN_MAX) {
        more = true;
        break scan;
      }
      if (!after(e, cursor)) continue;
      if (found.length === LIVE_RESUME_MAX) {
        more = true;
        break scan;
      }
      found.push(e);
    }
  }
  return { events: found.sort(byReceipt), more };
}

/**
 * GET /v1/events/live: Server-Sent Events with the events stored from now on that match the filters of
 * GET /v1/events, tenant-scoped like every read. Each event is one `event: audit` message whose id is a
 * resume cursor; a reconnect with `Last-Event-ID` first replays what was stored in between.
 */
export function liveRoutes(deps: AppDeps) {
  const app = createRouter();

  const live = defineRoute(
    { scope: 'read', errors: [...READ_ERRORS, ErrorCode.RATE_LIMITED] },
    {
      method: 'get',
      path: '/',
      operationId: 'liveEvents',
      summary: 'Live tail: new events as Server-Sent Events',
      description: [
        'A `text/event-stream` of the events stored from now on that match the filters of `GET /v1/events` (tenant-scoped like every read). Works with a session cookie (`EventSource` in a browser) or a bearer token (`curl -N`).',
        'Messages: `event: ready` once at the start (with `retry: 3000`); `event: audit` per event, `data` the event JSON, `id` a resume cursor (`<received_at>~<event id>`); `event: gap` when a resume had more than 1,000 events to replay (reload the view); `event: overflow` just before the server ends a stream whose reader fell more than 1,000 events behind (reconnect to resume). A comment line `: heartbeat` every 15 s keeps proxies from closing an idle stream.',
        'Resume: reconnect with the header `Last-Event-ID` (EventSource does so by itself) or `?last_event_id=`; the events stored since are replayed oldest first before live ones, each once. The replay looks back one hour in `occurred_at` from the cursor, so an event that arrives more than an hour after it happened is in the store but not replayed.',
        'At most 100 streams are open per server instance; the next one gets 429 with Retry-After. `limit` and `cursor` are refused. Each instance streams what it stored itself; behind a load balancer with several instances, tail one instance or poll GET /v1/events.',
      ].join('\n\n'),
      tags: ['Query'],
      request: {
        // The cursor's form is checked by parseLiveCursor (INVALID_CURSOR, as before), not here.
        query: filterQuery(deps).extend({
          last_event_id: queryValue().optional().meta({
            description: 'Resume after this event (the `id` of the last message received); the header wins.',
            type: 'string',
          }),
        }),
        headers: z.object({
          'last-event-id': z.string().optional().openapi({
            description:
              'Resume after this event: `Last-Event-ID`, as EventSource sends it on reconnect (named in lower case, as the validator reads headers).',
          }),
        }),
      },
      responses: {
        200: {
          description: 'The stream; it stays open until the client hangs up.',
          content: {
            'text/event-stream': {
              schema: z.string(),
              example:
                'event: ready\ndata: {"resumed":false}\nretry: 3000\n\nevent: audit\ndata: {"id":"evt_01J...","action":"file.deleted",...}\nid: 2026-04-14T10:32:15.120Z~evt_01J...\n\n: heartbeat\n\n',
            },
          },
        },
      },
    },
  );

  app.openapi(live, async (c) => {
    // EventSource sends Last-Event-ID as a header on reconnect; a query parameter serves clients that
    // cannot set headers on their first request.
    const {
      filter: scoped,
      tenant,
      own,
    } = await readFilter(c, deps, {
      own: ['last_event_id'],
      paging: 'none',
      what: 'a live stream',
      hint: 'not accepted here; use Last-Event-ID to resume',
      actionsMustExist: false,
    });
    const resume = parseLiveCursor(c.req.header('last-event-id') ?? own.last_event_id);
    const registry = deps.plugins.registry;
    if (!deps.live.claim())
      throw new RateLimitedError(
        `${deps.live.maxStreams} live streams are open, the most this server keeps; retry shortly`,
        5,
      );
    try {
      await auditView(c, deps, { kind: 'search', tenants: tenant, query: new URL(c.req.url).search });
    } catch (err) {
      deps.live.release();
      throw err;
    }
    const matches = (e: AuditEvent) =>
      eventMatchesFilter(e, scoped, registry.action(e.source, e.action)?.label);

    return streamSSE(c, async (stream) => {
      const queue: AuditEvent[] = [];
      let overflow = false;
      let wake: (() => void) | undefined;
      const unsubscribe = deps.live.subscribe((events) => {
        for (const e of events) if (matches(e)) queue.push(e);
        if (queue.length > LIVE_QUEUE_MAX) overflow = true;
        wake?.();
      });
      stream.onAbort(() => wake?.());
      try {
        // Subscribed first, then the backlog: nothing stored in between is missed; `sent` drops doubles.
        await stream.writeSSE({
          event: 'ready',
          data: JSON.stringify({ resumed: Boolean(resume) }),
          retry: 3000,
        });
        const sent = new Set<string>();
        const send = async (e: AuditEvent) => {
          if (sent.has(e.id)) return;
          sent.add(e.id);
          if (sent.size > 10_000) sent.clear();
          await stream.writeSSE({ event: 'audit', id: liveCursor(e), data: JSON.stringify(e) });
        };
        if (resume) {
          const backlog = await catchUp(deps, scoped, resume);
          if (backlog.more)
            await stream.writeSSE({
              event: 'gap',
              data: JSON.stringify({ message: `more than ${LIVE_RESUME_MAX} events since; reload the view` }),
            });
          for (const e of backlog.events) await send(e);
        }
        while (!stream.aborted && !stream.closed) {
          if (overflow) {
            // The reader is too slow for this stream: say so and end; it resumes from the store.
            await stream.writeSSE({
              event: 'overflow',
              data: JSON.stringify({ message: 'too many events for this reader; reconnect to resume' }),
            });
            break;
          }
          for (let e = queue.shift(); e; e = queue.shift()) await send(e);
          const beat = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(true), deps.live.heartbeatMs);
            wake = () => {
              clearTimeout(timer);
              resolve(false);
            };
          });
          wake = undefined;
          // A comment line: ignored by EventSource, keeps proxies and load balancers from timing out.
          if (beat && !stream.aborted) await stream.write(': heartbeat\n\n');
        }
      } finally {
        unsubscribe();
        deps.live.release();
      }
    });
  });

  return app;
}
