import type { ReactNode } from 'react';

/** Formatted, collapsible JSON: objects and arrays fold with <details>, so keyboards and readers get it free. */
export function Json({
  value,
  depth = 0,
  name,
}: {
  value: unknown;
  depth?: number;
  name?: string;
}): ReactNode {
  const key = name !== undefined ? <span className="json-key">{name}: </span> : null;
  if (value === null || typeof value !== 'object') {
    const cls =
      typeof value === 'string'
        ? value.includes('[REDACTED]') || value === '***'
          ? 'json-masked'
          : 'json-str'
        : 'json-lit';
    return (
      <div className="json-line">
        {key}
        <span className={cls}>{JSON.stringify(value)}</span>
      </div>
    );
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0)
    return (
      <div className="json-line">
        {key}
        {open}
        {close}
      </div>
    );
  return (
    <details className="json-node" open={depth < 2}>
      <summary>
        {key}
        {open}
        <span className="muted">
          {' '}
          {entries.length} {Array.isArray(value) ? 'items' : 'keys'}{' '}
        </span>
      </summary>
      <div className="json-children">
        {entries.map(([k, v]) => (
          <Json key={k} name={Array.isArray(value) ? undefined : k} value={v} depth={depth + 1} />
        ))}
      </div>
      <div className="json-line">{close}</div>
    </details>
  );
}
