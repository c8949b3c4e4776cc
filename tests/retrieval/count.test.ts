import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countsAddUp, fastBpeCounter } from '../../src/retrieval/count.js';
import { MAP_HEADER, renderHeader, renderLine, renderMapEntry } from '../../src/retrieval/render.js';
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

  it('adds up line by line over the context format, whatever the lines hold', () => {
    const base = bpeCounter();
    expect(countsAddUp(base)).toBe(true);
    const line = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 40 }).map((t) => t.replace(/\n/g, ' ')),
      fc.constantFrom('', '    ', '  x = 1  ', '});', '):', '\t\treturn', '\r', 'a\rb', '// ok.', '"""', "it's", '\u2028', '\f'),
    );
    const block = fc.record({ path: fc.constantFrom('src/a.py', 'lib/b c.js'), start: fc.integer({ min: 1, max: 5000 }), lines: fc.array(line, { minLength: 1, maxLength: 8 }) });
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 5 }), (blocks) => {
        const parts: string[] = [];
        for (const b of blocks) {
          parts.push(renderHeader(b.path, b.start, b.start + b.lines.length - 1, 'rank 1'));
          b.lines.forEach((l, i) => parts.push(renderLine(b.start + i, l)));
        }
        parts.push(MAP_HEADER, renderMapEntry('x/y.ts', [{ line: 3, text: 'class Y', depth: 0 }, { line: 9, text: '  run(): void', depth: 1 }]));
        expect(parts.reduce((a, p) => a + base.count(p), 0)).toBe(base.count(parts.join('')));
      }),
      { numRuns: 300 },
    );
  });
});
