import { describe, expect, it } from 'vitest';
import { analyzeQuery } from '../../src/retrieval/query.js';

describe('builtins that call special methods', () => {
  it('name the special method a called builtin runs', () => {
    const q = analyzeQuery('str() on the raises context variable does not show the message, but repr(e) does');
    expect(q.identifiers).toEqual(expect.arrayContaining(['str', '__str__', 'repr', '__repr__']));
    expect(q.fencedOnly.has('__str__')).toBe(false);
  });

  it('keep a special method found only in a fenced block as weak as its builtin', () => {
    const q = analyzeQuery('Wrong output\n```python\nprint(len(items))\n```\n');
    expect(q.identifiers).toContain('__len__');
    expect(q.fencedOnly.has('len')).toBe(true);
    expect(q.fencedOnly.has('__len__')).toBe(true);
  });

  it('add nothing for words that are not called', () => {
    expect(analyzeQuery('the str type and the len of a list').identifiers).not.toContain('__str__');
  });
});
