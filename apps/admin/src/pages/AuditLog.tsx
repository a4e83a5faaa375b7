import {
  type KeyboardEvent,
  memo,
  type RefObject,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { Outlet, useNavigate, useParams, useSearchParams } from 'react-router';
import type { AuditEvent } from '../api.ts';
import { api } from '../api.ts';
import { COLUMNS, type Column } from '../components/columns.tsx';
import { ExportMenu } from '../components/ExportMenu.tsx';
import { FacetPicker } from '../components/FacetPicker.tsx';
import { Histogram } from '../components/Histogram.tsx';
import { type ScrollFrame, useHugeScroll } from '../components/huge-scroll.ts';
import { QueryBox } from '../components/QueryBox.tsx';
import { histogramOf, useWindowedRows } from '../components/windowed-rows.ts';
import {
  addValue,
  apiQuery,
  FILTER_LABELS,
  LIST_KEYS,
  RANGE_PRESETS,
  rangeOf,
  setScalar,
  toggleValue,
} from '../filters.ts';
import { actorLabel } from '../format.ts';
import { followLive, type LiveState } from '../live.ts';
import { useSession } from '../session.tsx';

const ROW = 36;
/** Height of the sticky column header inside the scroll area. */
const HEAD = 35;
const OVERSCAN = 10;
const PREFS_KEY = 'trailmark.columns';

interface ColumnPrefs {
  hidden: string[];
  widths: Record<string, number>;
}

function loadPrefs(): ColumnPrefs {
  try {
    const raw = localStorage.getItem(PREFS_KEY);
    if (raw) return { hidden: [], widths: {}, ...(JSON.parse(raw) as Partial<ColumnPrefs>) };
  } catch {
    // A broken value falls back to the defaults.
  }
  return { hidden: [], widths: {} };
}

/** datetime-local wants local wall time; the URL keeps UTC instants. */
function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export function AuditLog() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const { id: openId } = useParams();
  const session = useSession();
  // The preset resolves to an instant once per view, so paging a view never shifts under the reader.
  const operatorTenant = session.user.role === 'operator' ? session.tenant : undefined;
  const query = useMemo(() => {
    const q = apiQuery(params, Date.now());
    if (operatorTenant) q.set('tenant', operatorTenant);
    return q;
  }, [params, operatorTenant]);
  const queryString = query.toString();
  // The table reads a snapshot: the view's events up to the instant it opened (count, histogram, rows
  // agree, and every row keeps its index); what arrives later comes through the live tail, on top.
  const gridQuery = useMemo(() => {
    const q = new URLSearchParams(query);
    if (!q.has('to')) q.set('to', new Date().toISOString());
    return q.toString();
  }, [query]);
  const [baseTotal, setTotal] = useState<number | null>(null);
  /** Live events shown above the snapshot, newest first. */
  const [head, setHead] = useState<AuditEvent[]>([]);
  const [prefs, setPrefs] = useState<ColumnPrefs>(loadPrefs);
  const [focusRow, setFocusRow] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);
  const search = useRef<HTMLInputElement>(null);
  const [text, setText] = useState(params.get('q') ?? '');
  const range = rangeOf(params);

  useEffect(() => setText(params.get('q') ?? ''), [params]);

  useEffect(() => {
    let live = true;
    setTotal(null);
    setHead([]);
    api<{ count: number }>(`/v1/count?${gridQuery}`)
      .then((r) => live && setTotal(r.count))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [gridQuery]);

  useEffect(() => localStorage.setItem(PREFS_KEY, JSON.stringify(prefs)), [prefs]);

  // Live tail: new events go on top while the reader is at the top; scrolled away, they wait (counted)
  // so the rows being read never move, and they are shown on return to the top or on request.
  const live = params.get('live') === '1';
  const [liveState, setLiveState] = useState<{ state: LiveState; detail?: string } | null>(null);
  const [pending, setPending] = useState<AuditEvent[]>([]);
  const [freshIds, setFreshIds] = useState<ReadonlySet<string>>(new Set());
  const atTop = useRef(true);
  const show = useCallback((events: AuditEvent[]) => {
    setHead((h) => {
      const have = new Set(h.map((e) => e.id));
      return [...events.filter((e) => !have.has(e.id)), ...h].slice(0, 5000);
    });
    setFocusRow((f) => f + events.length);
    setFreshIds(new Set(events.map((e) => e.id)));
  }, []);
  useEffect(() => {
    setPending([]);
    if (!live) {
      setLiveState(null);
      return;
    }
    return followLive(queryString, {
      onEvents(events) {
        const newestFirst = [...events].reverse();
        if (atTop.current) show(newestFirst);
        else setPending((p) => [...newestFirst, ...p].slice(0, 5000));
      },
      onState: (state, detail) => setLiveState({ state, ...(detail ? { detail } : {}) }),
      onGap: (message) => setLiveState({ state: 'live', detail: message }),
    });
  }, [live, queryString, show]);
  const toTop = useRef(() => scroller.current?.scrollTo({ top: 0 }));
  const pendingRef = useRef(pending);
  pendingRef.current = pending;
  const showPending = useCallback(() => {
    const waiting = pendingRef.current;
    pendingRef.current = [];
    setPending([]);
    if (waiting.length) show(waiting);
    toTop.current();
  }, [show]);

  // `/` focuses the search box from anywhere on the page, as in most log explorers.
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      const el = e.target as HTMLElement;
      if (e.key === '/' && !['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)) {
        e.preventDefault();
        search.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const columns = COLUMNS.filter((c) => !prefs.hidden.includes(c.id)).map((c) => ({
    ...c,
    width: prefs.widths[c.id] ?? c.width,
  }));
  const template = columns.map((c) => `${c.width}px`).join(' ');
  const tableWidth = columns.reduce((n, c) => n + c.width, 0);

  const rowCount = baseTotal === null ? 0 : baseTotal + head.length;
  const total = baseTotal === null ? null : rowCount + pending.length;
  const rowAt = (i: number) => gridApi.current.rowAt(i);
  // The grid body owns the scroll state, so scrolling re-renders the rows only, not the whole page.
  const gridApi = useRef<GridApi>({ scrollToIndex: () => undefined, rowAt: () => undefined });
  toTop.current = () => gridApi.current.scrollToIndex(0, 'start');
  const [position, setPosition] = useState(1);

  const go = (next: URLSearchParams) => setParams(next);
  const keep = params.toString() ? `?${params}` : '';
  const open = (id: string) => navigate(`/events/${encodeURIComponent(id)}${keep}`);

  function onGridKey(e: KeyboardEvent<HTMLDivElement>) {
    const n = rowCount;
    if (n === 0) return;
    let next = focusRow;
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 400) / ROW) - 1);
    if (e.key === 'ArrowDown' || e.key === 'j') next = Math.min(n - 1, focusRow + 1);
    else if (e.key === 'ArrowUp' || e.key === 'k') next = Math.max(0, focusRow - 1);
    else if (e.key === 'PageDown') next = Math.min(n - 1, focusRow + page);
    else if (e.key === 'PageUp') next = Math.max(0, focusRow - page);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = n - 1;
    else if (e.key === 'Enter') {
      const row = rowAt(focusRow);
      if (row) open(row.id);
      return;
    } else return;
    e.preventDefault();
    setFocusRow(next);
    gridApi.current.scrollToIndex(next, 'auto');
  }

  const chips: { key: string; value: string; label: string }[] = [];
  for (const key of [...LIST_KEYS, 'target_path_prefix', 'q'])
    for (const value of params.getAll(key)) {
      let label = value;
      if (key === 'action') label = session.actionLabel('', value);
      if (key === 'actor') {
        const row = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
          .map((i) => rowAt(position - 1 + i))
          .find((r) => r?.actor.id === value);
        if (row) label = actorLabel(row);
      }
      if (key === 'source') label = session.catalog.sources.find((s) => s.id === value)?.name ?? value;
      chips.push({ key, value, label });
    }

  const presetLabel = RANGE_PRESETS.find((p) => p.id === range.preset)?.label;
  const empty = baseTotal === 0 && head.length === 0 && pending.length === 0;

  return (
    <main className="log-page">
      <div className="toolbar">
        <QueryBox
          value={text}
          onChange={setText}
          onSubmit={(t) => go(setScalar(params, 'q', t.trim() || undefined))}
          baseQuery={query}
          inputRef={search}
        />
        <label className="range">
          <span className="sr-only">Time range</span>
          <select
            aria-label="Time range"
            value={range.preset}
            onChange={(e) => {
              const next = new URLSearchParams(params);
              next.delete('from');
              next.delete('to');
              if (e.target.value === 'custom') {
                next.set('from', new Date(Date.now() - 7 * 86_400_000).toISOString());
                next.delete('range');
              } else next.set('range', e.target.value);
              go(next);
            }}
          >
            {RANGE_PRESETS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
            <option value="custom">Custom range…</option>
          </select>
        </label>
        {range.preset === 'custom' && (
          <div className="custom-range">
            <label>
              <span className="sr-only">From</span>
              <input
                type="datetime-local"
                aria-label="From"
                value={toLocalInput(range.from)}
                onChange={(e) =>
                  go(
                    setScalar(
                      params,
                      'from',
                      e.target.value ? new Date(e.target.value).toISOString() : undefined,
                    ),
                  )
                }
              />
            </label>
            <span aria-hidden="true">→</span>
            <label>
              <span className="sr-only">To</span>
              <input
                type="datetime-local"
                aria-label="To"
                value={toLocalInput(range.to)}
                onChange={(e) =>
                  go(
                    setScalar(
                      params,
                      'to',
                      e.target.value ? new Date(e.target.value).toISOString() : undefined,
                    ),
                  )
                }
              />
            </label>
          </div>
        )}
        <div className="toolbar-end">
          <button
            type="button"
            className={`btn btn-live${live ? ' is-on' : ''}`}
            aria-pressed={live}
            title={live ? 'Stop following new events' : 'Show new events as they arrive'}
            onClick={() => go(setScalar(params, 'live', live ? undefined : '1'))}
          >
            <span className={`live-dot${liveState?.state === 'live' ? ' is-live' : ''}`} aria-hidden="true" />
            Live
          </button>
          <ColumnMenu prefs={prefs} setPrefs={setPrefs} />
          <ExportMenu query={query} total={total} />
        </div>
      </div>
      <div className="filterbar">
        {(['action', 'actor', 'workspace', 'source', 'result'] as const).map((field) => (
          <FacetPicker
            key={field}
            field={field}
            selected={params.getAll(field)}
            baseQuery={query}
            onToggle={(v) => go(toggleValue(params, field, v))}
            onClear={() => {
              const next = new URLSearchParams(params);
              next.delete(field);
              go(next);
            }}
          />
        ))}
        <TextFilters params={params} go={go} />
      </div>
      <div className="statusbar" aria-live="polite">
        <span className="total">
          {total === null ? 'Counting…' : `${total.toLocaleString()} ${total === 1 ? 'event' : 'events'}`}
        </span>
        {rowCount > 100 && (
          <span className="muted position" title="Position of the top row in the table">
            row {position.toLocaleString()}
            {rowAt(position - 1) ? ` · ${rowAt(position - 1)!.occurred_at.slice(0, 10)}` : ''}
          </span>
        )}
        {live && liveState && (
          <span className={`live-status${liveState.state === 'refused' ? ' form-error' : ''}`}>
            {liveState.state === 'live'
              ? pending.length
                ? 'Live · paused while you read'
                : 'Live · following new events'
              : liveState.state === 'refused'
                ? `Live unavailable: ${liveState.detail ?? ''}`
                : liveState.state === 'reconnecting'
                  ? 'Live · reconnecting…'
                  : 'Live · connecting…'}
            {liveState.state === 'live' && liveState.detail ? ` · ${liveState.detail}` : ''}
          </span>
        )}
        <span className="muted">
          {range.preset === 'custom'
            ? `${range.from ? range.from.replace('T', ' ').slice(0, 16) : 'beginning'} → ${range.to ? range.to.replace('T', ' ').slice(0, 16) : 'now'} UTC`
            : presetLabel}
        </span>
        {chips.map((c) => (
          <span className="chip" key={`${c.key}=${c.value}`}>
            <span className="chip-key">{FILTER_LABELS[c.key]}</span>
            <span className="chip-value">{c.label}</span>
            <button
              type="button"
              aria-label={`Remove ${FILTER_LABELS[c.key]} ${c.label}`}
              onClick={() =>
                go(
                  c.key === 'q' || c.key === 'target_path_prefix'
                    ? setScalar(params, c.key, undefined)
                    : toggleValue(params, c.key, c.value),
                )
              }
            >
              ×
            </button>
          </span>
        ))}
        {chips.length > 1 && (
          <button
            type="button"
            className="btn btn-ghost btn-sm"
            onClick={() => {
              const next = new URLSearchParams();
              for (const k of ['range', 'from', 'to']) for (const v of params.getAll(k)) next.append(k, v);
              go(next);
            }}
          >
            Clear all
          </button>
        )}
      </div>
      <Histogram
        query={gridQuery}
        onNarrow={(from, to) => {
          const next = new URLSearchParams(params);
          next.delete('range');
          next.set('from', from);
          next.set('to', to);
          go(next);
        }}
      />
      {pending.length > 0 && (
        <button type="button" className="new-events" onClick={showPending}>
          ↑ {pending.length.toLocaleString()} new {pending.length === 1 ? 'event' : 'events'}
        </button>
      )}
      <div
        className="grid"
        ref={scroller}
        role="grid"
        aria-label="Audit events, newest first"
        aria-rowcount={total ?? -1}
        tabIndex={0}
        onKeyDown={onGridKey}
        onScroll={(e) => {
          const top = e.currentTarget.scrollTop < ROW / 2;
          atTop.current = top;
          if (top && pending.length) showPending();
        }}
      >
        <div className="grid-head" role="row" style={{ gridTemplateColumns: template, width: tableWidth }}>
          {columns.map((c) => (
            <div className="grid-th" role="columnheader" key={c.id}>
              {c.title}
              <span
                className="resize"
                aria-hidden="true"
                onPointerDown={(e) => {
                  const startX = e.clientX;
                  const start = c.width;
                  const move = (m: PointerEvent) =>
                    setPrefs((p) => ({
                      ...p,
                      widths: { ...p.widths, [c.id]: Math.max(60, Math.round(start + m.clientX - startX)) },
                    }));
                  const up = () => {
                    window.removeEventListener('pointermove', move);
                    window.removeEventListener('pointerup', up);
                  };
                  window.addEventListener('pointermove', move);
                  window.addEventListener('pointerup', up);
                }}
              />
            </div>
          ))}
        </div>
        <GridBody
          scroller={scroller}
          api={gridApi}
          view={gridQuery}
          rowCount={rowCount}
          head={head}
          baseTotal={baseTotal}
          columns={columns}
          template={template}
          tableWidth={tableWidth}
          openId={openId}
          focusRow={focusRow}
          freshIds={freshIds}
          onOpen={(index, id) => {
            setFocusRow(index);
            open(id);
          }}
          onFilter={(key, value) => go(addValue(params, key, value))}
          onPosition={setPosition}
        />
        {empty && (
          <div className="empty-state" role="row">
            <div role="gridcell" className="empty-state-cell">
              <h2>No events match</h2>
              <p className="muted">
                Nothing in {presetLabel?.toLowerCase() ?? 'this range'} matches these filters.
              </p>
              {range.preset !== 'all' && (
                <button
                  type="button"
                  className="btn btn-primary"
                  onClick={() => {
                    const next = new URLSearchParams(params);
                    next.delete('from');
                    next.delete('to');
                    next.set('range', 'all');
                    go(next);
                  }}
                >
                  Search all time
                </button>
              )}
            </div>
          </div>
        )}
      </div>
      <Outlet />
    </main>
  );
}

function TextFilters({ params, go }: { params: URLSearchParams; go: (p: URLSearchParams) => void }) {
  const [open, setOpen] = useState(false);
  const [path, setPath] = useState('');
  const [prefix, setPrefix] = useState(false);
  const [requestId, setRequestId] = useState('');
  const [ip, setIp] = useState('');
  const count = ['target_path', 'target_path_prefix', 'request_id', 'ip'].reduce(
    (n, k) => n + params.getAll(k).length,
    0,
  );
  return (
    <div className="picker">
      <button
        type="button"
        className={`btn btn-filter${count ? ' is-active' : ''}`}
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        Path, request, IP
        {count > 0 && <span className="count-pill">{count}</span>}
        <span className="caret" aria-hidden="true">
          ▾
        </span>
      </button>
      {open && (
        <form
          className="popover popover-form"
          aria-label="Path, request and IP filters"
          onSubmit={(e) => {
            e.preventDefault();
            let next = params;
            if (path.trim())
              next = prefix
                ? setScalar(next, 'target_path_prefix', path.trim())
                : addValue(next, 'target_path', path.trim());
            if (requestId.trim()) next = addValue(next, 'request_id', requestId.trim());
            if (ip.trim()) next = addValue(next, 'ip', ip.trim());
            go(next);
            setOpen(false);
            setPath('');
            setRequestId('');
            setIp('');
          }}
        >
          <label className="field">
            <span>Asset path</span>
            <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/forest/tree.png" />
          </label>
          <label className="check">
            <input type="checkbox" checked={prefix} onChange={(e) => setPrefix(e.target.checked)} />{' '}
            Everything in this folder
          </label>
          <label className="field">
            <span>Request ID</span>
            <input value={requestId} onChange={(e) => setRequestId(e.target.value)} />
          </label>
          <label className="field">
            <span>IP address</span>
            <input value={ip} onChange={(e) => setIp(e.target.value)} placeholder="203.0.113.7" />
          </label>
          <button type="submit" className="btn btn-primary btn-sm">
            Apply
          </button>
        </form>
      )}
    </div>
  );
}

function ColumnMenu({
  prefs,
  setPrefs,
}: {
  prefs: ColumnPrefs;
  setPrefs: (fn: (p: ColumnPrefs) => ColumnPrefs) => void;
}) {
  const [open, setOpen] = useState(false);
  return (
    <div className="picker">
      <button type="button" className="btn" aria-expanded={open} onClick={() => setOpen(!open)}>
        Columns
      </button>
      {open && (
        <div className="popover popover-right" role="dialog" aria-label="Columns">
          {COLUMNS.map((c) => (
            <label className="option" key={c.id}>
              <input
                type="checkbox"
                checked={!prefs.hidden.includes(c.id)}
                onChange={() =>
                  setPrefs((p) => ({
                    ...p,
                    hidden: p.hidden.includes(c.id)
                      ? p.hidden.filter((h) => h !== c.id)
                      : [...p.hidden, c.id],
                  }))
                }
              />
              <span className="option-text">{c.title}</span>
            </label>
          ))}
          <div className="popover-foot">
            <button
              type="button"
              className="btn btn-ghost btn-sm"
              onClick={() => setPrefs(() => ({ hidden: [], widths: {} }))}
            >
              Reset columns
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

interface GridApi {
  scrollToIndex(index: number, align?: 'auto' | 'start' | 'end'): void;
  rowAt(index: number): AuditEvent | undefined;
}

/**
 * One row's cells. A scroll moves every row (its transform), but a row's content changes only with its
 * event: memoized, a frame of wheel scrolling renders the rows entering the view, not all 35.
 */
const RowCells = memo(function RowCells({
  e,
  columns,
  actionLabel,
  productName,
  onFilter,
}: {
  e: AuditEvent;
  columns: Column[];
  actionLabel: string;
  productName: string | undefined;
  onFilter(key: string, value: string): void;
}) {
  const ctx = { actionLabel, productName };
  return (
    <>
      {columns.map((c) => {
        const f = c.filter?.(e);
        return (
          <div role="gridcell" className={`grid-td col-${c.id}`} key={c.id} title={c.text(e)}>
            {f ? (
              <button
                type="button"
                className="cell-filter"
                tabIndex={-1}
                title={`Filter by ${FILTER_LABELS[f.key].toLowerCase()}: ${c.text(e)}`}
                onClick={(ev) => {
                  ev.stopPropagation();
                  onFilter(f.key, f.value);
                }}
              >
                {c.render(e, ctx)}
              </button>
            ) : (
              c.render(e, ctx)
            )}
          </div>
        );
      })}
    </>
  );
});

/** The rows in view, placed by the scroll model; the only part of the page a scroll re-renders. */
function GridBody({
  scroller,
  api: apiRef,
  view,
  rowCount,
  head,
  baseTotal,
  columns,
  template,
  tableWidth,
  openId,
  focusRow,
  freshIds,
  onOpen,
  onFilter,
  onPosition,
}: {
  scroller: RefObject<HTMLDivElement | null>;
  api: RefObject<GridApi>;
  view: string;
  rowCount: number;
  /** Live rows above the snapshot, newest first. */
  head: AuditEvent[];
  baseTotal: number | null;
  columns: Column[];
  template: string;
  tableWidth: number;
  openId: string | undefined;
  focusRow: number;
  freshIds: ReadonlySet<string>;
  onOpen(index: number, id: string): void;
  onFilter(key: string, value: string): void;
  onPosition(position: number): void;
}) {
  const session = useSession();
  // The windows live here too: a window arriving re-renders the rows, not the page around them.
  const base = useWindowedRows(view);
  const { error, retry } = base;
  const rowAt = (i: number) => (i < head.length ? head[i] : base.get(i - head.length));
  // Until the count answers, the first window is shown on its own: rows do not wait for the total.
  const count = baseTotal === null ? head.length + base.firstWindowRows() : rowCount;
  // The label by the thumb follows every frame of a scroll, drawn here without a render.
  const hintRef = useRef<HTMLDivElement>(null);
  const drawHint = useRef<(f: ScrollFrame) => void>(() => undefined);
  // A render only when the first row changes: a frame of scrolling within a row changes nothing.
  const scroll = useHugeScroll(scroller, count, ROW, HEAD, ROW, (f) => drawHint.current(f));
  apiRef.current = { scrollToIndex: scroll.scrollToIndex, rowAt };
  // `top` is the last render's: the view reaches at most one row further until the next render.
  const topRow = Math.floor(scroll.top / ROW);
  const first = Math.max(0, topRow - OVERSCAN);
  const last = Math.min(count - 1, topRow + 1 + Math.ceil(scroll.viewport / ROW) + OVERSCAN);
  useEffect(() => {
    if (baseTotal === null) {
      base.ensure(0, 0, true);
      return;
    }
    const baseLast = Math.min(last - head.length, baseTotal - 1);
    if (baseLast >= 0) base.ensure(Math.max(0, first - head.length), baseLast, !scroll.scrolling);
  });
  const positionAt = (top: number) => (count > 0 ? Math.min(count, Math.floor(top / ROW) + 1) : 1);
  const position = positionAt(scroll.top);
  // The page hears of the position once scrolling settles, not on every frame.
  useEffect(() => {
    if (!scroll.scrolling) onPosition(position);
  }, [scroll.scrolling, position, onPosition]);
  const visible: number[] = [];
  for (let i = first; i <= last; i++) visible.push(i);

  // While scrolling, a label by the thumb says where it is in time: the row's own time when loaded,
  // else the time the histogram's bucket counts give for that index (the scrollbar maps to time).
  const [buckets, setBuckets] = useState<{ interval: number; list: { start: number; count: number }[] }>();
  useEffect(() => {
    let live = true;
    histogramOf(view)
      .then((h) => {
        if (!live) return;
        const list = h.buckets.map((b) => ({ start: Date.parse(b.start), count: b.count }));
        setBuckets({ interval: h.interval_ms, list: list.sort((a, b) => b.start - a.start) });
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [view]);
  const timeAt = (index: number): string | undefined => {
    const row = rowAt(index);
    if (row) return row.occurred_at;
    if (!buckets) return undefined;
    let n = head.length;
    for (const b of buckets.list) {
      if (n + b.count > index)
        return new Date(b.start + buckets.interval * (1 - (index - n) / b.count)).toISOString();
      n += b.count;
    }
    return undefined;
  };
  drawHint.current = (f) => {
    const el = hintRef.current;
    if (!el) return;
    const at = positionAt(f.top);
    const time = timeAt(at - 1);
    const maxTop = Math.max(1, count * ROW - f.viewport);
    // Inside the spacer, at the visible right edge, as far down the view as the thumb is down the bar.
    const y = f.real + (Math.min(f.top, maxTop) / maxTop) * (f.viewport - 28);
    el.style.transform = `translate(calc(${f.left + f.width - 12}px - 100%), ${y}px)`;
    el.style.visibility = time ? 'visible' : 'hidden';
    el.textContent = time ? `${time.slice(0, 16).replace('T', ' ')} · row ${at.toLocaleString()}` : '';
  };
  // Only while the thumb is dragged: turning the wheel, the rows in view already say where one is, and
  // redrawing the label on every frame costs a frame in twenty (measured in bench:ui).
  const showHint = scroll.leaping && count * ROW > scroll.viewport * 20;
  // The label's first frame, when it appears.
  useLayoutEffect(() => {
    if (showHint) drawHint.current(scroll.frame());
  }, [showHint, scroll.frame]);
  const hint = showHint ? <div className="scroll-hint" aria-hidden="true" ref={hintRef} /> : null;

  return (
    <div
      className={scroll.scrolling ? 'grid-body is-scrolling' : 'grid-body'}
      data-view={view}
      style={{ height: scroll.spacer, width: tableWidth }}
    >
      {hint}
      {visible.map((index) => {
        const e = rowAt(index);
        const start = scroll.place(index * ROW);
        if (!e)
          return (
            <div
              key={`slot-${index}`}
              className="grid-row grid-loading"
              aria-hidden="true"
              style={{ transform: `translateY(${start}px)`, width: tableWidth }}
            >
              {error ? <span className="muted">Not loaded</span> : <span className="skeleton" />}
            </div>
          );
        return (
          <div
            key={e.id}
            role="row"
            aria-rowindex={index + 1}
            data-id={e.id}
            aria-selected={openId === e.id}
            className={`grid-row${index === focusRow ? ' is-focus' : ''}${openId === e.id ? ' is-open' : ''}${freshIds.has(e.id) ? ' is-new' : ''}`}
            style={{ transform: `translateY(${start}px)`, gridTemplateColumns: template, width: tableWidth }}
            onClick={() => onOpen(index, e.id)}
            // Keys are the grid's (arrows, Enter), not each row's.
            onKeyDown={undefined}
          >
            <RowCells
              e={e}
              columns={columns}
              actionLabel={session.actionLabel(e.source, e.action)}
              productName={session.productName(e.source, e.action)}
              onFilter={onFilter}
            />
          </div>
        );
      })}
      {/* A row of its own (a grid holds rows only), placed in view wherever the reader has scrolled. */}
      {error && visible.some((i) => !rowAt(i)) && (
        <div className="empty-state" role="row" style={{ top: scroll.place(scroll.top) + 120 }}>
          <div role="gridcell" className="empty-state-cell">
            <div role="alert" className="empty-state-cell">
              <h2>Could not load events</h2>
              <p className="muted">{error}</p>
              <button type="button" className="btn btn-primary" onClick={retry}>
                Retry
              </button>
            </div>
          </div>
        </div>
      )}
    </div>
  );
}
