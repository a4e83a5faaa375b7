import { parseQuery } from '@trailmark/core/query-language';
import { type RefObject, useEffect, useId, useMemo, useRef, useState } from 'react';
import { api, type Catalog, type FacetBucket } from '../api.ts';
import { applySuggestion, rank, type Suggestion, termAt } from '../query-suggest.ts';
import { useSession } from '../session.tsx';

/** What each qualifier is for, shown next to it in the list (declared fields use their catalog label). */
const QUALIFIER_HINTS: Record<string, string> = {
  actor: 'who did it: id, email or name',
  action: 'what happened (file.*: every file action)',
  source_action: "the product's own action name",
  source: 'which product',
  category: 'a group of actions',
  result: 'success, failure, denied, error',
  workspace: 'workspace id or name',
  type: 'target type',
  target_type: 'target type',
  target: 'target id',
  target_id: 'target id',
  path: 'exact path, or /folder/* for everything under it',
  user: 'an affected user: id, email or name',
  request: 'request id',
  request_id: 'request id',
  ip: 'client IP address',
  country: 'client country code',
  region: 'server or storage region',
  device: 'browser, cli, sdk, api',
  ua: 'user agent text',
  user_agent: 'user agent text',
  after: 'on or after a date (2026-04-01)',
  before: 'before a date',
  tenant: 'tenant (operator)',
};

/** Filters whose values the facets endpoint counts for the current view. */
const FACETED = new Set(['actor', 'workspace', 'target_type', 'ip', 'country', 'region']);

const day = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);

/** Values known without asking the server: from the catalog, or fixed by the schema. */
function staticValues(filter: string, catalog: Catalog): Suggestion[] | undefined {
  const v = (value: string, label = value, hint?: string): Suggestion => ({
    value,
    label,
    kind: 'value',
    ...(hint ? { hint } : {}),
  });
  switch (filter) {
    case 'action': {
      const names = new Map<string, { label: string; products: Set<string> }>();
      for (const s of catalog.sources)
        for (const a of s.actions) {
          const seen = names.get(a.action) ?? { label: a.label, products: new Set<string>() };
          if (a.source_action) seen.products.add(a.source_action);
          names.set(a.action, seen);
        }
      return [...names].map(([action, n]) => v(action, n.label, [action, ...n.products].join(' · ')));
    }
    case 'source_action': {
      const out = new Map<string, Suggestion>();
      for (const s of catalog.sources)
        for (const a of s.actions)
          if (a.source_action && !out.has(a.source_action))
            out.set(a.source_action, v(a.source_action, a.source_action, `${s.name} · ${a.action}`));
      return [...out.values()];
    }
    case 'source':
      return catalog.sources.map((s) => v(s.id, s.name, s.id));
    case 'category':
      return [...new Set(catalog.sources.flatMap((s) => s.actions.map((a) => a.category)))].map((c) =>
        v(c, c.replaceAll('_', ' ')),
      );
    case 'result':
      return ['success', 'failure', 'denied', 'error'].map((r) => v(r));
    case 'device':
      return ['browser', 'cli', 'sdk', 'api'].map((d) => v(d));
    case 'from':
    case 'to':
      return [v(day(0), 'today'), v(day(1), 'yesterday'), v(day(7), '7 days ago'), v(day(30), '30 days ago')];
    default:
      return undefined;
  }
}

/**
 * The search box with autocomplete of the query language: qualifiers from the catalog's
 * `query_qualifiers`, their values from the catalog and from GET /v1/facets for the current view.
 * An ARIA 1.2 combobox: arrows move, Enter or Tab accept, Escape closes; focus stays in the input.
 */
export function QueryBox({
  value,
  onChange,
  onSubmit,
  baseQuery,
  inputRef,
}: {
  value: string;
  onChange: (text: string) => void;
  onSubmit: (text: string) => void;
  /** The view's API query (without `q`), so value counts match what is on screen. */
  baseQuery: URLSearchParams;
  inputRef: RefObject<HTMLInputElement | null>;
}) {
  const { catalog } = useSession();
  const [caret, setCaret] = useState(value.length);
  const [open, setOpen] = useState(false);
  /** The highlighted option; -1 until the arrows pick one, so Enter on typed text still searches. */
  const [active, setActive] = useState(-1);
  const [facets, setFacets] = useState<Record<string, FacetBucket[] | 'loading' | 'failed'>>({});
  const listId = useId();
  const pendingCaret = useRef<number | null>(null);
  /** Problems the core parser finds, shown before any request: the same messages the API would give. */
  const [problems, setProblems] = useState<{ message: string; position?: number }[]>([]);

  const qualifiers = useMemo(() => {
    const fields = new Map(catalog.sources.flatMap((s) => (s.fields ?? []).map((f) => [f.name, f])));
    return catalog.query_qualifiers.map((q) => {
      const field = q.qualifier.startsWith('attr.') ? fields.get(q.qualifier.slice(5)) : undefined;
      return { ...q, hint: field ? `${field.label} (${field.type})` : QUALIFIER_HINTS[q.qualifier] };
    });
  }, [catalog]);

  const term = termAt(value, caret);
  const filter = term.qualifier ? qualifiers.find((q) => q.qualifier === term.qualifier)?.filter : undefined;
  const facetField =
    filter && (FACETED.has(filter) || (filter.startsWith('attr.') && qualifierIsKeyword(filter, catalog)))
      ? filter
      : undefined;
  // Counts are for the view's other filters: what is being typed in `q` does not refetch them.
  const facetBase = useMemo(() => {
    const q = new URLSearchParams(baseQuery);
    q.delete('q');
    return q.toString();
  }, [baseQuery]);
  const facetKey = facetField ? `${facetField}?${facetBase}` : undefined;

  // Values counted by the server are fetched once per field and view, when the caret first reaches them.
  useEffect(() => {
    if (!open || !facetField || !facetKey || facets[facetKey]) return;
    setFacets((f) => ({ ...f, [facetKey]: 'loading' }));
    const q = new URLSearchParams(facetBase);
    q.set('field', facetField);
    q.set('limit', '200');
    api<{ buckets: FacetBucket[] }>(`/v1/facets?${q}`)
      .then((r) => setFacets((f) => ({ ...f, [facetKey]: r.buckets })))
      .catch(() => setFacets((f) => ({ ...f, [facetKey]: 'failed' })));
  }, [open, facetField, facetKey, facets, facetBase]);

  const facetState = facetKey ? facets[facetKey] : undefined;
  const suggestions = useMemo<Suggestion[]>(() => {
    if (!term.qualifier) {
      // After a finished term, a space opens nothing: free text is as likely as a qualifier.
      if (!term.partial && value.trim() !== '' && !term.negated) return [];
      // Qualifiers by their name's start only, so free text ("render final") is not taken for one.
      const needle = term.partial.toLowerCase();
      return qualifiers
        .filter((q) => q.qualifier.startsWith(needle))
        .map((q) => ({
          value: q.qualifier,
          label: `${q.qualifier}:`,
          kind: 'qualifier' as const,
          ...(q.hint ? { hint: q.hint } : {}),
        }));
    }
    if (!filter) return [];
    const fixed = staticValues(filter, catalog);
    const pool =
      fixed ??
      (Array.isArray(facetState)
        ? facetState.map((b) => ({
            value: b.value,
            label: b.label ?? b.value,
            ...(b.label && b.label !== b.value ? { hint: b.value } : {}),
            count: b.count,
            kind: 'value' as const,
          }))
        : []);
    return rank(
      pool.filter((s) => !term.before.includes(s.value)),
      term.partial,
      30,
    );
  }, [
    term.qualifier,
    term.partial,
    term.negated,
    term.before,
    value,
    qualifiers,
    filter,
    catalog,
    facetState,
  ]);

  useEffect(() => {
    if (pendingCaret.current === null) return;
    const at = pendingCaret.current;
    pendingCaret.current = null;
    inputRef.current?.setSelectionRange(at, at);
  });

  const showing = open && (suggestions.length > 0 || (facetField !== undefined && facetState === 'loading'));
  const current = Math.min(active, suggestions.length - 1);

  function accept(s: Suggestion) {
    const next = applySuggestion(value, term, s);
    onChange(next.text);
    setCaret(next.caret);
    pendingCaret.current = next.caret;
    setActive(-1);
    // A qualifier opens its values at once; a finished value closes the list until the next keystroke.
    setOpen(s.kind === 'qualifier');
  }

  const track = (el: HTMLInputElement) => setCaret(el.selectionStart ?? el.value.length);

  return (
    <form
      className="search qbox"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        setOpen(false);
        const found = parseQuery(value).problems;
        setProblems(found);
        if (found.length === 0) onSubmit(value);
      }}
    >
      <input
        ref={inputRef}
        type="search"
        role="combobox"
        aria-label="Search events"
        aria-autocomplete="list"
        aria-invalid={problems.length > 0}
        aria-describedby={problems.length > 0 ? `${listId}-problems` : undefined}
        aria-expanded={showing}
        aria-controls={listId}
        aria-activedescendant={showing && current >= 0 ? `${listId}-${current}` : undefined}
        autoComplete="off"
        spellCheck={false}
        placeholder="Search, or filter: actor: action: result: path:…  ( / )"
        value={value}
        onChange={(e) => {
          onChange(e.target.value);
          setProblems([]);
          track(e.target);
          setActive(-1);
          // An emptied box closes the list; ArrowDown opens every qualifier.
          setOpen(e.target.value !== '');
        }}
        onSelect={(e) => track(e.currentTarget)}
        onBlur={() => {
          setOpen(false);
          // The message covers the filters below: it goes with the focus, and comes back on Enter.
          setProblems([]);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            const n = suggestions.length;
            if (!showing) setOpen(true);
            if (n === 0) return;
            if (e.key === 'ArrowDown') setActive(current < 0 ? 0 : (current + 1) % n);
            else setActive(current <= 0 ? n - 1 : current - 1);
          } else if (e.key === 'Enter' && showing && current >= 0 && suggestions[current]) {
            e.preventDefault();
            accept(suggestions[current]);
          } else if (e.key === 'Tab' && !e.shiftKey && showing && suggestions[Math.max(0, current)]) {
            // Tab completes with the highlighted option, or the first one.
            e.preventDefault();
            accept(suggestions[Math.max(0, current)] as Suggestion);
          } else if (e.key === 'Escape' && showing) {
            // Closing the list is all Escape does here; a second Escape clears the box as usual.
            e.preventDefault();
            setOpen(false);
          }
        }}
      />
      {problems.length > 0 && !showing && (
        <div className="qbox-problems" id={`${listId}-problems`} role="alert">
          {problems.map((p) => (
            <div key={`${p.position}:${p.message}`}>{p.message}</div>
          ))}
        </div>
      )}
      {showing && (
        <div className="qbox-list" role="listbox" id={listId} aria-label="Suggestions">
          {suggestions.length === 0 && <div className="muted pad">Counting values…</div>}
          {suggestions.map((s, i) => (
            <div
              key={`${s.kind}:${s.value}`}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === current}
              tabIndex={-1}
              className={`qbox-option${i === current ? ' is-active' : ''}`}
              // mousedown, not click: the input keeps its focus and its caret.
              onMouseDown={(e) => {
                e.preventDefault();
                accept(s);
              }}
              onMouseEnter={() => setActive(i)}
            >
              <span className={s.kind === 'qualifier' ? 'qbox-qualifier' : 'qbox-value'}>
                {s.kind === 'value' && term.qualifier === 'result' ? (
                  <span className={`result result-${s.value}`}>{s.label}</span>
                ) : (
                  s.label
                )}
              </span>
              {s.hint && <span className="option-hint">{s.hint}</span>}
              {s.count !== undefined && <span className="option-count">{s.count.toLocaleString()}</span>}
            </div>
          ))}
          <div className="qbox-foot" aria-hidden="true">
            <kbd>↑</kbd>
            <kbd>↓</kbd> move · <kbd>Enter</kbd> or <kbd>Tab</kbd> pick · <kbd>Esc</kbd> close ·{' '}
            <code>-</code> excludes
          </div>
        </div>
      )}
    </form>
  );
}

function qualifierIsKeyword(filter: string, catalog: Catalog): boolean {
  const name = filter.slice(5);
  return catalog.sources.some((s) => (s.fields ?? []).some((f) => f.name === name && f.type === 'keyword'));
}
