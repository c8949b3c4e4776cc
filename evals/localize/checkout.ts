/**
 * Checkouts for localization: find an instance's repository under the repos folder, export its
 * base_commit into a cached tree, and index that tree. An index is seeded from the repository's most
 * recently indexed tree, so indexing a nearby commit only redoes the files that differ.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
  try {
    await archive(gitDir, repo, commit, tmp);
  } catch (err) {
    // A partial clone can lack some blobs (large binaries); export what is there, file by file.
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const missing = exportBlobs(gitDir, commit, tmp);
    if (missing === null) throw err;
    if (missing.length) writeFileSync(join(tmp, '.ragent-missing-blobs'), missing.join('\n') + '\n');
  }
  writeFileSync(join(tmp, '.ragent-exported'), `${repo} ${commit}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

/** `git archive | tar -x`: the fast way to export a commit. */
function archive(gitDir: string, repo: string, commit: string, tmp: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
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
}

/**
 * Export a commit's regular files blob by blob, skipping blobs the object store lacks. Returns the
 * paths skipped, or null when the tree itself cannot be read.
 */
function exportBlobs(gitDir: string, commit: string, into: string): string[] | null {
  let listing: string;
  try {
    listing = execFileSync('git', ['--git-dir', gitDir, 'ls-tree', '-r', '-z', commit], { encoding: 'utf8', maxBuffer: 1 << 28 });
  } catch {
    return null;
  }
  const entries = listing
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [meta, path] = line.split('\t');
      const [mode, type, sha] = meta!.split(' ');
      return { mode: mode!, type: type!, sha: sha!, path: path! };
    })
    .filter((e) => e.type === 'blob' && e.mode !== '120000');
  const out = execFileSync('git', ['--git-dir', gitDir, 'cat-file', '--batch'], { input: entries.map((e) => e.sha).join('\n') + '\n', maxBuffer: 1 << 30 });
  const missing: string[] = [];
  let at = 0;
  for (const e of entries) {
    const nl = out.indexOf(10, at);
    const header = out.subarray(at, nl).toString('utf8');
    at = nl + 1;
    if (header.endsWith(' missing')) {
      missing.push(e.path);
      continue;
    }
    const size = Number(header.split(' ')[2]);
    const file = join(into, e.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, out.subarray(at, at + size));
    at += size + 1;
  }
  return missing;
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
