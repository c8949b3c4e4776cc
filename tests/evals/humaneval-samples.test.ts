import { copyFileSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset, type HumanEvalProblem } from '../../evals/passk/dataset.js';
import { ResultsMismatchError } from '../../evals/passk/errors.js';
import { runPassK, type PassKOptions, type SampleRecord } from '../../evals/passk/run.js';
import { runEvalCli, tempDir } from './passk-helpers.js';

const DATASET = join(__dirname, '..', '..', '..', 'shared', 'datasets', 'humaneval', 'HumanEval.jsonl.gz');
const TIMEOUT_MS = 2000;
const problems = loadDataset('humaneval', DATASET) as HumanEvalProblem[];
const canon = (i: number): string => problems[i]!.canonicalSolution;

// Per problem: the samples and exactly what each must give.
const cases: Array<{ task: number; sample: Record<string, string>; expect: SampleRecord['result'] }> = [
  { task: 0, sample: { completion: canon(0) }, expect: 'passed' },
  { task: 0, sample: { completion: '    return False\n' }, expect: 'failed' },
  { task: 0, sample: { completion: canon(0) }, expect: 'passed' },
  { task: 1, sample: { completion: '    while True:\n        pass\n' }, expect: 'timeout' },
  { task: 1, sample: { completion: canon(1) }, expect: 'passed' },
  { task: 2, sample: { completion: '    raise RuntimeError("crash")\n' }, expect: 'failed' },
  { task: 2, sample: { completion: '    import ctypes\n    return ctypes.string_at(0)\n' }, expect: 'failed' },
  { task: 3, sample: { completion: '    while True:\n        print("flood" * 4000)\n' }, expect: 'output_limit' },
  { task: 4, sample: { completion: '    import sys\n    sys.exit(0)\n' }, expect: 'failed' },
  { task: 4, sample: { solution: problems[4]!.prompt + canon(4) }, expect: 'passed' },
  // Leaves a child behind, which must not hold the run up; starting another program is refused.
  { task: 5, sample: { completion: '    import os, time\n    if os.fork() == 0:\n        time.sleep(60)\n' + canon(5) }, expect: 'passed' },
  { task: 5, sample: { completion: '    import subprocess\n    subprocess.run(["true"])\n' + canon(5) }, expect: 'failed' },
];
const expected = [
  { taskId: 'HumanEval/0', n: 3, c: 2 },
  { taskId: 'HumanEval/1', n: 2, c: 1 },
  { taskId: 'HumanEval/2', n: 2, c: 0 },
  { taskId: 'HumanEval/3', n: 1, c: 0 },
  { taskId: 'HumanEval/4', n: 2, c: 1 },
  { taskId: 'HumanEval/5', n: 2, c: 1 },
];

function setup(): { dir: string; samples: string; opts: PassKOptions } {
  const dir = tempDir('ragent-humaneval-');
  const samples = join(dir, 'samples.jsonl');
  writeFileSync(samples, cases.map((c) => JSON.stringify({ task_id: `HumanEval/${c.task}`, ...c.sample })).join('\n') + '\n');
  const opts: PassKOptions = {
    benchmark: 'humaneval',
    dataset: DATASET,
    source: { kind: 'samples', file: samples },
    outDir: join(dir, 'out'),
    ks: [1, 2],
    workers: 2,
    limits: { timeoutMs: TIMEOUT_MS, outputBytes: 256 * 1024 },
  };
  return { dir, samples, opts };
}

const readResults = (dir: string): SampleRecord[] =>
  readFileSync(join(dir, 'out', 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SampleRecord);

describe('HumanEval with wrong, hanging, crashing and flooding samples', () => {
  it('gives exactly the expected result for every sample and problem, within the timeouts', async () => {
    const { dir, opts } = setup();
    const summary = await runPassK(opts);

    const results = readResults(dir);
    expect(results).toHaveLength(cases.length);
    const byKey = new Map(results.map((r) => [`${r.task_id}#${r.sample}`, r]));
    const seen = new Map<number, number>();
    for (const c of cases) {
      const index = seen.get(c.task) ?? 0;
      seen.set(c.task, index + 1);
      const r = byKey.get(`HumanEval/${c.task}#${index}`)!;
      expect(r.result, `HumanEval/${c.task} sample ${index}`).toBe(c.expect);
      expect(r.passed).toBe(c.expect === 'passed');
      expect(r.duration_ms).toBeLessThan(TIMEOUT_MS + 1000);
    }
    expect(byKey.get('HumanEval/2#0')!.error).toMatch(/RuntimeError: crash/);
    expect(byKey.get('HumanEval/4#0')!.error).toMatch(/exit/);

    expect(summary.perProblem).toEqual(expected);
    expect(summary.statuses).toEqual({ passed: 5, failed: 5, timeout: 1, output_limit: 1 });
    const pass1 = (2 / 3 + 1 / 2 + 0 + 0 + 1 / 2 + 1 / 2) / 6;
    expect(summary.passAtK[0]!.k).toBe(1);
    expect(summary.passAtK[0]!.value).toBeCloseTo(pass1, 12);
    // HumanEval/3 has one sample: pass@2 is not computable.
    expect(summary.passAtK[1]).toMatchObject({ k: 2, value: null });
    expect(summary.passAtK[1]!.note).toMatch(/not computable/);
    // Two workers, one hanging sample: the run is bounded by the timeout, not by the samples.
    expect(summary.wallMs).toBeLessThan(TIMEOUT_MS * 4 + 5000);
    expect(summary.warnings.join('\n')).not.toMatch(/not finished/);

    const svg = readFileSync(summary.files.chart, 'utf8');
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain(`${(pass1 * 100).toFixed(1)}%`);
    expect(svg).toContain('pass@2');
    expect(JSON.parse(readFileSync(summary.files.summary, 'utf8')).perProblem).toEqual(expected);
  });

  it('resumes: finished samples are skipped, a torn last line is run again, and nothing is counted twice', async () => {
    const { dir, opts } = setup();
    const controller = new AbortController();
    const partial = await runPassK({
      ...opts,
      workers: 1,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done >= 3) controller.abort();
      },
    });
    expect(partial.executed).toBe(3);
    expect(partial.warnings.join('\n')).toMatch(/9 sample\(s\) not finished/);

    const full = await runPassK(opts);
    expect(full.resumed).toBe(3);
    expect(full.executed).toBe(cases.length - 3);
    expect(full.perProblem).toEqual(expected);

    const file = join(dir, 'out', 'results.jsonl');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, text.length - 20));
    const again = await runPassK(opts);
    expect(again.executed).toBe(1);
    expect(again.resumed).toBe(cases.length - 1);
    expect(again.perProblem).toEqual(expected);
    expect(again.warnings.join('\n')).toMatch(/1 unreadable line/);
  });

  it('combines shards run apart: their results together score the whole run without executing again', async () => {
    const { dir, opts } = setup();
    const parts = [];
    for (const index of [1, 2]) {
      const part = await runPassK({ ...opts, outDir: join(dir, `shard${index}`), shard: { index, count: 2 } });
      parts.push(part);
    }
    expect(parts.map((p) => p.perProblem.map((x) => x.taskId))).toEqual([
      ['HumanEval/0', 'HumanEval/2', 'HumanEval/4'],
      ['HumanEval/1', 'HumanEval/3', 'HumanEval/5'],
    ]);
    mkdirSync(join(dir, 'out'));
    copyFileSync(join(dir, 'shard1', 'run.json'), join(dir, 'out', 'run.json'));
    writeFileSync(join(dir, 'out', 'results.jsonl'), [1, 2].map((i) => readFileSync(join(dir, `shard${i}`, 'results.jsonl'), 'utf8')).join(''));
    const whole = await runPassK(opts);
    expect(whole).toMatchObject({ executed: 0, resumed: cases.length });
    expect(whole.perProblem).toEqual(expected);
  });

  it('reads the dataset configured in .agentrc (relative to the repository) when --dataset is not given', async () => {
    const { dir, samples } = setup();
    mkdirSync(join(dir, 'data'));
    copyFileSync(DATASET, join(dir, 'data', 'he.jsonl.gz'));
    writeFileSync(join(dir, '.agentrc'), JSON.stringify({ eval: { humanevalDataset: 'data/he.jsonl.gz' } }));
    const res = await runEvalCli(['--repo', dir, 'eval', 'humaneval', '--samples', samples, '--limit', '1', '-k', '1', '--json']);
    expect(res.stderr).toBe('');
    const summary = JSON.parse(res.stdout);
    const root = realpathSync(dir);
    expect(summary.dataset).toBe(join(root, 'data', 'he.jsonl.gz'));
    expect(summary.perProblem).toEqual([expected[0]]);
    // Without --out, results go under the repository's .ragent folder.
    expect(summary.files.results).toBe(join(root, '.ragent', 'evals', 'humaneval-samples-samples', 'results.jsonl'));
  });

  it('refuses to resume into a folder that holds another run', async () => {
    const { opts, dir } = setup();
    await runPassK({ ...opts, limit: 1 });
    const other = join(dir, 'other.jsonl');
    writeFileSync(other, JSON.stringify({ task_id: 'HumanEval/0', completion: canon(0) }) + '\n');
    await expect(runPassK({ ...opts, source: { kind: 'samples', file: other } })).rejects.toThrow(ResultsMismatchError);
  });

  it('rejects samples for problems the dataset does not have', async () => {
    const { opts, dir } = setup();
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, JSON.stringify({ task_id: 'HumanEval/999', completion: '' }) + '\n');
    await expect(runPassK({ ...opts, source: { kind: 'samples', file: bad } })).rejects.toThrow(/does not have/);
  });
});
