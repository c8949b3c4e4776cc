import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError, RepositoryError } from '../../src/errors.js';
import {
  adoptIndex,
  applyToWorkingTree,
  branchExists,
  changedFiles,
  commitWorktree,
  copyIndex,
  createWorktree,
  isClean,
  removeWorktree,
  slugify,
  uniqueBranch,
  worktreeDiff,
} from '../../src/run/worktree.js';
import { git, makeRepo, type FixtureRepo } from '../helpers/git-repo.js';

const repos: FixtureRepo[] = [];
function fixture(): FixtureRepo {
  const repo = makeRepo({ 'src/a.ts': 'export const a = 1;\n', 'README.md': '# demo\n' });
  repos.push(repo);
  return repo;
}
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('slugify', () => {
  it('makes short, safe branch names from task text', () => {
    expect(slugify('Fix: login crashes on EMPTY password!')).toBe('fix-login-crashes-on-empty-password');
    expect(slugify('???')).toBe('task');
    const long = slugify('a very long issue title that goes on and on about many different things at once');
    expect(long.length).toBeLessThanOrEqual(48);
    expect(long).not.toMatch(/-$/);
    expect('a very long issue title that goes on and on about many'.replace(/ /g, '-')).toContain(long);
  });
});

describe('worktree', () => {
  it('works on its own branch without touching the user tree, and commits exactly the change', () => {
    const repo = fixture();
    repo.write('src/a.ts', 'export const a = 1; // user edit, uncommitted\n');
    const wt = createWorktree(repo.root, 'ragent/test');
    try {
      expect(readFileSync(join(wt.root, 'src/a.ts'), 'utf8')).toBe('export const a = 1;\n');
      writeFileSync(join(wt.root, 'src/a.ts'), 'export const a = 2;\n');
      writeFileSync(join(wt.root, 'src/b.ts'), 'export const b = 3;\n');
      mkdirSync(join(wt.root, '.ragent'), { recursive: true });
      writeFileSync(join(wt.root, '.ragent', 'state.bin'), 'index');
      expect(changedFiles(wt).sort()).toEqual(['src/a.ts', 'src/b.ts']);
      const diff = worktreeDiff(wt);
      expect(diff).toContain('+export const a = 2;');
      expect(diff).not.toContain('.ragent');
      const sha = commitWorktree(wt, 'Change a\n\nIssue: test');
      expect(sha).toMatch(/^[0-9a-f]{40}$/);
      expect(commitWorktree(wt, 'again')).toBeNull();
    } finally {
      removeWorktree(repo.root, wt);
    }
    expect(existsSync(wt.root)).toBe(false);
    expect(readFileSync(join(repo.root, 'src/a.ts'), 'utf8')).toBe('export const a = 1; // user edit, uncommitted\n');
    expect(git(repo.root, 'log', '--format=%s', 'ragent/test').trim().split('\n')).toEqual(['Change a', 'initial']);
    expect(git(repo.root, 'show', '--name-only', '--format=', 'ragent/test').trim().split('\n').sort()).toEqual(['src/a.ts', 'src/b.ts']);
    expect(git(repo.root, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('main');
  });

  it('refuses an existing branch unless asked to reset it, and finds a free name', () => {
    const repo = fixture();
    git(repo.root, 'branch', 'ragent/x');
    expect(() => createWorktree(repo.root, 'ragent/x')).toThrow(UsageError);
    expect(uniqueBranch(repo.root, 'ragent/x')).toBe('ragent/x-2');
    expect(() => createWorktree(repo.root, 'bad..name')).toThrow(UsageError);
    const wt = createWorktree(repo.root, 'ragent/x', { reset: true });
    removeWorktree(repo.root, wt);
    expect(branchExists(repo.root, 'ragent/x')).toBe(true);
  });

  it('refuses a repository without commits', () => {
    const repo = makeRepo({}, { commit: false });
    repos.push(repo);
    expect(() => createWorktree(repo.root, 'ragent/x')).toThrow(RepositoryError);
  });

  it('copies the index but not the transcripts, and keeps it out of git', () => {
    const repo = fixture();
    const fresh = createWorktree(repo.root, 'ragent/none');
    expect(copyIndex(repo.root, fresh.root)).toBe(false);
    removeWorktree(repo.root, fresh);
    repo.write('.ragent/index/chunks.lance/data.bin', 'rows');
    repo.write('.ragent/calibration.json', '{}');
    repo.write('.ragent/runs/old.jsonl', '{}\n');
    const wt = createWorktree(repo.root, 'ragent/idx');
    try {
      expect(copyIndex(repo.root, wt.root)).toBe(true);
      expect(readFileSync(join(wt.root, '.ragent/index/chunks.lance/data.bin'), 'utf8')).toBe('rows');
      expect(existsSync(join(wt.root, '.ragent/calibration.json'))).toBe(true);
      expect(existsSync(join(wt.root, '.ragent/runs'))).toBe(false);
      expect(git(wt.root, 'status', '--porcelain').trim()).toBe('');
      // While a live process holds the index lock, the index is not copied (it could be half written).
      repo.write('.ragent/index.lock', String(process.pid));
      expect(copyIndex(repo.root, wt.root)).toBe(false);
      repo.write('.ragent/index.lock', '999999999');
      expect(copyIndex(repo.root, wt.root)).toBe(true);
    } finally {
      removeWorktree(repo.root, wt);
    }
  });

  it('hands an index built in the worktree to a repository that has none, and never overwrites one', () => {
    const repo = fixture();
    const wt = createWorktree(repo.root, 'ragent/adopt');
    try {
      mkdirSync(join(wt.root, '.ragent', 'index'), { recursive: true });
      writeFileSync(join(wt.root, '.ragent', 'index', 'meta'), 'built in the worktree');
      expect(adoptIndex(wt.root, repo.root)).toBe(true);
      expect(readFileSync(join(repo.root, '.ragent/index/meta'), 'utf8')).toBe('built in the worktree');
      writeFileSync(join(wt.root, '.ragent', 'index', 'meta'), 'newer');
      expect(adoptIndex(wt.root, repo.root)).toBe(false);
      expect(readFileSync(join(repo.root, '.ragent/index/meta'), 'utf8')).toBe('built in the worktree');
    } finally {
      removeWorktree(repo.root, wt);
    }
  });

  it('applies a patch to a clean working tree and refuses a dirty one', () => {
    const repo = fixture();
    const wt = createWorktree(repo.root, 'ragent/apply');
    writeFileSync(join(wt.root, 'src/a.ts'), 'export const a = 42;\n');
    const patch = worktreeDiff(wt);
    removeWorktree(repo.root, wt);
    expect(isClean(repo.root)).toBe(true);
    repo.write('README.md', '# changed\n');
    expect(() => applyToWorkingTree(repo.root, patch)).toThrow(UsageError);
    expect(readFileSync(join(repo.root, 'src/a.ts'), 'utf8')).toBe('export const a = 1;\n');
    git(repo.root, 'checkout', '--', 'README.md');
    applyToWorkingTree(repo.root, patch);
    expect(readFileSync(join(repo.root, 'src/a.ts'), 'utf8')).toBe('export const a = 42;\n');
  });
});
