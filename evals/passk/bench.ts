/**
 * Sandbox cost per sample, against a bare `python3 -c pass` measured in the same run, and throughput on the
 * HumanEval canonical solutions by worker count. Run: npx tsx evals/passk/bench.ts [HumanEval.jsonl.gz]
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from './dataset.js';
import { buildProgram, referenceSample } from './program.js';
import { createSandbox, resolvePython, type Sandbox } from './sandbox.js';
import { forEachLimited } from './select.js';

const REPS = 40;

function bare(python: string): Promise<void> {
  return new Promise((resolve, reject) => execFile(python, ['-I', '-B', '-c', 'pass'], (err) => (err ? reject(err) : resolve())));
}

async function perSample(run: () => Promise<unknown>): Promise<number> {
  await run();
  const t = performance.now();
  for (let i = 0; i < REPS; i++) await run();
  return (performance.now() - t) / REPS;
}

async function throughput(sandbox: Sandbox, programs: string[], workers: number): Promise<{ ms: number; passed: number }> {
  let passed = 0;
  const t = performance.now();
  await forEachLimited(programs, workers, async (p) => {
    if ((await sandbox.run(p)).status === 'passed') passed++;
  });
  return { ms: performance.now() - t, passed };
}

async function main(): Promise<void> {
  const { executable } = await resolvePython();
  const isolated = await createSandbox();
  const open = await createSandbox({ allowNetwork: true });
  const rows: Array<[string, string]> = [];
  const base = await perSample(() => bare(executable));
  rows.push(['python3 -I -c pass (baseline)', `${base.toFixed(1)} ms/sample`]);
  const o = await perSample(() => open.run('pass'));
  rows.push(['sandbox, network allowed', `${o.toFixed(1)} ms/sample (${(o / base).toFixed(2)}x)`]);
  const i = await perSample(() => isolated.run('pass'));
  rows.push([`sandbox, ${isolated.network.isolated ? isolated.network.method : 'no isolation available'}`, `${i.toFixed(1)} ms/sample (${(i / base).toFixed(2)}x)`]);

  const file = process.argv[2] ?? join(process.cwd(), '..', 'shared', 'datasets', 'humaneval', 'HumanEval.jsonl.gz');
  if (existsSync(file)) {
    const programs = loadDataset('humaneval', file).map((p) => buildProgram(p, referenceSample(p)));
    for (const workers of [1, 2, 4]) {
      const r = await throughput(isolated, programs, workers);
      rows.push([`HumanEval canonical, ${workers} worker(s)`, `${(r.ms / 1000).toFixed(1)} s for ${programs.length} (${r.passed} passed)`]);
    }
  } else {
    rows.push(['HumanEval canonical', `skipped: no dataset at ${file}`]);
  }
  const width = Math.max(...rows.map(([a]) => a.length));
  for (const [a, b] of rows) process.stdout.write(`${a.padEnd(width)}  ${b}\n`);
}

await main();
