import { quoteQueryValue } from '@trailmark/core/query-language';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ApiError, type AuditEvent, api } from '../api.ts';
import { actorLabel, local, primaryTarget, sentence, utc } from '../format.ts';
import { useSession } from '../session.tsx';
import { Json } from './Json.tsx';
import { Verified } from './Verified.tsx';

function Field({ label, children }: { label: string; children: ReactNode }) {
  if (children === undefined || children === null || children === '') return null;
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

function around(iso: string, minutes: number): { from: string; to: string } {
  const t = new Date(iso).getTime();
  return {
    from: new Date(t - minutes * 60_000).toISOString(),
    to: new Date(t + minutes * 60_000).toISOString(),
  };
}

/**
 * Every event on one target (a share link, an API key, a file), in the search box's language so the
 * view shows and edits the filter: `type:share_link target:lnk_…`, over all time.
 */
function targetEventsLink(t: { type: string; id: string }): string {
  const q = `type:${quoteQueryValue(t.type)} target:${quoteQueryValue(t.id)}`;
  return `/events?range=all&q=${encodeURIComponent(q)}`;
}

export function historyLink(e: AuditEvent): string | undefined {
  const t = primaryTarget(e);
  if (!t) return undefined;
  if (t.path) return `/history?target_path=${encodeURIComponent(t.path)}`;
  if (t.id) return `/history?target_type=${encodeURIComponent(t.type)}&target_id=${encodeURIComponent(t.id)}`;
  return undefined;
}

/** One event, every field; a drawer over the table (which stays where it was), with its own URL. */
export function EventDrawer() {
  const { id = '' } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const session = useSession();
  const [event, setEvent] = useState<AuditEvent | { error: string } | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const panel = useRef<HTMLElement>(null);
  const back = `/events${params.toString() ? `?${params}` : ''}`;

  useEffect(() => {
    let live = true;
    setEvent(null);
    api<AuditEvent>(`/v1/events/${encodeURIComponent(id)}`)
      .then((e) => live && setEvent(e))
      .catch(
        (err: Error) =>
          live &&
          setEvent({
            error:
              err instanceof ApiError && err.status === 404
                ? 'This event does not exist or is not yours to see.'
                : err.message,
          }),
      );
    return () => {
      live = false;
    };
  }, [id]);

  useEffect(() => {
    panel.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') navigate(back);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [navigate, back]);

  async function copy(what: string, text: string) {
    await navigator.clipboard?.writeText(text).catch(() => undefined);
    setCopied(what);
    setTimeout(() => setCopied(null), 1500);
  }

  let body: ReactNode;
  if (!event) body = <div className="spinner" role="status" aria-label="Loading event" />;
  else if ('error' in event)
    body = (
      <p className="form-error" role="alert">
        {event.error}
      </p>
    );
  else {
    const e = event;
    const label = session.actionLabel(e.source, e.action);
    const history = historyLink(e);
    const near = around(e.occurred_at, 30);
    const geo = e.client?.geo;
    body = (
      <>
        <p className="sentence">{sentence(e, label)}</p>
        <div className="drawer-actions">
          <button type="button" className="btn btn-sm" onClick={() => void copy('id', e.id)}>
            {copied === 'id' ? 'Copied' : 'Copy id'}
          </button>
          <button
            type="button"
            className="btn btn-sm"
            onClick={() => void copy('json', JSON.stringify(e, null, 2))}
          >
            {copied === 'json' ? 'Copied' : 'Copy JSON'}
          </button>
        </div>
        <Verified key={e.id} event={e} />
        <nav className="related" aria-label="Related events">
          {e.request?.id && (
            <Link to={`/events?request_id=${encodeURIComponent(e.request.id)}&range=all`}>
              All events of this request
            </Link>
          )}
          <Link to={`/events?actor=${encodeURIComponent(e.actor.id)}&from=${near.from}&to=${near.to}`}>
            Everything {actorLabel(e)} did around this time
          </Link>
          {history && <Link to={history}>History of this asset</Link>}
        </nav>
        <section>
          <h3>Context</h3>
          <dl className="fields">
            <Field label="Time (UTC)">{utc(e.occurred_at)}</Field>
            <Field label="Local time">{local(e.occurred_at)}</Field>
            <Field label="Received">{utc(e.received_at)}</Field>
            <Field label="Action">
              {label} <code>{e.action}</code>
              {e.source_action && <code className="product-name">{e.source_action}</code>}
            </Field>
            <Field label="Source">
              {session.catalog.sources.find((s) => s.id === e.source)?.name ?? e.source}
            </Field>
            <Field label="Category">{e.category}</Field>
            <Field label="Result">
              <span className={`result result-${e.outcome.result}`}>{e.outcome.result}</span>
              {e.outcome.reason && <span className="muted"> {e.outcome.reason}</span>}
              {e.outcome.message && <div className="muted">{e.outcome.message}</div>}
            </Field>
            <Field label="Actor">
              {e.actor.name ?? e.actor.id}
              {e.actor.email && <div className="muted">{e.actor.email}</div>}
              <div className="muted">
                {e.actor.type} · {e.actor.id}
                {e.actor.credential &&
                  ` · via ${e.actor.credential.type} ${e.actor.credential.name ?? e.actor.credential.id ?? ''}`}
              </div>
            </Field>
            <Field label="Workspace">{e.workspace ? (e.workspace.name ?? e.workspace.id) : undefined}</Field>
            <Field label="Tenant">{e.tenant}</Field>
            <Field label="IP">{e.client?.ip}</Field>
            <Field label="Location">
              {[geo?.city, geo?.region, geo?.country ?? geo?.country_code].filter(Boolean).join(', ')}
            </Field>
            <Field label="Region">{e.request?.region}</Field>
            <Field label="Device">
              {e.client?.device
                ? `${e.client.device.kind}${e.client.device.name ? ` · ${e.client.device.name}` : ''}`
                : undefined}
            </Field>
            <Field label="User agent">{e.client?.user_agent}</Field>
            <Field label="Event id">
              <code>{e.id}</code>
            </Field>
          </dl>
        </section>
        {e.targets.length > 0 && (
          <section>
            <h3>Targets</h3>
            {e.targets.map((t, i) => (
              <dl className="fields target" key={`${t.type}-${t.id ?? t.path ?? i}`}>
                <Field label="Type">
                  {t.type}
                  {t.role && <span className="muted"> ({t.role})</span>}
                </Field>
                <Field label="Name">{t.name}</Field>
                <Field label="Path">{t.path}</Field>
                <Field label="Previous path">{t.previous_path}</Field>
                <Field label="Id">
                  {t.id && (
                    <>
                      {t.id}{' '}
                      <Link to={targetEventsLink({ type: t.type, id: t.id })}>
                        All events on this {t.type.replaceAll('_', ' ')}
                      </Link>
                    </>
                  )}
                </Field>
                <Field label="Size">{t.size_bytes?.toLocaleString()}</Field>
                <Field label="Type (MIME)">{t.mime_type}</Field>
              </dl>
            ))}
          </section>
        )}
        {e.changes && e.changes.length > 0 && (
          <section>
            <h3>Changes</h3>
            <table className="diff">
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Before</th>
                  <th scope="col">After</th>
                </tr>
              </thead>
              <tbody>
                {e.changes.map((c) => (
                  <tr key={c.field}>
                    <th scope="row">{c.field}</th>
                    <td className="diff-del">
                      {c.redacted ? '[REDACTED]' : c.before === undefined ? '—' : JSON.stringify(c.before)}
                    </td>
                    <td className="diff-add">
                      {c.redacted ? '[REDACTED]' : c.after === undefined ? '—' : JSON.stringify(c.after)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
        {e.request && (
          <section>
            <h3>Request</h3>
            <dl className="fields">
              <Field label="API">
                {[e.request.method, e.request.endpoint].filter(Boolean).join(' ')}
                {e.request.api_operation && <div className="muted">{e.request.api_operation}</div>}
              </Field>
              <Field label="Status">{e.request.status}</Field>
              <Field label="Request id">{e.request.id && <code>{e.request.id}</code>}</Field>
              <Field label="Masked">{e.request.redacted_paths?.join(', ')}</Field>
            </dl>
            {e.request.request_body !== undefined && (
              <div className="json-block">
                <h4>Request payload</h4>
                <Json value={e.request.request_body} />
              </div>
            )}
            {e.request.response_body !== undefined && (
              <div className="json-block">
                <h4>Response</h4>
                <Json value={e.request.response_body} />
              </div>
            )}
          </section>
        )}
        {e.metadata && (
          <section>
            <h3>Metadata</h3>
            {e.redacted_paths && e.redacted_paths.length > 0 && (
              <p className="muted">Masked on ingest: {e.redacted_paths.join(', ')}</p>
            )}
            <div className="json-block">
              <Json value={e.metadata} />
            </div>
          </section>
        )}
        <details className="raw">
          <summary>Raw event JSON</summary>
          <pre>{JSON.stringify(e, null, 2)}</pre>
        </details>
      </>
    );
  }

  return (
    <>
      <Link to={back} className="drawer-backdrop" aria-label="Close event" tabIndex={-1} />
      <aside className="drawer" aria-label="Event detail" ref={panel} tabIndex={-1}>
        <header className="drawer-head">
          <h2>{event && !('error' in event) ? session.actionLabel(event.source, event.action) : 'Event'}</h2>
          <Link to={back} className="btn btn-ghost btn-sm" aria-label="Close (Esc)">
            ✕
          </Link>
        </header>
        <div className="drawer-body">{body}</div>
      </aside>
    </>
  );
}
