import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judge, outcomeFor, targetTests, type RunView } from '../../agent/judge.js';

type T = RunView['tests'][number];
const run = (tests: T[], exitCode = tests.some((t) => t.status === 'failed') ? 1 : 0, parsed = true): RunView => ({
  command: 'npm test',
  exitCode,
  timedOut: false,
  durationMs: 10,
  parsed,
  passed: tests.filter((t) => t.status === 'passed').length,
  failed: tests.filter((t) => t.status === 'failed').length,
  tests,
});
const p = (name: string, file = 'test/a.test.js'): T => ({ name, file, status: 'passed' });
const f = (name: string, file = 'test/a.test.js'): T => ({ name, file, status: 'failed' });

describe('target tests', () => {
  it('are the baseline failures plus the tests the task names', () => {
    const baseline = run([p('adds numbers'), f('parses dates'), p('formats money'), p('ok')]);
    expect(targetTests('Fix the formats money rounding; ok?', baseline)).toEqual(['test/a.test.js > parses dates', 'test/a.test.js > formats money']);
    const twoFiles = run([p('adds', 'test/a.test.js'), p('subtracts', 'test/b.test.js'), p('divides', 'test/b.test.js')]);
    expect(targetTests('The tests in test/b.test.js should cover negative numbers', twoFiles)).toEqual(['test/b.test.js > subtracts', 'test/b.test.js > divides']);
    expect(targetTests('anything', run([p('x')], 1, false))).toEqual([]);
    expect(targetTests('anything', null)).toEqual([]);
  });
});

describe('judge', () => {
  const baseline = run([p('a1'), p('a2'), f('target')]);
  const targets = ['test/a.test.js > target'];

  it('verifies when the target passes and nothing regressed', () => {
    const c = judge({ hasTestCommand: true, baseline, final: run([p('a1'), p('a2'), p('target')]), targets, changed: true });
    expect(c).toMatchObject({ noRegressions: true, taskTestsPass: true, regressions: [], stillFailing: [] });
    expect(c.statement).toBe('No test that passed before the change fails now. The 1 test(s) the task is about pass.');
    expect(outcomeFor(true, true, c)).toBe('verified');
  });

  it('names regressions and targets still failing', () => {
    const c = judge({ hasTestCommand: true, baseline, final: run([p('a1'), f('a2'), f('target')]), targets, changed: true });
    expect(c).toMatchObject({ noRegressions: false, taskTestsPass: false, regressions: ['test/a.test.js > a2'], stillFailing: targets });
    expect(outcomeFor(true, true, c)).toBe('failed');
  });

  it('treats a target missing from the final run as not passing', () => {
    const c = judge({ hasTestCommand: true, baseline, final: run([p('a1'), p('a2')]), targets, changed: true });
    expect(c.taskTestsPass).toBe(false);
  });

  it('does not trust a run that failed without naming a test', () => {
    const clean = run([p('a1')]);
    const c = judge({ hasTestCommand: true, baseline: clean, final: run([], 1), targets: [], changed: true });
    expect(c.noRegressions).toBe(false);
  });

  it('falls back to exit codes, and says so, when output cannot be read per test', () => {
    const base = run([], 0, false);
    const good = judge({ hasTestCommand: true, baseline: base, final: run([], 0, false), targets: [], changed: true });
    expect(good).toMatchObject({ noRegressions: true, taskTestsPass: null });
    expect(good.statement).toContain('judged by its exit code');
    expect(outcomeFor(true, true, good)).toBe('verified');
    const bad = judge({ hasTestCommand: true, baseline: base, final: run([], 1, false), targets: [], changed: true });
    expect(bad.noRegressions).toBe(false);
    const unknown = judge({ hasTestCommand: true, baseline: run([], 1, false), final: run([], 1, false), targets: [], changed: true });
    expect(unknown.noRegressions).toBeNull();
    expect(outcomeFor(true, true, unknown)).toBe('unverified');
  });

  it('is honest about what cannot be known', () => {
    const none = judge({ hasTestCommand: false, baseline: null, final: null, targets: [], changed: true });
    expect(none).toMatchObject({ noRegressions: null, taskTestsPass: null });
    expect(outcomeFor(true, false, none)).toBe('unverified');
    const notRun = judge({ hasTestCommand: true, baseline, final: null, targets, changed: true });
    expect(notRun.statement).toBe('The tests were not run after the last change, so neither criterion is known.');
    expect(outcomeFor(false, true, notRun)).toBe('no_change');
    const timedOut = judge({ hasTestCommand: true, baseline, final: { ...run([]), timedOut: true }, targets, changed: true });
    expect(timedOut).toMatchObject({ noRegressions: false, taskTestsPass: false });
  });
});

describe('judge, property-based', () => {
  const status = fc.constantFrom<'passed' | 'failed' | 'skipped' | 'missing'>('passed', 'failed', 'skipped', 'missing');

  it('verifies exactly when nothing that passed fails and everything that failed now passes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(status, status), { minLength: 1, maxLength: 12 }), (pairs) => {
        const before: T[] = [];
        const after: T[] = [];
        pairs.forEach(([b, a], i) => {
          if (b !== 'missing') before.push({ name: `test ${i}`, file: 't.test.js', status: b });
          if (a !== 'missing') after.push({ name: `test ${i}`, file: 't.test.js', status: a });
        });
        const baseline = run(before);
        const final = run(after);
        const targets = targetTests('fix the bug', baseline);
        const c = judge({ hasTestCommand: true, baseline, final, targets, changed: true });
        const regressed = pairs.some(([b, a]) => b === 'passed' && a === 'failed');
        const targetsPass = pairs.every(([b, a]) => b !== 'failed' || a === 'passed');
        expect(c.noRegressions).toBe(!regressed);
        expect(c.taskTestsPass).toBe(targets.length ? targetsPass : null);
        expect(outcomeFor(true, true, c) === 'verified').toBe(!regressed && targetsPass);
        expect(c.regressions.length).toBe(pairs.filter(([b, a]) => b === 'passed' && a === 'failed').length);
      }),
      { numRuns: 500 },
    );
  });
});
