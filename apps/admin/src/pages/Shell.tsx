import { useCallback, useEffect, useMemo, useState } from 'react';
import { Navigate, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { ApiError, api, auth, type Catalog, onUnauthenticated, type User, whoAmI } from '../api.ts';
import { canReadLog, SessionContext, type SessionValue, useSession } from '../session.tsx';

/** The signed-in frame: who I am, the catalog, the top bar. Anything unauthenticated returns to sign-in. */
export function Shell() {
  const navigate = useNavigate();
  const location = useLocation();
  const [state, setState] = useState<{ user: User; catalog: Catalog } | { error: string } | null>(null);

  const toSignIn = useCallback(() => {
    const next = `${window.location.pathname}${window.location.search}`;
    navigate(`/sign-in?next=${encodeURIComponent(next)}`, { replace: true });
  }, [navigate]);

  useEffect(() => onUnauthenticated(toSignIn), [toSignIn]);

  const load = useCallback(async () => {
    setState(null);
    try {
      const user = await whoAmI();
      const catalog = await api<Catalog>('/v1/catalog');
      setState({ user, catalog });
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
    return {
      ...state,
      actionLabel: (source, action) =>
        byKey.get(`${source}/${action}`)?.label ?? anySource.get(action) ?? action,
      productName: (source, action) => byKey.get(`${source}/${action}`)?.source_action,
      async signOut() {
        if (!auth.token()) await api('/v1/auth/sign-out', { method: 'POST' }).catch(() => undefined);
        auth.setToken(null);
        navigate('/sign-in', { replace: true });
      },
    };
  }, [state, navigate]);

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
  return (
    <SessionContext.Consumer>
      {(session) => (
        <header className="topbar">
          <div className="brand">
            <img src="/favicon.svg" alt="" width="22" height="22" />
            <span>Trailmark</span>
          </div>
          <nav aria-label="Main">
            {logAllowed && <NavLink to="/events">Audit log</NavLink>}
            <NavLink to="/history">Asset history</NavLink>
          </nav>
          <div className="topbar-end">
            {session && (
              <>
                <span className="who" title={session.user.email || 'API token'}>
                  {session.user.name}
                  <span className="role-badge">{session.user.role}</span>
                </span>
                <button type="button" className="btn btn-ghost btn-sm" onClick={() => void session.signOut()}>
                  Sign out
                </button>
              </>
            )}
          </div>
        </header>
      )}
    </SessionContext.Consumer>
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
