/**
 * Checkouts for localization: find an instance's repository under the repos folder, export its
 * base_commit into a cached tree, and index that tree. An index is seeded from the repository's most
 * recently indexed tree, so indexing a nearby commit only redoes the files that differ.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexRepository } from '../../indexers/index-repository.js';
import type { IndexProgress } from '../../indexers/types.js';
import type { RagentConfig } from '../../src/config/schema.js';
import { RepositoryError } from '../../src/errors.js';

/** The git directory of `owner/name` under `reposDir`, as `owner__name` or `owner/name`, bare or not. */
export function findRepository(reposDir: string, repo: string): string {
  const [owner, name] = repo.split('/');
  const candidates = [join(reposDir, `${owner}__${name}`), join(reposDir, owner ?? '', name ?? ''), join(reposDir, `${owner}__${name}.git`), join(reposDir, owner ?? '', `${name}.git`)];
  for (const dir of candidates) {
    if (!existsSync(dir)) continue;
    try {
      return execFileSync('git', ['rev-parse', '--absolute-git-dir'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      // Not a git repository: try the next layout.
    }
  }
  throw new RepositoryError(`no git repository for ${repo} under ${reposDir}`, `clone it as ${join(reposDir, `${owner}__${name}`)} (bare clones work)`);
}

/** Whether the git directory holds `commit`. */
export function hasCommit(gitDir: string, commit: string): boolean {
  try {
    execFileSync('git', ['--git-dir', gitDir, 'cat-file', '-e', `${commit}^{commit}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const slug = (repo: string): string => repo.replace(/\//g, '__');

/** Export `commit` of the repository into `<cacheDir>/<owner__name>/<commit>/`, once; returns the tree. */
export async function exportTree(gitDir: string, repo: string, commit: string, cacheDir: string): Promise<string> {
  const dir = join(cacheDir, slug(repo), commit);
  if (existsSync(join(dir, '.ragent-exported'))) return dir;
  if (!hasCommit(gitDir, commit)) {
    throw new RepositoryError(`${repo} has no commit ${commit}`, 'fetch the full history of the repository (git fetch --unshallow)');
  }
  const tmp = `${dir}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const archive = spawn('git', ['--git-dir', gitDir, 'archive', '--format=tar', commit], { stdio: ['ignore', 'pipe', 'pipe'] });
    const tar = spawn('tar', ['-x', '-C', tmp], { stdio: ['pipe', 'ignore', 'pipe'] });
    archive.stdout.pipe(tar.stdin);
    let err = '';
    archive.stderr.on('data', (d: Buffer) => (err += d.toString()));
    tar.stderr.on('data', (d: Buffer) => (err += d.toString()));
    let pending = 2;
    const done = (code: number | null): void => {
      if (code !== 0) reject(new RepositoryError(`exporting ${repo}@${commit} failed: ${err.trim() || `exit ${code}`}`, 'check the repository with git fsck'));
      else if (--pending === 0) resolve();
    };
    archive.on('close', done);
    tar.on('close', done);
  });
  writeFileSync(join(tmp, '.ragent-exported'), `${repo} ${commit}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

/**
 * Bring an exported tree's index up to date (a no-op when it is; a rebuild when the index format
 * changed). A tree never indexed starts from a copy of the newest indexed sibling tree of the same
 * repository, so only the files that differ between the two commits are parsed.
 */
export async function indexTree(tree: string, config: RagentConfig, onProgress?: (p: IndexProgress) => void): Promise<void> {
  const marker = join(tree, '.ragent', 'localize-indexed');
  const own = join(tree, '.ragent');
  if (!existsSync(own)) {
    const seed = newestIndexedSibling(tree);
    if (seed) cpSync(join(seed, '.ragent'), own, { recursive: true });
  }
  await indexRepository(tree, config, onProgress);
  writeFileSync(marker, new Date().toISOString() + '\n');
}

function newestIndexedSibling(tree: string): string | null {
  const parent = join(tree, '..');
  let best: { dir: string; t: number } | null = null;
  for (const name of readdirSync(parent)) {
    const dir = join(parent, name);
    const marker = join(dir, '.ragent', 'localize-indexed');
    if (dir === tree || !existsSync(marker)) continue;
    const t = statSync(marker).mtimeMs;
    if (!best || t > best.t) best = { dir, t };
  }
  return best?.dir ?? null;
}
