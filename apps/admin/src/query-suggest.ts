import { quoteQueryValue } from '@trailmark/core/query-language';

/**
 * Autocomplete for the search box's `q` language (packages/core/src/query-language.ts): which part of the
 * typed string the caret is in, and what replacing it with a suggestion gives. Pure, so the rules live
 * apart from the React widget.
 */

/** The term under the caret: `-`, its qualifier if it has one, and the value being typed. */
export interface CaretTerm {
  /** Where the term starts and ends in the string (the end is the end of the term, not the caret). */
  start: number;
  end: number;
  negated: boolean;
  /** Set once a `:` follows the qualifier; undefined while the qualifier itself is typed. */
  qualifier?: string;
  /** The qualifier being typed, or the value segment being typed (after the last comma). */
  partial: string;
  /** Values before the last comma (`result:failure,de` -> ["failure"]). */
  before: string[];
}

const QUALIFIER = /^(-?)([a-z_]+|attr\.[a-z][a-z0-9_]{0,63}):(.*)$/s;

/** Finds the term the caret is in (terms are space-separated; quotes group spaces). */
export function termAt(q: string, caret: number): CaretTerm {
  let start = 0;
  let inQuote = false;
  for (let i = 0; i < caret; i++) {
    const ch = q[i];
    if (ch === '"' && q[i - 1] !== '\\') inQuote = !inQuote;
    else if (!inQuote && /\s/.test(ch ?? '')) start = i + 1;
  }
  let end = caret;
  while (end < q.length && (inQuote ? q[end] !== '"' : !/\s/.test(q[end] ?? ''))) end++;
  if (inQuote && q[end] === '"') end++;
  const raw = q.slice(start, caret);
  const m = raw.match(QUALIFIER);
  if (!m) {
    const negated = raw.startsWith('-');
    return { start, end, negated, partial: negated ? raw.slice(1) : raw, before: [] };
  }
  const value = m[3] ?? '';
  if (value.startsWith('"'))
    return {
      start,
      end,
      negated: m[1] === '-',
      qualifier: m[2],
      partial: value.slice(1).replace(/"$/, ''),
      before: [],
    };
  const parts = value.split(',');
  return {
    start,
    end,
    negated: m[1] === '-',
    qualifier: m[2],
    partial: parts[parts.length - 1] ?? '',
    before: parts.slice(0, -1).filter(Boolean),
  };
}

export interface Suggestion {
  /** What is inserted: a qualifier (`actor`) or a value (`file.deleted`). */
  value: string;
  label: string;
  hint?: string;
  count?: number;
  kind: 'qualifier' | 'value';
}

export interface Applied {
  text: string;
  caret: number;
}

/**
 * The string with the term under the caret completed by a suggestion: a qualifier gets its colon and
 * waits for a value; a value is quoted when it needs it and ends the term with a space.
 */
export function applySuggestion(q: string, term: CaretTerm, s: Suggestion): Applied {
  const sign = term.negated ? '-' : '';
  let inserted: string;
  if (s.kind === 'qualifier') inserted = `${sign}${s.value}:`;
  else {
    const values = [...term.before, s.value];
    const written = values.length === 1 ? quoteQueryValue(s.value) : values.map(quoteQueryValue).join(',');
    inserted = `${sign}${term.qualifier}:${written} `;
  }
  const rest = q.slice(term.end).replace(/^\s+/, '');
  const text = `${q.slice(0, term.start)}${inserted}${rest}`;
  return { text, caret: term.start + inserted.length };
}

/** Case-insensitive match anywhere in the label, value or hint; prefix matches first. */
export function rank<T extends { value: string; label: string; hint?: string }>(
  items: readonly T[],
  partial: string,
  limit = 12,
): T[] {
  const needle = partial.toLowerCase();
  if (!needle) return items.slice(0, limit);
  const prefix: T[] = [];
  const inside: T[] = [];
  for (const it of items) {
    const v = it.value.toLowerCase();
    const l = it.label.toLowerCase();
    if (v.startsWith(needle) || l.startsWith(needle)) prefix.push(it);
    else if (`${v} ${l} ${it.hint?.toLowerCase() ?? ''}`.includes(needle)) inside.push(it);
  }
  return [...prefix, ...inside].slice(0, limit);
}
