import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { type AuditEvent, api, type HistoryAsset, type HistoryPage } from '../api.ts';
import { actorLabel, local, primaryTarget, utc } from '../format.ts';
import { canReadLog, useSession } from '../session.tsx';

/** The life of one file, folder or collection, oldest first: creation, renames and moves, deletion. */
export function History() {
  const [params, setParams] = useSearchParams();
  const session = useSession();
  const path = params.get('target_path') ?? '';
  const type = params.get('target_type') ?? '';
  const id = params.get('target_id') ?? '';
  const only = params.get('asset') ?? '';
  const [input, setInput] = useState(path || (type && id ? `${type}:${id}` : ''));
  const [state, setState] = useState<
    | { events: AuditEvent[]; assets: HistoryAsset[]; more: boolean; truncated: boolean }
    | { error: string }
    | null
  >(null);
  const asked = Boolean(path || (type && id));
  const operatorTenant = session.user.role === 'operator' ? session.tenant : undefined;

  useEffect(() => {
    if (!asked) return;
    let live = true;
    setState(null);
    const q =
      (path
        ? `target_path=${encodeURIComponent(path)}`
        : `target_type=${encodeURIComponent(type)}&target_id=${encodeURIComponent(id)}`) +
      (operatorTenant ? `&tenant=${encodeURIComponent(operatorTenant)}` : '') +
      (only ? `&asset=${encodeURIComponent(only)}` : '');
    (async () => {
      const events: AuditEvent[] = [];
      let assets: HistoryAsset[] = [];
      let truncated = false;
      let cursor: string | null = null;
      // Histories are short; read up to 2000 events so the timeline starts at the beginning.
      do {
        const page: HistoryPage = await api<HistoryPage>(
          `/v1/history?${q}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        events.push(...page.data);
        assets = page.assets;
        truncated = page.truncated;
        cursor = page.next_cursor;
      } while (cursor && events.length < 2000);
      if (live) setState({ events: events.reverse(), assets, truncated, more: Boolean(cursor) });
    })().catch((err: Error) => live && setState({ error: err.message }));
    return () => {
      live = false;
    };
  }, [asked, path, type, id, only, operatorTenant]);

  function submit() {
    const v = input.trim();
    if (!v) return;
    const ref = /^([a-z_]+):(.+)$/.exec(v);
    if (!v.startsWith('/') && ref) setParams({ target_type: ref[1], target_id: ref[2] });
    else setParams({ target_path: v.startsWith('/') ? v : `/${v}` });
  }

  const events = state && 'events' in state ? state.events : [];
  const assets = state && 'assets' in state ? state.assets : [];
  // One asset: the one asked for by id, the one chosen, or the only one that ever held the path.
  const asset = assets.find((a) => a.key === only) ?? (assets.length === 1 ? assets[0] : undefined);
  const deleted = asset
    ? asset.deleted
    : events.length > 0 && /deleted|removed|purged/.test(events[events.length - 1].action);
  const current = events.length ? primaryTarget(events[events.length - 1]) : undefined;
  const choose = (key: string | undefined) => {
    const next = new URLSearchParams(params);
    if (key) next.set('asset', key);
    else next.delete('asset');
    setParams(next);
  };

  return (
    <main className="history-page">
      <div className="history-head">
        <h1>Asset history</h1>
        <p className="muted">
          Every event of one file, folder or collection, following renames and moves. Deleted assets are found
          by the path they had.
        </p>
        <form
          className="search"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <input
            type="search"
            aria-label="Asset path or id"
            placeholder="/forest/tree.png  or  file:ast_123"
            value={input}
            onChange={(e) => setInput(e.target.value)}
          />
          <button type="submit" className="btn btn-primary">
            Show history
          </button>
        </form>
      </div>
      {!asked && (
        <div className="state-card">
          <h2>Find an asset</h2>
          <p className="muted">
            Type the path a file or folder has or had, for example one that was deleted, or a type and id.
          </p>
        </div>
      )}
      {asked && !state && <div className="spinner" role="status" aria-label="Loading history" />}
      {state && 'error' in state && (
        <div className="state-card" role="alert">
          <h2>Could not load the history</h2>
          <p className="muted">{state.error}</p>
        </div>
      )}
      {state && 'events' in state && events.length === 0 && (
        <div className="state-card">
          <h2>No events for this asset</h2>
          <p className="muted">
            Nothing was ever recorded at {path || `${type}:${id}`}. Check the spelling, or search the audit
            log.
          </p>
        </div>
      )}
      {assets.length > 1 && (
        <section className="asset-list" aria-label="Assets that held this path">
          <div className="asset-list-head">
            <h2>
              {assets.length} different assets held {path}
            </h2>
            <p className="muted">
              A path freed by a deletion or a rename and taken again is another asset. Pick one to follow it
              alone.
            </p>
          </div>
          <div className="asset-cards">
            <button
              type="button"
              className={`asset-card${only ? '' : ' is-selected'}`}
              aria-pressed={!only}
              onClick={() => choose(undefined)}
            >
              <strong>All assets</strong>
              <span className="muted">
                {plural(
                  assets.reduce((n, a) => n + a.event_count, 0),
                  'event',
                )}
              </span>
            </button>
            {assets.map((a, i) => (
              <button
                key={a.key}
                type="button"
                className={`asset-card${only === a.key ? ' is-selected' : ''}`}
                aria-pressed={only === a.key}
                onClick={() => choose(a.key)}
              >
                <span className="asset-card-top">
                  <strong>Asset {i + 1}</strong>
                  {a.target && (
                    <code>
                      {a.target.target_type}:{a.target.target_id}
                    </code>
                  )}
                  <span className={`result ${a.deleted ? 'result-failure' : 'result-success'}`}>
                    {a.deleted ? 'deleted' : 'exists'}
                  </span>
                </span>
                <span className="asset-card-paths">{a.paths.map((p) => p.path).join(' → ')}</span>
                <span className="muted">
                  {plural(a.event_count, 'event')} · {utc(a.first_at)} → {utc(a.last_at)} UTC
                </span>
              </button>
            ))}
          </div>
        </section>
      )}
      {events.length > 0 && (
        <>
          <div className="history-summary">
            <span className="total">{current?.name ?? current?.path ?? (path || id)}</span>
            {assets.length > 1 && !asset ? (
              <span className="muted">{assets.length} assets</span>
            ) : deleted ? (
              <span className="result result-failure">deleted</span>
            ) : (
              <span className="result result-success">exists</span>
            )}
            <span className="muted">
              {plural(events.length, 'event')} · {utc(events[0].occurred_at)} →{' '}
              {utc(events[events.length - 1].occurred_at)} UTC
            </span>
          </div>
          <ol className="timeline">
            {events.map((e) => {
              const t = primaryTarget(e);
              const moved = t?.previous_path && t.path && t.previous_path !== t.path;
              return (
                <li key={e.id} className={`timeline-item kind-${e.action.split('.')[1] ?? ''}`}>
                  <span className="timeline-dot" aria-hidden="true" />
                  <div className="timeline-card">
                    <div className="timeline-top">
                      <strong>{session.actionLabel(e.source, e.action)}</strong>
                      {e.source_action && <code className="product-name">{e.source_action}</code>}
                      <span className={`result result-${e.outcome.result}`}>{e.outcome.result}</span>
                      <time dateTime={e.occurred_at} title={local(e.occurred_at)}>
                        {utc(e.occurred_at)} UTC
                      </time>
                    </div>
                    <div className="timeline-path">
                      {moved ? (
                        <>
                          <span className="muted">{t?.previous_path}</span> → <span>{t?.path}</span>
                        </>
                      ) : (
                        (t?.path ?? t?.name)
                      )}
                    </div>
                    <div className="muted">
                      {actorLabel(e)}
                      {e.client?.ip && ` · ${e.client.ip}`}
                      {e.client?.geo?.country_code && ` · ${e.client.geo.country_code}`}
                      {canReadLog(session.user) && (
                        <>
                          {' · '}
                          <Link to={`/events/${encodeURIComponent(e.id)}?range=all`}>Details</Link>
                        </>
                      )}
                    </div>
                  </div>
                </li>
              );
            })}
          </ol>
          {state && 'more' in state && state.more && <p className="muted">Showing the first 2,000 events.</p>}
          {state && 'truncated' in state && state.truncated && (
            <p className="muted">
              This lineage has more than 10,000 related events; the oldest were not read.
            </p>
          )}
        </>
      )}
    </main>
  );
}

const plural = (n: number, word: string) => `${n.toLocaleString()} ${word}${n === 1 ? '' : 's'}`;
