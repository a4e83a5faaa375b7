import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api, download, type ExportJob, errorText, request } from '../api.ts';
import { bytes, utc } from '../format.ts';
import { canExport, useSession } from '../session.tsx';

/** The id a job names its creator by: a person's id, or "operator" for the operator token. */
function myId(user: { id: string; role: string }): string {
  return user.id === 'token' ? 'operator' : user.id;
}

/** A job's filters as the audit log's URL, so "open view" shows what was exported. */
function viewLink(job: ExportJob): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(job.filters ?? {})) {
    if (k === 'tenant') continue;
    for (const one of Array.isArray(v) ? v : [v]) if (typeof one === 'string') q.append(k, one);
  }
  if (!q.has('from') && !q.has('to')) q.set('range', 'all');
  return `/events?${q}`;
}

const STATUS_CLASS: Record<ExportJob['status'], string> = {
  queued: 'result-denied',
  running: 'result-denied',
  completed: 'result-success',
  failed: 'result-failure',
  expired: 'result-error',
};

/**
 * My recent exports (GET /v1/exports, the ones I started): progress while they run, the file when done,
 * until it expires. Loaded on demand like settings.
 */
export default function Exports() {
  const { user } = useSession();
  const [jobs, setJobs] = useState<ExportJob[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      const res = await api<{ data: ExportJob[] }>('/v1/exports');
      const mine = res.data.filter((j) => j.created_by === myId(user));
      mine.sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
      setJobs(mine);
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }, [user]);
  useEffect(() => {
    void load();
  }, [load]);
  const running = jobs?.some((j) => j.status === 'queued' || j.status === 'running');
  // Poll while something runs, so the progress bars move and the download appears by itself.
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => void load(), 1500);
    return () => clearInterval(timer);
  }, [running, load]);

  if (!canExport(user))
    return (
      <main className="page-center">
        <div className="state-card" role="alert">
          <h1>Exports are not available to your role</h1>
        </div>
      </main>
    );

  return (
    <main className="settings-page exports-page">
      <div className="settings-body wide">
        <section className="card" aria-label="My exports">
          <header className="card-head">
            <h2>My exports</h2>
            <p className="muted">
              Exports you started from the audit log. Large ones run in the background; files are kept until
              they expire.
            </p>
          </header>
          {actionError && (
            <div className="alert alert-error" role="alert">
              {actionError}
            </div>
          )}
          {error && (
            <div className="alert alert-error" role="alert">
              <span>Could not load exports: {error}</span>
              <button type="button" className="btn btn-sm" onClick={() => void load()}>
                Retry
              </button>
            </div>
          )}
          {!jobs && !error && <div className="spinner" role="status" aria-label="Loading" />}
          {jobs && jobs.length === 0 && (
            <div className="empty-inline">
              <p className="muted">No export yet. Export any view of the audit log with its Export button.</p>
              <Link className="btn" to="/events">
                Open the audit log
              </Link>
            </div>
          )}
          {jobs && jobs.length > 0 && (
            <table className="table" aria-label="My exports">
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col">Status</th>
                  <th scope="col">Rows</th>
                  <th scope="col">Size</th>
                  <th scope="col">Started (UTC)</th>
                  <th scope="col">Expires (UTC)</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {jobs.map((j) => (
                  <tr key={j.id}>
                    <td>
                      <span className="mono">{j.file_name}</span>
                      <div className="hint">
                        <Link to={viewLink(j)}>Open this view</Link>
                      </div>
                    </td>
                    <td>
                      <span className={`result ${STATUS_CLASS[j.status]}`}>{j.status}</span>
                      {(j.status === 'running' || j.status === 'queued') && (
                        <progress
                          className="job-progress"
                          max={1}
                          value={j.progress}
                          aria-label={`Progress of ${j.file_name}`}
                        />
                      )}
                      {j.error && <div className="hint">{j.error}</div>}
                    </td>
                    <td>
                      {j.rows_written.toLocaleString()}
                      {j.status !== 'completed' && j.rows_estimate > 0 && (
                        <span className="muted"> of {j.rows_estimate.toLocaleString()}</span>
                      )}
                    </td>
                    <td>{j.bytes ? bytes(j.bytes) : '—'}</td>
                    <td className="mono">{utc(j.created_at)}</td>
                    <td className="mono">{utc(j.expires_at)}</td>
                    <td className="actions">
                      {j.status === 'completed' && (
                        <button
                          type="button"
                          className="btn btn-sm"
                          onClick={async () => {
                            setActionError(null);
                            try {
                              const res = await request(j.download_url);
                              download(await res.blob(), j.file_name);
                            } catch (err) {
                              setActionError(errorText(err));
                            }
                          }}
                        >
                          Download
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </main>
  );
}
