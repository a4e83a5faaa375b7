import type { AuditEvent, Target } from './api.ts';

export function utc(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

// One formatter for every call: toLocaleString builds a new one each time (~1 ms; every row has a title).
const LOCAL_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'long' });

export function local(iso: string): string {
  return LOCAL_TIME.format(new Date(iso));
}

export function actorLabel(e: AuditEvent): string {
  const a = e.actor;
  if (a.type === 'api_key') return a.name ?? a.credential?.name ?? a.id;
  return a.email ?? a.name ?? a.id;
}

export function primaryTarget(e: AuditEvent): Target | undefined {
  return e.targets.find((t) => t.path) ?? e.targets[0];
}

export function targetLabel(t: Target | undefined): string {
  if (!t) return '';
  return t.path ?? t.name ?? `${t.type}:${t.id}`;
}

export function bytes(n: number | undefined): string {
  if (n === undefined) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 && i > 0 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function regionOf(e: AuditEvent): string {
  const g = e.client?.geo;
  return [g?.country_code, e.request?.region ?? e.targets.find((t) => t.region)?.region]
    .filter(Boolean)
    .join(' · ');
}

export function deviceOf(e: AuditEvent): string {
  const d = e.client?.device;
  return d ? (d.name ?? d.kind) : '';
}

/** A one-line summary: what happened to what, in the words an admin would use. */
export function summary(e: AuditEvent): string {
  const t = primaryTarget(e);
  const parts: string[] = [];
  if (t?.previous_path && t.path) parts.push(`${t.previous_path} → ${t.path}`);
  else if (t) parts.push(targetLabel(t));
  if (t?.size_bytes !== undefined) parts.push(bytes(t.size_bytes));
  const other = e.targets.filter((x) => x !== t && x.role !== 'parent');
  for (const o of other.slice(0, 2)) parts.push(`${o.type} ${o.name ?? o.id ?? o.path ?? ''}`.trim());
  if (e.changes?.length) parts.push(`changed ${e.changes.map((c) => c.field).join(', ')}`);
  if (e.outcome.reason) parts.push(e.outcome.reason.replaceAll('_', ' '));
  return parts.join(' · ');
}

export function sentence(e: AuditEvent, label: string): string {
  const t = primaryTarget(e);
  const who = e.actor.name ?? e.actor.email ?? e.actor.id;
  const what = t ? ` ${targetLabel(t)}` : '';
  const result = e.outcome.result === 'success' ? '' : ` (${e.outcome.result})`;
  return `${who}: ${label.toLowerCase()}${what}${result}`;
}
