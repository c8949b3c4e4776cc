import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexRepository } from '../../indexers/index-repository.js';
import { openIndex } from '../../indexers/store/index.js';
import type { IndexReader } from '../../indexers/types.js';
import { IndexError } from '../../src/errors.js';
import { prefetchCorpus } from '../../src/retrieval/corpus.js';
import { packContext, search } from '../../src/retrieval/index.js';
import { openQueryReader } from '../../src/retrieval/query-reader.js';
import { makeRepo } from '../helpers/git-repo.js';
import { indexedRepo, SHOP_FILES, type IndexedRepo } from './fixture.js';

let fx: IndexedRepo;
beforeAll(async () => {
  fx = await indexedRepo();
});
afterAll(async () => {
  await fx?.close();
});

const TASK = 'compute_discount raises for lowercase codes';

/** A reader that counts reads of the whole chunk table (what a query without a usable snapshot does). */
function counting(reader: IndexReader): { reader: IndexReader; loads: () => number } {
  let loads = 0;
  const allChunks = reader.allChunks.bind(reader);
  reader.allChunks = () => {
    loads++;
    return allChunks();
  };
  return { reader, loads: () => loads };
}

describe('query reader on a worker thread', () => {
  it('opens the same index and answers vector searches like the store opened here', async () => {
    const remote = await openQueryReader(fx.repo.root, fx.config);
    const local = await openIndex(fx.repo.root, fx.config);
    try {
      expect(remote.meta).toEqual(local.meta);
      const [vector] = await local.embedder().embed(['discount codes at checkout']);
      const far = await remote.vectorSearch(vector!, 5);
      const near = await local.vectorSearch(vector!, 5);
      expect(far.length).toBeGreaterThan(0);
      expect(far).toEqual(near);
      // Whole-table reads open the store on this thread.
      expect((await remote.allChunks()).length).toBe((await local.allChunks()).length);
      expect(await search(remote, TASK, 5)).toEqual(await search(local, TASK, 5));
    } finally {
      await remote.close();
      await local.close();
    }
  });

  it('fails like openIndex, with its hint, when there is no index', async () => {
    const bare = makeRepo({ 'a.py': 'x = 1\n' });
    try {
      const err = await openQueryReader(bare.root, fx.config).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IndexError);
      expect((err as IndexError).hint).toMatch(/ragent index/);
    } finally {
      bare.cleanup();
    }
  });
});

describe('corpus read ahead', () => {
  it('is used by the first query when it holds the index state, with identical results', async () => {
    const plain = await openIndex(fx.repo.root, fx.config);
    const expected = [await search(plain, TASK, 8), await packContext(plain, TASK, 1_500)];
    await plain.close();

    prefetchCorpus(fx.repo.root);
    const ahead = counting(await openIndex(fx.repo.root, fx.config));
    expect([await search(ahead.reader, TASK, 8), await packContext(ahead.reader, TASK, 1_500)]).toEqual(expected);
    expect(ahead.loads()).toBe(0);
    await ahead.reader.close();
  });

  it('is dropped when the index changed after it was read', async () => {
    prefetchCorpus(fx.repo.root);
    fx.repo.write('shop/pricing.py', SHOP_FILES['shop/pricing.py']!.replace('def round_price(value):', 'def round_to_cents(value):'));
    await indexRepository(fx.repo.root, fx.config);
    const reader = await openIndex(fx.repo.root, fx.config);
    try {
      const hits = await search(reader, 'round_to_cents', 3);
      expect(hits[0]).toMatchObject({ name: 'round_to_cents' });
      expect((await search(reader, 'round_price', 10)).some((h) => h.name === 'round_price')).toBe(false);
    } finally {
      await reader.close();
    }
  });
});
