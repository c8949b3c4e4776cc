/**
 * A fixture dataset made from a fixture repository's history: a small node:test project where two commits
 * each fix one bug and add the test that shows it. Each fix commit becomes a task: base_commit = its parent,
 * patch = its source change, test_patch = its test change, FAIL_TO_PASS = the test it adds.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Turn } from '../helpers/scripted-ollama.js';
import { git, gitEnv, makeRepo } from '../helpers/git-repo.js';

export const MODEL = 'qwen2.5-coder:7b';
export const REPO = 'acme/names';

const NAMES_V0 = `/** The initials of a full name: "ada lovelace" gives "AL". */
export function initials(name) {
  return name
    .split(/\\s+/)
    .filter(Boolean)
    .map((part) => part[0])
    .join('');
}

/** The last part of a full name: "ada king lovelace" gives "lovelace". */
export function surname(name) {
  const parts = name.split(/\\s+/).filter(Boolean);
  return parts[0];
}

/** A name with every part capitalised. */
export function titleCase(name) {
  return name.replace(/\\b\\w/g, (c) => c.toUpperCase());
}
`;

export const INITIALS_BROKEN = '    .map((part) => part[0])';
export const INITIALS_FIXED = '    .map((part) => part[0].toUpperCase())';
export const SURNAME_BROKEN = '  return parts[0];';
export const SURNAME_FIXED = '  return parts[parts.length - 1];';
/** What the scripted model writes for the second task: it changes the line, and the bug stays. */
export const SURNAME_WRONG = "  return parts[0] ?? '';";

const TEST_HEAD = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initials, surname, titleCase } from '../src/names.js';

test('capitalises every part', () => {
  assert.equal(titleCase('grace hopper'), 'Grace Hopper');
});
`;
const INITIALS_TEST = `
test('initials are upper case', () => {
  assert.equal(initials('ada lovelace'), 'AL');
});
`;
const SURNAME_TEST = `
test('surname is the last part', () => {
  assert.equal(surname('ada king lovelace'), 'lovelace');
});
`;

export interface FixtureDataset {
  /** Folder holding the repositories (a bare clone as acme__names.git). */
  reposDir: string;
  dataset: string;
  rows: Array<Record<string, unknown>>;
  commits: string[];
  cleanup(): void;
}

/** Build the repository, a bare clone of it under a repos folder, and the two-task dataset file. */
export function makeFixtureDataset(): FixtureDataset {
  const repo = makeRepo({
    'package.json': JSON.stringify({ name: 'names', version: '1.0.0', type: 'module', private: true, scripts: { test: 'node --test' } }, null, 2) + '\n',
    'src/names.js': NAMES_V0,
    'test/names.test.js': TEST_HEAD,
    'README.md': '# names\n',
  });
  const c0 = git(repo.root, 'rev-parse', 'HEAD').trim();
  repo.write('src/names.js', NAMES_V0.replace(INITIALS_BROKEN, INITIALS_FIXED));
  repo.write('test/names.test.js', TEST_HEAD + INITIALS_TEST);
  const c1 = repo.commit('Upper-case initials');
  repo.write('src/names.js', NAMES_V0.replace(INITIALS_BROKEN, INITIALS_FIXED).replace(SURNAME_BROKEN, SURNAME_FIXED));
  repo.write('test/names.test.js', TEST_HEAD + INITIALS_TEST + SURNAME_TEST);
  const c2 = repo.commit('surname is the last part');
  // A later commit: the checkout the agent works in must not hold it.
  repo.write('README.md', '# names\n\nInitials and surnames.\n');
  const c3 = repo.commit('Document');

  const root = realpathSync(mkdtempSync(join(tmpdir(), 'ragent-eval-repo-fixture-')));
  const reposDir = join(root, 'repos');
  mkdirSync(reposDir);
  execFileSync('git', ['clone', '--quiet', '--bare', repo.root, join(reposDir, 'acme__names.git')], { env: gitEnv });
  repo.cleanup();
  const bare = join(reposDir, 'acme__names.git');
  const diff = (a: string, b: string, path: string): string => git(bare, 'diff', a, b, '--', path);

  const rows = [
    {
      instance_id: 'acme__names-1',
      repo: REPO,
      base_commit: c0,
      problem_statement: 'initials("ada lovelace") returns "al" but should return "AL": initials must be upper case.',
      patch: diff(c0, c1, 'src'),
      test_patch: diff(c0, c1, 'test'),
      // SWE-bench files hold the lists as JSON-encoded strings.
      FAIL_TO_PASS: JSON.stringify(['initials are upper case']),
      PASS_TO_PASS: JSON.stringify(['capitalises every part']),
    },
    {
      instance_id: 'acme__names-2',
      repo: REPO,
      base_commit: c1,
      problem_statement: 'surname("ada king lovelace") returns "ada"; it should return the last part, "lovelace".',
      patch: diff(c1, c2, 'src'),
      test_patch: diff(c1, c2, 'test'),
      // Plain arrays work too, and ids may name the file.
      FAIL_TO_PASS: ['test/names.test.js > surname is the last part'],
      PASS_TO_PASS: ['capitalises every part', 'initials are upper case'],
    },
  ];
  const dataset = join(root, 'names-tasks.jsonl');
  writeFileSync(dataset, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return { reposDir, dataset, rows, commits: [c0, c1, c2, c3], cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const call = (name: string, args: unknown, text = ''): Turn => ({ text, toolCalls: [{ name, arguments: args }] });

/** The scripted model on the first task: finds initials, makes the right edit, runs the tests, finishes. */
export function rightEditTurns(): Turn[] {
  return [
    call('search_code', { query: 'initials' }, 'Looking for initials.'),
    call('edit_file', { path: 'src/names.js', search: INITIALS_BROKEN, replace: INITIALS_FIXED }),
    call('run_tests', {}),
    call('finish', { summary: 'initials upper-cases each first letter.' }),
  ];
}

/** The scripted model on the second task: edits the right line the wrong way, and finishes (no test catches it yet). */
export function wrongEditTurns(): Turn[] {
  return [
    call('edit_file', { path: 'src/names.js', search: SURNAME_BROKEN, replace: SURNAME_WRONG }, 'Guarding the empty case.'),
    call('run_tests', {}),
    call('finish', { summary: 'surname no longer returns undefined.' }),
  ];
}
