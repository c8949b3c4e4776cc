import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

const BIN = fileURLToPath(new URL('../../bin/ragent.js', import.meta.url));

function ragent(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, OLLAMA_HOST: '', RAGENT_FROM_SOURCE: '' } });
}

describe('query commands from the command line', () => {
  it('answer the same whichever way the repository is given (the index opens before the command line is parsed)', async () => {
    const reader = await openIndex(fx.repo.root, fx.config);
    const expected = (await search(reader, TASK, 3)).map((h) => `${h.path}:${h.startLine}`);
    await reader.close();
    const forms = [
      { args: ['search', '--json', '--k', '3', '--repo', fx.repo.root, TASK], cwd: '/' },
      { args: ['search', '--json', '--k', '3', `--repo=${fx.repo.root}`, TASK], cwd: '/' },
      { args: ['search', '--json', '--k', '3', TASK], cwd: join(fx.repo.root, 'shop') },
      { args: ['--repo', fx.repo.root, 'search', '--json', '--k', '3', TASK], cwd: '/' },
    ];
    for (const f of forms) {
      const r = ragent(f.args, f.cwd);
      expect(r.stderr, f.args.join(' ')).toBe('');
      expect(r.status).toBe(0);
      expect((JSON.parse(r.stdout) as Array<{ path: string; startLine: number }>).map((h) => `${h.path}:${h.startLine}`)).toEqual(expected);
    }
    const ctx = ragent(['context', '--json', '--budget', '800', '--repo', fx.repo.root, TASK], '/');
    expect(ctx.status).toBe(0);
    expect(JSON.parse(ctx.stdout).tokens).toBeLessThanOrEqual(800);
  });

  it('exit with the index error and its hint when there is no index, and with a usage error when the task is missing', () => {
    const bare = makeRepo({ 'a.py': 'x = 1\n' });
    try {
      const r = ragent(['search', '--repo', bare.root, 'anything'], '/');
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/no index/);
      expect(r.stderr).toMatch(/ragent index/);
      const usage = ragent(['context', '--repo', fx.repo.root], '/');
      expect(usage.status).toBe(2);
    } finally {
      bare.cleanup();
    }
  });
});
