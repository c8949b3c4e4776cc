import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastBpeCounter, packRanking, rank } from '../../src/retrieval/index.js';
import { commentStart } from '../../src/retrieval/pack.js';
import { indexedRepo, type IndexedRepo } from './fixture.js';

// Unrelated functions around the ones the tests name, so no file is small enough to go in whole.
const filler = (prefix: string, n: number): string =>
  Array.from({ length: n }, (_, k) => `export function ${prefix}${k}(a, b) {\n  const s = a + b * ${k};\n  return s - ${k};\n}\n`).join('\n');

const JS = `import { clamp } from './math.js';

${filler('before', 12)}
/**
 * Sets the stroke weight.
 *
 * Thicker strokes cover more of the shape's edge; the weight is clamped to
 * the range a canvas can draw.
 *
 * The default is 1.
 */
export function strokeWeight(w) {
  return clamp(w, 0, 100);
}

${filler('middle', 12)}
// Fills the shape.
export function fillShape(c) {
  return c;
}

${filler('after', 12)}`;
const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

let fx: IndexedRepo;
beforeAll(async () => {
  fx = await indexedRepo({ 'src/stroke.js': JS });
});
afterAll(async () => {
  await fx?.close();
});

const context = async (task: string): Promise<string> => {
  const r = await rank(fx.reader, task, { noVector: true });
  return packRanking(r, 400, { counter: fastBpeCounter() }).text;
};

describe('code the task names', () => {
  it('comes with the whole doc comment right above it', async () => {
    const text = await context('`strokeWeight` documents the wrong default');
    const open = lineOf(JS, '/**');
    expect(text).toContain(`${open}| /**\n${open + 1}|  * Sets the stroke weight.\n`);
  });
});

describe('commentStart', () => {
  const lines = ['const a = 1;', '', '/**', ' * Doc.', ' */', 'function f() {}', '// one', '// two', 'function g() {}', 'x();', 'function h() {}'];
  it('finds the first line of the block comment or line comments right above a line', () => {
    expect(commentStart(lines, 6)).toBe(3);
    expect(commentStart(lines, 9)).toBe(7);
  });
  it('gives the line itself when no comment is right above it', () => {
    expect(commentStart(lines, 11)).toBe(11);
    expect(commentStart(lines, 1)).toBe(1);
    expect(commentStart(null, 6)).toBe(6);
  });
});
