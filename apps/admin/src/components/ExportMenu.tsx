import { useState } from 'react';
import { Link } from 'react-router';
import { api, download, request } from '../api.ts';

/** Below this many rows the file streams at once; above it the export runs as a job with progress. */
const DIRECT_LIMIT = 50_000;

interface Job {
  id: string;
  status: string;
  rows_written: number;
  rows_estimate: number;
  file_name?: string;
}

export function ExportMenu({ query, total }: { query: URLSearchParams; total: number | null }) {
  const [open, setOpen] = useState(false);
  const [status, setStatus] = useState<{ text: string; progress?: number; error?: boolean } | null>(null);

  async function run(format: 'csv' | 'ndjson') {
    setOpen(false);
    try {
      if (total !== null && total > DIRECT_LIMIT) {
        const filters: Record<string, string | string[]> = {};
        for (const key of new Set(query.keys())) {
          const all = query.getAll(key);
          filters[key] = ['q', 'from', 'to', 'target_path_prefix'].includes(key) ? all[0] : all;
        }
        let job = await api<Job>('/v1/exports', {
          method: 'POST',
          body: JSON.stringify({ format, filters }),
        });
        while (job.status === 'queued' || job.status === 'running') {
          setStatus({
            text: `Exporting ${job.rows_written.toLocaleString()} of ${job.rows_estimate.toLocaleString()}`,
            progress: job.rows_estimate ? job.rows_written / job.rows_estimate : 0,
          });
          await new Promise((r) => setTimeout(r, 1000));
          job = await api<Job>(`/v1/exports/${job.id}`);
        }
        if (job.status !== 'completed') throw new Error(`export ${job.status}`);
        const res = await request(`/v1/exports/${job.id}/download`);
        download(await res.blob(), job.file_name ?? `trailmark-export.${format}`);
      } else {
        setStatus({ text: 'Preparing download…' });
        const q = new URLSearchParams(query);
        q.set('format', format);
        const res = await request(`/v1/export?${q}`);
        const name =
          /filename="?([^";]+)"?/.exec(res.headers.get('Content-Disposition') ?? '')?.[1] ??
          `trailmark-export.${format}`;
        download(await res.blob(), name);
      }
      setStatus({ text: 'Downloaded' });
      setTimeout(() => setStatus(null), 3000);
    } catch (err) {
      setStatus({ text: `Export failed: ${err instanceof Error ? err.message : String(err)}`, error: true });
    }
  }

  return (
    <div className="picker">
      <button
        type="button"
        className="btn btn-primary"
        aria-expanded={open}
        disabled={total === 0}
        onClick={() => setOpen(!open)}
      >
        Export
      </button>
      {status && (
        <span className={`export-status${status.error ? ' form-error' : ''}`} role="status">
          {status.progress !== undefined && (
            <progress max={1} value={status.progress} aria-label="Export progress" />
          )}
          {status.text}
        </span>
      )}
      {open && (
        <div className="popover popover-right" role="menu" aria-label="Export format">
          <button type="button" role="menuitem" className="menu-item" onClick={() => void run('csv')}>
            CSV <span className="option-hint">spreadsheets, reports</span>
          </button>
          <button type="button" role="menuitem" className="menu-item" onClick={() => void run('ndjson')}>
            NDJSON <span className="option-hint">one JSON event per line</span>
          </button>
          <p className="hint pad">
            {total === null ? '' : `${total.toLocaleString()} events, every filter of this view.`}{' '}
            <Link to="/exports">My exports</Link>
          </p>
        </div>
      )}
    </div>
  );
}
