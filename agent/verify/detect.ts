/** Finding the command that runs a project's own tests. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TestCommand, TestRunner } from './types.js';

/** The part of ragent's configuration detection reads. */
export interface DetectConfig {
  agent?: { testCommand?: string };
}

/** npm's placeholder for a package without tests. */
const NO_TEST_SCRIPT = /no test specified/;

/** The runner a command line invokes, when it is one ragent knows. */
export function runnerOf(command: string): TestRunner | null {
  if (/(^|[\s/])vitest(\s|$)/.test(command)) return 'vitest';
  if (/(^|[\s/])jest(\s|$)/.test(command)) return 'jest';
  if (/(^|[\s/])node(\s+\S+)*\s+--test(\s|=|$)/.test(command)) return 'node';
  if (/(^|[\s/])pytest(\s|$)/.test(command)) return 'pytest';
  if (/(^|\s)go\s+test(\s|$)/.test(command)) return 'go';
  if (/(^|\s)cargo\s+test(\s|$)/.test(command)) return 'cargo';
  if (/(^|\s)make(\s+-\S+)*\s+test(\s|$)/.test(command)) return 'make';
  return null;
}

/** The package manager a JavaScript project uses, from its lockfile. */
export function packageManager(root: string): 'npm' | 'pnpm' | 'yarn' {
  if (existsSync(join(root, 'pnpm-lock.yaml'))) return 'pnpm';
  if (existsSync(join(root, 'yarn.lock'))) return 'yarn';
  return 'npm';
}

/** A package.json script (`test` by default), or null when there is none (or only npm's placeholder). */
export function testScript(root: string, name = 'test'): string | null {
  const file = join(root, 'package.json');
  if (!existsSync(file)) return null;
  try {
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { scripts?: Record<string, unknown> };
    const script = pkg.scripts?.[name];
    if (typeof script !== 'string' || script.trim() === '' || NO_TEST_SCRIPT.test(script)) return null;
    return script.trim();
  } catch {
    return null;
  }
}

/**
 * The package.json script a command runs (`npm test` → `test`, `pnpm run test:unit` → `test:unit`), or null
 * when the command is not a package manager running one script.
 */
export function scriptOf(command: string): string | null {
  const m = /^(?:npm|pnpm|yarn)\s+(?:(t|test)|run\s+([\w:.-]+))(\s|$)/.exec(command.trim());
  if (!m) return null;
  return m[2] ?? 'test';
}

function fileContains(path: string, pattern: RegExp): boolean {
  try {
    return pattern.test(readFileSync(path, 'utf8'));
  } catch {
    return false;
  }
}

function anyExists(root: string, names: string[]): string | null {
  return names.find((n) => existsSync(join(root, n))) ?? null;
}

/** True when a directory holds pytest-style test files (test_*.py or *_test.py), looking two levels deep. */
function hasPythonTests(dir: string, depth = 2): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const e of entries) {
    if (e.isFile() && /^(test_.*|.*_test)\.py$/.test(e.name)) return true;
  }
  return depth > 0 && entries.some((e) => e.isDirectory() && !e.name.startsWith('.') && hasPythonTests(join(dir, e.name), depth - 1));
}

/** How to invoke pytest: the repository's own virtualenv when it has one. */
function pytestCommand(root: string): string {
  for (const venv of ['.venv', 'venv']) {
    if (existsSync(join(root, venv, 'bin', 'python'))) return `${venv}/bin/python -m pytest`;
  }
  return 'python3 -m pytest';
}

const VITEST_CONFIGS = ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs'].map((e) => `vitest.config.${e}`);
const JEST_CONFIGS = ['js', 'ts', 'mjs', 'cjs', 'json'].map((e) => `jest.config.${e}`);

/**
 * The project's test command: `agent.testCommand` from the configuration when set; else the package.json
 * `test` script (run with npm, pnpm or yarn by lockfile); else a vitest or jest config; else pytest
 * (pyproject, setup.cfg, pytest.ini, tox.ini, conftest.py, or test files under tests/); else
 * `go test ./...`, `cargo test`, or `make test` when the Makefile has a test target. Null when none fits.
 */
export function detectTestCommand(root: string, config?: DetectConfig): TestCommand | null {
  const configured = config?.agent?.testCommand?.trim();
  if (configured) {
    const name = scriptOf(configured);
    const script = name ? testScript(root, name) : null;
    const runner = runnerOf(configured) ?? (script ? runnerOf(script) ?? 'npm-script' : 'custom');
    return { command: configured, runner, source: 'config agent.testCommand' };
  }
  const script = testScript(root);
  if (script !== null) {
    return { command: `${packageManager(root)} test`, runner: runnerOf(script) ?? 'npm-script', source: 'package.json scripts.test' };
  }
  const vitest = anyExists(root, VITEST_CONFIGS);
  if (vitest) return { command: 'npx vitest run', runner: 'vitest', source: vitest };
  const jest = anyExists(root, JEST_CONFIGS);
  if (jest) return { command: 'npx jest', runner: 'jest', source: jest };
  const pytestSource =
    (fileContains(join(root, 'pyproject.toml'), /^\[tool\.pytest\.ini_options\]/m) && 'pyproject.toml') ||
    (fileContains(join(root, 'setup.cfg'), /^\[tool:pytest\]/m) && 'setup.cfg') ||
    (existsSync(join(root, 'pytest.ini')) && 'pytest.ini') ||
    (fileContains(join(root, 'tox.ini'), /^\[pytest\]/m) && 'tox.ini') ||
    (existsSync(join(root, 'conftest.py')) && 'conftest.py') ||
    ['tests', 'test'].find((d) => isDir(join(root, d)) && hasPythonTests(join(root, d)));
  if (pytestSource) return { command: pytestCommand(root), runner: 'pytest', source: pytestSource };
  if (existsSync(join(root, 'go.mod'))) return { command: 'go test ./...', runner: 'go', source: 'go.mod' };
  if (existsSync(join(root, 'Cargo.toml'))) return { command: 'cargo test', runner: 'cargo', source: 'Cargo.toml' };
  const makefile = anyExists(root, ['GNUmakefile', 'makefile', 'Makefile']);
  if (makefile && fileContains(join(root, makefile), /^test\s*:/m)) return { command: 'make test', runner: 'make', source: makefile };
  return null;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
