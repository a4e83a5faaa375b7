import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { type AuditEvent, api, type EventPage } from '../api.ts';
import { actorLabel, local, primaryTarget, utc } from '../format.ts';
import { canReadLog, useSession } from '../session.tsx';

/** The life of one file, folder or collection, oldest first: creation, renames and moves, deletion. */
export function History() {
  const [params, setParams] = useSearchParams();
  const session = useSession();
  const path = params.get('target_path') ?? '';
  const type = params.get('target_type') ?? '';
  const id = params.get('target_id') ?? '';
  const [input, setInput] = useState(path || (type && id ? `${type}:${id}` : ''));
  const [state, setState] = useState<{ events: AuditEvent[]; more: boolean } | { error: string } | null>(
    null,
  );
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
      (operatorTenant ? `&tenant=${encodeURIComponent(operatorTenant)}` : '');
    (async () => {
      const events: AuditEvent[] = [];
      let cursor: string | null = null;
      // Histories are short; read up to 2000 events so the timeline starts at the beginning.
      do {
        const page: EventPage = await api<EventPage>(
          `/v1/history?${q}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        events.push(...page.data);
        cursor = page.next_cursor;
      } while (cursor && events.length < 2000);
      if (live) setState({ events: events.reverse(), more: Boolean(cursor) });
    })().catch((err: Error) => live && setState({ error: err.message }));
    return () => {
      live = false;
    };
  }, [asked, path, type, id, operatorTenant]);

  function submit() {
    const v = input.trim();
    if (!v) return;
    const ref = /^([a-z_]+):(.+)$/.exec(v);
    if (!v.startsWith('/') && ref) setParams({ target_type: ref[1], target_id: ref[2] });
    else setParams({ target_path: v.startsWith('/') ? v : `/${v}` });
  }

  const events = state && 'events' in state ? state.events : [];
  const deleted = events.length > 0 && /deleted|removed|purged/.test(events[events.length - 1].action);
  const current = events.length ? primaryTarget(events[events.length - 1]) : undefined;

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
      {events.length > 0 && (
        <>
          <div className="history-summary">
            <span className="total">{current?.name ?? current?.path ?? (path || id)}</span>
            {deleted ? (
              <span className="result result-failure">deleted</span>
            ) : (
              <span className="result result-success">exists</span>
            )}
            <span className="muted">
              {events.length} events · {utc(events[0].occurred_at)} →{' '}
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
        </>
      )}
    </main>
  );
}
