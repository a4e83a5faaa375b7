import { type AuditEvent, auth } from './api.ts';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'refused';

export interface LiveHandlers {
  /** New matching events, oldest first, batched (at most one call per 100 ms). */
  onEvents(events: AuditEvent[]): void;
  onState(state: LiveState, detail?: string): void;
  /** The server could not replay everything missed during a disconnect. */
  onGap(message: string): void;
}

/**
 * Follows GET /v1/events/live for one view. fetch rather than EventSource so an API token can be sent
 * as a header; the EventSource rules are kept: reconnect after `retry` ms with Last-Event-ID, so nothing
 * stored during a drop is lost. Returns the function that stops it.
 */
export function followLive(query: string, handlers: LiveHandlers): () => void {
  const ctrl = new AbortController();
  let lastId: string | undefined;
  let retryMs = 3000;
  let batch: AuditEvent[] = [];
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    flushTimer = undefined;
    if (batch.length === 0) return;
    const out = batch;
    batch = [];
    handlers.onEvents(out);
  };

  const handle = (block: string) => {
    let event = 'message';
    let data = '';
    let id: string | undefined;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const at = line.indexOf(':');
      const field = at < 0 ? line : line.slice(0, at);
      const value = at < 0 ? '' : line.slice(at + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data = data ? `${data}\n${value}` : value;
      else if (field === 'id') id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) retryMs = Number(value);
    }
    if (id !== undefined) lastId = id;
    if (event === 'ready') handlers.onState('live');
    else if (event === 'audit' && data) {
      batch.push(JSON.parse(data) as AuditEvent);
      flushTimer ??= setTimeout(flush, 100);
    } else if (event === 'gap') handlers.onGap((JSON.parse(data) as { message: string }).message);
  };

  (async () => {
    let first = true;
    while (!ctrl.signal.aborted) {
      handlers.onState(first ? 'connecting' : 'reconnecting');
      first = false;
      try {
        const headers = new Headers({ Accept: 'text/event-stream' });
        const token = auth.token();
        if (token) headers.set('Authorization', `Bearer ${token}`);
        if (lastId) headers.set('Last-Event-ID', lastId);
        const res = await fetch(`/v1/events/live?${query}`, {
          headers,
          credentials: 'same-origin',
          signal: ctrl.signal,
        });
        if (res.status === 401 || res.status === 403) {
          handlers.onState('refused', `the server refused the live stream (HTTP ${res.status})`);
          return;
        }
        if (res.ok && res.body) {
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value.replace(/\r\n?/g, '\n');
            for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
              handle(buffer.slice(0, cut));
              buffer = buffer.slice(cut + 2);
            }
          }
        }
      } catch {
        // A network drop or our own abort: the loop decides.
      }
      flush();
      if (ctrl.signal.aborted) return;
      await new Promise((r) => setTimeout(r, retryMs));
    }
  })();

  return () => {
    ctrl.abort();
    if (flushTimer) clearTimeout(flushTimer);
  };
}
