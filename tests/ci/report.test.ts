import { describe, expect, it } from 'vitest';
import { noChangeComment, pullBody, pullTitle, untrustedComment } from '../../src/ci/report.js';
import { commitMessage, type RunReport } from '../../src/run/pipeline.js';

const tests = (passed: number, failed: number) => ({ scope: 'full' as const, command: 'npm test', exitCode: failed ? 1 : 0, timedOut: false, parsed: true, passed, failed, failing: failed ? ['a.test.js > breaks'] : [], durationMs: 10 });

function report(extra: Partial<RunReport> = {}): RunReport {
  return {
    id: '20240101-000000-abcdef', outcome: 'fixed', exitCode: 0, branch: 'ragent/issue-3', base: 'b'.repeat(40), commit: 'c'.repeat(40), patch: 'diff', filesChanged: ['src/a.js'],
    testCommand: 'npm test', testsBefore: tests(1, 1), testsAfter: tests(2, 0), lastTestOutput: '', criteria: null, summary: 'Fixed it.', iterations: 2,
    tokens: { prompt: 1000, output: 200 }, model: 'm:7b', steps: [], transcript: '/x.jsonl', applied: false, outFile: null, error: null, ...extra,
  };
}

describe('pull request and comment texts', () => {
  it('a failing run is a draft whose body quotes the failing output safely and within bounds', () => {
    const output = 'x'.repeat(20_000) + '\n```\nfence inside\n';
    const r = report({ outcome: 'unverified', exitCode: 1, testsAfter: tests(1, 1), lastTestOutput: output });
    expect(pullTitle(r, { number: 3, title: 'Bug' })).toBe('[draft] ragent: Bug (#3)');
    const body = pullBody(r, { number: 3, title: 'Bug' });
    expect(body).toContain('- `a.test.js > breaks`');
    expect(body).toContain('~~~~\n…');
    expect(body).toContain('fence inside\n~~~~');
    expect(body.length).toBeLessThan(14_000);
    expect(body).toContain('`m:7b`: 2 iteration(s), 1200 tokens (1000 prompt, 200 output).');
  });

  it('a passing run has no failing section and says the tests pass', () => {
    const body = pullBody(report(), { number: 3, title: 'Bug' });
    expect(body).toContain('The tests pass with this change.');
    expect(body).not.toContain('Failing tests');
    expect(body).toContain('| Before | `npm test` | 1 passed, 1 failed |');
  });

  it('no-change and untrusted comments say what happened and what to do', () => {
    const c = noChangeComment(report({ outcome: 'no-change', commit: null, steps: ['search_code "a"', 'read_file a.js'], summary: '' }));
    expect(c).toContain('- search_code "a"\n- read_file a.js');
    expect(c).toContain('The model finished without proposing an edit.');
    expect(untrustedComment('eve', 'NONE', ['OWNER'])).toContain('@eve is `NONE`');
  });
});

describe('commit messages', () => {
  it('summarise the change in the subject and name the issue', () => {
    const task = { text: 'Bug', title: 'Bug in parser', source: 'acme/app#3', issueNumber: 3 };
    const result = { summary: 'Parse nested lists. The old code stopped at the first level.', testsBefore: tests(1, 1), testsAfter: tests(2, 0) } as never;
    expect(commitMessage(task, result, true)).toBe(
      'Parse nested lists\n\nParse nested lists. The old code stopped at the first level.\n\nFixes #3: Bug in parser\nTests: before 1 passed, 1 failed; after 2 passed, 0 failed\n',
    );
    expect(commitMessage({ ...task, issueNumber: undefined }, null, false)).toBe('WIP (tests not passing): Address: Bug in parser\n\nIssue: Bug in parser\n');
  });
});
