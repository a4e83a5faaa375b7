import { type FormEvent, useCallback, useState } from 'react';
import { Link, Navigate, NavLink, Outlet, useParams } from 'react-router';
import {
  type ApiKey,
  api,
  errorText,
  type Invitation,
  type Member,
  type Role,
  type SessionInfo,
} from '../api.ts';
import {
  Alert,
  ConfirmButton,
  LoadError,
  Loading,
  Notice,
  Refused,
  SecretOnce,
  Section,
  useLoad,
  useManagedTenant,
} from '../components/ui.tsx';
import { utc } from '../format.ts';
import { canAdmin, hasAccount, ROLE_KEY_SCOPES, useSession } from '../session.tsx';

/**
 * Settings, loaded on demand (its own chunk): my account for everyone with a password, and for admins,
 * owners and the operator the tenant's people, API keys and the source catalog with its retention. Each
 * section shows only what the role may do; the server refuses the rest anyway.
 */
export default function Settings() {
  const { user } = useSession();
  const admin = canAdmin(user);
  return (
    <main className="settings-page">
      <nav className="settings-nav" aria-label="Settings">
        <h1>Settings</h1>
        {hasAccount(user) && <NavLink to="/settings/account">My account</NavLink>}
        {admin && (
          <>
            <NavLink to="/settings/members">Members</NavLink>
            <NavLink to="/settings/api-keys">API keys</NavLink>
            <NavLink to="/settings/sources">Sources and retention</NavLink>
            <Link to="/events?source=trailmark&range=30d">Trailmark's own audit trail →</Link>
          </>
        )}
      </nav>
      <div className="settings-body">
        <Outlet />
      </div>
    </main>
  );
}

/** /settings: the first section the role has. */
export function SettingsHome() {
  const { user } = useSession();
  return <Navigate to={hasAccount(user) ? '/settings/account' : '/settings/members'} replace />;
}

/* ---------------------------------------------------------------- My account */

export function AccountSettings() {
  const { user } = useSession();
  if (!hasAccount(user)) return <Refused what="My account" />;
  return (
    <div className="stack-lg">
      <Section title="My account">
        <dl className="fields">
          <dt>Name</dt>
          <dd>{user.name}</dd>
          <dt>Email</dt>
          <dd>{user.email}</dd>
          <dt>Role</dt>
          <dd>
            <span className="role-badge">{user.role}</span>
          </dd>
          <dt>Tenant</dt>
          <dd>{user.tenant ?? 'all (operator)'}</dd>
        </dl>
      </Section>
      <ChangePassword />
      <MySessions />
    </div>
  );
}

function ChangePassword() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setDone(false);
    if (next !== again) {
      setError('The two new passwords differ.');
      return;
    }
    setBusy(true);
    try {
      await api('/v1/auth/password', {
        method: 'POST',
        body: JSON.stringify({ current_password: current, new_password: next }),
      });
      setDone(true);
      setCurrent('');
      setNext('');
      setAgain('');
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Section title="Change password" intro="At least 12 characters. Your other sessions are signed out.">
      <form className="form-grid" onSubmit={submit}>
        <label className="field">
          <span>Current password</span>
          <input
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
        </label>
        <label className="field">
          <span>New password</span>
          <input
            type="password"
            autoComplete="new-password"
            required
            minLength={12}
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
        </label>
        <label className="field">
          <span>New password again</span>
          <input
            type="password"
            autoComplete="new-password"
            required
            minLength={12}
            value={again}
            onChange={(e) => setAgain(e.target.value)}
          />
        </label>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            Change password
          </button>
        </div>
      </form>
      <Alert error={error} />
      {done && <Notice>Password changed. Your other sessions were signed out.</Notice>}
    </Section>
  );
}

/** A user agent as a person reads it: browser and system, not the whole string. */
function device(ua: string | undefined): string {
  if (!ua) return 'Unknown device';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrome\/|HeadlessChrome/.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : (ua.split(/[ /]/)[0] ?? 'Browser');
  const os = /Windows/.test(ua)
    ? 'Windows'
    : /Mac OS X/.test(ua)
      ? 'macOS'
      : /Android/.test(ua)
        ? 'Android'
        : /iPhone|iPad/.test(ua)
          ? 'iOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : '';
  return os ? `${browser} on ${os}` : browser;
}

const loadSessions = () => api<{ data: SessionInfo[] }>('/v1/auth/sessions').then((r) => r.data);

function MySessions() {
  const { data, error, reload } = useLoad(loadSessions);
  const [actionError, setActionError] = useState<string | null>(null);
  const others = data?.filter((s) => !s.current) ?? [];
  async function end(ids: string[]) {
    setActionError(null);
    try {
      for (const id of ids) await api(`/v1/auth/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
    } catch (err) {
      setActionError(errorText(err));
    }
    reload();
  }
  return (
    <Section title="My sessions" intro="Where you are signed in. Sign out a device you no longer use.">
      {error && <LoadError error={error} retry={reload} />}
      {!data && !error && <Loading />}
      {data && (
        <>
          <table className="table" aria-label="My sessions">
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">IP</th>
                <th scope="col">Signed in (UTC)</th>
                <th scope="col">Last active (UTC)</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.map((s) => (
                <tr key={s.id}>
                  <td>
                    {device(s.user_agent)}
                    {s.current && <span className="tag tag-accent">This session</span>}
                  </td>
                  <td className="mono">{s.ip ?? '—'}</td>
                  <td className="mono">{utc(s.created_at)}</td>
                  <td className="mono">{utc(s.last_seen_at)}</td>
                  <td className="actions">
                    {!s.current && (
                      <ConfirmButton label="Sign out" confirm="Sign it out" onConfirm={() => end([s.id])} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="card-foot">
            <button
              type="button"
              className="btn"
              disabled={others.length === 0}
              onClick={() => void end(others.map((s) => s.id))}
            >
              Sign out everywhere else
            </button>
            <span className="hint">
              {others.length === 0
                ? 'No other sessions.'
                : `${others.length} other session${others.length === 1 ? '' : 's'}.`}
            </span>
          </div>
          <Alert error={actionError} onClose={() => setActionError(null)} />
        </>
      )}
    </Section>
  );
}

/* ---------------------------------------------------------------- Members */

const ROLE_TEXT: Record<Exclude<Role, 'operator'>, string> = {
  owner: 'Owner — everything, including other owners',
  admin: 'Admin — people (not owners), keys, settings',
  auditor: 'Auditor — read and export the audit log',
  viewer: 'Viewer — asset histories only',
};
const TENANT_ROLES = ['owner', 'admin', 'auditor', 'viewer'] as const;

/** Mirrors the server's rule: owners and the operator manage everyone, admins everyone but owners. */
function mayManage(caller: Role, role: Role): boolean {
  if (caller === 'operator' || caller === 'owner') return role !== 'operator';
  return caller === 'admin' && role !== 'owner' && role !== 'operator';
}

export function MemberSettings() {
  const { user } = useSession();
  const { tenant, picker } = useManagedTenant();
  if (!canAdmin(user)) return <Refused what="Members" />;
  if (!tenant) return picker;
  return <Members tenant={tenant} />;
}

function Members({ tenant }: { tenant: string }) {
  const { user } = useSession();
  const q = user.role === 'operator' ? `?tenant=${encodeURIComponent(tenant)}` : '';
  const loadMembers = useCallback(
    () =>
      Promise.all([
        api<{ data: Member[] }>(`/v1/users${q}`),
        api<{ data: Invitation[] }>(`/v1/users/invitations${q}`),
      ]).then(([u, i]) => ({ users: u.data, invitations: i.data })),
    [q],
  );
  const { data, error, reload } = useLoad(loadMembers);
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const act = async (fn: () => Promise<unknown>, done?: string) => {
    setActionError(null);
    setNotice(null);
    try {
      await fn();
      if (done) setNotice(done);
    } catch (err) {
      setActionError(errorText(err));
    }
    reload();
  };
  const pending = data?.invitations.filter((i) => i.status === 'pending') ?? [];
  const assignable = TENANT_ROLES.filter((r) => mayManage(user.role, r));

  return (
    <div className="stack-lg">
      <Section
        title="Members"
        intro={
          <>
            People of tenant <strong>{tenant}</strong>. A role change signs the person out so it applies at
            once; a tenant always keeps one owner.
          </>
        }
      >
        <Alert error={actionError} onClose={() => setActionError(null)} />
        {notice && <Notice>{notice}</Notice>}
        {error && <LoadError error={error} retry={reload} />}
        {!data && !error && <Loading />}
        {data && (
          <table className="table" aria-label="Members">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Joined (UTC)</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.users.map((m) => {
                const manageable = mayManage(user.role, m.role);
                const me = m.id === user.id;
                return (
                  <tr key={m.id}>
                    <td>
                      {m.name}
                      {me && <span className="tag">You</span>}
                    </td>
                    <td>{m.email}</td>
                    <td>
                      {manageable ? (
                        <select
                          aria-label={`Role of ${m.email}`}
                          value={m.role}
                          onChange={(e) =>
                            void act(
                              () =>
                                api(`/v1/users/${encodeURIComponent(m.id)}`, {
                                  method: 'PATCH',
                                  body: JSON.stringify({ role: e.target.value }),
                                }),
                              `${m.name} is now ${e.target.value}.`,
                            )
                          }
                        >
                          {TENANT_ROLES.filter((r) => r === m.role || mayManage(user.role, r)).map((r) => (
                            <option key={r} value={r}>
                              {r}
                            </option>
                          ))}
                        </select>
                      ) : (
                        <span className="role-badge">{m.role}</span>
                      )}
                    </td>
                    <td className="mono">{utc(m.created_at)}</td>
                    <td className="actions">
                      {manageable && (
                        <ConfirmButton
                          label="Remove"
                          confirm={`Remove ${m.name}`}
                          onConfirm={() =>
                            act(
                              () => api(`/v1/users/${encodeURIComponent(m.id)}`, { method: 'DELETE' }),
                              `${m.name} was removed.`,
                            )
                          }
                        />
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Section>
      <InviteForm tenant={tenant} roles={assignable} onInvited={reload} />
      {data && (
        <Section title="Pending invitations">
          {pending.length === 0 ? (
            <p className="muted">No invitation is waiting.</p>
          ) : (
            <table className="table" aria-label="Pending invitations">
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Expires (UTC)</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {pending.map((i) => (
                  <tr key={i.id}>
                    <td>{i.email}</td>
                    <td>
                      <span className="role-badge">{i.role}</span>
                    </td>
                    <td className="mono">{utc(i.expires_at)}</td>
                    <td className="actions">
                      {mayManage(user.role, i.role ?? 'viewer') && (
                        <ConfirmButton
                          label="Revoke"
                          confirm="Revoke invitation"
                          onConfirm={() =>
                            act(
                              () =>
                                api(`/v1/users/invitations/${encodeURIComponent(i.id)}`, {
                                  method: 'DELETE',
                                }),
                              `The invitation of ${i.email} was revoked.`,
                            )
                          }
                        />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
      )}
    </div>
  );
}

function InviteForm({
  tenant,
  roles,
  onInvited,
}: {
  tenant: string;
  roles: readonly Role[];
  onInvited: () => void;
}) {
  const { user } = useSession();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('auditor');
  const [error, setError] = useState<string | null>(null);
  const [link, setLink] = useState<{ email: string; url: string } | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setLink(null);
    try {
      const res = await api<{ url: string }>('/v1/users/invitations', {
        method: 'POST',
        body: JSON.stringify({ email, role, ...(user.role === 'operator' ? { tenant } : {}) }),
      });
      setLink({ email, url: res.url });
      setEmail('');
      onInvited();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Section title="Invite someone" intro="Trailmark sends no email: send the link yourself. It works once.">
      <form className="form-row" onSubmit={submit}>
        <label className="field grow">
          <span>Email</span>
          <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label className="field">
          <span>Role</span>
          <select aria-label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {ROLE_TEXT[r as keyof typeof ROLE_TEXT]}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          Create invitation
        </button>
      </form>
      <Alert error={error} />
      {link && (
        <SecretOnce
          label={`Invitation link for ${link.email}`}
          value={link.url}
          note="Shown once. Anyone with the link can join as this person until it expires."
        />
      )}
    </Section>
  );
}

/* ---------------------------------------------------------------- API keys */

const SCOPE_TEXT: Record<string, string> = {
  ingest: 'Ingest — send events',
  read: 'Read — search, facets, history',
  export: 'Export — CSV and NDJSON files',
  admin: 'Admin — keys, people, settings',
};

export function ApiKeySettings() {
  const { user } = useSession();
  const { tenant, picker } = useManagedTenant();
  if (!canAdmin(user)) return <Refused what="API keys" />;
  if (!tenant) return picker;
  return <ApiKeys tenant={tenant} />;
}

function ApiKeys({ tenant }: { tenant: string }) {
  const { user, catalog } = useSession();
  const q = user.role === 'operator' ? `?tenant=${encodeURIComponent(tenant)}` : '';
  const loadKeys = useCallback(
    () => api<{ data: ApiKey[] }>(`/v1/admin/api-keys${q}`).then((r) => r.data),
    [q],
  );
  const { data, error, reload } = useLoad(loadKeys);
  const allowed = ROLE_KEY_SCOPES[user.role];
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['ingest']);
  const [source, setSource] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function create(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    setCreated(null);
    setBusy(true);
    try {
      const res = await api<{ key: string; name: string }>('/v1/admin/api-keys', {
        method: 'POST',
        body: JSON.stringify({ tenant, name, scopes, ...(source ? { source } : {}) }),
      });
      setCreated({ name: res.name, key: res.key });
      setName('');
      reload();
    } catch (err) {
      setFormError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const active = data?.filter((k) => !k.revoked_at) ?? [];
  const revoked = data?.filter((k) => k.revoked_at) ?? [];
  return (
    <div className="stack-lg">
      <Section
        title="Create an API key"
        intro="For services that send or read events. A key never holds more than your role allows."
      >
        <form className="stack" onSubmit={create}>
          <div className="form-row">
            <label className="field grow">
              <span>Name</span>
              <input
                required
                maxLength={128}
                value={name}
                placeholder="file-transfer webhook"
                onChange={(e) => setName(e.target.value)}
              />
            </label>
            <label className="field">
              <span>Only for source</span>
              <select aria-label="Only for source" value={source} onChange={(e) => setSource(e.target.value)}>
                <option value="">Any source</option>
                {catalog.sources.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <fieldset className="scopes">
            <legend>Access</legend>
            {(['ingest', 'read', 'export', 'admin'] as const).map((s) => (
              <label className="check" key={s}>
                <input
                  type="checkbox"
                  disabled={!allowed.includes(s)}
                  checked={scopes.includes(s)}
                  onChange={() =>
                    setScopes((cur) => (cur.includes(s) ? cur.filter((x) => x !== s) : [...cur, s]))
                  }
                />
                {SCOPE_TEXT[s]}
              </label>
            ))}
          </fieldset>
          <div>
            <button type="submit" className="btn btn-primary" disabled={busy || scopes.length === 0}>
              Create key
            </button>
          </div>
        </form>
        <Alert error={formError} />
        {created && (
          <SecretOnce
            label={`API key "${created.name}"`}
            value={created.key}
            note="Copy it now: Trailmark keeps only a hash and cannot show it again."
          />
        )}
      </Section>
      <Section title="Keys" intro={`Keys of tenant ${tenant}. Revoking a key stops it at once.`}>
        <Alert error={actionError} onClose={() => setActionError(null)} />
        {error && <LoadError error={error} retry={reload} />}
        {!data && !error && <Loading />}
        {data && active.length === 0 && <p className="muted">No active key yet.</p>}
        {active.length > 0 && (
          <table className="table" aria-label="API keys">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Access</th>
                <th scope="col">Created (UTC)</th>
                <th scope="col">Last used (UTC)</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {active.map((k) => (
                <tr key={k.id}>
                  <td>
                    {k.name}
                    {k.source && <span className="tag">{k.source}</span>}
                  </td>
                  <td className="mono">{k.prefix}…</td>
                  <td className="tag-list">
                    {k.scopes.map((s) => (
                      <span key={s} className="tag">
                        {s}
                      </span>
                    ))}
                  </td>
                  <td className="mono">{utc(k.created_at)}</td>
                  <td className="mono">{k.last_used_at ? utc(k.last_used_at) : 'never'}</td>
                  <td className="actions">
                    <ConfirmButton
                      label="Revoke"
                      confirm={`Revoke ${k.name}`}
                      onConfirm={async () => {
                        setActionError(null);
                        try {
                          await api(`/v1/admin/api-keys/${encodeURIComponent(k.id)}`, { method: 'DELETE' });
                        } catch (err) {
                          setActionError(errorText(err));
                        }
                        reload();
                      }}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {revoked.length > 0 && (
          <details className="revoked">
            <summary>
              {revoked.length} revoked key{revoked.length === 1 ? '' : 's'}
            </summary>
            <ul>
              {revoked.map((k) => (
                <li key={k.id}>
                  {k.name} <span className="mono muted">{k.prefix}…</span> revoked {utc(k.revoked_at!)}
                </li>
              ))}
            </ul>
          </details>
        )}
      </Section>
    </div>
  );
}

/* ---------------------------------------------------------------- Sources and retention */

interface RetentionRuns {
  data: {
    id: string;
    started_at: string;
    finished_at: string;
    deleted: number;
    tasks: { tenant: string; source: string; retention: string; deleted: number }[];
  }[];
}

function period(v: { days?: number; months?: number } | undefined): string {
  if (v?.days !== undefined) return `${v.days} day${v.days === 1 ? '' : 's'}`;
  if (v?.months !== undefined) return `${v.months} month${v.months === 1 ? '' : 's'}`;
  return '—';
}

const loadRuns = () => api<RetentionRuns>('/v1/admin/retention/runs');

export function SourceSettings() {
  const { user, catalog } = useSession();
  const { source: open } = useParams();
  if (!canAdmin(user)) return <Refused what="Sources" />;
  return (
    <div className="stack-lg">
      <Section
        title="Sources and retention"
        intro="Each source maps one product's own events to Trailmark actions. Events older than the retention are deleted."
      >
        <table className="table" aria-label="Sources">
          <thead>
            <tr>
              <th scope="col">Source</th>
              <th scope="col">Actions</th>
              <th scope="col">Retention</th>
              <th scope="col">
                <span className="sr-only">Links</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {catalog.sources.map((s) => (
              <tr key={s.id}>
                <td>
                  <strong>{s.name}</strong>
                  <div className="hint">{s.description ?? s.id}</div>
                </td>
                <td>{s.actions.length}</td>
                <td className="nowrap">{period(s.retention)}</td>
                <td className="actions">
                  <Link to={open === s.id ? '/settings/sources' : `/settings/sources/${s.id}`}>
                    {open === s.id ? 'Hide actions' : 'Actions'}
                  </Link>
                  <Link to={`/events?source=${encodeURIComponent(s.id)}`}>Events</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      {open && <SourceActions id={open} />}
      {user.role === 'operator' && <RetentionRunList />}
    </div>
  );
}

function SourceActions({ id }: { id: string }) {
  const { catalog } = useSession();
  const source = catalog.sources.find((s) => s.id === id);
  if (!source) return <Alert error={`No source "${id}".`} />;
  return (
    <Section
      title={`${source.name}: actions`}
      intro="The product's own name is what its logs call the action."
    >
      <table className="table" aria-label={`Actions of ${source.name}`}>
        <thead>
          <tr>
            <th scope="col">Action</th>
            <th scope="col">Product name</th>
            <th scope="col">Category</th>
            <th scope="col">Meaning</th>
          </tr>
        </thead>
        <tbody>
          {source.actions.map((a) => (
            <tr key={a.action}>
              <td>
                <Link to={`/events?source=${encodeURIComponent(id)}&action=${encodeURIComponent(a.action)}`}>
                  {a.label}
                </Link>
                <div className="hint mono">{a.action}</div>
              </td>
              <td className="mono">{a.source_action ?? '—'}</td>
              <td>{a.category}</td>
              <td className="muted">{a.description ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}

function RetentionRunList() {
  const { data, error, reload } = useLoad(loadRuns);
  return (
    <Section title="Retention runs" intro="The last purges across every tenant (operator only).">
      {error && <LoadError error={error} retry={reload} />}
      {!data && !error && <Loading />}
      {data && data.data.length === 0 && <p className="muted">No retention run yet.</p>}
      {data && data.data.length > 0 && (
        <table className="table" aria-label="Retention runs">
          <thead>
            <tr>
              <th scope="col">Finished (UTC)</th>
              <th scope="col">Deleted</th>
              <th scope="col">Per tenant and source</th>
            </tr>
          </thead>
          <tbody>
            {data.data.map((r) => (
              <tr key={r.id}>
                <td className="mono">{utc(r.finished_at)}</td>
                <td>{r.deleted.toLocaleString()}</td>
                <td className="hint">
                  {r.tasks
                    .filter((t) => t.deleted > 0)
                    .map((t) => `${t.tenant}/${t.source}: ${t.deleted.toLocaleString()} (${t.retention})`)
                    .join(', ') || 'nothing past retention'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
