import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { indexRepository } from '../../indexers/index-repository.js';
import { openIndex } from '../../indexers/store/index.js';
import { LanceIndexReader } from '../../indexers/store/reader.js';
import type { IndexMeta } from '../../indexers/types.js';
import { defaultConfig } from '../../src/config/load.js';
import { packContext, search } from '../../src/retrieval/index.js';
import { readSnapshot } from '../../src/retrieval/snapshot-read.js';
import { snapshotFile, snapshotStampFile } from '../../src/retrieval/snapshot.js';
import { comparable, postings } from './snapshot-compare.js';
import { patchBm25, updateSnapshot } from '../../src/retrieval/snapshot-update.js';
import { Bm25Index } from '../../src/retrieval/bm25.js';
import { makeRepo, type FixtureRepo } from '../helpers/git-repo.js';
import { SHOP_FILES } from './fixture.js';

const config = defaultConfig();
let repo: FixtureRepo | undefined;
afterEach(() => repo?.cleanup());

async function metaOf(root: string): Promise<IndexMeta> {
  const reader = await openIndex(root, config);
  const meta = reader.meta;
  await reader.close();
  return meta;
}

/** The snapshot the store gives when rebuilt from scratch, and the results of a few queries over it. */
async function rebuilt(root: string): Promise<{ snap: ReturnType<typeof comparable>; results: unknown[] }> {
  for (const f of [snapshotFile(root), snapshotStampFile(root)]) rmSync(f, { force: true });
  const results = await queries(root);
  const snap = readSnapshot(root, await metaOf(root));
  expect(snap).not.toBeNull();
  return { snap: comparable(snap!), results };
}

const TASKS = ['compute_discount raises for lowercase codes', 'apply a coupon to the cart total', 'formatCurrency shows the wrong symbol'];

async function queries(root: string): Promise<unknown[]> {
  const reader = await openIndex(root, config);
  const out: unknown[] = [];
  for (const t of TASKS) out.push(await search(reader, t, 8), await packContext(reader, t, 1_500));
  await reader.close();
  return out;
}

describe('retrieval snapshot kept current by the index run', () => {
  it('is written by the first index run, so the first query reads no table', async () => {
    repo = makeRepo(SHOP_FILES);
    await indexRepository(repo.root, config);
    const snap = readSnapshot(repo.root, await metaOf(repo.root));
    expect(snap).not.toBeNull();
    expect(snap!.edges.from.length).toBeGreaterThan(0);
    const reader = await openIndex(repo.root, config);
    let loads = 0;
    const allChunks = reader.allChunks.bind(reader);
    reader.allChunks = () => {
      loads++;
      return allChunks();
    };
    expect((await search(reader, 'compute_discount', 1))[0]).toMatchObject({ name: 'compute_discount' });
    expect(loads).toBe(0);
    await reader.close();
  });

  it('of a run that writes the whole index is built from the rows it wrote, equal to one read back from the store', async () => {
    repo = makeRepo(SHOP_FILES);
    const reads = vi.spyOn(LanceIndexReader.prototype, 'allChunks');
    try {
      await indexRepository(repo.root, config);
      await indexRepository(repo.root, config, () => {}, { full: true });
      expect(reads).not.toHaveBeenCalled();
    } finally {
      reads.mockRestore();
    }
    const written = readSnapshot(repo.root, await metaOf(repo.root));
    expect(written).not.toBeNull();
    const results = await queries(repo.root);
    const fresh = await rebuilt(repo.root);
    expect(comparable(written!)).toEqual(fresh.snap);
    expect(results).toEqual(fresh.results);
  });

  it('after an edit, an added file and a removed file, equals the snapshot rebuilt from the store', async () => {
    repo = makeRepo(SHOP_FILES);
    await indexRepository(repo.root, config);
    const edits: Array<(r: FixtureRepo) => void> = [
      (r) => r.write('shop/pricing.py', SHOP_FILES['shop/pricing.py']!.replace('def round_price(value):', 'def round_to_cents(value):')),
      (r) => r.write('shop/coupons.py', 'from shop.pricing import compute_discount\n\ndef apply_coupon(cart, code):\n    """Apply a coupon code to the cart total."""\n    return compute_discount(cart, code)\n'),
      (r) => rmSync(`${r.root}/${Object.keys(SHOP_FILES).find((p) => p.endsWith('.js'))!}`),
    ];
    for (const edit of edits) {
      edit(repo);
      await indexRepository(repo.root, config);
      const meta = await metaOf(repo.root);
      const inPlace = readSnapshot(repo.root, meta);
      expect(inPlace).not.toBeNull();
      const results = await queries(repo.root);
      const fresh = await rebuilt(repo.root);
      expect(comparable(inPlace!)).toEqual(fresh.snap);
      expect(results).toEqual(fresh.results);
    }
  });

  it('is carried over unchanged by a run that changes nothing, and then updated by one that does', async () => {
    repo = makeRepo(SHOP_FILES);
    await indexRepository(repo.root, config);
    const bytes = readFileSync(snapshotFile(repo.root));
    const before = await metaOf(repo.root);
    await indexRepository(repo.root, config);
    const meta = await metaOf(repo.root);
    expect(meta.updatedAt).not.toBe(before.updatedAt);
    expect(readFileSync(snapshotFile(repo.root)).equals(bytes)).toBe(true);
    expect(readSnapshot(repo.root, meta)).not.toBeNull();
    expect(readSnapshot(repo.root, before)).toBeNull();

    // A stamp vouching for other content is not trusted.
    const stamp = readFileSync(snapshotStampFile(repo.root), 'utf8');
    writeFileSync(snapshotStampFile(repo.root), stamp.replace(/"id":"[^"]*"/, '"id":"other"'));
    expect(readSnapshot(repo.root, meta)).toBeNull();
    writeFileSync(snapshotStampFile(repo.root), stamp);

    repo.write('shop/pricing.py', SHOP_FILES['shop/pricing.py']!.replace('def round_price(value):', 'def round_to_cents(value):'));
    await indexRepository(repo.root, config);
    const inPlace = readSnapshot(repo.root, await metaOf(repo.root));
    expect(inPlace).not.toBeNull();
    const results = await queries(repo.root);
    const fresh = await rebuilt(repo.root);
    expect(comparable(inPlace!)).toEqual(fresh.snap);
    expect(results).toEqual(fresh.results);
  });

  it('updates the previous state\'s snapshot in place from the changed files alone', async () => {
    repo = makeRepo(SHOP_FILES);
    await indexRepository(repo.root, config);
    const before = await metaOf(repo.root);
    const keep = `${repo.root}/.ragent/keep`;
    const files = [snapshotFile(repo.root)];
    files.forEach((f, i) => copyFileSync(f, `${keep}.${i}`));
    repo.write('shop/pricing.py', SHOP_FILES['shop/pricing.py']!.replace('def round_price(value):', 'def round_to_cents(value):'));
    await indexRepository(repo.root, config);
    const after = await metaOf(repo.root);
    const fresh = await rebuilt(repo.root);

    // The previous state's snapshot, and what the run changed as the store now holds it.
    files.forEach((f, i) => copyFileSync(`${keep}.${i}`, f));
    const reader = await openIndex(repo.root, config);
    const paths = new Set(['shop/pricing.py']);
    const delta = {
      paths,
      chunks: (await reader.allChunks()).filter((c) => paths.has(c.path)),
      edges: (await reader.allEdges()).filter((e) => paths.has(e.fromPath)),
    };
    await reader.close();
    expect(readSnapshot(repo.root, after)).toBeNull();
    expect(updateSnapshot(repo.root, before, after, delta)).toBe(true);
    expect(comparable(readSnapshot(repo.root, after)!)).toEqual(fresh.snap);
    expect(await queries(repo.root)).toEqual(fresh.results);

    // Only the snapshot of exactly the previous state can be updated; a template's tokens need the store.
    expect(updateSnapshot(repo.root, before, after, delta)).toBe(false);
    expect(updateSnapshot(repo.root, after, after, { ...delta, paths: new Set(['.github/ISSUE_TEMPLATE/bug.md']) })).toBe(false);
    expect(existsSync(snapshotFile(repo.root))).toBe(true);
  });
});

describe('patchBm25', () => {
  it('renumbers, drops and merges documents into the postings a fresh build gives', () => {
    const docs = [['a', 'b', 'a'], ['b', 'c'], ['c', 'd'], ['a']];
    const old = new Bm25Index(docs).parts();
    // Remove doc 1, insert two documents (one before doc 2, one at the end), keep the rest in order.
    const next = [docs[0]!, ['e', 'a'], docs[2]!, docs[3]!, ['b', 'b', 'e']];
    const map = Int32Array.from([0, -1, 2, 3]);
    const patched = patchBm25(old, map, [{ doc: 1, tokens: next[1]! }, { doc: 4, tokens: next[4]! }], next.length);
    const fresh = new Bm25Index(next).parts();
    expect(postings(patched)).toEqual(postings(fresh));
    expect([...patched.docLen]).toEqual([...fresh.docLen]);
    const query = ['a', 'e', 'b'];
    expect([...new Bm25Index(patched).scoreAll(query).scores]).toEqual([...new Bm25Index(fresh).scoreAll(query).scores]);
  });
});
