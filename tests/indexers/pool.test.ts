import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { analysePool } from '../../indexers/workers/pool.js';
import type { AnalyseContext, FileResult } from '../../indexers/workers/analyse.js';
import { makeRepo, type FixtureRepo } from '../helpers/git-repo.js';

const repos: FixtureRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/** Forty small files in three languages, plus text. */
function fixture(): FixtureRepo {
  const files: Record<string, string> = {};
  for (let i = 0; i < 10; i++) {
    files[`src/m${i}.ts`] = `import { f${(i + 1) % 10} } from './m${(i + 1) % 10}';\n/** Doc ${i}. */\nexport function f${i}(x: number): number {\n  return f${(i + 1) % 10}(x) + ${i};\n}\n`;
    files[`lib/p${i}.py`] = `class Thing${i}:\n    """A thing."""\n\n    def run(self):\n        return helper_${i}()\n`;
    files[`web/w${i}.js`] = `export const w${i} = (a) => a * ${i};\n`;
    files[`docs/n${i}.md`] = `# Note ${i}\n\nSome text about thing ${i}.\n`;
  }
  const repo = makeRepo(files);
  repos.push(repo);
  // Old enough that every analysis records the same modification times (recent ones are stored as -1).
  const hourAgo = new Date(Date.now() - 3_600_000);
  for (const path of Object.keys(files)) utimesSync(join(repo.root, path), hourAgo, hourAgo);
  return repo;
}

function context(repo: FixtureRepo, paths: string[]): AnalyseContext {
  return {
    root: repo.root,
    scan: { ignore: [], maxFileBytes: 1_000_000, maxLineLength: 1000 },
    chunkMaxLines: 120,
    repoFiles: new Set(paths),
    hashDimensions: 64,
  };
}

/** Results as plain data: vectors as arrays, so runs on different threads compare equal. */
const plain = (rs: (FileResult | null)[]) => rs.map((r) => r && { ...r, vectors: r.vectors?.map((v) => [...v]) });

describe('analysis pool', () => {
  it('gives the same results, in order, with workers beside this thread as in this thread alone', async () => {
    const repo = fixture();
    const paths = [...Array(10).keys()].flatMap((i) => [`src/m${i}.ts`, `lib/p${i}.py`, `web/w${i}.js`, `docs/n${i}.md`]);
    paths.push('src/gone.ts'); // listed, then deleted before analysis: null
    const ctx = context(repo, paths);
    const alone = analysePool(ctx, 0);
    const shared = analysePool(ctx, 2);
    try {
      const [a, b] = await Promise.all([alone.analyse(paths), shared.analyse(paths)]);
      expect(a).toHaveLength(paths.length);
      expect(a.at(-1)).toBeNull();
      expect(a.slice(0, -1).map((r) => r!.file.path)).toEqual(paths.slice(0, -1));
      expect(a.every((r) => r === null || r.vectors?.length === r.chunks.length)).toBe(true);
      expect(plain(b)).toEqual(plain(a));
      // Several lists in flight at once each come back whole and in order.
      const lists = [paths.slice(0, 7), paths.slice(7, 30), paths.slice(30)];
      const again = await Promise.all(lists.map((l) => shared.analyse(l)));
      expect(plain(again.flat())).toEqual(plain(a));
    } finally {
      await alone.close();
      await shared.close();
    }
  });

  it('rejects the analysis when a file cannot be analysed, whichever thread took it', async () => {
    const repo = fixture();
    // Not a path: reading any file throws, in a worker as here.
    const broken = { ...context(repo, ['src/m0.ts']), root: 42 as unknown as string };
    for (const workers of [0, 1]) {
      const pool = analysePool(broken, workers);
      try {
        const settled = await Promise.allSettled(Array.from({ length: 6 }, () => pool.analyse(['src/m0.ts', 'src/m1.ts'])));
        expect(settled.map((s) => s.status)).toEqual(Array(6).fill('rejected'));
      } finally {
        await pool.close();
      }
    }
  });
});
