import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdentifierTable } from '../../indexers/identifier-table.js';
import { identifiersIn } from '../../indexers/tokenize.js';

/** The identifiers `table` finds in `text`, as strings. */
function found(table: IdentifierTable<string>, text: string): string[] {
  const out: string[] = [];
  const n = table.collect(text, out);
  return out.slice(0, n);
}

describe('identifier table', () => {
  it('finds exactly the identifiers the tokenizer finds, in order and with repeats', () => {
    const table = new IdentifierTable((id) => id);
    const pieces = fc.constantFrom('a', 'Z', '_', '$', '0', '9', ' ', '.', '\n', 'é', 'ß', '日', '😀', 'foo', 'fooBar', 'x1', '__init__', '$el');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 40 }).map((p) => p.join('')), (text) => {
        expect(found(table, text)).toEqual(identifiersIn(text));
      }),
      { numRuns: 500 },
    );
  });

  it('computes each identifier once and keeps distinct identifiers apart', () => {
    const made: string[] = [];
    const table = new IdentifierTable((id) => {
      made.push(id);
      return id.toUpperCase();
    });
    // Enough names to grow the table several times, each seen twice.
    const names = Array.from({ length: 5000 }, (_, i) => `name${i.toString(36)}`);
    const text = [...names, ...names].join(' + ');
    expect(found(table, text)).toEqual([...names, ...names].map((n) => n.toUpperCase()));
    expect(made).toEqual(names);
  });

  it('starts over past its limit, between texts only', () => {
    const made: string[] = [];
    const table = new IdentifierTable((id) => {
      made.push(id);
      return id;
    }, 3);
    expect(found(table, 'a1 b2 c3 d4 a1')).toEqual(['a1', 'b2', 'c3', 'd4', 'a1']);
    expect(made).toEqual(['a1', 'b2', 'c3', 'd4']);
    expect(found(table, 'a1')).toEqual(['a1']);
    expect(made).toEqual(['a1', 'b2', 'c3', 'd4', 'a1']);
  });
});
