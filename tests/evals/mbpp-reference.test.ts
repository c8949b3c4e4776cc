import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEvalCli, tempDir } from './passk-helpers.js';

const root = resolve(__dirname, '..', '..');
const DATASET = join(root, '..', 'shared', 'datasets', 'mbpp', 'mbpp.jsonl');

describe('MBPP reference solutions', () => {
  it('all 974 pass through `ragent eval mbpp --samples` (pass@1 = 1)', async () => {
    const dir = tempDir('ragent-mbpp-ref-');
    const rows = readFileSync(DATASET, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { task_id: number; code: string });
    expect(rows).toHaveLength(974);
    // A 30 s cap per sample: the slowest reference solution needs about 2 s alone, far more on a busy machine.
    const samples = join(dir, 'reference.jsonl');
    writeFileSync(samples, rows.map((r) => JSON.stringify({ task_id: r.task_id, completion: r.code })).join('\n') + '\n');

    const out = join(dir, 'out');
    const res = await runEvalCli(['--repo', dir, 'eval', 'mbpp', '--dataset', DATASET, '--samples', samples, '--out', out, '-k', '1', '--workers', '2', '--timeout', '30', '--json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.stdout);
    expect(summary).toMatchObject({ benchmark: 'mbpp', problems: 974, samples: 974, executed: 974 });
    expect(summary.statuses).toEqual({ passed: 974, failed: 0, timeout: 0, output_limit: 0 });
    expect(summary.passAtK).toEqual([{ k: 1, value: 1 }]);
    expect(readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n')).toHaveLength(974);
  }, 300_000);

  it('scores a split and a shard of it', async () => {
    const dir = tempDir('ragent-mbpp-split-');
    const rows = readFileSync(DATASET, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { task_id: number; code: string });
    const samples = join(dir, 'reference.jsonl');
    writeFileSync(samples, rows.map((r) => JSON.stringify({ task_id: `Mbpp/${r.task_id}`, completion: r.task_id % 2 ? r.code : 'def nothing(): pass' })).join('\n') + '\n');
    const res = await runEvalCli(['--repo', dir, 'eval', 'mbpp', '--dataset', DATASET, '--samples', samples, '--split', 'test', '--limit', '40', '--shard', '2/2', '--out', join(dir, 'out'), '-k', '1', '--json']);
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.stdout);
    // Test split starts at task 11; the first 40 are 11..50, the second shard of two is 12, 14, …, 50: all even.
    expect(summary.perProblem.map((p: { taskId: string }) => p.taskId)).toEqual(Array.from({ length: 20 }, (_, i) => String(12 + 2 * i)));
    expect(summary.passAtK).toEqual([{ k: 1, value: 0 }]);
  }, 120_000);
});
