import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PackedLineIds, packLines } from '../../src/retrieval/columns.js';
import { Bm25Index } from '../../src/retrieval/bm25.js';

describe('PackedLineIds', () => {
  it('finds every line of a packed list, and nothing else', () => {
    const line = fc.string({ unit: fc.constantFrom('a', 'b', '_', 'é', '中', '😀', '1'), maxLength: 6 });
    fc.assert(
      fc.property(fc.uniqueArray(line, { maxLength: 60 }), fc.array(line, { maxLength: 20 }), (lines, probes) => {
        const ids = new PackedLineIds(packLines(lines), lines.length);
        lines.forEach((l, i) => expect(ids.get(l)).toBe(i));
        for (const p of probes) expect(ids.get(p)).toBe(lines.includes(p) ? lines.indexOf(p) : undefined);
      }),
    );
  });

  it('refuses bytes that hold another number of lines', () => {
    expect(() => new PackedLineIds(packLines(['a', 'b', 'c']), 2)).toThrow(/more/);
    expect(() => new PackedLineIds(packLines(['a', 'b']), 3)).toThrow(/expected 3/);
  });

  it('lets a restored BM25 index score exactly as the one it was saved from', () => {
    const docs = [['parse', 'args'], ['parse', 'parse', 'tree'], ['args', 'namespace', 'ünïcode']];
    const built = new Bm25Index(docs);
    const parts = built.parts();
    const restored = new Bm25Index({ ...parts, termIds: new PackedLineIds(packLines(parts.terms), parts.terms.length) });
    for (const q of [['parse'], ['args', 'tree'], ['ünïcode'], ['missing']]) expect(restored.search(q, 3)).toEqual(built.search(q, 3));
    expect(restored.parts().terms).toEqual(parts.terms);
  });
});
