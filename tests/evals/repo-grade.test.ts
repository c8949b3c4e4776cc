import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkoutBase, gradingTree } from '../../evals/repo/checkout.js';
import type { RepoTask } from '../../evals/repo/dataset.js';
import { gradeTask, type GradeOptions } from '../../evals/repo/grade.js';
import { git, gitEnv, makeRepo } from '../helpers/git-repo.js';

/** A small pytest project: `clamp` ignores its upper bound until the fix commit, which also adds the test for it. */
const OPS_V0 = `def add(a, b):
    return a + b


def clamp(x, lo, hi):
    return max(lo, x)
`;
const CLAMP_BROKEN = '    return max(lo, x)';
const CLAMP_FIXED = '    return min(hi, max(lo, x))';
const TESTS_V0 = `from calc.ops import add, clamp


def test_add():
    assert add(1, 2) == 3


class TestClamp:
    def test_low(self):
        assert clamp(-1, 0, 10) == 0
`;
const TESTS_ADDED = `
    def test_high(self):
        assert clamp(11, 0, 10) == 10


import pytest


@pytest.mark.parametrize("x", [3, 30])
def test_in_range(x):
    assert 0 <= clamp(x, 0, 10) <= 10
`;

const F2P = ['tests/test_ops.py::TestClamp::test_high', 'tests/test_ops.py::test_in_range[30]'];
const P2P = ['tests/test_ops.py::test_add', 'tests/test_ops.py::TestClamp::test_low', 'tests/test_ops.py::test_in_range[3]'];

describe('grading a patch with the tests named in FAIL_TO_PASS and PASS_TO_PASS (pytest node ids)', { timeout: 120_000 }, () => {
  let root: string;
  let gitDir: string;
  let task: RepoTask;
  let goldPatch: string;
  let n = 0;

  beforeAll(() => {
    const repo = makeRepo({ 'calc/__init__.py': '', 'calc/ops.py': OPS_V0, 'tests/test_ops.py': TESTS_V0 });
    const base = git(repo.root, 'rev-parse', 'HEAD').trim();
    repo.write('calc/ops.py', OPS_V0.replace(CLAMP_BROKEN, CLAMP_FIXED));
    repo.write('tests/test_ops.py', TESTS_V0 + TESTS_ADDED);
    const fix = repo.commit('clamp honours its upper bound');
    root = realpathSync(mkdtempSync(join(tmpdir(), 'ragent-eval-grade-')));
    gitDir = join(root, 'calc.git');
    execFileSync('git', ['clone', '--quiet', '--bare', repo.root, gitDir], { env: gitEnv });
    goldPatch = git(repo.root, 'diff', base, fix, '--', 'calc');
    task = {
      instance_id: 'acme__calc-1',
      repo: 'acme/calc',
      base_commit: base,
      problem_statement: 'clamp(11, 0, 10) returns 11',
      patch: goldPatch,
      test_patch: git(repo.root, 'diff', base, fix, '--', 'tests'),
      FAIL_TO_PASS: F2P,
      PASS_TO_PASS: P2P,
    };
    repo.cleanup();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A fresh grading tree of base_commit, made the way the eval makes it. */
  function tree(): string {
    const checkout = join(root, `checkout-${++n}`);
    checkoutBase(gitDir, task.base_commit, checkout);
    const dir = join(root, `grade-${n}`);
    gradingTree(checkout, task.base_commit, dir);
    return dir;
  }

  const grade = (patch: string, extra: Partial<GradeOptions> = {}) => gradeTask({ root: tree(), task, patch, timeoutMs: 60_000, ...extra });

  it('resolves the gold patch, running the named tests\' files with the detected runner', async () => {
    const g = await grade(goldPatch);
    expect(g).toMatchObject({ resolved: true, patchApplied: true, reason: null, judgedBy: 'junit-xml', testCommand: 'python3 -m pytest' });
    expect(Object.values(g.failToPass)).toEqual(['passed', 'passed']);
    expect(Object.values(g.passToPass)).toEqual(['passed', 'passed', 'passed']);
    expect(g.executed).toMatch(/ tests\/test_ops\.py$/);
  });

  it('does not resolve an empty patch, and says so without running anything', async () => {
    const g = await grade('');
    expect(g).toMatchObject({ resolved: false, patchApplied: false, reason: 'the agent produced no patch', executed: null });
    expect(g.failToPass).toEqual({ [F2P[0]!]: 'missing', [F2P[1]!]: 'missing' });
  });

  it('a fix that breaks another test: FAIL_TO_PASS passes, PASS_TO_PASS fails, not resolved', async () => {
    const g = await grade(makeBreakingPatch());
    expect(g.resolved).toBe(false);
    expect(g.failToPass).toEqual({ [F2P[0]!]: 'passed', [F2P[1]!]: 'passed' });
    expect(g.passToPass['tests/test_ops.py::test_add']).toBe('failed');
    expect(g.reason).toBe('PASS_TO_PASS failing: tests/test_ops.py::test_add (failed)');
  });

  /** The gold fix plus a bug in add, as one patch made by git in a scratch tree. */
  function makeBreakingPatch(): string {
    const dir = tree();
    writeFileSync(join(dir, 'calc/ops.py'), OPS_V0.replace(CLAMP_BROKEN, CLAMP_FIXED).replace('return a + b', 'return a - b'));
    return git(dir, 'diff');
  }

  it('a patch that edits the tests instead of the code: the test patch replaces those edits, not resolved', async () => {
    const dir = tree();
    writeFileSync(join(dir, 'tests/test_ops.py'), TESTS_V0 + '\n    def test_high(self):\n        assert True\n');
    const cheat = git(dir, 'diff');
    const g = await grade(cheat);
    expect(g.patchApplied).toBe(true);
    expect(g.resolved).toBe(false);
    expect(g.failToPass[F2P[0]!]).toBe('failed');
    expect(g.reason).toMatch(/^FAIL_TO_PASS not passing: tests\/test_ops\.py::TestClamp::test_high \(failed\), tests\/test_ops\.py::test_in_range\[30\] \(failed\)$/);
  });

  it('a patch that does not apply to base_commit is not resolved, and the patch-applied flag says so', async () => {
    const stale = goldPatch.replace(CLAMP_BROKEN, '    return max(lo, x, 0)');
    const g = await grade(stale);
    expect(g).toMatchObject({ resolved: false, patchApplied: false });
    expect(g.reason).toMatch(/^the patch does not apply to base_commit: /);
  });

  it('--test-cmd with {tests} runs the user\'s command with the ids filled in', async () => {
    const g = await grade(goldPatch, { testCmd: 'python3 -m pytest -p no:cacheprovider {tests}' });
    expect(g).toMatchObject({ resolved: true, testCommand: expect.stringContaining("tests/test_ops.py::TestClamp::test_high 'tests/test_ops.py::test_in_range[30]'") });
    expect(g.judgedBy).toBe('junit-xml');
  });

  it('a command whose output names no tests is judged by its exit code', async () => {
    const pass = await grade(goldPatch, { testCmd: 'python3 -c "import sys; sys.exit(0)" {tests}' });
    expect(pass).toMatchObject({ resolved: true, judgedBy: 'exit code' });
    const fail = await grade(goldPatch, { testCmd: 'python3 -c "import sys; sys.exit(1)" {tests}' });
    expect(fail).toMatchObject({ resolved: false, judgedBy: 'exit code' });
    expect(Object.values(fail.failToPass)).toEqual(['failed', 'failed']);
  });

  it('a test run past its timeout is not resolved and says so', async () => {
    const g = await grade(goldPatch, { testCmd: 'python3 -c "import time; time.sleep(30)" {tests}', timeoutMs: 1_000 });
    expect(g).toMatchObject({ resolved: false, reason: 'the tests timed out after 1 s' });
  });
});
