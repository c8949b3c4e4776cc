import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openIndex } from '../../indexers/store/index.js';
import { IndexError } from '../../src/errors.js';
import { makeRepo, type FixtureRepo } from '../helpers/git-repo.js';
import { copyRepo, removeDir, snapshot } from './index-fixture.js';

const BIN = fileURLToPath(new URL('../../bin/ragent.js', import.meta.url));

/** A repository big enough that an index run takes a while: `n` TypeScript and Python modules. */
function bigRepo(n: number, version = 0): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const body = Array.from({ length: 12 }, (_, j) => `  const value${j} = helper${(i + j) % n}(input, ${j + version});`).join('\n');
    files[`src/mod${i}.ts`] =
      `import { helper${(i + 1) % n} } from './mod${(i + 1) % n}';\n\n` +
      `/** Helper number ${i}. */\nexport function helper${i}(input: number, k: number): number {\n${body}\n  return input + k;\n}\n\n` +
      `export class Service${i} {\n  run(x: number): number {\n    return helper${(i + 1) % n}(x, ${version});\n  }\n}\n`;
    files[`py/pkg${i % 10}/m${i}.py`] = `from .m${(i + 10) % n} import f${(i + 10) % n}\n\n\ndef f${i}(x):\n    """Function ${i}."""\n    return x + ${version}\n`;
  }
  return files;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
  stderr: string;
}

/** Run `ragent index` on `root`; with `killAfterMs`, SIGKILL it then (if it is still running). */
function runIndex(root: string, killAfterMs?: number): Promise<Run> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, 'index', '--repo', root, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ms: Date.now() - started, stderr });
    });
  });
}

/** The index opens and answers every kind of query (it may be incomplete). */
async function expectAnswers(root: string): Promise<void> {
  const index = await openIndex(root);
  try {
    const chunks = await index.allChunks();
    await index.allEdges();
    await index.allFiles();
    const fts = await index.fullTextSearch('helper service', 5);
    const [v] = await index.embedder().embed(['helper input']);
    const near = await index.vectorSearch(v!, 5);
    if (chunks.length) {
      expect(fts.length).toBeGreaterThan(0);
      expect(near.length).toBeGreaterThan(0);
    }
  } finally {
    await index.close();
  }
}

const repos: FixtureRepo[] = [];
const dirs: string[] = [];
afterEach(() => {
  while (repos.length) repos.pop()!.cleanup();
  while (dirs.length) removeDir(dirs.pop()!);
});

describe('recovery after kill -9', () => {
  it('an update killed at any point leaves an index that answers, and the next run completes it', async () => {
    const repo = makeRepo(bigRepo(150));
    repos.push(repo);
    const first = await runIndex(repo.root);
    expect(first.code, first.stderr).toBe(0);

    const kills: Run[] = [];
    for (const [step, fraction] of [0.2, 0.45, 0.7, 0.95].entries()) {
      // Change every file so the run has real work in each phase.
      for (const [path, text] of Object.entries(bigRepo(150, step + 1))) repo.write(path, text);
      kills.push(await runIndex(repo.root, Math.round(first.ms * fraction)));
      await expectAnswers(repo.root);
    }
    expect(kills.some((k) => k.signal === 'SIGKILL')).toBe(true);

    const last = await runIndex(repo.root);
    expect(last.code, last.stderr).toBe(0);
    const clean = copyRepo(repo.root);
    dirs.push(clean);
    expect((await runIndex(clean)).code).toBe(0);
    expect(await snapshot(repo.root)).toEqual(await snapshot(clean));
  }, 240_000);

  it('a first run killed part way is finished by the next', async () => {
    const repo = makeRepo(bigRepo(120));
    repos.push(repo);
    const reference = copyRepo(repo.root);
    dirs.push(reference);
    const full = await runIndex(reference);
    expect(full.code, full.stderr).toBe(0);

    for (const fraction of [0.4, 0.8]) {
      await runIndex(repo.root, Math.round(full.ms * fraction));
      // Killed before the empty tables existed there is no index yet, and opening says how to build one.
      await expectAnswers(repo.root).catch((err: unknown) => {
        expect(err).toBeInstanceOf(IndexError);
        expect((err as IndexError).hint).toBe('run: ragent index');
      });
    }
    expect((await runIndex(repo.root)).code).toBe(0);
    expect(await snapshot(repo.root)).toEqual(await snapshot(reference));
  }, 240_000);
});
