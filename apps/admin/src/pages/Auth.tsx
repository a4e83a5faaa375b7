import { type FormEvent, type ReactNode, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { ApiError, api, auth, whoAmI } from '../api.ts';

/** Where to go after signing in: the view the user was on, never another origin. */
function nextOf(params: URLSearchParams): string {
  // `/` lands each role on its first page (the audit log, or asset history for viewers).
  const next = params.get('next') ?? '/';
  return next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

function AuthCard({ title, subtitle, children }: { title: string; subtitle?: string; children: ReactNode }) {
  return (
    <main className="auth-page">
      <div className="auth-card">
        <div className="brand brand-lg">
          <img src="/favicon.svg" alt="" width="28" height="28" />
          <span>Trailmark</span>
        </div>
        <h1>{title}</h1>
        {subtitle && <p className="muted">{subtitle}</p>}
        {children}
      </div>
    </main>
  );
}

function ErrorNote({ error }: { error: string | null }) {
  return error ? (
    <p className="form-error" role="alert">
      {error}
    </p>
  ) : null;
}

export function SignIn() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function withPassword(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      auth.setToken(null);
      await api('/v1/auth/sign-in', { method: 'POST', body: JSON.stringify({ email, password }) });
      navigate(nextOf(params), { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404)
        setError('Password sign-in is not enabled on this server yet; sign in with an API token below.');
      else if (err instanceof ApiError && err.status === 429)
        setError('Too many attempts. Wait a minute and try again.');
      else if (err instanceof ApiError && err.status === 401)
        setError('That email and password do not match.');
      else setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  async function withToken(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    auth.setToken(token.trim());
    try {
      await whoAmI();
      navigate(nextOf(params), { replace: true });
    } catch (err) {
      auth.setToken(null);
      setError(
        err instanceof ApiError && err.status === 401 ? 'The server did not accept this token.' : String(err),
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthCard title="Sign in" subtitle="Audit log for your workspaces">
      <form onSubmit={withPassword} className="stack">
        <label className="field">
          <span>Email</span>
          <input
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <ErrorNote error={error} />
        <button type="submit" className="btn btn-primary" disabled={busy}>
          Sign in
        </button>
      </form>
      <details className="token-signin">
        <summary>Sign in with an API token</summary>
        <form onSubmit={withToken} className="stack">
          <label className="field">
            <span>API token</span>
            <input
              type="password"
              autoComplete="off"
              required
              value={token}
              onChange={(e) => setToken(e.target.value)}
              placeholder="tma_… or tm_…"
            />
          </label>
          <button type="submit" className="btn" disabled={busy}>
            Use token
          </button>
          <p className="hint">
            The operator token is printed when the server starts. It is kept for this tab only.
          </p>
        </form>
      </details>
    </AuthCard>
  );
}

function PasswordForm({
  submit,
  label,
  withEmail,
}: {
  submit: (body: { email?: string; name: string; password: string }) => Promise<void>;
  label: string;
  withEmail: boolean;
}) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="stack"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          await submit({ ...(withEmail ? { email } : {}), name, password });
        } catch (err) {
          setError(
            err instanceof ApiError
              ? [err.message, ...err.details.map((d) => `${d.path}: ${d.message}`)].join(' — ')
              : String(err),
          );
        } finally {
          setBusy(false);
        }
      }}
    >
      {withEmail && (
        <label className="field">
          <span>Email</span>
          <input
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
      )}
      <label className="field">
        <span>Name</span>
        <input autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label className="field">
        <span>Password</span>
        <input
          type="password"
          autoComplete="new-password"
          required
          minLength={12}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <ErrorNote error={error} />
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {label}
      </button>
    </form>
  );
}

export function Setup() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const token = params.get('token') ?? '';
  return (
    <AuthCard title="Set up Trailmark" subtitle="Create the first owner account. The setup link works once.">
      {token ? (
        <PasswordForm
          withEmail
          label="Create owner"
          submit={async (body) => {
            await api('/v1/auth/setup', { method: 'POST', body: JSON.stringify({ token, ...body }) });
            navigate('/', { replace: true });
          }}
        />
      ) : (
        <p className="form-error">This page needs the setup link the server printed when it started.</p>
      )}
    </AuthCard>
  );
}

export function AcceptInvitation() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const token = params.get('token') ?? '';
  return (
    <AuthCard title="Join Trailmark" subtitle="Choose your name and password to accept the invitation.">
      {token ? (
        <PasswordForm
          withEmail={false}
          label="Accept invitation"
          submit={async (body) => {
            await api('/v1/auth/accept-invitation', {
              method: 'POST',
              body: JSON.stringify({ token, ...body }),
            });
            navigate('/', { replace: true });
          }}
        />
      ) : (
        <p className="form-error">This page needs the invitation link you were sent.</p>
      )}
    </AuthCard>
  );
}
