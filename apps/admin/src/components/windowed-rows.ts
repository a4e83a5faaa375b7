import { useCallback, useEffect, useReducer, useRef } from 'react';
import { type AuditEvent, api, type EventPage } from '../api.ts';

/** Rows per window; windows are fetched around the viewport and dropped far from it. */
export const WINDOW = 100;
/** Windows kept on each side of the visible ones; everything further is dropped (bounded memory). */
const KEEP = 8;
/** The API's largest page. */
const MAX_LIMIT = 1000;

interface HistogramResponse {
  interval_ms: number;
  buckets: { start: string; count: number }[];
}

/** Histograms of a view are asked by the chart and by seeks: one request each, shared. */
const histogramCache = new Map<string, Promise<HistogramResponse>>();
export function histogramOf(query: string): Promise<HistogramResponse> {
  let hit = histogramCache.get(query);
  if (!hit) {
    hit = api<HistogramResponse>(`/v1/histogram?${query}`);
    hit.catch(() => histogramCache.delete(query));
    histogramCache.set(query, hit);
    if (histogramCache.size > 50) histogramCache.delete(histogramCache.keys().next().value!);
  }
  return hit;
}

/** The query reading on after `cursor`, or null at the end. */
function following(query: URLSearchParams, cursor: string | null): string | null {
  if (!cursor) return null;
  const q = new URLSearchParams(query);
  q.delete('limit');
  q.set('cursor', cursor);
  return q.toString();
}

interface Window {
  rows: AuditEvent[];
  /**
   * The query of the next window: the one this window was read with plus the cursor after its last row,
   * so the next window continues without a seek. A cursor is bound to the filters it was issued for, and
   * a seek narrows `to`, so the cursor alone would not do.
   */
  next: string | null;
}

export interface Seek {
  /** Read from this instant down (`to` is exclusive), skipping `skip` rows. */
  to: string | undefined;
  skip: number;
}

/**
 * Where row `index` (newest first) of a view starts, from the store's counts per time bucket: the
 * bucket holding it, then finer histograms of that bucket until the rows to skip fit in one page. Exact,
 * as the counts are; it never reads the rows in between.
 */
export async function locate(query: URLSearchParams, index: number, signal?: AbortSignal): Promise<Seek> {
  const upper = query.get('to') ?? undefined;
  let q = new URLSearchParams(query);
  let newer = 0;
  let to = upper;
  for (let depth = 0; depth < 8; depth++) {
    const h = await histogramOf(q.toString());
    if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
    const buckets = [...h.buckets].sort((a, b) => Date.parse(b.start) - Date.parse(a.start));
    let chosen: { start: string; count: number } | undefined;
    for (const b of buckets) {
      if (newer + b.count > index) {
        chosen = b;
        break;
      }
      newer += b.count;
    }
    if (!chosen) return { to, skip: Math.max(0, index - newer) };
    const start = Date.parse(chosen.start);
    const end = new Date(start + h.interval_ms).toISOString();
    to = upper && upper < end ? upper : end;
    const skip = index - newer;
    if (skip + WINDOW <= MAX_LIMIT || h.interval_ms <= 60_000) return { to, skip };
    q = new URLSearchParams(query);
    q.set('from', chosen.start);
    q.set('to', to);
  }
  return { to, skip: Math.max(0, index - newer) };
}

export interface WindowedRows {
  /** The row at an index, when its window is loaded. */
  get(index: number): AuditEvent | undefined;
  /** Asks for the windows covering [first, last]; seeks wait until scrolling settles. */
  ensure(first: number, last: number, settled: boolean): void;
  /** Rows of the first window once loaded (rows to show while the total is still being counted). */
  firstWindowRows(): number;
  error: string | null;
  retry(): void;
}

/**
 * The rows of a view of any size, by index: windows of WINDOW rows fetched on demand around the
 * viewport. A window after a loaded one continues with its cursor; any other is reached by a seek
 * (`locate`), so jumping to row 9,000,000 reads one page, not 90,000.
 */
export function useWindowedRows(query: string): WindowedRows {
  const windows = useRef(new Map<number, Window>());
  const inFlight = useRef(new Map<number, AbortController>());
  const [error, setError] = useReducer((_: string | null, e: string | null) => e, null);
  const [, bump] = useReducer((n: number) => n + 1, 0);
  const generation = useRef(0);
  /** The query the held windows belong to: until the reset effect runs, a new query sees none of them. */
  const owner = useRef(query);

  // A new query starts from nothing.
  useEffect(() => {
    generation.current++;
    for (const c of inFlight.current.values()) c.abort();
    inFlight.current.clear();
    windows.current.clear();
    owner.current = query;
    setError(null);
    bump();
  }, [query]);

  const load = useCallback(
    async (k: number) => {
      const gen = generation.current;
      const ctrl = new AbortController();
      inFlight.current.set(k, ctrl);
      try {
        const base = new URLSearchParams(query);
        const prev = windows.current.get(k - 1);
        let rows: AuditEvent[];
        let next: string | null;
        if (k === 0 || prev?.next) {
          const q = new URLSearchParams(k > 0 && prev?.next ? prev.next : base);
          q.set('limit', String(WINDOW));
          const page = await api<EventPage>(`/v1/events?${q}`, { signal: ctrl.signal });
          rows = page.data;
          next = following(q, page.next_cursor);
        } else {
          const seek = await locate(base, k * WINDOW, ctrl.signal);
          const q = new URLSearchParams(base);
          if (seek.to) q.set('to', seek.to);
          // Skip within the bucket by reading pages of the API's largest size, then keep one window.
          let skip = seek.skip;
          let cursor: string | null = null;
          for (;;) {
            const page: EventPage = await api<EventPage>(
              `/v1/events?${q}&limit=${Math.min(MAX_LIMIT, skip + WINDOW)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
              { signal: ctrl.signal },
            );
            if (skip + WINDOW <= page.data.length || !page.next_cursor) {
              rows = page.data.slice(skip, skip + WINDOW);
              next =
                rows.length === WINDOW && skip + WINDOW === page.data.length
                  ? following(q, page.next_cursor)
                  : null;
              break;
            }
            skip -= page.data.length;
            cursor = page.next_cursor;
          }
        }
        if (gen !== generation.current) return;
        windows.current.set(k, { rows, next });
        setError(null);
        bump();
      } catch (err) {
        if (ctrl.signal.aborted || gen !== generation.current) return;
        setError(err instanceof Error ? err.message : String(err));
      } finally {
        if (inFlight.current.get(k) === ctrl) inFlight.current.delete(k);
      }
    },
    [query],
  );

  const ensure = useCallback(
    (first: number, last: number, settled: boolean) => {
      const k0 = Math.max(0, Math.floor(first / WINDOW));
      const k1 = Math.floor(last / WINDOW);
      // Drop what is far away, and requests for it: memory stays bounded wherever one scrolls.
      for (const k of windows.current.keys()) if (k < k0 - KEEP || k > k1 + KEEP) windows.current.delete(k);
      for (const [k, c] of inFlight.current)
        if (k < k0 - 1 || k > k1 + 1) {
          c.abort();
          inFlight.current.delete(k);
        }
      if (error) return;
      for (let k = k0; k <= k1 + 1; k++) {
        if (windows.current.has(k) || inFlight.current.has(k)) continue;
        // The window before is on its way: this one follows with its cursor instead of seeking.
        if (inFlight.current.has(k - 1)) continue;
        const sequential = k === 0 || Boolean(windows.current.get(k - 1)?.next);
        // While the thumb is being dragged, seeks would be wasted on positions flown past.
        if (sequential || settled) void load(k);
      }
    },
    [load, error],
  );

  return {
    get: (index) =>
      owner.current === query
        ? windows.current.get(Math.floor(index / WINDOW))?.rows[index % WINDOW]
        : undefined,
    ensure,
    firstWindowRows: () => (owner.current === query ? (windows.current.get(0)?.rows.length ?? 0) : 0),
    error,
    retry: () => {
      setError(null);
      bump();
    },
  };
}
