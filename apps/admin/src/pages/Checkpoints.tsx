import { useCallback, useState } from 'react';
import { api, errorText } from '../api.ts';
import { Alert, LoadError, Loading, Notice, Section, useLoad, useManagedTenant } from '../components/ui.tsx';
import { checkConsistency, logKeys, openCheckpoint, type SignedCheckpoint } from '../evidence.ts';
import { utc } from '../format.ts';
import { canAdmin, useSession } from '../session.tsx';

interface CheckpointList {
  tenant: string;
  origin: string;
  public_key: string;
  data: SignedCheckpoint[];
}

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/**
 * The tenant's signed checkpoints (issue 16), newest first. Each signature is checked in this browser
 * against the log's published keys; on request, each checkpoint is also proven to extend the one before
 * it (an RFC 6962 consistency proof), so a rewritten history shows here.
 */
export default function Checkpoints() {
  const { tenant, picker } = useManagedTenant();
  const { user } = useSession();
  return (
    <main className="settings-page exports-page">
      <div className="settings-body wide">
        {user.role === 'operator' && !tenant ? picker : <CheckpointTable tenant={tenant} />}
      </div>
    </main>
  );
}

function CheckpointTable({ tenant }: { tenant: string | undefined }) {
  const { user } = useSession();
  const q = tenant ? `?tenant=${encodeURIComponent(tenant)}&limit=50` : '?limit=50';
  const load = useCallback(
    async () => ({ list: await api<CheckpointList>(`/v1/checkpoints${q}`), keys: await logKeys() }),
    [q],
  );
  const { data, error, reload } = useLoad(load);
  const [consistent, setConsistent] = useState<Record<number, boolean | 'checking'>>({});
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);

  async function checkAll() {
    if (!data) return;
    setActionError(null);
    const rows = data.list.data;
    try {
      // Newest first: each one against the next older.
      for (let i = 0; i + 1 < rows.length; i++) {
        const newer = rows[i] as SignedCheckpoint;
        setConsistent((c) => ({ ...c, [newer.id]: 'checking' }));
        const ok = await checkConsistency(rows[i + 1] as SignedCheckpoint, newer, data.keys);
        setConsistent((c) => ({ ...c, [newer.id]: ok }));
      }
    } catch (err) {
      setActionError(errorText(err));
    }
  }

  async function signNow() {
    setActionError(null);
    setNotice(null);
    try {
      const made = await api<SignedCheckpoint>(
        `/v1/checkpoints${tenant ? `?tenant=${encodeURIComponent(tenant)}` : ''}`,
        {
          method: 'POST',
        },
      );
      setNotice(`Checkpoint ${made.id} signed over ${made.tree_size.toLocaleString()} events.`);
      setConsistent({});
      reload();
    } catch (err) {
      setActionError(errorText(err));
    }
  }

  const rows = data?.list.data ?? [];
  return (
    <div className="stack-lg">
      <Section
        title="Signed checkpoints"
        intro="Every event is a leaf of its tenant's Merkle log. A checkpoint signs the log's size and root; keep copies elsewhere, and any later edit, deletion or reordering of what it covers can be proven."
      >
        {data && (
          <div className="secret-row key-row">
            <span className="muted">Public key</span>
            <input
              className="secret-value mono"
              readOnly
              aria-label="Public key"
              value={data.list.public_key}
            />
            <button
              type="button"
              className="btn btn-sm"
              onClick={() =>
                void navigator.clipboard?.writeText(data.list.public_key).then(
                  () => setCopied(true),
                  () => undefined,
                )
              }
            >
              {copied ? 'Copied' : 'Copy'}
            </button>
          </div>
        )}
        <div className="card-foot">
          <button
            type="button"
            className="btn btn-primary btn-sm"
            disabled={rows.length < 2}
            onClick={() => void checkAll()}
          >
            Check consistency
          </button>
          {canAdmin(user) && (
            <button type="button" className="btn btn-sm" onClick={() => void signNow()}>
              Sign now
            </button>
          )}
          {data && <span className="hint">Log origin {data.list.origin}</span>}
        </div>
        {notice && <Notice>{notice}</Notice>}
        <Alert error={actionError} onClose={() => setActionError(null)} />
        {error && <LoadError error={error} retry={reload} />}
        {!data && !error && <Loading />}
        {data && rows.length === 0 && (
          <p className="muted">
            No checkpoint yet. The server signs one on its schedule (hourly by default) whenever the log has
            grown{canAdmin(user) ? '; Sign now signs one at once.' : '.'}
          </p>
        )}
        {rows.length > 0 && data && (
          <table className="table" aria-label="Checkpoints">
            <thead>
              <tr>
                <th scope="col" className="num">
                  #
                </th>
                <th scope="col" className="num">
                  Tree size
                </th>
                <th scope="col">Signed (UTC)</th>
                <th scope="col">Root hash</th>
                <th scope="col">Key</th>
                <th scope="col">Signature</th>
                <th scope="col">Extends the previous</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((c, i) => {
                const opened = openCheckpoint(c.note, data.keys);
                const cons = consistent[c.id];
                return (
                  <tr key={c.id}>
                    <td className="num mono">{c.id}</td>
                    <td className="num mono">{c.tree_size.toLocaleString()}</td>
                    <td className="mono">
                      {utc(opened.ok && opened.signedAt ? opened.signedAt : c.created_at)}
                    </td>
                    <td className="mono" title={opened.ok ? b64(opened.root) : undefined}>
                      {opened.ok ? `${b64(opened.root).slice(0, 16)}…` : '—'}
                    </td>
                    <td className="mono">{c.key_id}</td>
                    <td>
                      {opened.ok ? (
                        <span className="badge badge-ok">✓ Valid</span>
                      ) : (
                        <span className="badge badge-bad">✗ {opened.reason}</span>
                      )}
                    </td>
                    <td>
                      {i === rows.length - 1 ? (
                        <span className="muted">oldest shown</span>
                      ) : cons === undefined ? (
                        <span className="muted">not checked</span>
                      ) : cons === 'checking' ? (
                        <span className="muted">checking…</span>
                      ) : cons ? (
                        <span className="badge badge-ok">✓ Consistent</span>
                      ) : (
                        <span className="badge badge-bad">✗ Inconsistent</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
}
