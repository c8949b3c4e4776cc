/**
 * Grading one task the way SWE-bench does: in a clean tree of base_commit apply the agent's patch, then the
 * test patch (over the tests' base versions), run the tests named in FAIL_TO_PASS and PASS_TO_PASS, and call
 * the task resolved when every FAIL_TO_PASS test passes and no PASS_TO_PASS test fails.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { detectTestCommand, isTestFile, runTests, type TestCase, type TestCommand, type TestRun, type TestRunner } from '../../agent/verify/index.js';
import { shellQuote } from '../../agent/verify/command.js';
import { applyPatch, applyTestPatch } from './checkout.js';
import { patchPaths, type RepoTask } from './dataset.js';

/** What became of one named test. `missing`: the run reported no such test (it counts as failing). */
export type TestState = 'passed' | 'failed' | 'skipped' | 'missing';

export interface Grade {
  resolved: boolean;
  /** The agent's patch applied cleanly to base_commit (false when there was no patch). */
  patchApplied: boolean;
  /** Why the task is not resolved; null when it is. */
  reason: string | null;
  failToPass: Record<string, TestState>;
  passToPass: Record<string, TestState>;
  /** The test command as given or detected, and what ran; null when no test ran. */
  testCommand: string | null;
  executed: string | null;
  /** How per-test results were read (`junit-xml`, `node-json`, … or `exit code` when they could not be). */
  judgedBy: string | null;
  testSeconds: number;
  /** The test run's output (its tail), kept beside the patch. */
  output: string;
}

export interface GradeOptions {
  /** A clean tree of base_commit (it is modified). */
  root: string;
  task: RepoTask;
  /** The agent's patch ('' when it made no change). */
  patch: string;
  /** `--test-cmd`: `{tests}` is replaced by the test ids, `{files}` by their files. */
  testCmd?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

const MAX_LISTED = 5;

function listed(ids: string[]): string {
  const head = ids.slice(0, MAX_LISTED).join(', ');
  return ids.length > MAX_LISTED ? `${head} (+${ids.length - MAX_LISTED} more)` : head;
}

function notRun(task: RepoTask, state: TestState = 'missing'): Pick<Grade, 'failToPass' | 'passToPass'> {
  return {
    failToPass: Object.fromEntries(task.FAIL_TO_PASS.map((t) => [t, state])),
    passToPass: Object.fromEntries(task.PASS_TO_PASS.map((t) => [t, state])),
  };
}

/** Grade the agent's patch for `task`. Only `root` is touched. */
export async function gradeTask(opts: GradeOptions): Promise<Grade> {
  const { root, task } = opts;
  const base = { testCommand: null, executed: null, judgedBy: null, testSeconds: 0, output: '' };
  if (!opts.patch.trim()) {
    return { resolved: false, patchApplied: false, reason: 'the agent produced no patch', ...notRun(task), ...base };
  }
  const patchError = applyPatch(root, opts.patch);
  if (patchError) {
    return { resolved: false, patchApplied: false, reason: `the patch does not apply to base_commit: ${patchError}`, ...notRun(task), ...base };
  }
  const testPatchError = applyTestPatch(root, task.base_commit, task.test_patch);
  if (testPatchError) {
    return { resolved: false, patchApplied: true, reason: `the test patch does not apply over the agent's patch: ${testPatchError}`, ...notRun(task), ...base };
  }

  const ids = [...new Set([...task.FAIL_TO_PASS, ...task.PASS_TO_PASS])];
  const planned = planRun(root, ids, task.test_patch, opts.testCmd);
  if (!planned) {
    return {
      resolved: false,
      patchApplied: true,
      reason: 'no test command: none was detected in the repository',
      ...notRun(task),
      ...base,
    };
  }
  const run = await runTests(root, planned.command, { timeoutMs: opts.timeoutMs, ...(planned.only ? { only: planned.only } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
  const judge = judgeBy(run);
  const failToPass = Object.fromEntries(task.FAIL_TO_PASS.map((t) => [t, judge(t)]));
  const passToPass = Object.fromEntries(task.PASS_TO_PASS.map((t) => [t, judge(t)]));
  const notPassing = task.FAIL_TO_PASS.filter((t) => failToPass[t] !== 'passed');
  const failing = task.PASS_TO_PASS.filter((t) => passToPass[t] === 'failed' || passToPass[t] === 'missing');
  const seconds = run.durationMs / 1000;
  let reason: string | null = null;
  if (run.timedOut) reason = `the tests timed out after ${Math.round(opts.timeoutMs / 1000)} s`;
  else if (notPassing.length) reason = `FAIL_TO_PASS not passing: ${listed(notPassing.map((t) => `${t} (${failToPass[t]})`))}`;
  else if (failing.length) reason = `PASS_TO_PASS failing: ${listed(failing.map((t) => `${t} (${passToPass[t]})`))}`;
  return {
    resolved: reason === null,
    patchApplied: true,
    reason,
    failToPass,
    passToPass,
    testCommand: typeof planned.command === 'string' ? planned.command : planned.command.command,
    executed: run.executed,
    judgedBy: run.parsed ? run.parsedFrom : 'exit code',
    testSeconds: seconds,
    output: run.output,
  };
}

interface PlannedRun {
  command: TestCommand | string;
  only?: string[];
}

/**
 * The command for the named tests: `--test-cmd` with `{tests}` (the ids) and `{files}` (their files) filled in,
 * else the project's
 * own runner limited to the files the ids name or, when they name none, to the test files the test patch
 * touches. Files rather than pytest node ids, as SWE-bench runs them: one stale or truncated id would make
 * pytest refuse the whole run.
 */
export function planRun(root: string, ids: string[], testPatch: string, testCmd?: string): PlannedRun | null {
  if (testCmd) {
    const files = testCmd.includes('{files}') ? selection(root, ids, testPatch, 'custom') ?? [] : [];
    return { command: testCmd.split('{tests}').join(ids.map(shellQuote).join(' ')).split('{files}').join(files.map(shellQuote).join(' ')) };
  }
  const command = detectTestCommand(root);
  if (!command) return null;
  const only = selection(root, ids, testPatch, command.runner);
  return only ? { command, only } : { command };
}

/** The file part of a test id (`tests/test_x.py::T::t`, `test/a.test.js > suite > name`) when it is a file of the tree. */
function fileOf(root: string, id: string): string | null {
  const head = id.split(/::| > | \| /)[0]!.trim();
  return head && head !== id.trim() && existsSync(join(root, head)) ? head : existsSync(join(root, id)) && /\.\w+$/.test(id) ? id : null;
}

function selection(root: string, ids: string[], testPatch: string, runner: TestRunner): string[] | undefined {
  const patchTests = patchPaths(testPatch).filter((p) => isTestFile(p, runner) && existsSync(join(root, p)));
  const only = new Set<string>();
  for (const id of ids) {
    const file = fileOf(root, id);
    if (file) only.add(file);
    else if (patchTests.length) patchTests.forEach((p) => only.add(p));
    // A test the runner cannot be pointed at: the whole suite runs.
    else return undefined;
  }
  return only.size ? [...only] : undefined;
}

/**
 * A parametrized id cut at its first space (SWE-bench's log parsing splits on whitespace), such as
 * `t.py::test_f[create("a",`: it stands for the reported tests whose ids start with it.
 */
function truncated(id: string): boolean {
  return (id.match(/\[/g) ?? []).length > (id.match(/\]/g) ?? []).length;
}

/** The names a reported test answers to: its name, and its name qualified by its file. */
function namesOf(t: TestCase): string[] {
  return t.file ? [t.name, `${t.file}::${t.name}`, `${t.file} > ${t.name}`, `${t.file} | ${t.name}`] : [t.name];
}

/**
 * How each test id fared in `run`. A test reported several times (a name in two files) fails if any report
 * fails. When the run's results could not be read, its exit code speaks for every test not found.
 */
export function judgeBy(run: TestRun): (id: string) => TestState {
  const byName = new Map<string, TestCase[]>();
  for (const t of run.tests) {
    for (const n of namesOf(t)) {
      const list = byName.get(n) ?? [];
      list.push(t);
      byName.set(n, list);
    }
  }
  return (id) => {
    const found = byName.get(id) ?? byName.get(id.trim()) ?? (truncated(id) ? [...byName].filter(([n]) => n.startsWith(id)).flatMap(([, ts]) => ts) : undefined);
    if (!found?.length) {
      if (run.timedOut) return 'missing';
      if (!run.parsed) return run.exitCode === 0 ? 'passed' : 'failed';
      return 'missing';
    }
    if (found.some((t) => t.status === 'failed')) return 'failed';
    if (found.some((t) => t.status === 'passed')) return 'passed';
    return 'skipped';
  };
}
