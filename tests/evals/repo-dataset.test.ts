import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TestRun } from '../../agent/verify/index.js';
import { applyTestPatch, BASE_BRANCH, cacheIndex, checkoutBase, seedIndex } from '../../evals/repo/checkout.js';
import { loadRepoTasks, parseTestList, patchPaths, RepoDatasetError } from '../../evals/repo/dataset.js';
import { judgeBy, planRun } from '../../evals/repo/grade.js';
import { agentTestCommand, taskFolderName } from '../../evals/repo/run.js';
import { formatSummary, summarize, type RepoRow } from '../../evals/repo/report.js';
import { git, makeRepo } from '../helpers/git-repo.js';
import { makeFixtureDataset } from './repo-fixture.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});
function tempDir(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'ragent-eval-repo-unit-')));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const ROW = {
  instance_id: 'o__r-1',
  repo: 'o/r',
  base_commit: 'abc',
  problem_statement: 'p',
  patch: 'diff',
  test_patch: 'diff --git a/t.py b/t.py\n',
  FAIL_TO_PASS: '["t.py::test_a"]',
  PASS_TO_PASS: '[]',
};

function datasetFile(rows: object[]): string {
  const file = join(tempDir(), 'd.jsonl');
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

describe('repository task datasets', () => {
  it('reads test lists given as JSON-encoded strings (SWE-bench files) or as arrays', () => {
    const { tasks, skipped } = loadRepoTasks(datasetFile([ROW, { ...ROW, instance_id: 'o__r-2', FAIL_TO_PASS: ['a', 'b'], PASS_TO_PASS: ['c'] }, { ...ROW, instance_id: 'o__r-3', PASS_TO_PASS: undefined }]));
    expect(skipped).toEqual([]);
    expect(tasks.map((t) => [t.FAIL_TO_PASS, t.PASS_TO_PASS])).toEqual([
      [['t.py::test_a'], []],
      [['a', 'b'], ['c']],
      [['t.py::test_a'], []],
    ]);
    expect(tasks[0]).toMatchObject({ instance_id: 'o__r-1', repo: 'o/r', base_commit: 'abc', test_patch: ROW.test_patch });
  });

  it('names the line and the field of a row it cannot use', () => {
    expect(() => loadRepoTasks(datasetFile([ROW, { ...ROW, instance_id: 'x', test_patch: '' }]))).toThrow(/d\.jsonl:2 \(x\) has no "test_patch"/);
    expect(() => loadRepoTasks(datasetFile([{ ...ROW, FAIL_TO_PASS: '[]' }]))).toThrow(RepoDatasetError);
    expect(() => loadRepoTasks(datasetFile([{ ...ROW, FAIL_TO_PASS: 'test_a' }]))).toThrow(/FAIL_TO_PASS that is not a list/);
    expect(() => loadRepoTasks(datasetFile([{ ...ROW, PASS_TO_PASS: 'not json' }]))).toThrow(/PASS_TO_PASS that is not a list/);
    // The common fields are checked by the localization reader.
    expect(() => loadRepoTasks(datasetFile([{ ...ROW, base_commit: '' }]))).toThrow(/has no "base_commit"/);
    expect(parseTestList('[1]')).toBeNull();
    expect(parseTestList(['a'])).toEqual(['a']);
  });

  it('sets aside rows without FAIL_TO_PASS (published splits that leave the lists out), and needs one row with them', () => {
    const { tasks, skipped } = loadRepoTasks(datasetFile([{ ...ROW, FAIL_TO_PASS: null, PASS_TO_PASS: null }, { ...ROW, instance_id: 'o__r-2' }, { ...ROW, instance_id: 'o__r-3', FAIL_TO_PASS: undefined }]));
    expect(tasks.map((t) => t.instance_id)).toEqual(['o__r-2']);
    expect(skipped).toEqual(['o__r-1', 'o__r-3']);
    expect(() => loadRepoTasks(datasetFile([{ ...ROW, FAIL_TO_PASS: null }]))).toThrow(/has no row with FAIL_TO_PASS tests/);
  });

  it('reads the shared SWE-bench-format dev set: every row with test lists, none of the others', () => {
    const file = join(import.meta.dirname, '..', '..', '..', 'shared', 'datasets', 'localize', 'dev.jsonl');
    const { tasks, skipped } = loadRepoTasks(file);
    const rows = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(tasks.length + skipped.length).toBe(rows.length);
    expect(tasks.length).toBe(rows.filter((r) => r.FAIL_TO_PASS).length);
    for (const t of tasks) {
      expect(t.FAIL_TO_PASS.length).toBeGreaterThan(0);
      // Every named test lives in a file the test patch or the tree has: the ids are pytest node ids here.
      expect(t.FAIL_TO_PASS.every((id) => /^[\w/.-]+\.py::/.test(id))).toBe(true);
    }
  });

  it('lists the paths a patch touches, not removed lines that look like headers', () => {
    const patch = [
      'diff --git a/src/a.sql b/src/a.sql',
      '--- a/src/a.sql',
      '+++ b/src/a.sql',
      '@@ -1,2 +1,2 @@',
      '--- old comment',
      '+++ new comment',
      ' select 1;',
      'diff --git a/tests/new_test.py b/tests/new_test.py',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/tests/new_test.py',
      '@@ -0,0 +1 @@',
      '+def test_x(): pass',
    ].join('\n');
    expect(patchPaths(patch)).toEqual(['src/a.sql', 'tests/new_test.py']);
  });
});

describe('checkouts', { timeout: 60_000 }, () => {
  it('hold base_commit on their own branch and none of the later history', () => {
    const fx = makeFixtureDataset();
    cleanups.push(() => fx.cleanup());
    const dir = join(tempDir(), 'co');
    checkoutBase(join(fx.reposDir, 'acme__names.git'), fx.commits[1]!, dir);
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(fx.commits[1]);
    expect(git(dir, 'branch', '--show-current').trim()).toBe(BASE_BRANCH);
    expect(git(dir, 'for-each-ref', '--format=%(refname)').trim()).toBe(`refs/heads/${BASE_BRANCH}`);
    const reachable = git(dir, 'rev-list', '--all').trim().split('\n');
    expect(reachable).toEqual([fx.commits[1], fx.commits[0]]);
    expect(git(dir, 'status', '--porcelain')).toBe('');
    expect(readFileSync(join(dir, 'test/names.test.js'), 'utf8')).not.toContain('surname is the last part');
  });

  it('the test patch goes over the tests as they were at base_commit, whatever the agent did to them', () => {
    const repo = makeRepo({ 'a_test.py': 'def test_a():\n    assert 1\n', 'm.py': 'x = 1\n' });
    cleanups.push(() => repo.cleanup());
    const base = git(repo.root, 'rev-parse', 'HEAD').trim();
    repo.write('a_test.py', 'def test_a():\n    assert 1\n\n\ndef test_b():\n    assert 2\n');
    repo.write('new_test.py', 'def test_new():\n    pass\n');
    repo.commit('tests');
    const testPatch = git(repo.root, 'diff', base, 'HEAD');
    git(repo.root, 'checkout', '-q', base);
    // The agent rewrote the test file and created the new one itself.
    repo.write('a_test.py', 'def test_b():\n    assert True\n');
    repo.write('new_test.py', 'def test_new():\n    assert True\n');
    expect(applyTestPatch(repo.root, base, testPatch)).toBeNull();
    expect(readFileSync(join(repo.root, 'a_test.py'), 'utf8')).toBe('def test_a():\n    assert 1\n\n\ndef test_b():\n    assert 2\n');
    expect(readFileSync(join(repo.root, 'new_test.py'), 'utf8')).toBe('def test_new():\n    pass\n');
    expect(readFileSync(join(repo.root, 'm.py'), 'utf8')).toBe('x = 1\n');
  });

  it('the index cache is filled once per repository and seeds later checkouts', () => {
    const cache = tempDir();
    const first = tempDir();
    expect(cacheIndex(cache, 'o/r', first)).toBe(false); // nothing built yet
    writeFileSync(join(tempDirWithIndex(first), 'data'), 'v1');
    expect(cacheIndex(cache, 'o/r', first)).toBe(true);
    writeFileSync(join(first, '.ragent', 'index', 'data'), 'v2');
    expect(cacheIndex(cache, 'o/r', first)).toBe(false); // already cached
    const next = tempDir();
    expect(seedIndex(cache, 'o/r', next)).toBe(true);
    expect(readFileSync(join(next, '.ragent', 'index', 'data'), 'utf8')).toBe('v1');
    expect(existsSync(join(next, '.ragent', 'index', '.complete'))).toBe(false);
    expect(seedIndex(cache, 'o/other', tempDir())).toBe(false);
  });
});

function tempDirWithIndex(root: string): string {
  const dir = join(root, '.ragent', 'index');
  mkdirSync(dir, { recursive: true });
  return dir;
}

function run(tests: TestRun['tests'], extra: Partial<TestRun> = {}): TestRun {
  return {
    root: '/r', command: 'c', executed: 'c', exitCode: 1, timedOut: false, durationMs: 1, output: '', outputDropped: 0, tests,
    passed: tests.filter((t) => t.status === 'passed').length, failed: tests.filter((t) => t.status === 'failed').length,
    skipped: tests.filter((t) => t.status === 'skipped').length, parsed: true, parsedFrom: 'x', only: null, ...extra,
  };
}

describe('matching test ids to reported tests', () => {
  const judge = judgeBy(
    run([
      { name: 'TestA::test_b[1-2]', file: 'tests/test_x.py', status: 'passed' },
      { name: 'suite > works', file: 'test/a.test.js', status: 'passed' },
      { name: 'suite > works', file: 'test/b.test.js', status: 'failed' },
      { name: 'skipped one', file: 'test/a.test.js', status: 'skipped' },
    ]),
  );

  it('answers to pytest node ids, bare names, and names qualified by their file', () => {
    expect(judge('tests/test_x.py::TestA::test_b[1-2]')).toBe('passed');
    expect(judge('TestA::test_b[1-2]')).toBe('passed');
    expect(judge('test/a.test.js > suite > works')).toBe('passed');
    expect(judge('test/b.test.js > suite > works')).toBe('failed');
    expect(judge('skipped one')).toBe('skipped');
    expect(judge('tests/test_x.py::TestA::test_c')).toBe('missing');
  });

  it('an id cut short inside its parameters (as SWE-bench lists some) stands for the tests it starts', () => {
    const j = judgeBy(
      run([
        { name: 'test_locate[f("a", "b")-app]', file: 't/test_cli.py', status: 'passed' },
        { name: 'test_locate[f("a", "c")-app]', file: 't/test_cli.py', status: 'passed' },
        { name: 'test_locate[g("a", "b")-app]', file: 't/test_cli.py', status: 'failed' },
      ]),
    );
    expect(j('t/test_cli.py::test_locate[f("a",')).toBe('passed');
    expect(j('t/test_cli.py::test_locate[g("a",')).toBe('failed');
    expect(j('t/test_cli.py::test_locate[h("a",')).toBe('missing');
    // A complete id is never matched by prefix.
    expect(j('t/test_cli.py::test_locate')).toBe('missing');
  });

  it('a name reported in two files fails if either fails', () => {
    expect(judge('suite > works')).toBe('failed');
  });

  it('results that could not be read fall back on the exit code; a timed-out run proves nothing', () => {
    expect(judgeBy(run([], { parsed: false, exitCode: 0 }))('anything')).toBe('passed');
    expect(judgeBy(run([], { parsed: false, exitCode: 2 }))('anything')).toBe('failed');
    expect(judgeBy(run([], { parsed: false, exitCode: 0, timedOut: true }))('anything')).toBe('missing');
  });
});

describe('which tests a grading run selects', () => {
  it('pytest node ids as they are; JS names through the files the test patch touches; {tests} filled in', () => {
    const repo = makeRepo({ 'tests/test_x.py': 'def test_a(): pass\n', 'test/a.test.js': '', 'package.json': JSON.stringify({ scripts: { test: 'node --test' } }) });
    cleanups.push(() => repo.cleanup());
    const testPatch = 'diff --git a/test/a.test.js b/test/a.test.js\n--- a/test/a.test.js\n+++ b/test/a.test.js\n@@ -0,0 +1 @@\n+x\n';
    expect(planRun(repo.root, ['works', 'test/a.test.js > other'], testPatch)).toMatchObject({ command: { runner: 'node' }, only: ['test/a.test.js'] });
    // A name the test patch cannot place: the whole suite.
    expect(planRun(repo.root, ['works'], '')).toEqual({ command: expect.objectContaining({ runner: 'node' }) });
    repo.remove('package.json');
    // An id whose file is not in the tree (and no test patch to fall back on): the whole suite.
    expect(planRun(repo.root, ['tests/test_x.py::test_a', 'tests/test_y.py::test_c'], '')!.only).toBeUndefined();
    expect(planRun(repo.root, ['tests/test_x.py::test_a', 'tests/test_x.py::test_b[x'], '')).toMatchObject({ command: { runner: 'pytest' }, only: ['tests/test_x.py'] });
    expect(planRun(repo.root, ['tests/test_x.py::test_a', 'tests/test_x.py::test_b[x'], '', 'pytest -x {files}')).toEqual({ command: 'pytest -x tests/test_x.py' });
    expect(planRun(repo.root, ['a::b', "it's"], '', 'runtests {tests} --verbose')).toEqual({ command: `runtests a::b 'it'\\''s' --verbose` });
    expect(planRun(repo.root, ['a'], '', 'make check')).toEqual({ command: 'make check' });
  });

  it('task folders: the id when it is a safe name, never a path out of the tasks folder', () => {
    expect(taskFolderName('django__django-11099')).toBe('django__django-11099');
    for (const id of ['..', '.', '../x', 'a/b', 'a b']) {
      const name = taskFolderName(id);
      expect(name).toMatch(/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/);
      expect(name.startsWith('.')).toBe(false);
    }
    expect(taskFolderName('a/b')).not.toBe(taskFolderName('a_b'));
  });

  it('the agent runs the whole suite of a --test-cmd that names tests', () => {
    expect(agentTestCommand('python -m pytest {tests} -x')).toBe('python -m pytest -x');
    expect(agentTestCommand('make check')).toBe('make check');
    expect(agentTestCommand('pytest {files} -q')).toBe('pytest -q');
    expect(agentTestCommand(undefined)).toBe('');
  });
});

describe('the summary', () => {
  const row = (id: string, repo: string, over: Partial<RepoRow>): RepoRow => ({
    instance_id: id, repo, base_commit: 'c', resolved: false, patchApplied: true, reason: 'r', failure: null, outcome: 'unverified',
    iterations: 2, tokens: { prompt: 1000, output: 100 }, failToPass: {}, passToPass: {}, testCommand: null, judgedBy: null,
    seconds: { agent: 1, tests: 1 }, files: { patch: 'p', transcript: null, testOutput: null }, model: 'm', finishedAt: '', ...over,
  });

  it('aggregates overall and per repository, and prints the table with the overall line last', () => {
    const s = summarize(
      [
        row('a-1', 'o/a', { resolved: true, reason: null, iterations: 1, tokens: { prompt: 3000, output: 300 }, seconds: { agent: 100, tests: 21 } }),
        row('a-2', 'o/a', { patchApplied: false, reason: 'the agent produced no patch' }),
        row('b-1', 'o/b', { failure: 'timeout', reason: 'timed out after 5 s', iterations: 3, tokens: { prompt: 2000, output: 200 } }),
        row('b-2', 'o/b', { failure: 'model-unavailable', reason: 'model unavailable', patchApplied: false, iterations: 0, tokens: { prompt: 0, output: 0 } }),
      ],
      { dataset: 'd', model: 'm', outDir: '/o', resultsFile: '/o/results.jsonl' },
    );
    expect(s.groups.map((g) => [g.group, g.tasks, g.resolved, g.applied, g.failures])).toEqual([
      ['overall', 4, 1, 2, 2],
      ['o/a', 2, 1, 1, 0],
      ['o/b', 2, 0, 1, 2],
    ]);
    expect(s.groups[0]!.resolvedRate).toBe(0.25);
    expect(s.groups[0]!.meanIterations).toBe(1.5);
    expect(s.groups[1]!.meanTokens).toEqual({ prompt: 2000, output: 200 });
    expect(s.retry).toBe(1);
    const text = formatSummary(s);
    const lines = text.split('\n');
    expect(lines[0]).toBe('resolved      a-1    1 it  3.3k tok');
    expect(lines[2]).toBe('not resolved  b-1    3 it  2.2k tok  timed out after 5 s');
    const table = lines.slice(lines.indexOf('') + 1);
    expect(table[0]).toMatch(/^repository\s+tasks\s+resolved\s+rate\s+applied/);
    expect(table[1]).toMatch(/^o\/a\s+2\s+1\s+50\.0%\s+50\.0%\s+0\s+1\.5\s+2\.0k\s+200\s+1m02s$/);
    expect(table[3]).toMatch(/^overall\s+4\s+1\s+25\.0%\s+50\.0%\s+2\s+1\.5\s+1\.5k\s+150\s+31\.8s$/);
    expect(s.groups[2]!.meanSeconds).toEqual({ agent: 1, tests: 1 });
    expect(text).toContain('1 task(s) found no model: run the same command again to retry them');
  });
});
