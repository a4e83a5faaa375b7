import { useEffect, useRef, useState } from 'react';
import { histogramOf } from './windowed-rows.ts';

interface HistogramResponse {
  interval_ms: number;
  from?: string;
  to: string;
  buckets: { start: string; count: number }[];
}

const HEIGHT = 64;

/**
 * Events over time for the current filters, from GET /v1/histogram (counted by the store, never from the
 * loaded rows). One SVG rect per bucket (at most ~200), so no chart library is needed; dragging across
 * it selects a time range and calls onNarrow with it.
 */
export function Histogram({
  query,
  onNarrow,
}: {
  query: string;
  onNarrow: (from: string, to: string) => void;
}) {
  const [data, setData] = useState<HistogramResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  const svg = useRef<SVGSVGElement>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    setError(null);
    // Asked a task later than the table's first rows (whose effect runs after this one): the server
    // answers in arrival order, and the rows are what the reader waits for.
    const timer = setTimeout(() => {
      histogramOf(query)
        .then((h) => !ctrl.signal.aborted && setData(h as HistogramResponse))
        .catch((e: Error) => !ctrl.signal.aborted && setError(e.message));
    }, 0);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [query]);
  // A new range has other buckets: forget the one under the pointer.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset on every new query
  useEffect(() => setHover(null), [query]);

  if (error)
    return (
      <div className="histogram histogram-empty" role="alert">
        Histogram unavailable: {error}
      </div>
    );
  if (!data) return <div className="histogram histogram-empty" aria-hidden="true" />;
  const interval = data.interval_ms;
  const end = Math.ceil(Date.parse(data.to) / interval) * interval;
  const first = data.buckets[0] ? Date.parse(data.buckets[0].start) : end - interval;
  const start = data.from ? Math.floor(Date.parse(data.from) / interval) * interval : first;
  const n = Math.max(1, Math.round((end - start) / interval));
  const counts = new Array<number>(n).fill(0);
  for (const b of data.buckets) {
    const i = Math.floor((Date.parse(b.start) - start) / interval);
    if (i >= 0 && i < n) counts[i] += b.count;
  }
  const max = Math.max(1, ...counts);
  const total = counts.reduce((a, b) => a + b, 0);
  const indexAt = (clientX: number) => {
    const r = svg.current?.getBoundingClientRect();
    if (!r) return 0;
    return Math.min(n - 1, Math.max(0, Math.floor(((clientX - r.left) / r.width) * n)));
  };
  const label = (i: number) => new Date(start + i * interval).toISOString().replace('T', ' ').slice(0, 16);
  const lo = drag ? Math.min(drag.a, drag.b) : -1;
  const hi = drag ? Math.max(drag.a, drag.b) : -1;

  return (
    <figure className="histogram">
      <svg
        ref={svg}
        role="img"
        aria-label={
          total === 0
            ? `Events over time: none from ${label(0)} to ${label(n)} UTC.`
            : `Events over time: ${total.toLocaleString()} from ${label(0)} to ${label(n)} UTC. Drag to narrow the range.`
        }
        viewBox={`0 0 ${n} ${HEIGHT}`}
        preserveAspectRatio="none"
        onPointerDown={(e) => {
          (e.target as Element).setPointerCapture?.(e.pointerId);
          const i = indexAt(e.clientX);
          setDrag({ a: i, b: i });
        }}
        onPointerMove={(e) => {
          const i = indexAt(e.clientX);
          setHover(i);
          if (drag) setDrag({ ...drag, b: i });
        }}
        onPointerLeave={() => setHover(null)}
        onPointerUp={() => {
          if (drag) {
            const a = Math.min(drag.a, drag.b);
            const b = Math.max(drag.a, drag.b) + 1;
            setDrag(null);
            onNarrow(
              new Date(start + a * interval).toISOString(),
              new Date(start + b * interval).toISOString(),
            );
          }
        }}
      >
        {counts.map((c, i) =>
          c > 0 ? (
            <rect
              // biome-ignore lint/suspicious/noArrayIndexKey: buckets are positional
              key={i}
              x={i + 0.1}
              width={0.8}
              y={HEIGHT - (c / max) * (HEIGHT - 4)}
              height={(c / max) * (HEIGHT - 4)}
              className={i >= lo && i <= hi ? 'bar is-selected' : i === hover ? 'bar is-hover' : 'bar'}
            />
          ) : null,
        )}
        {drag && <rect x={lo} width={hi - lo + 1} y={0} height={HEIGHT} className="selection" />}
      </svg>
      <figcaption className="histogram-axis">
        <span>{label(0)}</span>
        <span className="histogram-hover">
          {hover !== null
            ? `${label(hover)} UTC · ${counts[hover].toLocaleString()} events`
            : total === 0
              ? 'No events in this time range'
              : 'Drag across the bars to narrow the time range'}
        </span>
        <span>{label(n)}</span>
      </figcaption>
    </figure>
  );
}
