import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { RepositoryError } from '../errors.js';

/** The repository root ragent works on: the git top-level of `dir`, or `dir` itself outside git. */
export function resolveRepoRoot(dir?: string): string {
  const start = resolve(dir ?? process.cwd());
  if (!existsSync(start) || !statSync(start).isDirectory()) {
    throw new RepositoryError(`${start} is not a directory`, 'pass --repo DIR with an existing directory');
  }
  try {
    const top = execFileSync('git', ['rev-parse', '--show-toplevel'], {
      cwd: start,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (top) return realpathSync(top);
  } catch {
    // Not inside a git work tree: the directory itself is the root.
  }
  return realpathSync(start);
}
