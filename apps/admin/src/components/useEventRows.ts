import { useCallback, useEffect, useRef, useState } from 'react';
import { type AuditEvent, api, type EventPage } from '../api.ts';

const PAGE = 200;

export interface Rows {
  rows: AuditEvent[];
  loading: boolean;
  error: string | null;
  done: boolean;
  /** Loads the next cursor page; a no-op while one is in flight or at the end. */
  more(): void;
  retry(): void;
  /** Puts events (newest first) above the loaded rows, skipping any already there (live tail). */
  prepend(events: AuditEvent[]): void;
}

/**
 * Newest-first rows of one view, fetched page by page with the API's keyset cursor. A new query drops
 * what was loaded and aborts the request in flight, so a late answer never paints an old view.
 */
export function useEventRows(query: string): Rows {
  const [state, setState] = useState<{ rows: AuditEvent[]; cursor: string | null; done: boolean }>({
    rows: [],
    cursor: null,
    done: false,
  });
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inFlight = useRef<AbortController | null>(null);
  const current = useRef(query);

  const fetchPage = useCallback(
    (cursor: string | null) => {
      inFlight.current?.abort();
      const ctrl = new AbortController();
      inFlight.current = ctrl;
      setLoading(true);
      setError(null);
      const q = new URLSearchParams(query);
      q.set('limit', String(PAGE));
      if (cursor) q.set('cursor', cursor);
      api<EventPage>(`/v1/events?${q}`, { signal: ctrl.signal })
        .then((page) => {
          if (ctrl.signal.aborted || current.current !== query) return;
          setState((s) => ({
            rows: cursor ? [...s.rows, ...page.data] : page.data,
            cursor: page.next_cursor,
            done: !page.next_cursor,
          }));
          setLoading(false);
        })
        .catch((err: Error) => {
          if (ctrl.signal.aborted) return;
          setError(err.message);
          setLoading(false);
        });
    },
    [query],
  );

  useEffect(() => {
    current.current = query;
    setState({ rows: [], cursor: null, done: false });
    fetchPage(null);
    return () => inFlight.current?.abort();
  }, [query, fetchPage]);

  const loadingRef = useRef(loading);
  loadingRef.current = loading;
  const more = useCallback(() => {
    if (loadingRef.current || state.done || !state.cursor || error) return;
    fetchPage(state.cursor);
  }, [state, error, fetchPage]);
  const retry = useCallback(() => fetchPage(state.rows.length ? state.cursor : null), [fetchPage, state]);

  const prepend = useCallback((events: AuditEvent[]) => {
    setState((s) => {
      const have = new Set(s.rows.slice(0, 500).map((r) => r.id));
      const fresh = events.filter((e) => !have.has(e.id));
      return fresh.length ? { ...s, rows: [...fresh, ...s.rows] } : s;
    });
  }, []);

  return { rows: state.rows, loading, error, done: state.done, more, retry, prepend };
}
