import type { ErrorDetail } from './errors.ts';
import type { QueryParams } from './query.ts';

/**
 * The `q` query language of the search box, a pure function from the typed string to filter
 * parameters. Each qualifier becomes the query parameters its filter takes (`result:failure` is
 * `result=failure`, `-result:success` is `result!=success`), so one parser (parseEventFilter)
 * validates both forms and both stores answer both. What is left is free text.
 *
 *   actor:ana@acme.test action:file.deleted -result:success workspace:"Brand Campaign 2026"
 *   path:/forest/* after:2026-04-01 "render final"
 *
 * - Terms are separated by spaces and combine with AND.
 * - `qualifier:value`; a value with spaces is quoted: `workspace:"Brand Campaign 2026"`.
 * - `-qualifier:value` excludes (every keyword qualifier; not `after:`/`before:`).
 * - Several values of one qualifier match any of them: `result:failure,denied`, or
 *   `result:failure OR result:denied` (OR joins terms of the same qualifier only).
 * - Wildcards: `action:file.*` (an action prefix) and `path:/forest/*` (everything under a folder).
 * - Declared fields: `attr.share_link_id:lnk_123`, ranges `attr.size_bytes:>=100`,
 *   `attr.size_bytes:<=5000`, `attr.size_bytes:100..5000`.
 * - Bare words and "quoted phrases" are free text: every word must match (prefix match).
 */

/** Qualifier -> the query parameter it stands for. */
export const QUERY_QUALIFIERS: Readonly<Record<string, string>> = {
  actor: 'actor',
  action: 'action',
  source_action: 'source_action',
  source: 'source',
  category: 'category',
  result: 'result',
  workspace: 'workspace',
  type: 'target_type',
  target_type: 'target_type',
  target: 'target_id',
  target_id: 'target_id',
  path: 'target_path',
  user: 'target_user',
  request: 'request_id',
  request_id: 'request_id',
  ip: 'ip',
  country: 'country',
  region: 'region',
  device: 'device',
  ua: 'user_agent',
  user_agent: 'user_agent',
  after: 'from',
  before: 'to',
  tenant: 'tenant',
};

/** Qualifiers that take one value and cannot be negated. */
const SCALAR_QUALIFIERS = new Set(['after', 'before']);

export interface QueryTerm {
  /** The parameters this term stands for, e.g. `{ "result!": ["success"] }`. */
  params: QueryParams;
  /** The term as typed, and where it starts in `q` (0-based character offset). */
  token: string;
  position: number;
}

export interface ParsedQuery {
  /** Qualifier terms, each one AND-ed with the others. */
  terms: QueryTerm[];
  /** Free text left over: bare words and quoted phrases, space-separated. */
  text: string;
  problems: ErrorDetail[];
}

/** An `OR` between two terms, and where it stands. */
interface Or {
  or: number;
}

interface Lexeme {
  negated: boolean;
  qualifier?: string;
  value: string;
  quoted: boolean;
  token: string;
  position: number;
}

const QUALIFIER = /^([a-z_]+|attr\.[a-z][a-z0-9_]{0,63}):/;

function problem(token: string, position: number, message: string): ErrorDetail {
  return { path: 'q', position, token, message: `"${token}" at position ${position}: ${message}` };
}

/** Splits `q` into terms; quotes group spaces, a backslash escapes a quote inside them. */
function lex(q: string, problems: ErrorDetail[]): (Lexeme | Or)[] {
  const out: (Lexeme | Or)[] = [];
  let i = 0;
  const readQuoted = (start: number): { text: string; end: number } | undefined => {
    let text = '';
    let j = start + 1;
    while (j < q.length && q[j] !== '"') {
      if (q[j] === '\\' && (q[j + 1] === '"' || q[j + 1] === '\\')) j++;
      text += q[j];
      j++;
    }
    if (j >= q.length) return undefined;
    return { text, end: j + 1 };
  };
  while (i < q.length) {
    if (/\s/.test(q[i])) {
      i++;
      continue;
    }
    const position = i;
    let j = i;
    const negated = q[j] === '-' && j + 1 < q.length && !/\s/.test(q[j + 1]);
    if (negated) j++;
    const head = q.slice(j).match(QUALIFIER);
    let qualifier: string | undefined;
    if (head) {
      qualifier = head[1];
      j += head[0].length;
    }
    let value: string;
    let quoted = false;
    if (q[j] === '"') {
      const read = readQuoted(j);
      if (!read) {
        problems.push(problem(q.slice(position), position, 'unterminated quote'));
        return out;
      }
      value = read.text;
      quoted = true;
      j = read.end;
      // `"a"b` is two terms only with a space between them.
      while (j < q.length && !/\s/.test(q[j])) {
        value += q[j];
        j++;
      }
    } else {
      const start = j;
      while (j < q.length && !/\s/.test(q[j])) j++;
      value = q.slice(start, j);
    }
    const token = q.slice(position, j);
    i = j;
    if (!negated && !qualifier && !quoted && value === 'OR') {
      out.push({ or: position });
      continue;
    }
    out.push({ negated, ...(qualifier ? { qualifier } : {}), value, quoted, token, position });
  }
  return out;
}

/** The parameter name and values one qualifier term stands for, or a problem. */
function termParams(l: Lexeme & { qualifier: string }): { key: string; values: string[] } | string {
  const { qualifier, negated } = l;
  const value = l.value.trim();
  if (!value) return 'the qualifier has no value';
  if (qualifier.startsWith('attr.')) {
    const range = value.match(/^(>=|<=|>|<)(.*)$/);
    if (range) {
      if (negated) return 'a range cannot be negated; use the other bound';
      if (range[1] === '>' || range[1] === '<') return `use ${range[1]}= (bounds are inclusive) or a..b`;
      if (!range[2]) return 'the range has no value';
      return { key: `${qualifier}${range[1][0]}`, values: [range[2]] };
    }
    return { key: `${qualifier}${negated ? '!' : ''}`, values: l.quoted ? [value] : value.split(',') };
  }
  const param = QUERY_QUALIFIERS[qualifier];
  if (!param)
    return `unknown qualifier "${qualifier}"; qualifiers are ${Object.keys(QUERY_QUALIFIERS).join(', ')}, attr.<name>`;
  if (SCALAR_QUALIFIERS.has(qualifier)) {
    if (negated) return `${qualifier}: cannot be negated; use ${qualifier === 'after' ? 'before' : 'after'}:`;
    if (value.includes(',')) return `${qualifier}: takes one date`;
    return { key: param, values: [value] };
  }
  // A quoted value is one value, commas and all; otherwise commas list values.
  let values = l.quoted ? [value] : value.split(',');
  let key = param;
  if (param === 'target_path') {
    const prefixes = values.filter((v) => v.endsWith('/*'));
    if (prefixes.length > 0) {
      if (prefixes.length !== values.length || values.length > 1)
        return 'a folder wildcard (path:/forest/*) takes one folder; write one term per folder';
      key = 'target_path_prefix';
      values = [values[0].slice(0, -2) || '/'];
    }
  }
  const starred = values.find((v) => v.includes('*'));
  if (starred !== undefined && !(param === 'action' && /^[^*]+\.\*$/.test(starred)))
    return 'wildcards apply to action (action:file.*) and path (path:/forest/*) only';
  return { key: `${key}${negated ? '!' : ''}`, values };
}

/**
 * Parses the search box's query string. Problems carry the offending token and its position; a query
 * with problems still returns what parsed, but callers reject it (400).
 */
export function parseQuery(q: string): ParsedQuery {
  const problems: ErrorDetail[] = [];
  const lexemes = lex(q, problems);
  const terms: QueryTerm[] = [];
  const words: string[] = [];
  let joinNext = false;
  let last: { lexeme: Lexeme; term?: QueryTerm } | undefined;
  for (const [n, item] of lexemes.entries()) {
    if ('or' in item) {
      const next = lexemes[n + 1];
      const prev = last?.lexeme;
      if (
        !prev?.qualifier ||
        !last?.term ||
        next === undefined ||
        'or' in next ||
        next.qualifier !== prev.qualifier ||
        next.negated !== prev.negated
      ) {
        problems.push(
          problem(
            'OR',
            item.or,
            'OR joins two terms of the same qualifier, e.g. result:failure OR result:denied',
          ),
        );
        last = undefined;
        continue;
      }
      joinNext = true;
      continue;
    }
    if (!item.qualifier) {
      if (item.negated) {
        problems.push(
          problem(item.token, item.position, 'only qualifiers can be negated, e.g. -result:success'),
        );
      } else words.push(item.quoted ? `"${item.value}"` : item.value);
      last = { lexeme: item };
      joinNext = false;
      continue;
    }
    const parsed = termParams(item as Lexeme & { qualifier: string });
    if (typeof parsed === 'string') {
      problems.push(problem(item.token, item.position, parsed));
      last = { lexeme: item };
      joinNext = false;
      continue;
    }
    if (joinNext && last?.term) {
      const existing = last.term.params[parsed.key];
      if (
        !existing ||
        SCALAR_QUALIFIERS.has(item.qualifier) ||
        parsed.key.endsWith('>') ||
        parsed.key.endsWith('<')
      ) {
        problems.push(problem(item.token, item.position, 'cannot be joined with OR'));
      } else {
        existing.push(...parsed.values);
        last.term.token = q.slice(last.term.position, item.position + item.token.length);
      }
      last = { lexeme: item, term: last.term };
      joinNext = false;
      continue;
    }
    const term: QueryTerm = {
      params: { [parsed.key]: parsed.values },
      token: item.token,
      position: item.position,
    };
    terms.push(term);
    last = { lexeme: item, term };
    joinNext = false;
  }
  return { terms, text: words.join(' '), problems };
}

/** A value as a `q` term would need it written: quoted when it holds spaces, commas or quotes. */
export function quoteQueryValue(value: string): string {
  return /[\s,"]/.test(value) || value === '' ? `"${value.replace(/["\\]/g, '\\$&')}"` : value;
}
