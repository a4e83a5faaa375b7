import { useState } from 'react';
import { Link } from 'react-router';
import { type AuditEvent, errorText } from '../api.ts';
import type { Verdict } from '../evidence.ts';

/**
 * The event's place in its tenant's tamper-evident log, on demand: the proof is fetched and checked in
 * this browser (the verifier is its own chunk, loaded on the first click).
 */
export function Verified({ event }: { event: AuditEvent }) {
  const [state, setState] = useState<Verdict | { checking: true } | { error: string } | null>(null);

  async function check() {
    setState({ checking: true });
    try {
      const { verifyEvent } = await import('../evidence.ts');
      setState(await verifyEvent(event));
    } catch (err) {
      setState({ error: errorText(err) });
    }
  }

  if (!state)
    return (
      <div className="evidence">
        <button type="button" className="btn btn-sm" onClick={() => void check()}>
          Verify integrity
        </button>
        <span className="hint">Proves this event is in the signed log, unchanged.</span>
      </div>
    );
  if ('checking' in state)
    return (
      <div className="evidence" role="status">
        <span className="muted">Checking the proof…</span>
      </div>
    );
  if ('error' in state)
    return (
      <div className="evidence" role="alert">
        <span className="badge badge-warn">Not checked</span>
        <span className="hint">{state.error}</span>
        <button type="button" className="btn btn-sm btn-ghost" onClick={() => void check()}>
          Retry
        </button>
      </div>
    );
  if (!state.ok)
    return (
      <div className="evidence" role="alert">
        <span className="badge badge-bad">Verification failed</span>
        <span className="form-error">{state.reason}</span>
      </div>
    );
  const p = state.proof;
  return (
    <details className="evidence evidence-ok" role="status">
      <summary>
        <span className="badge badge-ok">✓ Verified</span>
        <span className="hint">
          entry {p.log_index.toLocaleString()} of {p.tree_size.toLocaleString()} in the log signed
          {state.signedAt ? ` ${state.signedAt.replace('T', ' ').slice(0, 19)} UTC` : ''} by {state.keyName}
          {p.removed ? ` · body ${p.removed}, leaf kept` : ''}
        </span>
      </summary>
      <dl className="fields">
        <dt>Leaf hash</dt>
        <dd className="mono">{p.leaf_hash}</dd>
        <dt>Signed root</dt>
        <dd className="mono">{p.root_hash}</dd>
        <dt>Key</dt>
        <dd className="mono">{p.checkpoint.key_id}</dd>
        <dt>Audit path</dt>
        <dd className="mono">
          {p.proof.length} hashes
          <ol className="audit-path">
            {p.proof.map((h, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the path's order is its meaning
              <li key={i}>{h}</li>
            ))}
          </ol>
        </dd>
      </dl>
      <p className="hint">
        Checked in this browser: the event hashes to its leaf, the path leads to the root of checkpoint{' '}
        {p.checkpoint.id}, and its Ed25519 signature holds. Compare the key with the one your operator
        published.{' '}
        <Link className="inline-link" to="/checkpoints">
          All checkpoints
        </Link>
      </p>
    </details>
  );
}
