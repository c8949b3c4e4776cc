/**
 * Turning a test command into what is executed: reporter flags for machine-readable results, and a
 * selection of test files when the runner supports one. Commands ragent cannot rewrite safely (pipes,
 * `&&`, unknown runners) run exactly as given and their text output is parsed instead.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerOf, scriptOf, testScript } from './detect.js';
import type { TestCommand, TestRunner } from './types.js';

/** A structured report the run writes, and how to read it. */
export interface ReportFile {
  kind: 'vitest-json' | 'jest-json' | 'node-json' | 'junit-xml';
  path: string;
}

export interface PreparedCommand {
  executed: string;
  /** Prepended to PATH when a package.json script is run directly. */
  pathPrefix: string | null;
  report: ReportFile | null;
  /** The selection applied, or null when the whole suite runs. */
  only: string[] | null;
}

/**
 * ragent's node:test reporter, which names each test's file even when it passes. A compiled build may not
 * carry the .mjs file next to this module; the source tree's copy is the fallback, then node's own TAP.
 */
const NODE_REPORTER = [new URL('./node-reporter.mjs', import.meta.url), new URL('../../../agent/verify/node-reporter.mjs', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((p) => existsSync(p));

const SHELL_OPERATORS = /&&|\|\||[;|<>`]|\$\(/;

/** Split a simple shell command into words (single and double quotes understood); null when it is not simple. */
export function shellWords(command: string): string[] | null {
  if (SHELL_OPERATORS.test(command.replace(/'[^']*'|"[^"]*"/g, ''))) return null;
  const words: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m;
  let cur: string | null = null;
  let lastEnd = -1;
  while ((m = re.exec(command))) {
    const piece = m[1] ?? (m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!);
    if (cur !== null && m.index === lastEnd) cur += piece;
    else {
      if (cur !== null) words.push(cur);
      cur = piece;
    }
    lastEnd = re.lastIndex;
  }
  if (cur !== null) words.push(cur);
  return words;
}

/** Quote a word for sh when it needs it. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Index of the word that names the runner (the word after which its own arguments start). */
function runnerIndex(words: string[], runner: TestRunner): number {
  const base = (w: string) => w.slice(w.lastIndexOf('/') + 1);
  switch (runner) {
    case 'vitest':
    case 'jest':
      return words.findIndex((w) => base(w) === runner);
    case 'pytest': {
      const m = words.findIndex((w, i) => w === 'pytest' && words[i - 1] === '-m');
      return m >= 0 ? m : words.findIndex((w) => base(w) === 'pytest');
    }
    case 'node':
      return words.findIndex((w) => w === '--test');
    case 'go':
    case 'cargo':
      return words.findIndex((w, i) => w === 'test' && base(words[i - 1] ?? '') === runner);
    default:
      return -1;
  }
}

const TEST_FILE = /(^|\/)(test_[^/]*\.py|[^/]*_test\.(py|go)|[^/]*\.(test|spec)\.[cm]?[jt]sx?)$/;

/** A positional argument that selects tests by location: an existing directory or test file. */
function isLocation(root: string, word: string): boolean {
  if (word.startsWith('-')) return false;
  const p = join(root, word);
  if (!existsSync(p)) return word.includes('...'); // go's ./... patterns
  return statSync(p).isDirectory() || TEST_FILE.test(word);
}

/**
 * Work out the executed command for `cmd`: report flags when the runner has them, and `only` files in place
 * of the command's own test locations when it can select (files that do not exist are dropped; none left
 * means the whole suite). `reportDir` receives the report file.
 */
export function prepareCommand(root: string, cmd: TestCommand, reportDir: string, only?: string[]): PreparedCommand {
  // A selection of files that no longer exist would make runners fail with "no tests found".
  only = only?.filter((f) => existsSync(join(root, f)));
  let line = cmd.command;
  let pathPrefix: string | null = null;
  let runner = cmd.runner;
  // A package.json script that is one runner invocation is run directly, so flags reach the runner.
  const name = scriptOf(cmd.command);
  if (name && shellWords(cmd.command)!.length <= 3) {
    const script = testScript(root, name);
    if (script && !hasLifecycleScripts(root, name) && shellWords(script) && runnerOf(script)) {
      line = script;
      runner = runnerOf(script)!;
      pathPrefix = join(root, 'node_modules', '.bin');
    }
  }
  const words = shellWords(line);
  const at = words ? runnerIndex(words, runner) : -1;
  if (!words || at < 0) return { executed: cmd.command, pathPrefix: null, report: null, only: null };

  let args = words.slice(at + 1);
  const head = words.slice(0, at + 1);
  let selected: string[] | null = null;
  if (only?.length && runner !== 'cargo') {
    args = args.filter((w) => !isLocation(root, w));
    selected = [...only];
  }
  let report: ReportFile | null = null;
  const extra: string[] = [];
  switch (runner) {
    case 'vitest': {
      if (!args.includes('run') && !args.includes('--run') && !args.includes('related')) extra.push('--run');
      report = { kind: 'vitest-json', path: join(reportDir, 'vitest.json') };
      extra.push('--reporter=default', '--reporter=json', `--outputFile.json=${report.path}`);
      break;
    }
    case 'jest':
      report = { kind: 'jest-json', path: join(reportDir, 'jest.json') };
      extra.push('--json', `--outputFile=${report.path}`);
      if (selected) extra.push('--runTestsByPath');
      break;
    case 'node':
      if (!NODE_REPORTER) break;
      report = { kind: 'node-json', path: join(reportDir, 'node.jsonl') };
      // Options must come before node's file arguments.
      head.push('--test-reporter=spec', '--test-reporter-destination=stdout', `--test-reporter=${NODE_REPORTER}`, `--test-reporter-destination=${report.path}`);
      break;
    case 'pytest':
      report = { kind: 'junit-xml', path: join(reportDir, 'pytest.xml') };
      extra.push('-rA', `--junitxml=${report.path}`);
      break;
    case 'go':
      if (!args.includes('-v')) head.push('-v');
      if (selected) selected = [...new Set(selected.map((f) => './' + posix.dirname(f)))].map((d) => (d === './.' ? '.' : d));
      break;
    case 'cargo':
      break;
  }
  const all = [...head, ...args, ...extra, ...(selected ?? [])];
  return { executed: all.map(shellQuote).join(' '), pathPrefix, report, only: only?.length && runner !== 'cargo' ? [...only] : null };
}

/** pre<name>/post<name> scripts would be skipped by running the script directly. */
function hasLifecycleScripts(root: string, name: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, unknown> };
    return Boolean(pkg.scripts?.[`pre${name}`] || pkg.scripts?.[`post${name}`]);
  } catch {
    return true;
  }
}
