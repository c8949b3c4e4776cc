import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rank } from '../../src/retrieval/index.js';
import { analyzeQuery } from '../../src/retrieval/query.js';
import { queryWeights, withTermFrequency } from '../../src/retrieval/signals.js';
import { indexedRepo, type IndexedRepo } from './fixture.js';

// Two modules that each hold one of the task's words once, in files of the same size, so that only how
// often the task says each word can tell them apart.
const FILES: Record<string, string> = {
  'src/a.js': 'export function send(box) {\n  // hand the parcel to the courier\n  return box.courier;\n}\n',
  'src/b.js': 'export function total(doc) {\n  // sum the lines of the invoice\n  return doc.lines;\n}\n',
  'src/c.js': 'export function pad(s, n) {\n  return s.padStart(n);\n}\n',
};

let fx: IndexedRepo;
beforeAll(async () => {
  fx = await indexedRepo(FILES);
});
afterAll(async () => {
  await fx?.close();
});

describe('words the task repeats', () => {
  it('weigh 1 + ln(count), and words weighted down stay as they are', () => {
    const q = analyzeQuery('the invoice is wrong: invoice totals and invoice dates, and the parcel');
    const w = queryWeights(q, new Set(['dates']));
    withTermFrequency(q, w);
    expect(w.get('invoice')).toBeCloseTo(1 + Math.log(3), 10);
    expect(w.has('parcel')).toBe(false);
    expect(w.get('dates')).toBe(0.2);
  });

  it('rank the code about what the task keeps returning to first', async () => {
    const files = async (task: string): Promise<string[]> => {
      const r = await rank(fx.reader, task, { noVector: true });
      return r.fileOrder.map((f) => r.corpus.files[f]!.path);
    };
    // Each word once: a tie, broken by corpus order.
    expect((await files('the parcel and the invoice')).slice(0, 2)).toEqual(['src/a.js', 'src/b.js']);
    expect((await files('the parcel and the invoice; the invoice again, that invoice')).slice(0, 2)).toEqual(['src/b.js', 'src/a.js']);
  });
});
