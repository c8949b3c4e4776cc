import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { indexRepository, indexStatus } from '../../indexers/index-repository.js';
import { openIndex } from '../../indexers/store/index.js';
import type { IndexReader } from '../../indexers/types.js';
import { configSchema } from '../../src/config/schema.js';
import { makeRepo, type FixtureRepo } from '../helpers/git-repo.js';

const config = configSchema.parse({ index: { maxFileBytes: 4_000, maxLineLength: 300 } });
const repos: FixtureRepo[] = [];
const readers: IndexReader[] = [];
afterEach(async () => {
  while (readers.length) await readers.pop()!.close();
  while (repos.length) repos.pop()!.cleanup();
});
function repoOf(files: Record<string, string | Buffer>, opts?: { git?: boolean; commit?: boolean }): FixtureRepo {
  const r = makeRepo(files, opts);
  repos.push(r);
  return r;
}
async function open(root: string): Promise<IndexReader> {
  const r = await openIndex(root, config);
  readers.push(r);
  return r;
}
const GOOD = 'export function fine(a: number): number {\n  return a * 2;\n}\n';

describe('bad input', () => {
  it('keeps every symbol tree-sitter recovers from a file with syntax errors', async () => {
    const repo = repoOf({
      'broken.ts': 'export function before(): number {\n  return 1;\n}\n\nfunction broken() {\n  let x = ;\n}\n\nexport class After {\n  ok(): void {}\n}\n',
      'broken.py': 'def good():\n    return 1\n\ndef bad(:\n    pass\n\nclass Later:\n    def m(self):\n        pass\n',
    });
    const stats = await indexRepository(repo.root, config);
    expect(stats).toMatchObject({ files: 2, changed: 2, skipped: {} });
    const names = (await (await open(repo.root)).allChunks()).map((c) => c.qualifiedName);
    expect(names).toEqual(expect.arrayContaining(['before', 'After', 'After.ok', 'good', 'Later', 'Later.m']));
  });

  it('skips binary, huge and minified files with counted reasons, and indexes the rest', async () => {
    const repo = repoOf({
      'ok.ts': GOOD,
      'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
      'data.bin': Buffer.concat([Buffer.from('text first '), Buffer.alloc(4, 0)]),
      'big.py': '# padding\n'.repeat(500),
      'bundle.js': 'var a=1;'.repeat(100) + '\n',
    });
    const stats = await indexRepository(repo.root, config);
    expect(stats).toMatchObject({ files: 1, skipped: { binary: 2, huge: 1, minified: 1 } });
    const index = await open(repo.root);
    expect(new Set((await index.allChunks()).map((c) => c.path))).toEqual(new Set(['ok.ts']));
    const rows = Object.fromEntries((await index.allFiles()).map((f) => [f.path, f.skipReason]));
    expect(rows).toEqual({ 'ok.ts': '', 'logo.png': 'binary', 'data.bin': 'binary', 'big.py': 'huge', 'bundle.js': 'minified' });
  });

  it('drops the chunks of a file that becomes binary', async () => {
    const repo = repoOf({ 'a.ts': GOOD, 'b.ts': GOOD.replace('fine', 'other') });
    await indexRepository(repo.root, config);
    repo.write('b.ts', Buffer.from([0, 1, 2, 3]));
    expect(await indexRepository(repo.root, config)).toMatchObject({ files: 1, changed: 0, skipped: { binary: 1 } });
    expect((await (await open(repo.root)).allChunks()).map((c) => c.path)).not.toContain('b.ts');
  });

  it('decodes non-UTF-8 text with replacement characters and flags the file', async () => {
    const latin1 = Buffer.concat([Buffer.from('def caf'), Buffer.from([0xe9]), Buffer.from('():\n    return "cr'), Buffer.from([0xe8]), Buffer.from('me"\n')]);
    const repo = repoOf({ 'latin1.py': latin1 });
    expect(await indexRepository(repo.root, config)).toMatchObject({ files: 1, skipped: {} });
    const index = await open(repo.root);
    expect((await index.allFiles())[0]).toMatchObject({ path: 'latin1.py', lossyUtf8: true, skipReason: '' });
    const chunk = (await index.allChunks()).find((c) => c.kind === 'function')!;
    expect(chunk.text).toContain('return "cr\uFFFDme"');
  });

  it('indexes an empty file without chunks or errors', async () => {
    const repo = repoOf({ 'empty.ts': '', 'empty.py': '', 'ok.ts': GOOD });
    expect(await indexRepository(repo.root, config)).toMatchObject({ files: 3, changed: 3 });
    const index = await open(repo.root);
    expect((await index.allFiles()).map((f) => f.path).sort()).toEqual(['empty.py', 'empty.ts', 'ok.ts']);
    expect((await index.allChunks()).every((c) => c.path === 'ok.ts')).toBe(true);
  });

  it('carries on when files are deleted during the run, before reading or before parsing', async () => {
    const repo = repoOf({ 'a.ts': GOOD, 'b.ts': GOOD, 'c.ts': GOOD, 'd.ts': GOOD });
    let deleted = false;
    const stats = await indexRepository(repo.root, config, (p) => {
      if (p.phase === 'scan' && !deleted) {
        deleted = true;
        repo.remove('c.ts'); // listed, not yet read
      }
      if (p.phase === 'scan' && p.done === p.total) repo.remove('d.ts'); // read and hashed, not yet parsed
    });
    expect(stats).toMatchObject({ files: 2, changed: 2 });
    expect((await (await open(repo.root)).allFiles()).map((f) => f.path).sort()).toEqual(['a.ts', 'b.ts']);
  });

  it('survives a symlink loop and a link out of the repository', async () => {
    const outside = repoOf({ 'secret.ts': GOOD }, { git: false });
    const repo = repoOf({ 'ok.ts': GOOD });
    symlinkSync('loop2', join(repo.root, 'loop1'));
    symlinkSync('loop1', join(repo.root, 'loop2'));
    symlinkSync(join(outside.root, 'secret.ts'), join(repo.root, 'escape.ts'));
    symlinkSync(outside.root, join(repo.root, 'escape-dir'));
    const stats = await indexRepository(repo.root, config);
    expect(stats).toMatchObject({ files: 1, skipped: { symlink: 4 } });
    expect((await (await open(repo.root)).allChunks()).every((c) => c.path === 'ok.ts')).toBe(true);
  });

  it('indexes a repository with no commits', async () => {
    const repo = repoOf({ 'src/a.ts': GOOD, 'b.py': 'def b():\n    pass\n' }, { commit: false });
    expect(await indexRepository(repo.root, config)).toMatchObject({ files: 2, changed: 2 });
  });

  it('handles paths with spaces, quotes and non-ASCII names through add, edit, status and delete', async () => {
    const paths = ['src/my file.ts', "src/it's here.ts", 'src/ünïcödé/名前.py', 'docs/naïve guide.md'];
    const repo = repoOf({
      [paths[0]!]: GOOD,
      [paths[1]!]: GOOD.replace('fine', 'quoted'),
      [paths[2]!]: 'def namae():\n    return "名前"\n',
      [paths[3]!]: '# Guide\n\nSome prose.\n',
    });
    expect(await indexRepository(repo.root, config)).toMatchObject({ files: 4, changed: 4 });
    let index = await open(repo.root);
    expect((await index.allFiles()).map((f) => f.path).sort()).toEqual([...paths].sort());
    expect((await index.fullTextSearch('namae', 1))[0]!.chunk.path).toBe('src/ünïcödé/名前.py');

    repo.write(paths[1]!, GOOD.replace('fine', 'requoted'));
    repo.remove(paths[2]!);
    expect(await indexStatus(repo.root, config)).toMatchObject({ changed: [paths[1]], removed: [paths[2]], added: [] });
    expect(await indexRepository(repo.root, config)).toMatchObject({ files: 3, changed: 1, removed: 1 });
    index = await open(repo.root);
    const names = (await index.allChunks()).map((c) => c.qualifiedName);
    expect(names).toContain('requoted');
    expect(names).not.toContain('quoted');
    expect(names).not.toContain('namae');
  });

  it('indexes a directory that is not a git repository, honouring its .gitignore', async () => {
    const repo = repoOf(
      { '.gitignore': 'generated/\n', 'src/a.ts': GOOD, 'generated/out.ts': GOOD, 'node_modules/x/i.js': 'x\n' },
      { git: false },
    );
    const stats = await indexRepository(repo.root, config);
    expect(stats).toMatchObject({ files: 2, skipped: { vendored: 1 } });
    expect((await (await open(repo.root)).allFiles()).map((f) => f.path).sort()).toEqual(['.gitignore', 'src/a.ts']);
  });
});
