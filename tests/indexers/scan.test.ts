import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listRepositoryFiles, readRepositoryFile, type ScanOptions } from '../../indexers/scan.js';
import { gitBlobId } from '../../indexers/hash.js';
import { git, makeRepo, type FixtureRepo } from '../helpers/git-repo.js';

const options: ScanOptions = { ignore: [], maxFileBytes: 1000, maxLineLength: 200 };
const repos: FixtureRepo[] = [];
const track = (r: FixtureRepo): FixtureRepo => (repos.push(r), r);
afterEach(() => {
  while (repos.length) repos.pop()!.cleanup();
});

describe('listRepositoryFiles in git', () => {
  it('lists tracked and untracked-not-ignored files, not ignored or vendored ones', () => {
    const repo = track(
      makeRepo({
        '.gitignore': 'secret.env\nout/\n',
        'src/a.ts': 'export const a = 1;\n',
        'node_modules/dep/index.js': 'module.exports = 1;\n',
      }),
    );
    git(repo.root, 'add', '-f', 'node_modules/dep/index.js');
    repo.write('src/new.py', 'x = 1\n');
    repo.write('secret.env', 'TOKEN=1\n');
    repo.write('out/gen.js', 'gen\n');
    repo.write('dist/bundle.js', 'b\n');
    const listing = listRepositoryFiles(repo.root, options);
    expect(listing.git).toBe(true);
    expect(listing.paths).toEqual(['.gitignore', 'src/a.ts', 'src/new.py']);
    expect(listing.skipped).toEqual({ vendored: 2 });
  });

  it('applies index.ignore globs and counts them', () => {
    const repo = track(makeRepo({ 'src/a.ts': 'a\n', 'docs/x.md': 'x\n', 'fixtures/big.json': '{}\n' }));
    const listing = listRepositoryFiles(repo.root, { ...options, ignore: ['fixtures/', '*.md'] });
    expect(listing.paths).toEqual(['src/a.ts']);
    expect(listing.skipped).toEqual({ ignored: 2 });
  });

  it('works in a repository with no commits', () => {
    const repo = track(makeRepo({ 'a.py': 'def f():\n  pass\n', 'b/c.ts': 'let c;\n' }, { commit: false }));
    expect(listRepositoryFiles(repo.root, options).paths).toEqual(['a.py', 'b/c.ts']);
  });

  it('drops tracked files missing from the work tree when read', () => {
    const repo = track(makeRepo({ 'a.ts': 'a\n', 'b.ts': 'b\n' }));
    repo.remove('b.ts');
    const listing = listRepositoryFiles(repo.root, options);
    expect(listing.paths).toEqual(['a.ts', 'b.ts']);
    expect(readRepositoryFile(repo.root, 'b.ts', options)).toBeNull();
  });
});

describe('listRepositoryFiles outside git', () => {
  it('walks a folder that its enclosing repository ignores, and lists no submodule as a file', () => {
    const outer = track(makeRepo({ '.gitignore': 'exports/\n', 'main.ts': 'm\n', 'exports/proj/a.py': 'a = 1\n', 'exports/proj/b/c.ts': 'c\n' }));
    const listing = listRepositoryFiles(join(outer.root, 'exports/proj'), options);
    expect(listing.paths).toEqual(['a.py', 'b/c.ts']);
    // A gitlink (submodule) entry is listed by git but is a folder: reading it yields nothing.
    git(outer.root, 'update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},vendored-sub`);
    outer.write('vendored-sub/x.ts', 'x\n');
    expect(listRepositoryFiles(outer.root, options).paths).toContain('vendored-sub');
    expect(readRepositoryFile(outer.root, 'vendored-sub', options)).toBeNull();
  });

  it('walks the tree honouring nested .gitignore files and pruning vendored folders', () => {
    const repo = track(
      makeRepo(
        {
          '.gitignore': '*.log\n/tmp\n',
          'app.js': 'x\n',
          'debug.log': 'log\n',
          'tmp/scratch.js': 's\n',
          'lib/.gitignore': 'generated/\n!keep.log\n',
          'lib/keep.log': 'k\n',
          'lib/generated/g.js': 'g\n',
          'lib/util.py': 'u\n',
          'node_modules/x/index.js': 'n\n',
          '.venv/lib/site.py': 'v\n',
        },
        { git: false },
      ),
    );
    const listing = listRepositoryFiles(repo.root, options);
    expect(listing.git).toBe(false);
    expect(listing.paths).toEqual(['.gitignore', 'app.js', 'lib/.gitignore', 'lib/keep.log', 'lib/util.py']);
    expect(listing.skipped).toEqual({ vendored: 2 });
  });
});

describe('readRepositoryFile', () => {
  it('hashes and decodes an ordinary text file', () => {
    const repo = track(makeRepo({ 'a.ts': 'const ü = 1;\n' }, { git: false }));
    const read = readRepositoryFile(repo.root, 'a.ts', options)!;
    expect(read.text).toBe('const ü = 1;\n');
    expect(read.record).toEqual({
      path: 'a.ts',
      hash: gitBlobId(Buffer.from('const ü = 1;\n')),
      language: '',
      size: Buffer.byteLength('const ü = 1;\n'),
      skipReason: '',
      lossyUtf8: false,
    });
  });

  it('skips binary, huge, minified and generated files with their reason', () => {
    const repo = track(
      makeRepo(
        {
          'img.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]),
          'big.ts': 'x'.repeat(40) + '\n'.repeat(1000),
          'min.js': 'var a=1;'.repeat(40) + '\n',
          'app.min.js': 'short\n',
          'package-lock.json': '{}\n',
        },
        { git: false },
      ),
    );
    const reason = (p: string) => readRepositoryFile(repo.root, p, options)!.record.skipReason;
    expect(reason('img.png')).toBe('binary');
    expect(reason('big.ts')).toBe('huge');
    expect(reason('min.js')).toBe('minified');
    expect(reason('app.min.js')).toBe('minified');
    expect(reason('package-lock.json')).toBe('minified');
    expect(readRepositoryFile(repo.root, 'img.png', options)!.text).toBeNull();
  });

  it('decodes invalid UTF-8 with replacement characters and flags it', () => {
    const repo = track(makeRepo({ 'latin1.py': Buffer.from([0x73, 0x3d, 0x27, 0xe9, 0x27, 0x0a]) }, { git: false }));
    const read = readRepositoryFile(repo.root, 'latin1.py', options)!;
    expect(read.record.lossyUtf8).toBe(true);
    expect(read.record.skipReason).toBe('');
    expect(read.text).toBe("s='\uFFFD'\n");
  });

  it('skips links that leave the repository or loop, and reads links that stay inside', () => {
    const outside = track(makeRepo({ 'secret.txt': 'outside\n' }, { git: false }));
    const repo = track(makeRepo({ 'real.ts': 'export const r = 1;\n' }, { git: false }));
    symlinkSync(join(outside.root, 'secret.txt'), join(repo.root, 'out.txt'));
    symlinkSync('loop-b', join(repo.root, 'loop-a'));
    symlinkSync('loop-a', join(repo.root, 'loop-b'));
    symlinkSync('real.ts', join(repo.root, 'alias.ts'));
    const listing = listRepositoryFiles(repo.root, options);
    expect(listing.paths).toEqual(['alias.ts', 'loop-a', 'loop-b', 'out.txt', 'real.ts']);
    expect(readRepositoryFile(repo.root, 'out.txt', options)!.record.skipReason).toBe('symlink');
    expect(readRepositoryFile(repo.root, 'loop-a', options)!.record.skipReason).toBe('symlink');
    expect(readRepositoryFile(repo.root, 'alias.ts', options)!.text).toBe('export const r = 1;\n');
  });

  it('returns null for a file deleted after listing', () => {
    const repo = track(makeRepo({ 'a.ts': 'a\n' }, { git: false }));
    const listing = listRepositoryFiles(repo.root, options);
    repo.remove('a.ts');
    expect(readRepositoryFile(repo.root, listing.paths[0]!, options)).toBeNull();
  });
});
