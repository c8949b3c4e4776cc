import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runEvalCli, tempDir } from './passk-helpers.js';

const root = resolve(__dirname, '..', '..');
const DATASET = join(root, '..', 'shared', 'datasets', 'humaneval', 'HumanEval.jsonl.gz');

describe('HumanEval canonical solutions', () => {
  it('all 164 pass through `ragent eval humaneval --samples` (pass@1 = 1), and a re-run resumes', async () => {
    const dir = tempDir('ragent-humaneval-canon-');
    const rows = gunzipSync(readFileSync(DATASET)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { task_id: string; canonical_solution: string });
    expect(rows).toHaveLength(164);
    // A 30 s cap per sample: generous (the slowest canonical solution needs well under a second alone) so a busy machine cannot fail it.
    const samples = join(dir, 'canonical.jsonl');
    writeFileSync(samples, rows.map((r) => JSON.stringify({ task_id: r.task_id, completion: r.canonical_solution })).join('\n') + '\n');

    const args = ['--repo', dir, 'eval', 'humaneval', '--dataset', DATASET, '--samples', samples, '--out', join(dir, 'out'), '-k', '1,10', '--workers', '2', '--timeout', '30', '--json'];
    const first = await runEvalCli(args);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary).toMatchObject({ benchmark: 'humaneval', source: 'samples', problems: 164, samples: 164, executed: 164, resumed: 0 });
    expect(summary.statuses).toEqual({ passed: 164, failed: 0, timeout: 0, output_limit: 0 });
    expect(summary.passAtK).toEqual([{ k: 1, value: 1 }, expect.objectContaining({ k: 10, value: null })]);
    const results = readFileSync(join(dir, 'out', 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(results.filter((r) => r.passed)).toHaveLength(164);

    const again = await runEvalCli(args.filter((a) => a !== '--json'));
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/0 executed now, 164 already done/);
    expect(again.stdout).toMatch(/^\s+1\s+100\.0%$/m);
    expect(again.stdout).toMatch(/^\s+10\s+not computable/m);
  }, 240_000);
});
