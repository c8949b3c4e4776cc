import { describe, expect, it } from 'vitest';
import { codeTokens } from '../../indexers/tokenize.js';
import { Bm25Index } from '../../src/retrieval/bm25.js';
import { analyzeQuery } from '../../src/retrieval/query.js';
import { queryWeights, withWordForms } from '../../src/retrieval/signals.js';
import { rootsOf, wordForms } from '../../src/retrieval/stem.js';

describe('rootsOf', () => {
  it('strips inflections, restoring a dropped e, a y and an undoubled consonant', () => {
    expect(rootsOf('counted')).toContain('count');
    expect(rootsOf('parsed')).toContain('parse');
    expect(rootsOf('stopped')).toContain('stop');
    expect(rootsOf('properties')).toContain('property');
    expect(rootsOf('classes')).toContain('class');
  });

  it('leaves words that only look plural, and short or non-alphabetic words, alone', () => {
    expect(rootsOf('status')).toEqual(['status']);
    expect(rootsOf('class')).toEqual(['class']);
    expect(rootsOf('ids')).toEqual(['ids']);
    expect(rootsOf('v2s')).toEqual(['v2s']);
  });
});

describe('wordForms', () => {
  const vocab = new Set(['count', 'counts', 'counting', 'counter', 'token', 'parse', 'parser', 'stop', 'status', 'statu', 'lay']);
  const has = (f: string): boolean => vocab.has(f);

  it('finds the forms the vocabulary holds, never the word itself', () => {
    expect(wordForms('counted', has)).toEqual(['count', 'counting', 'counts']);
    expect(wordForms('tokens', has)).toEqual(['token']);
    expect(wordForms('parsing', has)).toEqual(['parse']);
    expect(wordForms('stopped', has)).toEqual(['stop']);
    expect(wordForms('count', has)).toEqual(['counting', 'counts']);
  });

  it('relates no different words: agent nouns, look-alike plurals, short words', () => {
    expect(wordForms('counter', has)).toEqual([]);
    expect(wordForms('status', has)).toEqual([]);
    expect(wordForms('layer', has)).toEqual([]);
    expect(wordForms('ids', () => true)).toEqual([]);
  });
});

describe('withWordForms', () => {
  const docs = ['export function countTokens(text) { return encode(text).length }', 'export function renderHeader(path) { return path }'];
  const index = new Bm25Index(docs.map((d) => codeTokens(d)));

  it('adds root forms of prose words at the given weight, so prose reaches the identifier', () => {
    const q = analyzeQuery('where are tokens counted');
    const w = queryWeights(q);
    expect(index.search(q.tokens, 2, w).map((d) => d.doc)).toEqual([0]);
    const before = index.search(q.tokens, 1, w)[0]!.score;
    const expanded = withWordForms(q, w, index, 0.25);
    expect(expanded.tokens).toEqual([...q.tokens, 'count']);
    expect(w.get('count')).toBe(0.25);
    expect(index.search(expanded.tokens, 1, w)[0]!.score).toBeGreaterThan(before);
  });

  it('leaves identifiers the task names, and a query with nothing to add, as they are', () => {
    const q = analyzeQuery('`renderHeaders` is wrong');
    const w = queryWeights(q);
    const expanded = withWordForms(q, w, index, 0.25);
    expect(expanded).toBe(q);
    expect(w.has('header')).toBe(false);
  });
});
