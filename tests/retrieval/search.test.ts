import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIndex } from '../../indexers/store/index.js';
import { search, searchFiles } from '../../src/retrieval/index.js';
import { indexedRepo, type IndexedRepo } from './fixture.js';

let fx: IndexedRepo;
beforeAll(async () => {
  fx = await indexedRepo();
});
afterAll(async () => {
  await fx?.close();
});

describe('search', () => {
  it('finds a function the task names first', async () => {
    const hits = await search(fx.reader, 'compute_discount returns the wrong value when the amount is negative', 5);
    expect(hits[0]).toMatchObject({ path: 'shop/pricing.py', name: 'compute_discount', kind: 'function', startLine: 7, endLine: 13 });
    expect(hits[0]!.signals).toContain('name');
  });

  it('finds a Python stack frame\'s function from the frame line alone', async () => {
    const trace = [
      'Checkout crashes:',
      'Traceback (most recent call last):',
      '  File "/srv/app/main.py", line 3, in <module>',
      '  File "/srv/app/.venv/lib/site-packages/shop/inventory.py", line 9, in <listcomp>',
      'KeyError: 42',
    ].join('\n');
    const hits = await search(fx.reader, trace, 5);
    expect(hits[0]).toMatchObject({ path: 'shop/inventory.py', name: 'reserve_stock' });
    expect(hits[0]!.signals).toContain('trace');
  });

  it('finds a JavaScript stack frame\'s function by file and line', async () => {
    const trace = 'TypeError: Cannot read properties of undefined\n    at Object.<anonymous> (webpack:///web/src/render.js:6:42)\n    at main (web/src/index.js:3:1)';
    const hits = await search(fx.reader, trace, 3);
    expect(hits[0]).toMatchObject({ path: 'web/src/render.js', name: 'renderTotal' });
    expect(hits[0]!.signals).toContain('trace');
  });

  it('finds quoted error text in the code', async () => {
    const hits = await search(fx.reader, 'The page says "could not load the product list" and stays blank', 3);
    expect(hits[0]).toMatchObject({ path: 'web/src/api.js', name: 'fetchProducts' });
    expect(hits[0]!.signals).toContain('trace');
  });

  it('finds the implementing symbol for a task in plain words through full text and vectors', async () => {
    const hits = await search(fx.reader, 'hold back units in the warehouse so nobody else can buy them', 5);
    expect(hits[0]).toMatchObject({ path: 'shop/inventory.py', name: 'reserve_stock' });
    expect(hits[0]!.signals).toEqual(expect.arrayContaining(['fulltext', 'vector']));
    expect(hits[0]!.signals).not.toContain('name');
  });

  it('ranks a caller of the named function by graph propagation', async () => {
    const task = 'compute_discount should reject expired codes';
    const nameOnly = { fulltext: 0, vector: 0, path: 0, trace: 0, tests: 0, name: 1 };
    const without = await search(fx.reader, task, 20, { weights: { ...nameOnly, graph: 0 } });
    expect(without.map((h) => h.name)).not.toContain('apply_discount');
    const withGraph = await search(fx.reader, task, 20, { weights: { ...nameOnly, graph: 1 } });
    const caller = withGraph.find((h) => h.name === 'apply_discount');
    expect(caller?.signals).toContain('graph');
    // The caller outranks code that neither calls nor is called by the named function.
    const unrelated = withGraph.findIndex((h) => h.name === 'send_receipt');
    expect(unrelated === -1 || withGraph.indexOf(caller!) < unrelated).toBe(true);
  });

  it('ranks files, a file mentioned by path first', async () => {
    const files = await searchFiles(fx.reader, 'Something is off in checkout.py when the cart is empty', 3);
    expect(files[0]).toMatchObject({ path: 'shop/checkout.py' });
    expect(files[0]!.signals).toContain('path');
  });

  it('lifts the module a mentioned test file tests', async () => {
    const files = await searchFiles(fx.reader, 'tests/test_inventory.py fails on CI since yesterday', 3, { weights: { vector: 0 } });
    expect(files[0]!.path).toBe('shop/inventory.py');
    expect(files[0]!.signals).toContain('tests');
  });

  it('is deterministic, across readers too', async () => {
    const q = 'format the currency of the cart total with two decimals';
    const a = await search(fx.reader, q, 10);
    const b = await search(fx.reader, q, 10);
    const other = await openIndex(fx.repo.root, fx.config);
    try {
      const c = await search(other, q, 10);
      expect(b).toEqual(a);
      expect(c).toEqual(a);
    } finally {
      await other.close();
    }
  });

  it('returns nothing for k = 0 and for a query with no match', async () => {
    expect(await search(fx.reader, 'compute_discount', 0)).toEqual([]);
    expect(await search(fx.reader, 'zzqx wvvk', 5, { weights: { vector: 0 } })).toEqual([]);
  });
});
