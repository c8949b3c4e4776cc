import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGoText, parseJestLikeJson, parseJsText, parseTap } from '../../agent/verify/parse/index.js';
import { relatedTests, summarizeFailures, type TestRun } from '../../agent/verify/index.js';
import { type FixtureRepo, makeRepo } from '../helpers/git-repo.js';

const repos: FixtureRepo[] = [];
function repo(files: Record<string, string>, gitRepo = true): FixtureRepo {
  const r = makeRepo(files, { git: gitRepo });
  repos.push(r);
  return r;
}
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('text and report parsers', () => {
  it('reads TAP from node:test, qualifying names by suite and leaving suites out', () => {
    const r = repo(
      {
        't/a.test.mjs': `import { describe, test } from 'node:test';
import assert from 'node:assert';
describe('outer', () => {
  describe('inner', () => {
    test('deep', () => assert.equal(1, 2, 'deep failure'));
  });
  test('ok', () => {});
  test.todo('later');
});
test('top', () => {});
`,
      },
      false,
    );
    let tap = '';
    try {
      tap = execFileSync('node', ['--test', '--test-reporter=tap', 't/'], { cwd: r.root, encoding: 'utf8' });
    } catch (err) {
      tap = (err as { stdout: string }).stdout;
    }
    const parsed = parseTap(r.root, tap)!;
    expect(parsed.tests.map((t) => [t.name, t.status])).toEqual([
      ['outer > inner > deep', 'failed'],
      ['outer > ok', 'passed'],
      ['outer > later', 'skipped'],
      ['top', 'passed'],
    ]);
    expect(parsed.tests[0]!.message).toContain('deep failure');
    expect(parsed.tests[0]!.message).toContain('at t/a.test.mjs:5');
    expect(parseTap(r.root, 'no tests here')).toBeNull();
  });

  it('reads jest’s JSON report shape, pending tests as skipped', () => {
    const report = {
      numFailedTests: 1,
      numPassedTests: 1,
      testResults: [
        {
          name: '/repo/src/sum.test.js',
          status: 'failed',
          message: '● sum › adds',
          assertionResults: [
            { ancestorTitles: ['sum'], fullName: 'sum adds', status: 'failed', title: 'adds', failureMessages: ['Error: expect(received).toBe(expected)\n\nExpected: 3\nReceived: 2\n    at Object.<anonymous> (/repo/src/sum.test.js:4:19)'] },
            { ancestorTitles: ['sum'], fullName: 'sum zero', status: 'passed', title: 'zero', failureMessages: [] },
            { ancestorTitles: [], fullName: 'later', status: 'pending', title: 'later', failureMessages: [] },
          ],
        },
      ],
    };
    const parsed = parseJestLikeJson('/repo', JSON.stringify(report), 'jest-json')!;
    expect(parsed.tests).toEqual([
      { name: 'sum > adds', file: 'src/sum.test.js', status: 'failed', message: report.testResults[0]!.assertionResults[0]!.failureMessages[0] },
      { name: 'sum > zero', file: 'src/sum.test.js', status: 'passed' },
      { name: 'later', file: 'src/sum.test.js', status: 'skipped' },
    ]);
    expect(parseJestLikeJson('/repo', 'not json', 'jest-json')).toBeNull();
  });

  it('reads go test -v output, attaching each test’s log lines to its failure', () => {
    const out = [
      '=== RUN   TestAdd',
      '--- PASS: TestAdd (0.00s)',
      '=== RUN   TestSub',
      '    calc_test.go:12: Sub(2, 1) = 3, want 1',
      '--- FAIL: TestSub (0.00s)',
      '=== RUN   TestTable',
      '=== RUN   TestTable/zero',
      '=== RUN   TestTable/one',
      '    calc_test.go:25: got 2',
      '--- FAIL: TestTable (0.00s)',
      '    --- PASS: TestTable/zero (0.00s)',
      '    --- FAIL: TestTable/one (0.00s)',
      '=== RUN   TestSkip',
      '    calc_test.go:30: not on this OS',
      '--- SKIP: TestSkip (0.00s)',
      'FAIL',
      'FAIL\texample.com/calc\t0.002s',
    ].join('\n');
    const parsed = parseGoText(out)!;
    expect(parsed.tests.map((t) => [t.name, t.status])).toEqual([
      ['TestAdd', 'passed'],
      ['TestSub', 'failed'],
      ['TestTable', 'failed'],
      ['TestTable/zero', 'passed'],
      ['TestTable/one', 'failed'],
      ['TestSkip', 'skipped'],
    ]);
    expect(parsed.tests[1]!.message).toBe('calc_test.go:12: Sub(2, 1) = 3, want 1');
    expect(parsed.tests[4]!.message).toBe('calc_test.go:25: got 2');
  });

  it('names the failures in vitest’s and jest’s default text output, and says the list is incomplete', () => {
    const out = ' FAIL  tests/a.test.ts > add > negatives\nAssertionError: expected -2 to be -3\n ● cart › total\n';
    const parsed = parseJsText(out)!;
    expect(parsed.complete).toBe(false);
    expect(parsed.tests).toEqual([
      { name: 'add > negatives', file: 'tests/a.test.ts', status: 'failed' },
      { name: 'cart > total', status: 'failed' },
    ]);
  });
});

function fakeRun(tests: TestRun['tests'], extra: Partial<TestRun> = {}): TestRun {
  return {
    root: '/repo',
    command: 'npm test',
    executed: 'npm test',
    exitCode: 1,
    timedOut: false,
    durationMs: 1200,
    output: '',
    outputDropped: 0,
    tests,
    passed: tests.filter((t) => t.status === 'passed').length,
    failed: tests.filter((t) => t.status === 'failed').length,
    skipped: tests.filter((t) => t.status === 'skipped').length,
    parsed: true,
    parsedFrom: 'vitest-json',
    only: null,
    ...extra,
  };
}

describe('summarizeFailures', () => {
  const jsMessage = (i: number) =>
    [
      `AssertionError: expected ${i} to be ${i + 1}`,
      `    at /repo/src/cart.ts:${10 + i}:5`,
      `    at /repo/tests/cart.test.ts:${20 + i}:7`,
      '    at file:///repo/node_modules/@vitest/runner/dist/index.js:1:1',
      '    at runTest (node:internal/test_runner/test:1:1)',
      '    at new Promise (<anonymous>)',
    ].join('\n');

  it('keeps failing names, assertions and project stack lines, and drops dependency frames', () => {
    const s = summarizeFailures(fakeRun([{ name: 'cart > total', file: 'tests/cart.test.ts', status: 'failed', message: jsMessage(1) }, { name: 'ok', status: 'passed' }]), 2_000);
    expect(s).toBe(
      '1 failed, 1 passed, 0 skipped. `npm test` exited with code 1.\n\nFAIL tests/cart.test.ts > cart > total\nAssertionError: expected 1 to be 2\n    at src/cart.ts:11:5\n    at tests/cart.test.ts:21:7',
    );
  });

  it('drops site-packages frames from Python tracebacks', () => {
    const tb = 'Traceback (most recent call last):\n  File "/repo/shop/cart.py", line 4, in total\n    return sum(x)\n  File "/usr/lib/python3/site-packages/pluggy/_hooks.py", line 9, in __call__\nTypeError: bad';
    const s = summarizeFailures(fakeRun([{ name: 'test_total', file: 'tests/test_cart.py', status: 'failed', message: tb }]), 2_000);
    expect(s).toContain('File "shop/cart.py", line 4, in total');
    expect(s).not.toContain('site-packages');
    expect(s).toContain('TypeError: bad');
  });

  it('stays within the budget however many tests fail, naming those it could not show', () => {
    const tests = Array.from({ length: 40 }, (_, i) => ({ name: `case ${i}`, file: 'tests/cart.test.ts', status: 'failed' as const, message: jsMessage(i).repeat(5) }));
    for (const budget of [200, 800, 3_000]) {
      const s = summarizeFailures(fakeRun(tests), budget);
      expect(s.length).toBeLessThanOrEqual(budget);
      expect(s.startsWith('40 failed, 0 passed')).toBe(true);
      expect(s).toMatch(/more failing tests|Failing tests/);
    }
    expect(summarizeFailures(fakeRun(tests), 3_000)).toContain('FAIL tests/cart.test.ts > case 0');
  });

  it('reports a clean run in one line', () => {
    expect(summarizeFailures(fakeRun([{ name: 'a', status: 'passed' }], { exitCode: 0 }), 500)).toBe('0 failed, 1 passed, 0 skipped. `npm test` exited with code 0.');
  });
});

describe('relatedTests', () => {
  it('finds tests named after a changed file and tests importing it, directly or through other files', () => {
    const r = repo({
      'src/price.ts': 'export const price = 1;\n',
      'src/cart.ts': "import { price } from './price.js';\nexport const cart = price;\n",
      'src/checkout/index.ts': "export { cart } from '../cart.js';\n",
      'src/other.ts': 'export const other = 1;\n',
      'tests/price.test.ts': "import { price } from '../src/price.js';\n",
      'tests/cart.spec.ts': "import { cart } from '../src/cart';\n",
      'tests/checkout.test.ts': "import { cart } from '../src/checkout';\n",
      'tests/other.test.ts': "import { other } from '../src/other.js';\n",
      'tests/dynamic.test.ts': "const m = await import('../src/price.js');\n",
    });
    expect(relatedTests(r.root, ['src/price.ts'], 'vitest')).toEqual([
      'tests/price.test.ts',
      'tests/dynamic.test.ts',
      'tests/cart.spec.ts',
      'tests/checkout.test.ts',
    ]);
    expect(relatedTests(r.root, ['src/other.ts'], 'vitest')).toEqual(['tests/other.test.ts']);
    expect(relatedTests(r.root, ['tests/cart.spec.ts'], 'vitest')).toEqual(['tests/cart.spec.ts']);
  });

  it('follows Python imports, absolute and relative, and pytest naming', () => {
    const r = repo({
      'shop/__init__.py': '',
      'shop/calc.py': 'def add(a, b):\n    return a + b\n',
      'shop/cart.py': 'from .calc import add\n',
      'shop/util.py': 'X = 1\n',
      'tests/test_calc.py': 'def test_x():\n    pass\n',
      'tests/test_cart.py': 'from shop.cart import *\n',
      'tests/test_pkg.py': 'from shop import util\n',
      'tests/test_mod.py': 'import shop.util as u\n',
    });
    expect(relatedTests(r.root, ['shop/calc.py'], 'pytest')).toEqual(['tests/test_calc.py', 'tests/test_cart.py']);
    expect(relatedTests(r.root, ['shop/util.py'], 'pytest')).toEqual(['tests/test_mod.py', 'tests/test_pkg.py']);
  });

  it('works outside git, skipping vendored folders', () => {
    const r = repo(
      {
        'lib/a.js': 'module.exports = 1;\n',
        'test/a.test.js': "const a = require('../lib/a');\n",
        'node_modules/dep/a.test.js': "require('../../lib/a');\n",
      },
      false,
    );
    expect(relatedTests(r.root, ['lib/a.js'], 'node')).toEqual(['test/a.test.js']);
  });
});
