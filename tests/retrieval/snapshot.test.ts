import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexRepository } from '../../indexers/index-repository.js';
import { openIndex } from '../../indexers/store/index.js';
import type { IndexReader } from '../../indexers/types.js';
import { packContext, search } from '../../src/retrieval/index.js';
import { snapshotFile } from '../../src/retrieval/snapshot.js';
import { indexedRepo, SHOP_FILES, type IndexedRepo } from './fixture.js';

let fx: IndexedRepo;
beforeAll(async () => {
  fx = await indexedRepo();
});
afterAll(async () => {
  await fx?.close();
});

/** A fresh reader that counts how often the full chunk table is read. */
async function countingReader(): Promise<{ reader: IndexReader; loads: () => number }> {
  const reader = await openIndex(fx.repo.root, fx.config);
  let loads = 0;
  const allChunks = reader.allChunks.bind(reader);
  reader.allChunks = () => {
    loads++;
    return allChunks();
  };
  return { reader, loads: () => loads };
}

const TASK = 'compute_discount raises for lowercase codes';

describe('retrieval snapshot', () => {
  it('is written on first use and lets a new process skip the chunk table with identical results', async () => {
    // The index run wrote one; without it, the first query builds and writes it.
    expect(existsSync(snapshotFile(fx.repo.root))).toBe(true);
    rmSync(snapshotFile(fx.repo.root));
    const first = await countingReader();
    const hits = await search(first.reader, TASK, 10);
    const ctx = await packContext(first.reader, TASK, 2_000);
    expect(first.loads()).toBe(1);
    expect(existsSync(snapshotFile(fx.repo.root))).toBe(true);
    await first.reader.close();

    const second = await countingReader();
    expect(await search(second.reader, TASK, 10)).toEqual(hits);
    expect(await packContext(second.reader, TASK, 2_000)).toEqual(ctx);
    // Quoted text is checked against the files, so it still works without chunk text in memory.
    expect((await search(second.reader, 'it says "unknown discount code given at checkout"', 1))[0]).toMatchObject({ name: 'compute_discount' });
    expect(second.loads()).toBe(0);
    await second.reader.close();
  });

  it('is ignored once the index changes, and when it is damaged', async () => {
    const stale = readFileSync(snapshotFile(fx.repo.root));
    fx.repo.write('shop/pricing.py', SHOP_FILES['shop/pricing.py']!.replace('def round_price(value):', 'def round_to_cents(value):'));
    await indexRepository(fx.repo.root, fx.config);
    // Put back the snapshot of the previous index state, as if the run had not refreshed it.
    writeFileSync(snapshotFile(fx.repo.root), stale);
    const after = await countingReader();
    const hits = await search(after.reader, 'round_to_cents', 3);
    expect(hits[0]).toMatchObject({ name: 'round_to_cents' });
    expect(after.loads()).toBe(1);
    await after.reader.close();

    const file = snapshotFile(fx.repo.root);
    writeFileSync(file, readFileSync(file).subarray(0, 100));
    const damaged = await countingReader();
    expect(await search(damaged.reader, 'round_to_cents', 3)).toEqual(hits);
    expect(damaged.loads()).toBe(1);
    await damaged.reader.close();
  });
});
