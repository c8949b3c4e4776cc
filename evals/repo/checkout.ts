/**
 * Checkouts for repository tasks: a throwaway repository whose only branch is base_commit (the agent sees
 * no later history, so the fix cannot leak from the future), a clean tree of the same commit for grading,
 * and a per-repository index cache so each task only re-indexes what differs from the last one.
 */
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { indexDir } from '../../indexers/store/location.js';
import { RepositoryError } from '../../src/errors.js';
import { runGit } from '../../src/run/worktree.js';
import { patchPaths } from './dataset.js';

/** The branch a checkout's HEAD is on; the agent's own branch starts from it. */
export const BASE_BRANCH = 'eval-base';

/**
 * Make `dir` a repository at `commit` of `gitDir`, sharing its objects (nothing is copied) but none of its
 * refs, with the commit checked out on `eval-base`.
 */
export function checkoutBase(gitDir: string, commit: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  runGit(dir, ['init', '--quiet']);
  writeFileSync(join(dir, '.git', 'objects', 'info', 'alternates'), join(gitDir, 'objects') + '\n');
  // Objects belong to the source repository: a gc here must never prune or repack them.
  runGit(dir, ['config', 'gc.auto', '0']);
  runGit(dir, ['checkout', '--quiet', '-B', BASE_BRANCH, commit]);
}

/** A clean working tree of `commit` at `dir`, as a detached worktree of the checkout. */
export function gradingTree(checkout: string, commit: string, dir: string): void {
  runGit(checkout, ['worktree', 'add', '--quiet', '--detach', dir, commit]);
}

/** Whether `patch` applies cleanly to the tree at `root`; applies it when it does. Returns git's complaint otherwise. */
export function applyPatch(root: string, patch: string): string | null {
  const input = patch.endsWith('\n') ? patch : patch + '\n';
  try {
    runGit(root, ['apply', '--check', '--binary', '-'], { input });
  } catch (err) {
    return (err as Error).message.replace(/^git apply failed: /, '');
  }
  runGit(root, ['apply', '--binary', '-'], { input });
  return null;
}

/**
 * Put every file the test patch touches back to its state at `commit` (removing the ones it did not have),
 * so the agent's own edits to those tests cannot stand in for the real ones; then apply the test patch.
 */
export function applyTestPatch(root: string, commit: string, testPatch: string): string | null {
  for (const path of patchPaths(testPatch)) {
    let atBase = true;
    try {
      runGit(root, ['cat-file', '-e', `${commit}:${path}`]);
    } catch {
      atBase = false;
    }
    if (atBase) runGit(root, ['checkout', '--quiet', commit, '--', path]);
    else if (existsSync(join(root, path))) unlinkSync(join(root, path));
  }
  return applyPatch(root, testPatch);
}

/** The diff between the base and a branch of the checkout ('' when the branch does not exist). */
export function branchDiff(checkout: string, branch: string): string {
  try {
    return runGit(checkout, ['diff', '--binary', BASE_BRANCH, branch, '--']);
  } catch {
    return '';
  }
}

const slug = (repo: string): string => repo.replace(/\//g, '__');

/** Give a fresh checkout the cached index of its repository, when there is one. Returns whether it did. */
export function seedIndex(cacheDir: string, repo: string, checkout: string): boolean {
  const cached = join(cacheDir, slug(repo));
  if (!existsSync(join(cached, '.complete'))) return false;
  mkdirSync(dirname(indexDir(checkout)), { recursive: true });
  cpSync(cached, indexDir(checkout), { recursive: true, filter: (src) => !src.endsWith('.complete') });
  return true;
}

/**
 * Keep the index a run built in the checkout as its repository's cached index, when none is cached yet.
 * Copied beside the target and renamed, so an interrupted copy never becomes the cache.
 */
export function cacheIndex(cacheDir: string, repo: string, checkout: string): boolean {
  const target = join(cacheDir, slug(repo));
  if (existsSync(join(target, '.complete')) || !existsSync(indexDir(checkout))) return false;
  const staging = `${target}.partial-${process.pid}`;
  try {
    mkdirSync(dirname(target), { recursive: true });
    rmSync(staging, { recursive: true, force: true });
    cpSync(indexDir(checkout), staging, { recursive: true });
    writeFileSync(join(staging, '.complete'), '');
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    return true;
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw new RepositoryError(`cannot cache the index of ${repo}: ${(err as Error).message}`, `check that ${cacheDir} is writable`);
  }
}
