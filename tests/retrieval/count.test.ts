import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastBpeCounter } from '../../src/retrieval/count.js';
import { bpeCounter } from '../../src/util/tokens.js';

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.(ts|md|json)$/.test(name)) out.push(p);
  }
  return out;
}

describe('fastBpeCounter', () => {
  it('counts exactly like the cl100k tokenizer on this project\'s own sources', () => {
    const fast = fastBpeCounter();
    const base = bpeCounter();
    const files = [...sources('src'), ...sources('prompts')];
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(fast.count(text), f).toBe(base.count(text));
    }
  });

  it('counts exactly on arbitrary text, unicode, whitespace runs and contractions included', () => {
    const fast = fastBpeCounter();
    const base = bpeCounter();
    const piece = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.constantFrom("don't", "we'LL", '\r\n\r\n', '   \n\t ', '1234567', '<|endoftext|>', 'émigré naïve 日本語', '😀👍🏽', '=>{}();'),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const text = parts.join('');
        expect(fast.count(text)).toBe(base.count(text));
      }),
      { numRuns: 300 },
    );
  });
});
