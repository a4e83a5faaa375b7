import type { ReactNode } from 'react';
import type { AuditEvent } from '../api.ts';
import {
  actorLabel,
  deviceOf,
  local,
  primaryTarget,
  regionOf,
  summary,
  targetLabel,
  utc,
} from '../format.ts';

export interface Column {
  id: string;
  title: string;
  width: number;
  /** The filter a click on the value adds (key and value in GET /v1/events terms). */
  filter?: (e: AuditEvent) => { key: string; value: string } | undefined;
  render: (e: AuditEvent, ctx: { actionLabel: string; productName?: string }) => ReactNode;
  text: (e: AuditEvent) => string;
}

export const COLUMNS: Column[] = [
  {
    id: 'time',
    title: 'Timestamp (UTC)',
    width: 168,
    render: (e) => (
      // The local time is a tooltip, so it is formatted when the pointer arrives, not for every row drawn.
      <time
        dateTime={e.occurred_at}
        onPointerEnter={(ev) => {
          ev.currentTarget.title ||= local(e.occurred_at);
        }}
      >
        {utc(e.occurred_at)}
      </time>
    ),
    text: (e) => e.occurred_at,
  },
  {
    id: 'action',
    title: 'Action',
    width: 210,
    filter: (e) => ({ key: 'action', value: e.action }),
    render: (e, ctx) => (
      <span className="action-cell">
        <span>{ctx.actionLabel}</span>
        {(e.source_action ?? ctx.productName) && (
          <code className="product-name">{e.source_action ?? ctx.productName}</code>
        )}
      </span>
    ),
    text: (e) => e.action,
  },
  {
    id: 'actor',
    title: 'Actor',
    width: 200,
    filter: (e) => ({ key: 'actor', value: e.actor.id }),
    render: (e) => actorLabel(e),
    text: actorLabel,
  },
  {
    id: 'workspace',
    title: 'Workspace',
    width: 150,
    filter: (e) => (e.workspace ? { key: 'workspace', value: e.workspace.id } : undefined),
    render: (e) => e.workspace?.name ?? e.workspace?.id ?? '',
    text: (e) => e.workspace?.name ?? e.workspace?.id ?? '',
  },
  {
    id: 'target',
    title: 'Target',
    width: 240,
    filter: (e) => {
      const t = primaryTarget(e);
      return t?.path ? { key: 'target_path', value: t.path } : undefined;
    },
    render: (e) => targetLabel(primaryTarget(e)),
    text: (e) => targetLabel(primaryTarget(e)),
  },
  {
    id: 'result',
    title: 'Result',
    width: 96,
    filter: (e) => ({ key: 'result', value: e.outcome.result }),
    render: (e) => <span className={`result result-${e.outcome.result}`}>{e.outcome.result}</span>,
    text: (e) => e.outcome.result,
  },
  {
    id: 'ip',
    title: 'IP and region',
    width: 170,
    filter: (e) => (e.client?.ip ? { key: 'ip', value: e.client.ip } : undefined),
    render: (e) => (
      <span>
        {e.client?.ip ?? ''}
        {regionOf(e) && <span className="muted"> {regionOf(e)}</span>}
      </span>
    ),
    text: (e) => `${e.client?.ip ?? ''} ${regionOf(e)}`.trim(),
  },
  { id: 'device', title: 'Device', width: 110, render: deviceOf, text: deviceOf },
  { id: 'details', title: 'Details', width: 320, render: summary, text: summary },
];
