import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Bm25Index, chunkAndFileIndexes } from '../../src/retrieval/bm25.js';

/** BM25 computed the plain way, for comparison. */
function naive(docs: string[][], query: string[], k1 = 1.2, b = 0.75): number[] {
  const avg = docs.reduce((a, d) => a + d.length, 0) / docs.length;
  return docs.map((d) => {
    let s = 0;
    for (const t of new Set(query)) {
      const tf = d.filter((x) => x === t).length;
      if (!tf) continue;
      const n = docs.filter((x) => x.includes(t)).length;
      const idf = Math.log(1 + (docs.length - n + 0.5) / (n + 0.5));
      s += (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * d.length) / avg));
    }
    return s;
  });
}

describe('Bm25Index', () => {
  it('scores like the BM25 formula and ranks best first, ties by document order', () => {
    const word = fc.constantFrom('parse', 'http', 'response', 'chart', 'scale', 'tick', 'x1');
    fc.assert(
      fc.property(fc.array(fc.array(word, { maxLength: 12 }), { minLength: 1, maxLength: 30 }), fc.array(word, { minLength: 1, maxLength: 4 }), (docs, query) => {
        const index = new Bm25Index(docs);
        const expected = naive(docs, query);
        const { scores } = index.scoreAll(query);
        expected.forEach((e, d) => expect(scores[d]).toBeCloseTo(e, 4));
        const top = index.search(query, 5);
        const want = expected
          .map((score, doc) => ({ doc, score }))
          .filter((x) => x.score > 0)
          .sort((a, b) => b.score - a.score || a.doc - b.doc)
          .slice(0, 5)
          .map((x) => x.doc);
        // Float32 storage can reorder near-ties; the sets and the scores must agree.
        expect(new Set(top.map((t) => t.doc))).toEqual(new Set(want));
      }),
      { numRuns: 200 },
    );
  });

  it('reports document frequencies and postings', () => {
    const index = new Bm25Index([['a1', 'b2'], ['b2', 'b2'], []]);
    expect(index.docFreq('b2')).toBe(2);
    expect(index.docFreq('zz')).toBe(0);
    expect([...index.postings('b2')]).toEqual([0, 1]);
    expect(index.search(['zz'], 3)).toEqual([]);
  });
});

describe('chunk and file indexes built together', () => {
  it('equal the indexes built from each chunk and from each file\'s own tokens then its chunks\'', () => {
    const word = fc.constantFrom('alpha', 'beta', 'gamma', 'delta', 'path', 'src', 'x');
    fc.assert(
      fc.property(fc.array(fc.record({ path: fc.array(word, { maxLength: 3 }), chunks: fc.array(fc.array(word, { maxLength: 8 }), { maxLength: 4 }) }), { maxLength: 6 }), (files) => {
        const chunkDocs = files.flatMap((f) => f.chunks);
        const starts = [0];
        for (const f of files) starts.push(starts.at(-1)! + f.chunks.length);
        const both = chunkAndFileIndexes(chunkDocs, starts, (f) => files[f]!.path, { k1: 1.5, b: 0.6 });
        expect(both.chunks.parts()).toEqual(new Bm25Index(chunkDocs, { k1: 1.5, b: 0.6 }).parts());
        expect(both.files.parts()).toEqual(new Bm25Index(files.map((f) => [...f.path, ...f.chunks.flat()]), { k1: 1.5, b: 0.6 }).parts());
      }),
      { numRuns: 200 },
    );
  });
});
