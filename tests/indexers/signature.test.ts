import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collapseSignature } from '../../indexers/parse/draft.js';

/** The definition: whitespace runs collapsed to one space, trimmed, capped at 240 characters with an ellipsis. */
function reference(raw: string): string {
  const s = raw.replace(/\s+/g, ' ').trim();
  return s.length > 240 ? `${s.slice(0, 239)}…` : s;
}

describe('collapseSignature', () => {
  it('gives the same line as collapsing the whole declaration, however long', () => {
    const piece = fc.constantFrom('a', 'bc', 'x = 1,', ' ', '  ', '\n', '\t\t', '\n'.repeat(300), ' '.repeat(700), '{', '}', 'é', '😀');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 600 }).map((p) => p.join('')), (raw) => {
        expect(collapseSignature(raw)).toBe(reference(raw));
      }),
      { numRuns: 400 },
    );
  });

  it('caps a long declaration at 240 characters', () => {
    const raw = `export const table = {\n${Array.from({ length: 500 }, (_, i) => `  key${i}: ${i},`).join('\n')}\n};`;
    const line = collapseSignature(raw);
    expect(line).toHaveLength(240);
    expect(line.startsWith('export const table = { key0: 0, key1: 1,')).toBe(true);
    expect(line.endsWith('…')).toBe(true);
  });
});
