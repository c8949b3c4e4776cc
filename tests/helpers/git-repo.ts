import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Environment that makes git commits in tests deterministic and independent of the user's config. */
export const gitEnv: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
};

/** Run git in `cwd` and return its stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface FixtureRepo {
  root: string;
  write(path: string, content: string | Buffer): void;
  remove(path: string): void;
  commit(message?: string): string;
  cleanup(): void;
}

/** A fresh temp directory, optionally a git repository, filled with `files` and committed. */
export function makeRepo(files: Record<string, string | Buffer> = {}, opts: { git?: boolean; commit?: boolean } = {}): FixtureRepo {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'ragent-fixture-')));
  const useGit = opts.git ?? true;
  if (useGit) git(root, 'init', '-q', '-b', 'main');
  const repo: FixtureRepo = {
    root,
    write(path, content) {
      const full = join(root, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    },
    remove(path) {
      rmSync(join(root, path), { force: true, recursive: true });
    },
    commit(message = 'commit') {
      git(root, 'add', '-A');
      git(root, 'commit', '-q', '--allow-empty', '-m', message);
      return git(root, 'rev-parse', 'HEAD').trim();
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
  for (const [path, content] of Object.entries(files)) repo.write(path, content);
  if (useGit && (opts.commit ?? true) && Object.keys(files).length) repo.commit('initial');
  return repo;
}
