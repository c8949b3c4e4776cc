import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { edgesSchema, toArrow } from '../../indexers/store/schema.js';
import type { EdgeRecord } from '../../indexers/types.js';

const edge = (target: string, i: number): EdgeRecord => ({ fromPath: `f${i}.ts`, fromSymbol: 's', kind: 'ref', target, toPath: '', line: i });

/** The UTF-8 bytes of one column of an Arrow table built by `toArrow`, with its value offsets. */
function column(values: string[]): { bytes: Buffer; offsets: number[] } {
  const data = toArrow(edgesSchema, values.map(edge)).getChild('target')!.data[0]!;
  const offsets = [...data.valueOffsets];
  return { bytes: Buffer.from(data.values.subarray(0, offsets.at(-1))), offsets };
}

describe('Arrow columns', () => {
  it('encode every value as UTF-8 on its own would, lone surrogates included', () => {
    const unit = fc.constantFrom('a', 'Z', ' ', 'é', '日', '😀', '\ud83d', '\ude00', '\u0000', '\uffff');
    const value = fc.array(unit, { maxLength: 6 }).map((u) => u.join(''));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 12 }), (values) => {
        const { bytes, offsets } = column(values);
        const each = values.map((v) => Buffer.from(v, 'utf8'));
        expect(bytes.equals(Buffer.concat(each))).toBe(true);
        let end = 0;
        expect(offsets).toEqual([0, ...each.map((b) => (end += b.length))]);
      }),
      { numRuns: 500 },
    );
  });

  it('reads back the same strings', () => {
    const values = ['plain', '', 'naïve', '日本語', 'emoji 😀', 'x'];
    const table = toArrow(edgesSchema, values.map(edge));
    expect(table.getChild('target')!.toArray()).toEqual(values);
  });
});
