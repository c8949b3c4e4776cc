/**
 * Shared pieces of the one-shot and CI end-to-end tests: a small node:test project with one bug, the CLI run
 * as a real child process, and a byte-level snapshot of a working tree.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { git, gitEnv } from '../helpers/git-repo.js';

export const MODEL = 'qwen2.5-coder:7b';

/** `initials` forgets to upper-case; the second test fails until it does. */
export const INITIALS_REPO: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'names', version: '1.0.0', type: 'module', private: true }, null, 2) + '\n',
  '.agentrc': JSON.stringify({ agent: { testCommand: 'node --test', testTimeoutSec: 60 }, model: { retries: 0, requestTimeoutMs: 20000 } }, null, 2) + '\n',
  'src/names.js': `/** The initials of a full name: "ada lovelace" gives "AL". */
export function initials(name) {
  return name
    .split(/\\s+/)
    .filter(Boolean)
    .map((part) => part[0])
    .join('');
}

/** A name with every part capitalised. */
export function titleCase(name) {
  return name.replace(/\\b\\w/g, (c) => c.toUpperCase());
}
`,
  'test/names.test.js': `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initials, titleCase } from '../src/names.js';

test('capitalises every part', () => {
  assert.equal(titleCase('grace hopper'), 'Grace Hopper');
});

test('initials are upper case', () => {
  assert.equal(initials('ada lovelace'), 'AL');
});
`,
  'README.md': '# names\n',
};

export const INITIALS_TASK = 'initials("ada lovelace") returns "al" but should return "AL": initials must be upper case.';

export const BROKEN_LINE = '    .map((part) => part[0])';
export const FIXED_LINE = '    .map((part) => part[0].toUpperCase())';

/** The exact commit diff the fix produces. */
export const EXPECTED_DIFF = `diff --git a/src/names.js b/src/names.js
--- a/src/names.js
+++ b/src/names.js
@@ -3,7 +3,7 @@ export function initials(name) {
   return name
     .split(/\\s+/)
     .filter(Boolean)
-    .map((part) => part[0])
+    .map((part) => part[0].toUpperCase())
     .join('');
 }
 
`;

const projectRoot = join(import.meta.dirname, '..', '..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `ragent` as a child process (asynchronously, so servers in this process keep answering). */
export function cli(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  const home = mkdtempSync(join(tmpdir(), 'ragent-home-'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(projectRoot, 'bin', 'ragent.js'), ...args], {
      cwd: opts.cwd,
      env: { ...gitEnv, HOME: home, RAGENT_FROM_SOURCE: '1', NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every file under `root` (except .git and .ragent) with the hash of its bytes, plus git's view of the index. */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const rel = relative(root, full);
      if (rel === '.git' || rel === '.ragent') continue;
      const st = lstatSync(full);
      if (st.isDirectory()) walk(full);
      else out[rel] = createHash('sha256').update(readFileSync(full)).digest('hex');
    }
  };
  walk(root);
  out['<git status>'] = git(root, 'status', '--porcelain', '--untracked-files=all');
  out['<git index>'] = git(root, 'ls-files', '--stage');
  out['<git HEAD>'] = git(root, 'rev-parse', 'HEAD', '--abbrev-ref', 'HEAD');
  return out;
}

export { cliInProcess } from '../helpers/cli.js';
