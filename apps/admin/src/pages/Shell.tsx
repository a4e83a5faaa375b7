import { useCallback, useEffect, useMemo, useState } from 'react';
import { Navigate, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { ApiError, api, auth, type Catalog, onUnauthenticated, type User, whoAmI } from '../api.ts';
import {
  canAdmin,
  canExport,
  canReadLog,
  hasAccount,
  SessionContext,
  type SessionValue,
  useSession,
} from '../session.tsx';

const TENANT_KEY = 'trailmark.tenant';

/** The signed-in frame: who I am, the catalog, the top bar. Anything unauthenticated returns to sign-in. */
export function Shell() {
  const navigate = useNavigate();
  const location = useLocation();
  const [state, setState] = useState<
    { user: User; catalog: Catalog; tenants: string[] } | { error: string } | null
  >(null);
  // The operator's tenant choice, kept for the tab like the token.
  const [chosen, setChosen] = useState<string | undefined>(
    () => sessionStorage.getItem(TENANT_KEY) ?? undefined,
  );

  const toSignIn = useCallback(() => {
    // A view's parallel requests all get 401: the first one leaves, the others must not nest sign-in in `next`.
    if (window.location.pathname === '/sign-in') return;
    const next = `${window.location.pathname}${window.location.search}`;
    navigate(`/sign-in?next=${encodeURIComponent(next)}`, { replace: true });
  }, [navigate]);

  useEffect(() => onUnauthenticated(toSignIn), [toSignIn]);

  const load = useCallback(async () => {
    setState(null);
    try {
      const user = await whoAmI();
      const catalog = await api<Catalog>('/v1/catalog');
      const tenants =
        user.role === 'operator'
          ? (await api<{ tenants: { id: string }[] }>('/v1/tenants')).tenants.map((t) => t.id)
          : [];
      setState({ user, catalog, tenants });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) toSignIn();
      else setState({ error: err instanceof Error ? err.message : String(err) });
    }
  }, [toSignIn]);

  useEffect(() => {
    void load();
  }, [load]);

  const session = useMemo<SessionValue | null>(() => {
    if (!state || 'error' in state) return null;
    const byKey = new Map<string, { label: string; source_action?: string }>();
    const anySource = new Map<string, string>();
    for (const s of state.catalog.sources)
      for (const a of s.actions) {
        byKey.set(`${s.id}/${a.action}`, a);
        if (!anySource.has(a.action)) anySource.set(a.action, a.label);
      }
    const operator = state.user.role === 'operator';
    return {
      ...state,
      tenant: operator ? chosen : (state.user.tenant ?? undefined),
      setTenant(tenant) {
        if (!operator) return;
        if (tenant) sessionStorage.setItem(TENANT_KEY, tenant);
        else sessionStorage.removeItem(TENANT_KEY);
        setChosen(tenant);
      },
      actionLabel: (source, action) =>
        byKey.get(`${source}/${action}`)?.label ?? anySource.get(action) ?? action,
      productName: (source, action) => byKey.get(`${source}/${action}`)?.source_action,
      async signOut() {
        if (!auth.token()) await api('/v1/auth/sign-out', { method: 'POST' }).catch(() => undefined);
        auth.setToken(null);
        sessionStorage.removeItem(TENANT_KEY);
        navigate('/sign-in', { replace: true });
      },
    };
  }, [state, navigate, chosen]);

  if (!state)
    return (
      <div className="page-center" aria-busy="true">
        <div className="spinner" role="status" aria-label="Loading" />
      </div>
    );
  if ('error' in state)
    return (
      <div className="page-center">
        <div className="state-card" role="alert">
          <h1>Trailmark is not answering</h1>
          <p className="muted">{state.error}</p>
          <button type="button" className="btn btn-primary" onClick={() => void load()}>
            Retry
          </button>
        </div>
      </div>
    );
  if (!session) return null;
  const logAllowed = canReadLog(session.user);
  if (!logAllowed && location.pathname.startsWith('/events')) {
    return (
      <SessionContext.Provider value={session}>
        <TopBar logAllowed={false} />
        <div className="page-center">
          <div className="state-card" role="alert">
            <h1>The audit log is not available to your role</h1>
            <p className="muted">Viewers can open the history of a file, folder or collection.</p>
            <NavLink className="btn btn-primary" to="/history">
              Open asset history
            </NavLink>
          </div>
        </div>
      </SessionContext.Provider>
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <TopBar logAllowed={logAllowed} />
      <Outlet />
    </SessionContext.Provider>
  );
}

function TopBar({ logAllowed }: { logAllowed: boolean }) {
  const session = useSession();
  const { user } = session;
  return (
    <header className="topbar">
      <div className="brand">
        <img src="/favicon.svg" alt="" width="22" height="22" />
        <span>Trailmark</span>
      </div>
      <nav aria-label="Main">
        {logAllowed && <NavLink to="/events">Audit log</NavLink>}
        <NavLink to="/history">Asset history</NavLink>
        {canExport(user) && <NavLink to="/exports">Exports</NavLink>}
        {logAllowed && <NavLink to="/streams">Streams</NavLink>}
        {logAllowed && <NavLink to="/checkpoints">Checkpoints</NavLink>}
        {canAdmin(user) && <NavLink to="/settings">Settings</NavLink>}
      </nav>
      <div className="topbar-end">
        {user.role === 'operator' && (
          <label className="tenant-switch">
            <span className="muted">Tenant</span>
            <select
              aria-label="Tenant"
              value={session.tenant ?? ''}
              onChange={(e) => session.setTenant(e.target.value || undefined)}
            >
              <option value="">All tenants</option>
              {session.tenants.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </label>
        )}
        {hasAccount(user) ? (
          <NavLink to="/settings/account" className="who" title={`${user.email} · my account`}>
            {user.name}
            <span className="role-badge">{user.role}</span>
          </NavLink>
        ) : (
          <span className="who" title="API token">
            {user.name}
            <span className="role-badge">{user.role}</span>
          </span>
        )}
        <button type="button" className="btn btn-ghost btn-sm" onClick={() => void session.signOut()}>
          Sign out
        </button>
      </div>
    </header>
  );
}

/** `/`: the first page the role may use. */
export function Home() {
  const { user } = useSession();
  return <Navigate to={canReadLog(user) ? '/events' : '/history'} replace />;
}

/** A render error: say so and offer a way back instead of a blank page. */
export function CrashPage() {
  return (
    <div className="page-center">
      <div className="state-card" role="alert">
        <h1>Something went wrong on this page</h1>
        <p className="muted">The view could not be shown. Reload it, or start again from the audit log.</p>
        <button type="button" className="btn btn-primary" onClick={() => window.location.reload()}>
          Reload
        </button>
        <a href="/events">Back to the audit log</a>
      </div>
    </div>
  );
}
