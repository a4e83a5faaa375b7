import { type FormEvent, useCallback, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, errorText } from '../api.ts';
import {
  Alert,
  ConfirmButton,
  LoadError,
  Loading,
  Notice,
  SecretOnce,
  Section,
  useLoad,
  useManagedTenant,
} from '../components/ui.tsx';
import { utc } from '../format.ts';
import { canAdmin, useSession } from '../session.tsx';

/** What GET /v1/streams/destinations returns (apps/server/src/openapi-streams.ts). */
interface StreamFilter {
  source?: string[];
  action?: string[];
  result?: string[];
  workspace?: string[];
}

interface Destination {
  id: string;
  tenant: string;
  name: string;
  kind: string;
  config: Record<string, unknown>;
  secrets: Record<string, unknown>;
  filter: StreamFilter;
  enabled: boolean;
  /** Also receives the tenant's signed checkpoints. */
  checkpoints: boolean;
  state: 'active' | 'disabled' | 'paused_failing' | 'paused_gone' | 'paused_unauthorized';
  health: {
    failing_since: string | null;
    last_success_at: string | null;
    last_error: string | null;
    queued_messages: number;
    queued_events: number;
    dead_letters: number;
    lag_seconds: number;
  };
  created_at: string;
  updated_at: string;
}

interface StreamMessage {
  id: string;
  sequence: number;
  status: 'pending' | 'delivered' | 'dead';
  origin: 'live' | 'replay' | 'test' | 'checkpoint';
  event_count: number;
  attempts: number;
  created_at: string;
  last_status?: number;
  last_error?: string;
  last_response?: string;
  dead_at?: string;
}

interface StreamAttempt {
  message_id: string;
  sequence: number;
  attempt: number;
  at: string;
  outcome: 'delivered' | 'retry' | 'reject' | 'gone' | 'exhausted';
  status_code?: number;
  latency_ms: number;
  error?: string;
}

interface Field {
  key: string;
  label: string;
  type?: 'text' | 'url' | 'number' | 'checkbox';
  required?: boolean;
  placeholder?: string;
  hint?: string;
  initial?: string;
}

/** The settings and secrets each kind takes (the plugins' schemas, plugins/stream-*). */
const KINDS: Record<string, { label: string; config: Field[]; secrets: Field[] }> = {
  webhook: {
    label: 'Webhook',
    config: [
      {
        key: 'url',
        label: 'Endpoint URL',
        type: 'url',
        required: true,
        placeholder: 'https://siem.example.com/hooks/trailmark',
      },
    ],
    secrets: [
      {
        key: 'signing_secret',
        label: 'Signing secret',
        placeholder: 'whsec_… (generated when empty)',
        hint: 'Standard Webhooks: every message is signed with it (webhook-signature).',
      },
    ],
  },
  slack: {
    label: 'Slack',
    config: [{ key: 'channel', label: 'Channel (shown in this list)', placeholder: '#security-alerts' }],
    secrets: [
      {
        key: 'webhook_url',
        label: 'Incoming webhook URL',
        required: true,
        placeholder: 'https://hooks.slack.com/services/…',
      },
    ],
  },
  'splunk-hec': {
    label: 'Splunk HEC',
    config: [
      {
        key: 'url',
        label: 'Collector URL',
        type: 'url',
        required: true,
        placeholder: 'https://splunk.example.com:8088',
      },
      { key: 'index', label: 'Index', placeholder: 'main' },
      { key: 'sourcetype', label: 'Source type', placeholder: 'trailmark:audit' },
    ],
    secrets: [{ key: 'token', label: 'HEC token', required: true, placeholder: 'the collector token' }],
  },
  syslog: {
    label: 'Syslog',
    config: [
      { key: 'host', label: 'Host', required: true, placeholder: 'siem.example.com' },
      { key: 'port', label: 'Port', type: 'number', initial: '6514' },
      { key: 'tls', label: 'TLS (RFC 5425)', type: 'checkbox', initial: 'true' },
      { key: 'app_name', label: 'App name', placeholder: 'trailmark' },
    ],
    secrets: [],
  },
};

const STATE_TEXT: Record<Destination['state'], { text: string; tone: string }> = {
  active: { text: 'Active', tone: 'success' },
  disabled: { text: 'Paused', tone: 'neutral' },
  paused_failing: { text: 'Paused: failing', tone: 'denied' },
  paused_gone: { text: 'Stopped: 410 Gone', tone: 'failure' },
  paused_unauthorized: { text: 'Paused: credentials refused', tone: 'failure' },
};

function lagText(seconds: number, queued: number): string {
  if (seconds < 1) return queued > 0 ? '< 1 s' : 'up to date';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  const h = Math.floor(seconds / 3600);
  return `${h} h ${Math.round((seconds % 3600) / 60)} min`;
}

function where(d: Destination): string {
  const c = d.config;
  if (typeof c.url === 'string') return c.url;
  if (typeof c.host === 'string') return `${c.host}:${c.port ?? 6514}${c.tls === false ? '' : ' (TLS)'}`;
  if (typeof c.channel === 'string') return c.channel;
  return '';
}

function filterText(f: StreamFilter): string {
  const parts = [
    f.source?.length ? `source ${f.source.join(', ')}` : '',
    f.action?.length ? `action ${f.action.join(', ')}` : '',
    f.result?.length ? `result ${f.result.join(', ')}` : '',
    f.workspace?.length ? `workspace ${f.workspace.join(', ')}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(' · ') : 'every event';
}

/** A Standard Webhooks secret made in the browser, so it can be shown once (the server keeps it sealed). */
function newSigningSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

/**
 * Stream destinations of a tenant (issue 15): auditors see them and their delivery health; owners,
 * admins and the operator also create, edit, pause, resume, test and delete them. Secrets are
 * write-only: the form never shows a stored one, only that it is set.
 */
export default function Streams() {
  const { user } = useSession();
  const { tenant, picker } = useManagedTenant();
  const admin = canAdmin(user);
  return (
    <main className="settings-page exports-page">
      <div className="settings-body wide">
        {user.role === 'operator' && !tenant ? picker : <Destinations tenant={tenant} admin={admin} />}
      </div>
    </main>
  );
}

function Destinations({ tenant, admin }: { tenant: string | undefined; admin: boolean }) {
  const { user } = useSession();
  const [params, setParams] = useSearchParams();
  const q = user.role === 'operator' && tenant ? `?tenant=${encodeURIComponent(tenant)}` : '';
  const load = useCallback(
    () => api<{ data: Destination[] }>(`/v1/streams/destinations${q}`).then((r) => r.data),
    [q],
  );
  const { data, error, reload } = useLoad(load);
  const [editing, setEditing] = useState<Destination | 'new' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ label: string; value: string; note: string } | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const openId = params.get('destination');
  const opened = data?.find((d) => d.id === openId);

  async function act(what: () => Promise<unknown>, done: string) {
    setActionError(null);
    setNotice(null);
    try {
      await what();
      setNotice(done);
    } catch (err) {
      setActionError(errorText(err));
    }
    reload();
  }

  const path = (d: Destination, tail = '') => `/v1/streams/destinations/${encodeURIComponent(d.id)}${tail}`;

  return (
    <div className="stack-lg">
      <Section
        title="Stream destinations"
        intro={
          <>
            Every matching event is queued for each destination before ingest is acknowledged, then delivered
            at least once, in order, with retries for 24 hours. {admin ? '' : 'Your role can view them only.'}
          </>
        }
      >
        <div className="card-foot">
          {admin && editing === null && (
            <button type="button" className="btn btn-primary" onClick={() => setEditing('new')}>
              New destination
            </button>
          )}
          <button type="button" className="btn btn-ghost btn-sm" onClick={reload}>
            Refresh
          </button>
        </div>
        {editing !== null && (
          <DestinationForm
            tenant={tenant}
            existing={editing === 'new' ? undefined : editing}
            onCancel={() => setEditing(null)}
            onSaved={(d, shown) => {
              setEditing(null);
              setNotice(`${d.name} saved.`);
              setSecret(
                shown ? { label: `Signing secret of ${d.name}`, value: shown, note: SECRET_NOTE } : null,
              );
              reload();
            }}
          />
        )}
        {notice && <Notice>{notice}</Notice>}
        {secret && <SecretOnce {...secret} />}
        <Alert error={actionError} onClose={() => setActionError(null)} />
        {error && <LoadError error={error} retry={reload} />}
        {!data && !error && <Loading />}
        {data && data.length === 0 && (
          <div className="empty-inline">
            <p className="muted">
              No destination yet. {admin ? 'Send events to a webhook, Slack, Splunk or a syslog server.' : ''}
            </p>
          </div>
        )}
        {data && data.length > 0 && (
          <table className="table streams-table" aria-label="Stream destinations">
            <thead>
              <tr>
                <th scope="col">Destination</th>
                <th scope="col">State</th>
                <th scope="col" className="num">
                  Queued
                </th>
                <th scope="col">Lag</th>
                <th scope="col" className="num">
                  Dead letters
                </th>
                <th scope="col">Last delivery (UTC)</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.map((d) => {
                const state = STATE_TEXT[d.state];
                return (
                  <tr key={d.id} className={d.id === openId ? 'is-open' : undefined}>
                    <td>
                      <button
                        type="button"
                        className="link-button"
                        aria-expanded={d.id === openId}
                        onClick={() =>
                          setParams(d.id === openId ? {} : { destination: d.id }, { replace: true })
                        }
                      >
                        {d.name}
                      </button>
                      <span className="tag">{KINDS[d.kind]?.label ?? d.kind}</span>
                      <div className="option-hint">{where(d)}</div>
                      <div className="hint">{filterText(d.filter)}</div>
                    </td>
                    <td>
                      <span className={`result result-${state.tone}`}>{state.text}</span>
                      {d.health.last_error && d.state !== 'active' && (
                        <div className="hint" title={d.health.last_error}>
                          {d.health.last_error.slice(0, 60)}
                        </div>
                      )}
                    </td>
                    <td className="num mono">{d.health.queued_events.toLocaleString()}</td>
                    <td className="mono">{lagText(d.health.lag_seconds, d.health.queued_events)}</td>
                    <td className="num mono">
                      {d.health.dead_letters > 0 ? (
                        <span className="result result-failure">
                          {d.health.dead_letters.toLocaleString()}
                        </span>
                      ) : (
                        0
                      )}
                    </td>
                    <td className="mono">
                      {d.health.last_success_at ? utc(d.health.last_success_at) : 'never'}
                      {d.health.failing_since && (
                        <div className="hint">failing since {utc(d.health.failing_since)}</div>
                      )}
                    </td>
                    <td className="actions nowrap">
                      {admin && (
                        <span className="row-actions">
                          <button type="button" className="btn btn-sm" onClick={() => setEditing(d)}>
                            Edit
                          </button>
                          {d.state === 'active' ? (
                            <button
                              type="button"
                              className="btn btn-sm"
                              onClick={() =>
                                void act(
                                  () =>
                                    api(path(d), {
                                      method: 'PATCH',
                                      body: JSON.stringify({ enabled: false }),
                                    }),
                                  `${d.name} paused: events queue up until it is resumed.`,
                                )
                              }
                            >
                              Pause
                            </button>
                          ) : (
                            <button
                              type="button"
                              className="btn btn-sm"
                              onClick={() =>
                                void act(
                                  () => api(path(d, '/resume'), { method: 'POST' }),
                                  `${d.name} resumed: queued events are on their way.`,
                                )
                              }
                            >
                              Resume
                            </button>
                          )}
                          <button
                            type="button"
                            className="btn btn-sm"
                            onClick={() =>
                              void act(
                                () => api(path(d, '/test'), { method: 'POST' }),
                                `Test event queued for ${d.name}: see its deliveries.`,
                              )
                            }
                          >
                            Send test
                          </button>
                          <ConfirmButton
                            label="Delete"
                            confirm={`Delete ${d.name}`}
                            onConfirm={() =>
                              act(() => api(path(d), { method: 'DELETE' }), `${d.name} deleted.`)
                            }
                          />
                        </span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Section>
      {opened && (
        <DestinationDetail
          key={`${opened.id}:${opened.updated_at}:${opened.health.dead_letters}`}
          d={opened}
          admin={admin}
          onChanged={reload}
          onNotice={setNotice}
          onSecret={(value, until) =>
            setSecret({
              label: `New signing secret of ${opened.name}`,
              value,
              note: `${SECRET_NOTE} The previous secret also signs until ${utc(until)} UTC.`,
            })
          }
        />
      )}
    </div>
  );
}

const SECRET_NOTE = 'Give it to the receiver now: Trailmark keeps it encrypted and never shows it again.';

function DestinationDetail({
  d,
  admin,
  onChanged,
  onNotice,
  onSecret,
}: {
  d: Destination;
  admin: boolean;
  onChanged: () => void;
  /** Told to the page, not kept here: a change of the destination renders this panel anew. */
  onNotice: (text: string) => void;
  onSecret: (value: string, until: string) => void;
}) {
  const base = `/v1/streams/destinations/${encodeURIComponent(d.id)}`;
  const loadAttempts = useCallback(
    () => api<{ data: StreamAttempt[] }>(`${base}/deliveries?limit=20`).then((r) => r.data),
    [base],
  );
  const loadDead = useCallback(
    () => api<{ data: StreamMessage[] }>(`${base}/dead-letters?limit=50`).then((r) => r.data),
    [base],
  );
  const attempts = useLoad(loadAttempts);
  const dead = useLoad(loadDead);
  const [error, setError] = useState<string | null>(null);

  return (
    <Section title={`${d.name}: deliveries`} intro={`${KINDS[d.kind]?.label ?? d.kind} · ${where(d)}`}>
      <dl className="fields health-fields">
        <dt>Queued</dt>
        <dd>
          {d.health.queued_events.toLocaleString()} events in {d.health.queued_messages.toLocaleString()}{' '}
          messages
        </dd>
        <dt>Lag</dt>
        <dd>{lagText(d.health.lag_seconds, d.health.queued_events)}</dd>
        <dt>Last delivery</dt>
        <dd>{d.health.last_success_at ? `${utc(d.health.last_success_at)} UTC` : 'never'}</dd>
        <dt>Last error</dt>
        <dd className="mono">{d.health.last_error ?? 'none'}</dd>
        <dt>Filter</dt>
        <dd>{filterText(d.filter)}</dd>
        <dt>Checkpoints</dt>
        <dd>{d.checkpoints ? 'sent here as they are signed' : 'not sent'}</dd>
        <dt>Secrets</dt>
        <dd className="mono">
          {Object.entries(d.secrets)
            .map(([k, v]) => `${k}: ${String(v)}`)
            .join(' · ') || 'none'}
        </dd>
      </dl>
      {admin && d.kind === 'webhook' && (
        <div className="card-foot">
          <button
            type="button"
            className="btn btn-sm"
            onClick={async () => {
              setError(null);
              try {
                const r = await api<{ signing_secret: string; previous_until: string }>(
                  `${base}/rotate-secret`,
                  { method: 'POST' },
                );
                onSecret(r.signing_secret, r.previous_until);
                onChanged();
              } catch (err) {
                setError(errorText(err));
              }
            }}
          >
            Rotate signing secret
          </button>
        </div>
      )}
      <Alert error={error} onClose={() => setError(null)} />
      {admin && (
        <ReplayRange
          base={base}
          onDone={(text) => {
            onNotice(text);
            onChanged();
          }}
          onError={setError}
        />
      )}
      <h3>Recent attempts</h3>
      {attempts.error && <LoadError error={attempts.error} retry={attempts.reload} />}
      {!attempts.data && !attempts.error && <Loading />}
      {attempts.data?.length === 0 && <p className="muted">No delivery attempted yet.</p>}
      {attempts.data && attempts.data.length > 0 && (
        <table className="table" aria-label="Delivery attempts">
          <thead>
            <tr>
              <th scope="col">At (UTC)</th>
              <th scope="col" className="num">
                Sequence
              </th>
              <th scope="col" className="num">
                Attempt
              </th>
              <th scope="col">Outcome</th>
              <th scope="col" className="num">
                Status
              </th>
              <th scope="col" className="num">
                Latency
              </th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {attempts.data.map((a) => (
              <tr key={`${a.message_id}:${a.attempt}`}>
                <td className="mono">{utc(a.at)}</td>
                <td className="num mono">{a.sequence}</td>
                <td className="num mono">{a.attempt}</td>
                <td>
                  <span
                    className={`result result-${a.outcome === 'delivered' ? 'success' : a.outcome === 'retry' ? 'denied' : 'failure'}`}
                  >
                    {a.outcome}
                  </span>
                </td>
                <td className="num mono">{a.status_code ?? '—'}</td>
                <td className="num mono">{a.latency_ms} ms</td>
                <td className="mono hint">{a.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Dead letters</h3>
      {dead.error && <LoadError error={dead.error} retry={dead.reload} />}
      {!dead.data && !dead.error && <Loading />}
      {dead.data?.length === 0 && (
        <p className="muted">None: every message was delivered or is still trying.</p>
      )}
      {dead.data && dead.data.length > 0 && (
        <>
          <table className="table" aria-label="Dead letters">
            <thead>
              <tr>
                <th scope="col" className="num">
                  Sequence
                </th>
                <th scope="col">Message</th>
                <th scope="col" className="num">
                  Events
                </th>
                <th scope="col" className="num">
                  Attempts
                </th>
                <th scope="col">Receiver answered</th>
                <th scope="col">Dead since (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {dead.data.map((m) => (
                <tr key={m.id}>
                  <td className="num mono">{m.sequence}</td>
                  <td className="mono">
                    {m.id}
                    {m.origin !== 'live' && <span className="tag">{m.origin}</span>}
                  </td>
                  <td className="num mono">{m.event_count}</td>
                  <td className="num mono">{m.attempts}</td>
                  <td className="mono hint" title={m.last_response}>
                    {[m.last_status, m.last_error].filter(Boolean).join(' · ')}
                  </td>
                  <td className="mono">{m.dead_at ? utc(m.dead_at) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {admin && (
            <div className="card-foot">
              <button
                type="button"
                className="btn btn-primary btn-sm"
                onClick={async () => {
                  setError(null);
                  try {
                    const r = await api<{ replayed: string[] }>(`${base}/dead-letters/replay`, {
                      method: 'POST',
                      body: '{}',
                    });
                    onNotice(
                      `${r.replayed.length} dead ${r.replayed.length === 1 ? 'letter' : 'letters'} queued again, in their original order.`,
                    );
                    onChanged();
                  } catch (err) {
                    setError(errorText(err));
                  }
                }}
              >
                Replay dead letters
              </button>
            </div>
          )}
        </>
      )}
    </Section>
  );
}

function DestinationForm({
  tenant,
  existing,
  onCancel,
  onSaved,
}: {
  tenant: string | undefined;
  existing: Destination | undefined;
  onCancel: () => void;
  /** `shown` is a signing secret made here, to show once. */
  onSaved: (d: Destination, shown?: string) => void;
}) {
  const { catalog } = useSession();
  const [kind, setKind] = useState(existing?.kind ?? 'webhook');
  const [name, setName] = useState(existing?.name ?? '');
  const spec = KINDS[kind] ?? { label: kind, config: [], secrets: [] };
  const [config, setConfig] = useState<Record<string, string>>(() => initialConfig(kind, existing));
  // Secrets start empty, always: a stored one is never sent back to the browser.
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [sources, setSources] = useState<string[]>(existing?.filter.source ?? []);
  const [results, setResults] = useState<string[]>(existing?.filter.result ?? []);
  const [actions, setActions] = useState((existing?.filter.action ?? []).join(', '));
  const [workspaces, setWorkspaces] = useState((existing?.filter.workspace ?? []).join(', '));
  const [checkpoints, setCheckpoints] = useState(existing?.checkpoints ?? false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setBusy(true);
    const list = (s: string) =>
      s
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
    const filter: StreamFilter = {
      ...(sources.length ? { source: sources } : {}),
      ...(results.length ? { result: results } : {}),
      ...(list(actions).length ? { action: list(actions) } : {}),
      ...(list(workspaces).length ? { workspace: list(workspaces) } : {}),
    };
    const cfg: Record<string, unknown> = {};
    for (const f of spec.config) {
      const v = config[f.key] ?? '';
      if (f.type === 'checkbox') cfg[f.key] = v === 'true';
      else if (v.trim() === '') continue;
      else cfg[f.key] = f.type === 'number' ? Number(v) : v.trim();
    }
    const given: Record<string, string> = {};
    for (const f of spec.secrets) if (secrets[f.key]?.trim()) given[f.key] = secrets[f.key]!.trim();
    let made: string | undefined;
    if (!existing && kind === 'webhook' && !given.signing_secret) {
      made = newSigningSecret();
      given.signing_secret = made;
    }
    try {
      const body = existing
        ? { name, config: cfg, filter, checkpoints, ...(Object.keys(given).length ? { secrets: given } : {}) }
        : {
            ...(tenant ? { tenant } : {}),
            name,
            kind,
            config: cfg,
            filter,
            checkpoints,
            ...(Object.keys(given).length ? { secrets: given } : {}),
          };
      const saved = await api<Destination>(
        existing ? `/v1/streams/destinations/${encodeURIComponent(existing.id)}` : '/v1/streams/destinations',
        { method: existing ? 'PATCH' : 'POST', body: JSON.stringify(body) },
      );
      onSaved(saved, made);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="stack stream-form"
      onSubmit={submit}
      aria-label={existing ? `Edit ${existing.name}` : 'New destination'}
    >
      <h3>{existing ? `Edit ${existing.name}` : 'New destination'}</h3>
      <div className="form-row">
        <label className="field grow">
          <span>Name</span>
          <input
            required
            maxLength={128}
            value={name}
            placeholder="SIEM webhook"
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label className="field">
          <span>Kind</span>
          <select
            value={kind}
            disabled={existing !== undefined}
            onChange={(e) => {
              setKind(e.target.value);
              setConfig(initialConfig(e.target.value, undefined));
              setSecrets({});
            }}
          >
            {Object.entries(KINDS).map(([id, k]) => (
              <option key={id} value={id}>
                {k.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="form-row">
        {spec.config.map((f) =>
          f.type === 'checkbox' ? (
            <label className="check" key={f.key}>
              <input
                type="checkbox"
                checked={config[f.key] === 'true'}
                onChange={(e) => setConfig({ ...config, [f.key]: String(e.target.checked) })}
              />
              {f.label}
            </label>
          ) : (
            <label className={`field${f.type === 'number' ? '' : ' grow'}`} key={f.key}>
              <span>{f.label}</span>
              <input
                type={f.type ?? 'text'}
                required={f.required}
                placeholder={f.placeholder}
                value={config[f.key] ?? ''}
                onChange={(e) => setConfig({ ...config, [f.key]: e.target.value })}
              />
            </label>
          ),
        )}
      </div>
      {spec.secrets.length > 0 && (
        <div className="form-row">
          {spec.secrets.map((f) => {
            const stored = existing?.secrets[f.key];
            return (
              <label className="field grow" key={f.key}>
                <span>
                  {f.label}
                  {stored !== undefined && <span className="muted"> · set ({String(stored)})</span>}
                </span>
                <input
                  type="password"
                  autoComplete="new-password"
                  // A stored secret stays unless a new one is typed; the field itself never holds it.
                  required={f.required && stored === undefined}
                  placeholder={stored !== undefined ? 'leave empty to keep the stored one' : f.placeholder}
                  value={secrets[f.key] ?? ''}
                  onChange={(e) => setSecrets({ ...secrets, [f.key]: e.target.value })}
                />
                {f.hint && <span className="hint">{f.hint}</span>}
              </label>
            );
          })}
        </div>
      )}
      <fieldset className="scopes stream-filter">
        <legend>Which events</legend>
        <div>
          <span className="hint">Sources (none: all)</span>
          {catalog.sources.map((s) => (
            <label className="check" key={s.id}>
              <input
                type="checkbox"
                checked={sources.includes(s.id)}
                onChange={() =>
                  setSources((cur) => (cur.includes(s.id) ? cur.filter((x) => x !== s.id) : [...cur, s.id]))
                }
              />
              {s.name}
            </label>
          ))}
        </div>
        <div>
          <span className="hint">Results (none: all)</span>
          {['success', 'failure', 'denied', 'error'].map((r) => (
            <label className="check" key={r}>
              <input
                type="checkbox"
                checked={results.includes(r)}
                onChange={() =>
                  setResults((cur) => (cur.includes(r) ? cur.filter((x) => x !== r) : [...cur, r]))
                }
              />
              <span className={`result result-${r}`}>{r}</span>
            </label>
          ))}
        </div>
        <label className="field">
          <span>Actions (comma-separated)</span>
          <input
            value={actions}
            list="stream-actions"
            placeholder="file.deleted, share_link.created"
            onChange={(e) => setActions(e.target.value)}
          />
          <datalist id="stream-actions">
            {[...new Set(catalog.sources.flatMap((s) => s.actions.map((a) => a.action)))].map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </label>
        <label className="field">
          <span>Workspaces (comma-separated ids)</span>
          <input value={workspaces} placeholder="ws_…" onChange={(e) => setWorkspaces(e.target.value)} />
        </label>
      </fieldset>
      <label className="check">
        <input type="checkbox" checked={checkpoints} onChange={(e) => setCheckpoints(e.target.checked)} />
        <span>
          Also send signed checkpoints of the evidence log (a copy kept outside this server; whatever the
          filter)
        </span>
      </label>
      <Alert error={error} />
      <div className="card-foot">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {existing ? 'Save changes' : 'Create destination'}
        </button>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function initialConfig(kind: string, existing: Destination | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of KINDS[kind]?.config ?? []) {
    const v = existing?.config[f.key];
    out[f.key] = v === undefined ? (f.initial ?? '') : String(v);
  }
  return out;
}

/** datetime-local holds local wall time; the API takes instants. */
const localInput = (ms: number) =>
  new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

/** Re-sends a time range of events through the destination's queue (a SIEM that was down). */
function ReplayRange({
  base,
  onDone,
  onError,
}: {
  base: string;
  onDone: (text: string) => void;
  onError: (text: string) => void;
}) {
  const [from, setFrom] = useState(() => localInput(Date.now() - 3600_000));
  const [to, setTo] = useState(() => localInput(Date.now() + 60_000));
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="form-row replay-form"
      aria-label="Replay a time range"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        try {
          const r = await api<{ events: number; messages: number; truncated: boolean }>(`${base}/replay`, {
            method: 'POST',
            body: JSON.stringify({ from: new Date(from).toISOString(), to: new Date(to).toISOString() }),
          });
          onDone(
            `${r.events.toLocaleString()} events queued again in ${r.messages.toLocaleString()} messages${
              r.truncated ? ' (the range was cut: replay the rest next)' : ''
            }.`,
          );
        } catch (err) {
          onError(errorText(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <label className="field">
        <span>Replay from</span>
        <input type="datetime-local" required value={from} onChange={(e) => setFrom(e.target.value)} />
      </label>
      <label className="field">
        <span>to</span>
        <input type="datetime-local" required value={to} onChange={(e) => setTo(e.target.value)} />
      </label>
      <button type="submit" className="btn btn-sm" disabled={busy}>
        Replay range
      </button>
      <span className="hint">Matching events are sent again, in order, with new message ids.</span>
    </form>
  );
}
