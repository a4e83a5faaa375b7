import type { AuditEvent } from '@trailmark/core';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  BOM,
  CSV_HEADER,
  createCsvEncoder,
  csvCells,
  csvRow,
  FORMULA_SIGN,
  neutralizeCell,
  restoreCell,
} from './csv.ts';

const base: AuditEvent = {
  id: 'evt_1',
  tenant: 'acme',
  source: 'file-transfer',
  action: 'file.uploaded',
  occurred_at: '2026-04-14T10:32:15.000Z',
  received_at: '2026-04-14T10:32:16.000Z',
  actor: { type: 'user', id: 'u-1', name: 'John', email: 'john@dosya.dev' },
  targets: [
    { type: 'file', id: 'f-1', name: 'render-final.mp4', path: '/brand/render-final.mp4', size_bytes: 12 },
  ],
  outcome: { result: 'success' },
};

const NASTY = [
  'plain',
  'comma, inside',
  'quote " inside',
  '"starts with quote',
  'line\nbreak',
  'crlf\r\nbreak',
  'unicode ünïcødé 日本語',
  'emoji 🎬🔥👩‍💻',
  '=HYPERLINK("http://evil","x")',
  '+1+2',
  '-2+3',
  '@SUM(A1)',
  '\tleading tab',
  '\rleading cr',
  '\0nul',
  '＝fullwidth',
  "'=already quoted",
  "''=twice",
  "'plain quote",
  "'",
  ' =space first',
  '',
  '\u2028line separator',
];

function eventWith(value: string, i: number): AuditEvent {
  return {
    ...base,
    id: `evt_${i}`,
    actor: { type: 'user', id: value || 'x', name: value || undefined },
    targets: [{ type: 'file', id: `f-${i}`, name: value || 'n', path: `/p/${value}` }],
    outcome: { result: 'failure', message: value || undefined },
    workspace: { id: 'ws', name: value || undefined },
    metadata: { note: value },
  };
}

/**
 * Parses like a spreadsheet app or Python's csv module: CRLF, a lone LF and a lone CR all end a record
 * outside quotes. A parser that only splits on CRLF would hide an unquoted line break.
 */
function parseStrict(text: string): string[][] {
  return parse(text, {
    bom: true,
    relax_quotes: false,
    record_delimiter: ['\r\n', '\n', '\r'],
  }) as string[][];
}

function exportCsv(events: AuditEvent[], bom = false): string {
  const encoder = createCsvEncoder({ bom, label: (_s, a) => `Label of ${a}` });
  return (
    encoder.header() +
    encoder.encode(events.slice(0, 10)) +
    encoder.encode(events.slice(10)) +
    encoder.footer()
  );
}

/**
 * The column contract as first published. Spreadsheets and scripts address columns by name and position,
 * so this list may only grow at the end: the test fails on a rename, a removal or a reorder, even if the
 * README is changed along with the code.
 */
const PUBLISHED_COLUMNS = [
  'occurred_at',
  'received_at',
  'id',
  'tenant',
  'source',
  'action',
  'action_label',
  'source_action',
  'category',
  'actor_type',
  'actor_id',
  'actor_name',
  'actor_email',
  'outcome_result',
  'outcome_reason',
  'outcome_message',
  'workspace_id',
  'workspace_name',
  'target_type',
  'target_id',
  'target_name',
  'target_path',
  'target_previous_path',
  'target_size_bytes',
  'target_region',
  'targets_json',
  'client_ip',
  'client_country_code',
  'client_region',
  'device_kind',
  'user_agent',
  'request_id',
  'request_method',
  'request_endpoint',
  'request_region',
  'request_status',
  'changes_json',
  'metadata_json',
];

describe('csv format', () => {
  it('keeps the published columns, in order; new ones only at the end', () => {
    expect(CSV_HEADER.slice(0, PUBLISHED_COLUMNS.length)).toEqual(PUBLISHED_COLUMNS);
    expect(new Set(CSV_HEADER).size).toBe(CSV_HEADER.length);
  });

  it('writes a header row with the documented columns and CRLF records', () => {
    const text = exportCsv([base]);
    expect(text.split('\r\n')[0]).toBe(CSV_HEADER.join(','));
    expect(text.endsWith('\r\n')).toBe(true);
    const [header, row] = parse(text) as string[][];
    expect(header).toEqual([...CSV_HEADER]);
    expect(row[CSV_HEADER.indexOf('action_label')]).toBe('Label of file.uploaded');
    expect(row[CSV_HEADER.indexOf('target_size_bytes')]).toBe('12');
    expect(JSON.parse(row[CSV_HEADER.indexOf('targets_json')])).toEqual(base.targets);
    expect(row[CSV_HEADER.indexOf('metadata_json')]).toBe('');
  });

  it('quotes every field holding a CR or LF, not only a full CRLF (RFC 4180 §2.6)', () => {
    for (const value of ['a\rb', 'a\nb', 'a\r\nb']) {
      const row = createCsvEncoder().encode([{ ...base, actor: { type: 'user', id: 'u', name: value } }]);
      expect(row).toContain(`,"${value}",`);
    }
  });

  it('prefixes a BOM only when asked', () => {
    expect(exportCsv([base], true).startsWith(`${BOM}occurred_at,`)).toBe(true);
    expect(exportCsv([base]).startsWith('occurred_at,')).toBe(true);
  });

  it('neutralizes every formula trigger and nothing else', () => {
    for (const v of ['=1', '+1', '-1', '@a', '\tx', '\rx', '\0x', '＝x', '＋x', '－x', '＠x', "'=x"]) {
      expect(neutralizeCell(v)).toBe(`'${v}`);
    }
    for (const v of ['a=1', "'x", '', '1-2', '{"a":1}', ' a=1', '\u00A0x']) expect(neutralizeCell(v)).toBe(v);
  });

  it('looks through leading whitespace, NBSP, zero-width characters and a BOM, and small-form signs', () => {
    for (const v of [' =1', '  +1', '\u00A0=1', '\u200B=1', '\u200D@a', '\u2060-1', '\uFEFF=1', '\n=1']) {
      expect(neutralizeCell(v)).toBe(`'${v}`);
      expect(restoreCell(neutralizeCell(v))).toBe(v);
    }
    for (const v of ['﹦1', '﹢1', '﹣1', ' ＝x', '\u200B﹦x']) expect(neutralizeCell(v)).toBe(`'${v}`);
  });

  it('neutralizes text that looks like a number or a phone number, and gives it back', () => {
    // Text fields are text: `-5` and `+49 ...` are prefixed like any other trigger (documented in README).
    for (const v of ['-5', '+5', '-0.5', '+49 30 1234567', '+4930123456', '-', '--flag']) {
      expect(neutralizeCell(v)).toBe(`'${v}`);
      expect(restoreCell(neutralizeCell(v))).toBe(v);
    }
    const event: AuditEvent = {
      ...base,
      actor: { type: 'user', id: '-5', name: '+49 30 1234567' },
      targets: [{ type: 'file', id: 'f-1', size_bytes: 0 }],
      request: { status: 404 },
    };
    const [, row] = parse(exportCsv([event])) as string[][];
    const cell = (name: string) => row[CSV_HEADER.indexOf(name)];
    expect(cell('actor_id')).toBe("'-5");
    expect(cell('actor_name')).toBe("'+49 30 1234567");
    expect(restoreCell(cell('actor_name'))).toBe('+49 30 1234567');
    expect(cell('target_size_bytes')).toBe('0');
    expect(cell('request_status')).toBe('404');
  });

  it('writes values typed as numbers as plain decimals, never prefixed', () => {
    // The schema keeps these non-negative; the rule is by type, so a number can never gain a quote.
    const event: AuditEvent = { ...base, targets: [{ type: 'file', id: 'f', size_bytes: -5 }] };
    expect(csvRow(event)[CSV_HEADER.indexOf('target_size_bytes')]).toBe('-5');
    expect(csvRow({ ...base, actor: { type: 'user', id: '-5' } })[CSV_HEADER.indexOf('actor_id')]).toBe(
      "'-5",
    );
  });

  it('round-trips nasty values exactly through csv-parse once the quote prefix is removed', () => {
    const events = NASTY.map(eventWith);
    const text = exportCsv(events, true);
    const rows = parseStrict(text);
    expect(rows[0]).toEqual([...CSV_HEADER]);
    expect(rows).toHaveLength(events.length + 1);
    rows.slice(1).forEach((row, i) => {
      const original = csvCells(events[i], `Label of ${events[i].action}`);
      expect(row.map(restoreCell)).toEqual(original);
      // Cells that start with no trigger come back from the parser as they were, with no restore step.
      row.forEach((cell, c) => {
        if (!FORMULA_SIGN.test(original[c].replace(/^'+/, ''))) expect(cell).toBe(original[c]);
      });
      // No cell reaches a spreadsheet starting with a formula trigger.
      for (const cell of row) expect(cell).not.toMatch(FORMULA_SIGN);
      const meta = JSON.parse(restoreCell(row[CSV_HEADER.indexOf('metadata_json')])) as { note: string };
      expect(meta.note).toBe(NASTY[i]);
    });
  });

  it('round-trips generated strings (property check over 5,000 values)', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const alphabet = [
      '=',
      '+',
      '-',
      '@',
      '\t',
      '\r',
      '\n',
      '\0',
      '"',
      ',',
      "'",
      ' ',
      'a',
      'é',
      '😀',
      '＝',
      '\u2028',
    ];
    const values = Array.from({ length: 5000 }, () =>
      Array.from(
        { length: 1 + Math.floor(rand() * 6) },
        () => alphabet[Math.floor(rand() * alphabet.length)],
      ).join(''),
    );
    const encoder = createCsvEncoder();
    const text = encoder.header() + encoder.encode(values.map((v, i) => eventWith(v, i)));
    const rows = parseStrict(text);
    const nameColumn = CSV_HEADER.indexOf('actor_name');
    rows.slice(1).forEach((row, i) => {
      expect(restoreCell(row[nameColumn])).toBe(values[i]);
    });
  });
});
