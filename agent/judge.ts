/**
 * Deciding whether a run is done: which tests the task is about, whether any test that passed at baseline now
 * fails, and one honest sentence saying which criteria hold and which cannot be known.
 */

import type { DoneCriteria, Outcome, TestScope, TestSummary } from './events.js';

/** The parts of a test run the judge reads (agent/verify's TestRun has them all). */
export interface RunView {
  command: string;
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  parsed: boolean;
  passed: number;
  failed: number;
  tests: { name: string; file?: string; status: 'passed' | 'failed' | 'skipped' }[];
}

/** The identity of a test across runs of the same command. */
export function testKey(t: { name: string; file?: string }): string {
  return t.file ? `${t.file} > ${t.name}` : t.name;
}

/** A run reduced to what views and the result need. */
export function summarizeRun(run: RunView, scope: TestScope): TestSummary {
  return {
    scope,
    command: run.command,
    exitCode: run.exitCode,
    timedOut: run.timedOut,
    parsed: run.parsed,
    passed: run.passed,
    failed: run.failed,
    failing: run.tests.filter((t) => t.status === 'failed').map(testKey),
    durationMs: run.durationMs,
  };
}

/** Whether a run passed as a whole: per test when parsed, by exit code otherwise. */
export function runPassed(run: RunView): boolean {
  if (run.timedOut) return false;
  if (run.parsed) return run.failed === 0 && run.exitCode === 0;
  return run.exitCode === 0;
}

// Shorter names ("a", "ok") would match ordinary words of any task.
const MIN_NAMED_TEST_LENGTH = 4;

/**
 * The tests the task is about: those failing at baseline, plus baseline tests the task text names (by their
 * full name or their file path).
 */
export function targetTests(task: string, baseline: RunView | null): string[] {
  if (!baseline || !baseline.parsed) return [];
  const text = task.toLowerCase();
  const out = new Set<string>();
  for (const t of baseline.tests) {
    const named = t.name.length >= MIN_NAMED_TEST_LENGTH && text.includes(t.name.toLowerCase());
    const fileNamed = Boolean(t.file) && text.includes(t.file!.toLowerCase());
    if (t.status === 'failed' || named || fileNamed) out.add(testKey(t));
  }
  return [...out];
}

/** Judge the final state against the baseline. `final` is the last full-suite run after the last edit. */
export function judge(opts: {
  hasTestCommand: boolean;
  baseline: RunView | null;
  final: RunView | null;
  targets: string[];
  changed: boolean;
}): DoneCriteria {
  const { baseline, final, targets } = opts;
  const base = { regressions: [] as string[], targetTests: targets, stillFailing: [] as string[] };
  if (!opts.hasTestCommand) {
    return { ...base, noRegressions: null, taskTestsPass: null, statement: 'No test command was found, so nothing could be verified.' };
  }
  if (!final) {
    const statement = opts.changed
      ? 'The tests were not run after the last change, so neither criterion is known.'
      : 'No change was made; the tests were not run again.';
    return { ...base, noRegressions: null, taskTestsPass: null, statement };
  }
  if (final.timedOut) {
    return { ...base, stillFailing: targets, noRegressions: false, taskTestsPass: targets.length ? false : null, statement: 'The final test run timed out, so the tests do not pass.' };
  }

  const perTest = Boolean(baseline?.parsed && final.parsed);
  let noRegressions: boolean | null;
  let regressions: string[] = [];
  if (perTest) {
    const status = new Map(final.tests.map((t) => [testKey(t), t.status]));
    regressions = baseline!.tests.filter((t) => t.status === 'passed' && status.get(testKey(t)) === 'failed').map(testKey);
    // A run that fails without naming a failing test (a crash, a broken import) is not clean.
    const unexplainedFailure = final.exitCode !== 0 && final.failed === 0 && baseline!.exitCode === 0;
    noRegressions = regressions.length === 0 && !unexplainedFailure;
  } else if (final.exitCode === 0) noRegressions = true;
  else if (baseline && baseline.exitCode === 0) noRegressions = false;
  else noRegressions = null;

  let taskTestsPass: boolean | null;
  let stillFailing: string[] = [];
  if (targets.length === 0) taskTestsPass = null;
  else if (final.parsed) {
    const passed = new Set(final.tests.filter((t) => t.status === 'passed').map(testKey));
    stillFailing = targets.filter((t) => !passed.has(t));
    taskTestsPass = stillFailing.length === 0;
  } else taskTestsPass = final.exitCode === 0 ? true : null;

  return { regressions, targetTests: targets, stillFailing, noRegressions, taskTestsPass, statement: statementFor(noRegressions, taskTestsPass, regressions, stillFailing, targets, perTest) };
}

function statementFor(
  noRegressions: boolean | null,
  taskTestsPass: boolean | null,
  regressions: string[],
  stillFailing: string[],
  targets: string[],
  perTest: boolean,
): string {
  const parts: string[] = [];
  if (noRegressions === true) parts.push(perTest ? 'No test that passed before the change fails now.' : 'The full test suite passes (judged by its exit code; per-test results could not be read).');
  else if (noRegressions === false) parts.push(regressions.length ? `${regressions.length} test(s) that passed before now fail: ${list(regressions)}.` : 'The test suite fails where it passed before.');
  else parts.push('Whether tests that passed before still pass is unknown (the output could not be read per test).');
  if (targets.length === 0) parts.push('The task names no test and no test failed before the change, so only the absence of regressions was checked.');
  else if (taskTestsPass === true) parts.push(`The ${targets.length} test(s) the task is about pass.`);
  else if (taskTestsPass === false) parts.push(`Test(s) the task is about still fail: ${list(stillFailing)}.`);
  else parts.push('Whether the tests the task is about pass is unknown.');
  return parts.join(' ');
}

function list(names: string[]): string {
  return names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
}

/** The outcome implied by the criteria once a run stops normally. */
export function outcomeFor(changed: boolean, hasTestCommand: boolean, c: DoneCriteria): Outcome {
  if (!changed) return 'no_change';
  if (!hasTestCommand) return 'unverified';
  if (c.noRegressions === false || c.taskTestsPass === false) return 'failed';
  if (c.noRegressions === true && (c.taskTestsPass === true || c.targetTests.length === 0)) return 'verified';
  return 'unverified';
}
