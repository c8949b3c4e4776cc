import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { indexDir } from '../../indexers/store/location.js';
import { RepositoryError, UsageError } from '../errors.js';

/**
 * The git side of a one-shot run: a separate worktree on its own branch, created from HEAD, so the user's
 * working tree, index and uncommitted changes are never touched.
 */

/** Paths inside a worktree that belong to ragent and are never committed. */
const EXCLUDE_RAGENT = ':(exclude).ragent';

interface GitOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Config pairs passed through the environment (never on the command line, where `ps` shows them). */
  config?: Record<string, string>;
}

/** Run git and return stdout; a failure becomes a RepositoryError carrying git's own message. */
export function runGit(cwd: string, args: string[], opts: GitOptions = {}): string {
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env) };
  const pairs = Object.entries(opts.config ?? {});
  if (pairs.length) {
    env.GIT_CONFIG_COUNT = String(pairs.length);
    pairs.forEach(([k, v], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = k;
      env[`GIT_CONFIG_VALUE_${i}`] = v;
    });
  }
  try {
    return execFileSync('git', args, {
      cwd,
      env,
      input: opts.input,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    const detail = (e.stderr || e.message).trim().split('\n').slice(0, 4).join(' / ');
    throw new RepositoryError(`git ${args[0]} failed: ${detail}`, 'check the repository state with `git status`');
  }
}

/** A branch name made from task text: `fix-login-crash-on-empty-password`. */
export function slugify(text: string, maxLength = 48): string {
  const slug = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  // Cut at a word boundary when the slug is too long.
  const cut = slug.length > maxLength ? slug.slice(0, maxLength + 1).replace(/-[^-]*$/, '') : slug;
  return cut.replace(/-+$/g, '') || 'task';
}

/** True when the branch exists locally. */
export function branchExists(repo: string, branch: string): boolean {
  try {
    runGit(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
    return true;
  } catch {
    return false;
  }
}

/** `base`, or `base-2`, `base-3`... whichever does not exist yet. */
export function uniqueBranch(repo: string, base: string): string {
  if (!branchExists(repo, base)) return base;
  for (let i = 2; ; i++) if (!branchExists(repo, `${base}-${i}`)) return `${base}-${i}`;
}

/** Check a branch name with git's own rules. */
export function assertBranchName(repo: string, branch: string): void {
  try {
    runGit(repo, ['check-ref-format', '--branch', branch]);
  } catch {
    throw new UsageError(`"${branch}" is not a valid branch name`, 'pass --branch with a name git accepts, e.g. ragent/fix-login');
  }
}

/** The commit HEAD points at; a repository without commits cannot host a run. */
export function headCommit(repo: string): string {
  try {
    return runGit(repo, ['rev-parse', '--verify', 'HEAD^{commit}']).trim();
  } catch {
    throw new RepositoryError(`${repo} has no commits yet`, 'commit your code first: the run branches from HEAD');
  }
}

/** True when tracked files have no staged or unstaged changes. */
export function isClean(repo: string): boolean {
  return runGit(repo, ['status', '--porcelain', '--untracked-files=no']).trim() === '';
}

export interface Worktree {
  root: string;
  branch: string;
  /** The commit the branch started from. */
  base: string;
}

export interface CreateWorktreeOptions {
  /** Reset the branch to HEAD when it already exists (the CI bot's re-run); otherwise an existing branch is an error. */
  reset?: boolean;
}

/** Add a worktree in a temporary directory on `branch`, created from HEAD. */
export function createWorktree(repo: string, branch: string, opts: CreateWorktreeOptions = {}): Worktree {
  const base = headCommit(repo);
  assertBranchName(repo, branch);
  if (!opts.reset && branchExists(repo, branch)) {
    throw new UsageError(`branch ${branch} already exists`, 'pass --branch with another name, or delete it: git branch -D ' + branch);
  }
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'ragent-run-')));
  // The directory must not exist for `git worktree add`; mkdtemp only reserved a unique name.
  rmSync(root, { recursive: true, force: true });
  runGit(repo, ['worktree', 'add', '--quiet', opts.reset ? '-B' : '-b', branch, root, base]);
  return { root, branch, base };
}

/** Remove the worktree directory and its bookkeeping; the branch stays. */
export function removeWorktree(repo: string, wt: Worktree): void {
  try {
    runGit(repo, ['worktree', 'remove', '--force', wt.root]);
  } catch {
    rmSync(wt.root, { recursive: true, force: true });
    try {
      runGit(repo, ['worktree', 'prune']);
    } catch {
      // Nothing more to do: a stale entry is pruned by git on its own later.
    }
  }
}

/** Delete a local branch (used when a run produced nothing worth keeping). */
export function deleteBranch(repo: string, branch: string): void {
  runGit(repo, ['branch', '-D', '--quiet', branch]);
}

/**
 * Copy the repository's index (and token calibration) into the worktree so it can be updated incrementally
 * instead of rebuilt. Transcripts stay behind. Returns false when the repository has no index yet.
 */
export function copyIndex(repo: string, worktreeRoot: string): boolean {
  const to = join(worktreeRoot, '.ragent');
  mkdirSync(to, { recursive: true });
  // Keep ragent's own state out of git in the worktree even when the project does not ignore it.
  writeFileSync(join(to, '.gitignore'), '*\n');
  for (const name of ['calibration.json']) {
    if (existsSync(join(repo, '.ragent', name))) cpSync(join(repo, '.ragent', name), join(to, name));
  }
  if (!existsSync(indexDir(repo)) || indexBeingWritten(repo)) return false;
  cpSync(indexDir(repo), indexDir(worktreeRoot), { recursive: true });
  return true;
}

/** True while a live `ragent index` holds the repository's index lock: a copy taken now could be torn. */
function indexBeingWritten(repo: string): boolean {
  try {
    const pid = Number.parseInt(readFileSync(join(repo, '.ragent', 'index.lock'), 'utf8'), 10);
    if (!Number.isFinite(pid)) return false;
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Give a repository without an index the one a run built in its worktree, so the next run (and `ragent
 * index`) only updates it. Copied beside the target and renamed into place, so a kill never leaves half an index.
 */
export function adoptIndex(worktreeRoot: string, repo: string): boolean {
  const target = indexDir(repo);
  if (existsSync(target) || !existsSync(indexDir(worktreeRoot))) return false;
  const staging = `${target}.adopt-${process.pid}`;
  try {
    cpSync(indexDir(worktreeRoot), staging, { recursive: true });
    renameSync(staging, target);
    return true;
  } catch {
    rmSync(staging, { recursive: true, force: true });
    return false;
  }
}

/** Stage every change in the worktree except ragent's own state. */
function stageAll(root: string): void {
  runGit(root, ['add', '--all', '--', '.', EXCLUDE_RAGENT]);
}

/** Paths the worktree changes relative to its base, after staging. */
export function changedFiles(wt: Worktree): string[] {
  stageAll(wt.root);
  const out = runGit(wt.root, ['diff', '--cached', '--name-only', '-z', wt.base]);
  return out.split('\0').filter(Boolean);
}

/** The unified diff (binary-safe) of the worktree against its base. */
export function worktreeDiff(wt: Worktree): string {
  stageAll(wt.root);
  return runGit(wt.root, ['diff', '--cached', '--binary', wt.base]);
}

/** Identity used for the commit when git has none configured (a fresh CI runner). */
function fallbackIdentity(root: string): Record<string, string> {
  const env = process.env;
  if (env.GIT_AUTHOR_EMAIL && env.GIT_COMMITTER_EMAIL) return {};
  try {
    if (runGit(root, ['config', 'user.email']).trim()) return {};
  } catch {
    // Not configured.
  }
  return { 'user.name': 'ragent', 'user.email': 'ragent@users.noreply.github.com' };
}

/** Commit every change in the worktree; returns the new commit, or null when there was nothing to commit. */
export function commitWorktree(wt: Worktree, message: string): string | null {
  stageAll(wt.root);
  const pending = runGit(wt.root, ['diff', '--cached', '--name-only']).trim();
  if (!pending) return null;
  runGit(wt.root, ['commit', '--quiet', '--no-verify', '-F', '-'], { input: message, config: fallbackIdentity(wt.root) });
  return runGit(wt.root, ['rev-parse', 'HEAD']).trim();
}

/** Apply a patch to the user's working tree; refuses (and changes nothing) when it does not apply cleanly. */
export function applyToWorkingTree(repo: string, patch: string): void {
  if (!isClean(repo)) {
    throw new UsageError('the working tree has uncommitted changes, so the patch was not applied', 'commit or stash them, then merge the run branch');
  }
  try {
    runGit(repo, ['apply', '--check', '--binary', '-'], { input: patch });
  } catch (err) {
    throw new RepositoryError(`the patch does not apply to the working tree: ${(err as Error).message}`, 'merge the run branch instead');
  }
  runGit(repo, ['apply', '--binary', '-'], { input: patch });
}

/** A path relative to the repository for messages. */
export function relativeTo(repo: string, path: string): string {
  const rel = relative(repo, path);
  return rel && !rel.startsWith('..') ? rel : path;
}
