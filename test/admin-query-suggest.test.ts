import { parseQuery } from '@trailmark/core';
import { describe, expect, it } from 'vitest';
import { applySuggestion, rank, termAt } from '../apps/admin/src/query-suggest.ts';

/** The search box's autocomplete rules (apps/admin/src/query-suggest.ts): pure, so tested without a browser. */
describe('admin search box autocomplete', () => {
  it('finds the term under the caret: qualifier, negation, the value segment after a comma, quotes', () => {
    expect(termAt('res', 3)).toMatchObject({ start: 0, end: 3, negated: false, partial: 'res' });
    expect(termAt('action:file.deleted -work', 25)).toMatchObject({
      start: 20,
      negated: true,
      partial: 'work',
    });
    expect(termAt('result:failure,de', 17)).toMatchObject({
      qualifier: 'result',
      partial: 'de',
      before: ['failure'],
    });
    const quoted = 'workspace:"Brand Camp';
    expect(termAt(quoted, quoted.length)).toMatchObject({ qualifier: 'workspace', partial: 'Brand Camp' });
    // A caret inside a term completes the whole term, not just what is before the caret.
    expect(termAt('actor:an x', 8)).toMatchObject({ start: 0, end: 8, qualifier: 'actor', partial: 'an' });
  });

  it('completes into a query the core parser accepts, quoting and keeping the rest of the string', () => {
    let q = 'x -work';
    let t = termAt(q, q.length);
    let done = applySuggestion(q, t, { kind: 'qualifier', value: 'workspace', label: 'workspace:' });
    expect(done).toEqual({ text: 'x -workspace:', caret: 13 });
    q = done.text;
    t = termAt(q, q.length);
    done = applySuggestion(q, t, { kind: 'value', value: 'Brand Campaign 2026', label: '' });
    expect(done.text).toBe('x -workspace:"Brand Campaign 2026" ');
    expect(parseQuery(done.text)).toMatchObject({
      problems: [],
      text: 'x',
      terms: [{ params: { 'workspace!': ['Brand Campaign 2026'] } }],
    });
    q = 'result:failure,de after:2026-04-01';
    done = applySuggestion(q, termAt(q, 17), { kind: 'value', value: 'denied', label: 'denied' });
    expect(done.text).toBe('result:failure,denied after:2026-04-01');
    expect(parseQuery(done.text).terms[0]?.params).toEqual({ result: ['failure', 'denied'] });
  });

  it('ranks prefix matches first, then matches anywhere (product names in the hint)', () => {
    const items = [
      { value: 'file.deleted', label: 'File deleted', hint: 'DELETE · AssetDeleted' },
      { value: 'asset.tagged', label: 'Asset tagged' },
      { value: 'share_link.created', label: 'Share link created' },
    ];
    expect(rank(items, 'asset').map((i) => i.value)).toEqual(['asset.tagged', 'file.deleted']);
    expect(rank(items, '').length).toBe(3);
  });
});
