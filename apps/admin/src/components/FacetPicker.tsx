import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { api, type FacetBucket } from '../api.ts';
import { FILTER_LABELS, type ListKey } from '../filters.ts';
import { useSession } from '../session.tsx';

interface Option {
  value: string;
  label: string;
  hint?: string;
  group?: string;
  count?: number;
}

/**
 * A multi-select over one field, with counts from GET /v1/facets for the current view without this
 * field's own filter (so picking one action still shows the others' counts). Actions are grouped by
 * source and category and searchable by label, name or the product's own name (AssetDeleted, UPLOAD).
 */
export function FacetPicker({
  field,
  selected,
  baseQuery,
  onToggle,
  onClear,
}: {
  field: ListKey;
  selected: string[];
  baseQuery: URLSearchParams;
  onToggle: (value: string) => void;
  onClear: () => void;
}) {
  const { catalog } = useSession();
  const [open, setOpen] = useState(false);
  const [search, setSearch] = useState('');
  const [buckets, setBuckets] = useState<FacetBucket[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // A click shows at once, before the URL (and so `selected`) catches up in a transition.
  const [clicked, setClicked] = useState<Record<string, boolean>>({});
  const selectedKey = selected.join('\u0000');
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset whenever the selection that came back changes
  useEffect(() => setClicked({}), [selectedKey]);
  const root = useRef<HTMLDivElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const listId = useId();
  const label = FILTER_LABELS[field];

  const facetQuery = useMemo(() => {
    const q = new URLSearchParams(baseQuery);
    q.delete(field);
    q.set('field', field);
    q.set('limit', '500');
    return q.toString();
  }, [baseQuery, field]);

  useEffect(() => {
    if (!open) return;
    let live = true;
    setError(null);
    api<{ buckets: FacetBucket[] }>(`/v1/facets?${facetQuery}`)
      .then((r) => live && setBuckets(r.buckets))
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [open, facetQuery]);

  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    // Esc closes it wherever focus is: after a click on an option the URL changes and focus may be on
    // the page, not in the popover.
    const closeOnEscape = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      trigger.current?.focus();
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', closeOnEscape);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', closeOnEscape);
    };
  }, [open]);

  const options = useMemo<Option[]>(() => {
    const counts = new Map((buckets ?? []).map((b) => [b.value, b]));
    let list: Option[];
    if (field === 'action') {
      const seen = new Set<string>();
      list = [];
      for (const s of catalog.sources)
        for (const a of s.actions) {
          if (seen.has(a.action)) continue;
          seen.add(a.action);
          list.push({
            value: a.action,
            label: a.label,
            hint: [a.source_action, a.action].filter(Boolean).join(' · '),
            group: `${s.name} · ${a.category.replaceAll('_', ' ')}`,
            count: counts.get(a.action)?.count ?? 0,
          });
        }
      for (const b of buckets ?? [])
        if (!seen.has(b.value))
          list.push({ value: b.value, label: b.label ?? b.value, group: 'Other', count: b.count });
      // Names a product uses for the same action (file-transfer UPLOAD, media-library AssetCreated) all find it.
      const names = new Map<string, string[]>();
      for (const s of catalog.sources)
        for (const a of s.actions)
          if (a.source_action) names.set(a.action, [...(names.get(a.action) ?? []), a.source_action]);
      for (const o of list)
        if (names.has(o.value)) o.hint = `${[...new Set(names.get(o.value))].join(', ')} · ${o.value}`;
    } else if (field === 'source') {
      list = catalog.sources.map((s) => ({
        value: s.id,
        label: s.name,
        hint: s.id,
        count: counts.get(s.id)?.count ?? 0,
      }));
    } else if (field === 'result') {
      list = ['success', 'failure', 'denied', 'error'].map((r) => ({
        value: r,
        label: r,
        count: counts.get(r)?.count ?? 0,
      }));
    } else {
      list = (buckets ?? []).map((b) => ({
        value: b.value,
        label: b.label ?? b.value,
        ...(b.label && b.label !== b.value ? { hint: b.value } : {}),
        count: b.count,
      }));
    }
    for (const v of selected) if (!list.some((o) => o.value === v)) list.unshift({ value: v, label: v });
    const needle = search.trim().toLowerCase();
    if (needle)
      list = list.filter((o) =>
        `${o.label} ${o.hint ?? ''} ${o.value} ${o.group ?? ''}`.toLowerCase().includes(needle),
      );
    if (field === 'action' || field === 'source') list.sort((a, b) => (b.count ?? 0) - (a.count ?? 0) || 0);
    if (field === 'action') list.sort((a, b) => (a.group ?? '').localeCompare(b.group ?? ''));
    return list;
  }, [buckets, catalog, field, search, selected]);

  let lastGroup: string | undefined;
  return (
    <div className="picker" ref={root}>
      <button
        ref={trigger}
        type="button"
        className={`btn btn-filter${selected.length ? ' is-active' : ''}`}
        aria-haspopup="listbox"
        aria-expanded={open}
        aria-controls={open ? listId : undefined}
        onClick={() => setOpen(!open)}
      >
        {label}
        {selected.length > 0 && <span className="count-pill">{selected.length}</span>}
        <span className="caret" aria-hidden="true">
          ▾
        </span>
      </button>
      {open && (
        <div className="popover" role="dialog" aria-label={`${label} filter`}>
          <input
            className="popover-search"
            // biome-ignore lint/a11y/noAutofocus: the popover exists to be searched
            autoFocus
            aria-label={`Search ${label.toLowerCase()}`}
            placeholder={field === 'actor' ? 'Name or email' : `Search ${label.toLowerCase()}`}
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
          <div
            className="popover-list"
            id={listId}
            role="listbox"
            aria-multiselectable="true"
            aria-label={label}
          >
            {error && <p className="form-error">{error}</p>}
            {!buckets && !error && <p className="muted pad">Counting…</p>}
            {buckets && options.length === 0 && <p className="muted pad">Nothing matches “{search}”.</p>}
            {options.map((o) => {
              const header = o.group && o.group !== lastGroup ? o.group : undefined;
              lastGroup = o.group;
              const checked = clicked[o.value] ?? selected.includes(o.value);
              return (
                <div key={o.value}>
                  {header && <div className="popover-group">{header}</div>}
                  <label className={`option${o.count === 0 && !checked ? ' is-empty' : ''}`}>
                    <input
                      type="checkbox"
                      checked={checked}
                      onChange={() => {
                        setClicked((c) => ({ ...c, [o.value]: !checked }));
                        onToggle(o.value);
                      }}
                    />
                    <span className="option-text">
                      <span className={field === 'result' ? `result result-${o.value}` : ''}>{o.label}</span>
                      {o.hint && <span className="option-hint">{o.hint}</span>}
                    </span>
                    {o.count !== undefined && (
                      <span className="option-count">{o.count.toLocaleString()}</span>
                    )}
                  </label>
                </div>
              );
            })}
          </div>
          {selected.length > 0 && (
            <div className="popover-foot">
              <button type="button" className="btn btn-ghost btn-sm" onClick={onClear}>
                Clear {label.toLowerCase()}
              </button>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
