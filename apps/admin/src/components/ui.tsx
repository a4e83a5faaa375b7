import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { errorText } from '../api.ts';
import { useSession } from '../session.tsx';

/** The building blocks of the management pages (settings, streams, checkpoints): one look for all. */

/** A section a role may not open, when reached by a link. */
export function Refused({ what }: { what: string }) {
  return (
    <div className="state-card" role="alert">
      <h2>{what} is not available to your role</h2>
      <p className="muted">Ask an owner or admin of your tenant.</p>
    </div>
  );
}

export function Section({
  title,
  intro,
  children,
}: {
  title: string;
  intro?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section className="card" aria-label={title}>
      <header className="card-head">
        <h2>{title}</h2>
        {intro && <p className="muted">{intro}</p>}
      </header>
      {children}
    </section>
  );
}

export function Alert({ error, onClose }: { error: string | null; onClose?: () => void }) {
  if (!error) return null;
  return (
    <div className="alert alert-error" role="alert">
      <span>{error}</span>
      {onClose && (
        <button type="button" className="btn btn-ghost btn-sm" onClick={onClose} aria-label="Dismiss">
          ×
        </button>
      )}
    </div>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <div className="alert alert-ok" role="status">
      {children}
    </div>
  );
}

/** A value to copy once (a key, a link): selectable, with a copy button that says when it worked. */
export function SecretOnce({ label, value, note }: { label: string; value: string; note: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="secret-once" role="status">
      <strong>{label}</strong>
      <p className="hint">{note}</p>
      <div className="secret-row">
        <input
          className="secret-value mono"
          readOnly
          aria-label={label}
          value={value}
          onFocus={(e) => e.target.select()}
        />
        <button
          type="button"
          className="btn btn-sm"
          onClick={() =>
            void navigator.clipboard?.writeText(value).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </div>
  );
}

/** A destructive action asks once more inline (no browser dialog), naming what it will do. */
export function ConfirmButton({
  label,
  confirm,
  onConfirm,
}: {
  label: string;
  confirm: string;
  onConfirm: () => Promise<void> | void;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!asking)
    return (
      <button type="button" className="btn btn-sm btn-danger-ghost" onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  return (
    <span className="confirm">
      <button
        type="button"
        className="btn btn-sm btn-danger"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          try {
            await onConfirm();
          } finally {
            setBusy(false);
            setAsking(false);
          }
        }}
      >
        {confirm}
      </button>
      <button type="button" className="btn btn-sm btn-ghost" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

/** The operator manages one tenant at a time: without a choice, ask for one. */
export function useManagedTenant(): { tenant: string | undefined; picker: ReactNode } {
  const session = useSession();
  if (session.user.role !== 'operator' || session.tenant) return { tenant: session.tenant, picker: null };
  return {
    tenant: undefined,
    picker: (
      <div className="state-card">
        <h2>Choose a tenant</h2>
        <p className="muted">The operator manages people and keys one tenant at a time.</p>
        <label className="field">
          <span>Tenant</span>
          <select value="" onChange={(e) => session.setTenant(e.target.value || undefined)}>
            <option value="">Choose…</option>
            {session.tenants.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
      </div>
    ),
  };
}

export function useLoad<T>(load: () => Promise<T>): {
  data: T | null;
  error: string | null;
  reload: () => void;
} {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick asks for a reload
  useEffect(() => {
    let live = true;
    setError(null);
    load().then(
      (d) => live && setData(d),
      (e: unknown) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [load, tick]);
  return { data, error, reload: useCallback(() => setTick((n) => n + 1), []) };
}

export function Loading() {
  return <div className="spinner" role="status" aria-label="Loading" />;
}

export function LoadError({ error, retry }: { error: string; retry: () => void }) {
  return (
    <div className="alert alert-error" role="alert">
      <span>Could not load: {error}</span>
      <button type="button" className="btn btn-sm" onClick={retry}>
        Retry
      </button>
    </div>
  );
}
