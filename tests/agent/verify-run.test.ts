import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/errors.js';
import { detectTestCommand, runTests, summarizeFailures } from '../../agent/verify/index.js';
import { type FixtureRepo, makeRepo } from '../helpers/git-repo.js';

const PROJECT_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));

const repos: FixtureRepo[] = [];
function repo(files: Record<string, string>): FixtureRepo {
  const r = makeRepo(files, { git: false });
  repos.push(r);
  return r;
}
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

function has(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const HAS_PYTEST = has('python3', ['-m', 'pytest', '--version']);
const HAS_CARGO = has('cargo', ['--version']);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Wait (bounded) for the OS to finish reaping a killed process. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}

const statusOf = (run: { tests: { name: string; file?: string; status: string }[] }) =>
  Object.fromEntries(run.tests.map((t) => [`${t.file ?? ''} > ${t.name}`, t.status]));

const PY_TESTS = `import pytest
from calc import add

class TestAdd:
    def test_small(self):
        assert add(1, 2) == 3

    def test_negative(self):
        assert add(-1, -1) == -3

@pytest.mark.skip(reason="later")
def test_later():
    pass

@pytest.mark.parametrize("n", [1, 2])
def test_param(n):
    assert n == 1
`;

describe.skipIf(!HAS_PYTEST)('runTests with pytest', () => {
  it('reads per-test results from JUnit XML, with assertion messages', async () => {
    const r = repo({ 'calc.py': 'def add(a, b):\n    return a + b\n', 'tests/test_calc.py': PY_TESTS, 'tests/test_other.py': 'def test_ok():\n    assert True\n' });
    const cmd = detectTestCommand(r.root)!;
    const run = await runTests(r.root, cmd, { timeoutMs: 60_000 });
    expect(run.parsed).toBe(true);
    expect(run.parsedFrom).toBe('junit-xml');
    expect(run.exitCode).toBe(1);
    expect(statusOf(run)).toEqual({
      'tests/test_calc.py > TestAdd::test_small': 'passed',
      'tests/test_calc.py > TestAdd::test_negative': 'failed',
      'tests/test_calc.py > test_later': 'skipped',
      'tests/test_calc.py > test_param[1]': 'passed',
      'tests/test_calc.py > test_param[2]': 'failed',
      'tests/test_other.py > test_ok': 'passed',
    });
    expect([run.passed, run.failed, run.skipped]).toEqual([3, 2, 1]);
    expect(run.tests.find((t) => t.name === 'TestAdd::test_negative')?.message).toContain('assert -2 == -3');

    const summary = summarizeFailures(run, 2_000);
    expect(summary).toContain('2 failed, 3 passed, 1 skipped');
    expect(summary).toContain('FAIL tests/test_calc.py > TestAdd::test_negative');
    expect(summary).toContain('tests/test_calc.py:9: AssertionError');
    expect(summary.length).toBeLessThanOrEqual(2_000);

    const only = await runTests(r.root, cmd, { timeoutMs: 60_000, only: ['tests/test_other.py'] });
    expect(only.only).toEqual(['tests/test_other.py']);
    expect(statusOf(only)).toEqual({ 'tests/test_other.py > test_ok': 'passed' });
    expect(only.exitCode).toBe(0);
  });

  it('reports a test file that fails to import as a failure of that file', async () => {
    const r = repo({ 'pytest.ini': '[pytest]\n', 'tests/test_broken.py': 'import no_such_module\n\ndef test_x():\n    pass\n' });
    const run = await runTests(r.root, detectTestCommand(r.root)!, { timeoutMs: 60_000 });
    expect(run.exitCode).not.toBe(0);
    expect(statusOf(run)).toEqual({ 'tests/test_broken.py > (file)': 'failed' });
    expect(run.tests[0]!.message).toContain('no_such_module');
  });

  it('falls back to pytest’s text summary when the command cannot take flags', async () => {
    const r = repo({ 'calc.py': 'def add(a, b):\n    return a + b\n', 'tests/test_calc.py': PY_TESTS });
    const run = await runTests(r.root, 'python3 -m pytest -rA tests | cat', { timeoutMs: 60_000 });
    expect(run.parsedFrom).toBe('pytest-text');
    expect(run.parsed).toBe(true);
    expect(statusOf(run)).toMatchObject({
      'tests/test_calc.py > TestAdd::test_small': 'passed',
      'tests/test_calc.py > TestAdd::test_negative': 'failed',
      'tests/test_calc.py > test_param[2]': 'failed',
    });
    expect(run.tests.find((t) => t.name === 'TestAdd::test_negative')?.message).toContain('assert -2 == -3');
  });
});

describe('runTests with node:test', () => {
  it('names every test with its file and suites through ragent’s reporter, and can select files', async () => {
    const test = (n: number) => `import { describe, test } from 'node:test';
import assert from 'node:assert';
describe('suite ${n}', () => {
  test('passes', () => assert.equal(1, 1));
  test('fails', () => assert.equal(${n}, 0, 'expected zero'));
  describe('inner', () => { test('deep', () => {}); });
  test.skip('skipped', () => {});
});
`;
    const r = repo({ 'package.json': JSON.stringify({ scripts: { test: 'node --test test/' } }), 'test/a.test.mjs': test(1), 'test/b.test.mjs': test(2) });
    const run = await runTests(r.root, detectTestCommand(r.root)!, { timeoutMs: 60_000 });
    expect(run.parsedFrom).toBe('node-reporter');
    expect(statusOf(run)).toEqual({
      'test/a.test.mjs > suite 1 > passes': 'passed',
      'test/a.test.mjs > suite 1 > fails': 'failed',
      'test/a.test.mjs > suite 1 > inner > deep': 'passed',
      'test/a.test.mjs > suite 1 > skipped': 'skipped',
      'test/b.test.mjs > suite 2 > passes': 'passed',
      'test/b.test.mjs > suite 2 > fails': 'failed',
      'test/b.test.mjs > suite 2 > inner > deep': 'passed',
      'test/b.test.mjs > suite 2 > skipped': 'skipped',
    });
    expect(run.tests.find((t) => t.file === 'test/b.test.mjs' && t.name.endsWith('fails'))?.message).toContain('expected zero');
    // The human-readable report still reaches the output.
    expect(run.output).toMatch(/suite 1/);
    const only = await runTests(r.root, detectTestCommand(r.root)!, { timeoutMs: 60_000, only: ['test/b.test.mjs'] });
    expect(new Set(only.tests.map((t) => t.file))).toEqual(new Set(['test/b.test.mjs']));
  });

  it('reports a node:test file that fails to load as a failure of that file', async () => {
    const r = repo({ 'test/bad.test.mjs': "import x from './missing.mjs';\n", 'test/good.test.mjs': "import { test } from 'node:test';\ntest('ok', () => {});\n" });
    const run = await runTests(r.root, 'node --test test/', { timeoutMs: 60_000 });
    expect(statusOf(run)).toEqual({ 'test/bad.test.mjs > (file)': 'failed', 'test/good.test.mjs > ok': 'passed' });
    expect(run.output).toContain('missing.mjs');
    const summary = summarizeFailures(run, 3_000);
    expect(summary).toContain('FAIL test/bad.test.mjs > (file)');
    expect(summary).toMatch(/The end of the output:[\s\S]*missing\.mjs/);
  });
});

describe('runTests with vitest', () => {
  it('reads vitest’s JSON report, including a test file that fails to load', async () => {
    const r = repo({
      'package.json': JSON.stringify({ type: 'module', scripts: { test: 'vitest run' } }),
      'src/add.ts': 'export function add(a: number, b: number) { return a + b; }\n',
      'tests/add.test.ts': `import { describe, expect, test } from 'vitest';
import { add } from '../src/add.js';
describe('add', () => {
  test('adds', () => expect(add(1, 1)).toBe(2));
  test('adds negatives', () => expect(add(-1, -1)).toBe(-3));
});
`,
      'tests/broken.test.ts': `import { nothing } from '../src/missing.js';\nimport { test } from 'vitest';\ntest('x', () => nothing());\n`,
    });
    symlinkSync(PROJECT_MODULES, `${r.root}/node_modules`);
    const cmd = detectTestCommand(r.root)!;
    expect(cmd).toMatchObject({ command: 'npm test', runner: 'vitest' });
    const run = await runTests(r.root, cmd, { timeoutMs: 60_000 });
    expect(run.parsedFrom).toBe('vitest-json');
    expect(statusOf(run)).toEqual({
      'tests/add.test.ts > add > adds': 'passed',
      'tests/add.test.ts > add > adds negatives': 'failed',
      'tests/broken.test.ts > (file)': 'failed',
    });
    const summary = summarizeFailures(run, 1_000);
    expect(summary).toContain('expected -2 to be -3');
    expect(summary).toContain('at tests/add.test.ts:5');
    expect(summary).not.toContain('node_modules');
    expect(summary).toContain("Cannot find module '../src/missing.js'");
    const only = await runTests(r.root, cmd, { timeoutMs: 60_000, only: ['tests/add.test.ts'] });
    expect(only.tests.map((t) => t.file)).toEqual(['tests/add.test.ts', 'tests/add.test.ts']);
  });
});

describe.skipIf(!HAS_CARGO)('runTests with cargo', () => {
  it('parses cargo’s text output with panic messages', async () => {
    const r = repo({
      'Cargo.toml': '[package]\nname = "fixture"\nversion = "0.1.0"\nedition = "2021"\n',
      'src/lib.rs': `pub fn add(a: i32, b: i32) -> i32 { a + b }
#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn adds() { assert_eq!(add(1, 1), 2); }
    #[test]
    fn adds_wrong() { assert_eq!(add(1, 1), 3, "math is off"); }
    #[test]
    #[ignore]
    fn slow() {}
}
`,
    });
    const run = await runTests(r.root, detectTestCommand(r.root)!, { timeoutMs: 120_000, env: { CARGO_NET_OFFLINE: 'true', RUST_BACKTRACE: '0' } });
    expect(run.parsedFrom).toBe('cargo-text');
    expect(statusOf(run)).toEqual({ ' > tests::adds': 'passed', ' > tests::adds_wrong': 'failed', ' > tests::slow': 'skipped' });
    expect(run.tests.find((t) => t.name === "tests::adds_wrong")?.message).toContain("math is off");
  });
});

describe('runTests: process control', () => {
  it('kills a hung run with all its children at the timeout', async () => {
    const r = repo({ 'hang.sh': 'sleep 1000 &\necho $! > child.pid\necho started\nwait\n' });
    const run = await runTests(r.root, 'sh hang.sh', { timeoutMs: 2_000 });
    expect(run.timedOut).toBe(true);
    expect(run.exitCode).toBeNull();
    expect(run.parsed).toBe(false);
    expect(run.output).toContain('started');
    const child = Number(readFileSync(`${r.root}/child.pid`, 'utf8'));
    expect(child).toBeGreaterThan(0);
    expect(await gone(child)).toBe(true);
    expect(summarizeFailures(run, 500)).toMatch(/was killed after \ds \(timeout\)/);
  });

  it('kills processes a finished run left behind', async () => {
    const r = repo({ 'leave.sh': '(sleep 1000 > /dev/null 2>&1 &\necho $! > child.pid)\necho done\n' });
    const run = await runTests(r.root, 'sh leave.sh', { timeoutMs: 30_000 });
    expect(run.exitCode).toBe(0);
    expect(await gone(Number(readFileSync(`${r.root}/child.pid`, 'utf8')))).toBe(true);
  });

  it('keeps only the end of a flood of output, within the cap', async () => {
    const r = repo({});
    const run = await runTests(r.root, `node -e "for (let i = 0; i < 200000; i++) console.log('line ' + i)"`, { timeoutMs: 60_000, outputCap: 10_000 });
    expect(run.exitCode).toBe(0);
    expect(run.output.length).toBeLessThanOrEqual(10_000);
    expect(run.output.endsWith('line 199999\n')).toBe(true);
    expect(run.outputDropped).toBeGreaterThan(1_000_000);
  });

  it('stops the run and throws CancelledError when the signal aborts', async () => {
    const r = repo({ 'hang.sh': 'sleep 1000 &\necho $! > child.pid\nwait\n' });
    const ctl = new AbortController();
    const pending = runTests(r.root, 'sh hang.sh', { timeoutMs: 60_000, signal: ctl.signal });
    for (let i = 0; i < 50 && !existsSync(`${r.root}/child.pid`); i++) await new Promise((res) => setTimeout(res, 100));
    ctl.abort();
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    expect(await gone(Number(readFileSync(`${r.root}/child.pid`, 'utf8')))).toBe(true);
  });

  it('reports a test command that does not exist through its exit code and output', async () => {
    const r = repo({});
    const run = await runTests(r.root, 'no-such-test-runner --all', { timeoutMs: 30_000 });
    expect(run.exitCode).toBe(127);
    expect(run.parsed).toBe(false);
    expect(summarizeFailures(run, 400)).toMatch(/exited with code 127[\s\S]*not found/);
  });

  it('says when it could not read per-test results, and shows the end of the output', async () => {
    const r = repo({});
    const run = await runTests(r.root, 'echo "compiling"; echo "something broke" >&2; exit 3', { timeoutMs: 30_000 });
    expect(run).toMatchObject({ exitCode: 3, parsed: false, parsedFrom: 'none', tests: [] });
    const s = summarizeFailures(run, 300);
    expect(s).toContain('exited with code 3');
    expect(s).toContain('could not be read');
    expect(s).toContain('something broke');
  });
});
