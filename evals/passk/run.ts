import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ModelClient } from '../../src/model/types.js';
import { readJsonl, normaliseTaskId, loadDataset, mbppSplit, type Benchmark, type MbppProblem, type MbppSplit, type Problem } from './dataset.js';
import { DatasetError, SamplesError } from './errors.js';
import { meanPassAtK } from './estimator.js';
import { postprocess } from './postprocess.js';
import { buildProgram, type SampleCode } from './program.js';
import { generationRequest } from './prompt.js';
import { checkRunIdentity, ResultsLog } from './results.js';
import { createSandbox, type ExecStatus, type NetworkIsolation, type Sandbox, type SandboxLimits } from './sandbox.js';
import { forEachLimited, selectItems, type Shard } from './select.js';
import { writeSummaryFiles } from './report.js';

/** One executed sample, as stored in results.jsonl (field names follow the HumanEval harness's output). */
export interface SampleRecord {
  task_id: string;
  /** 0-based index of the sample among its problem's samples. */
  sample: number;
  completion?: string;
  solution?: string;
  /** The model's text before post-processing (generation runs only). */
  raw_completion?: string;
  result: ExecStatus;
  passed: boolean;
  duration_ms: number;
  /** Last line of stderr (usually the exception) for a failed sample. */
  error?: string;
  output_tokens?: number;
}

/** Where completions come from: a model, or a samples file. */
export type SampleSource =
  | { kind: 'model'; client: ModelClient; model: string; n: number; temperature: number; maxTokens: number; shots: number }
  | { kind: 'samples'; file: string };

export interface PassKOptions {
  benchmark: Benchmark;
  dataset: string;
  source: SampleSource;
  outDir: string;
  ks: number[];
  workers: number;
  limits?: Partial<SandboxLimits>;
  limit?: number;
  shard?: Shard;
  /** MBPP only. */
  split?: MbppSplit;
  python?: string;
  allowNetwork?: boolean;
  onProgress?: (p: PassKProgress) => void;
  /** Stops the run between samples; finished samples stay recorded. */
  signal?: AbortSignal;
}

export interface PassKProgress {
  done: number;
  total: number;
  passed: number;
}

export interface PassKValue {
  k: number;
  /** null when some problem has fewer than k samples. */
  value: number | null;
  note?: string;
}

export interface ProblemScore {
  taskId: string;
  n: number;
  c: number;
}

/** Everything a finished run reports; written to summary.json. */
export interface PassKSummary {
  benchmark: Benchmark;
  dataset: string;
  source: 'model' | 'samples';
  model?: string;
  temperature?: number;
  problems: number;
  samples: number;
  passAtK: PassKValue[];
  statuses: Record<ExecStatus, number>;
  perProblem: ProblemScore[];
  network: NetworkIsolation;
  limits: SandboxLimits;
  /** Samples executed by this invocation, and samples found already finished. */
  executed: number;
  resumed: number;
  wallMs: number;
  warnings: string[];
  files: { results: string; summary: string; chart: string };
}

interface Job {
  problem: Problem;
  sample: number;
  code?: SampleCode;
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);

function selectProblems(opts: PassKOptions): { all: Problem[]; selected: Problem[] } {
  const all = loadDataset(opts.benchmark, opts.dataset);
  let pool = all;
  if (opts.benchmark === 'mbpp' && opts.split) pool = mbppSplit(all as MbppProblem[], opts.split);
  return { all, selected: selectItems(pool, { limit: opts.limit, shard: opts.shard }) };
}

/** Read a samples file: `{task_id, completion}` (or `solution`) per line, grouped by problem in file order. */
export function readSamples(benchmark: Benchmark, file: string, known: ReadonlySet<string>): Map<string, SampleCode[]> {
  const byTask = new Map<string, SampleCode[]>();
  const unknown: string[] = [];
  let rows: ReturnType<typeof readJsonl>;
  try {
    rows = readJsonl(file, 'samples file');
  } catch (err) {
    if (err instanceof DatasetError) throw new SamplesError(err.message, err.hint);
    throw err;
  }
  for (const { line, value } of rows) {
    const taskId = normaliseTaskId(benchmark, value.task_id);
    const completion = typeof value.completion === 'string' ? value.completion : undefined;
    const solution = typeof value.solution === 'string' ? value.solution : undefined;
    if (!taskId || (completion === undefined && solution === undefined)) {
      throw new SamplesError(`${file}:${line} needs a task_id and a string completion (or solution)`, 'each line must be {"task_id": ..., "completion": "..."}');
    }
    if (!known.has(taskId)) {
      unknown.push(taskId);
      continue;
    }
    const list = byTask.get(taskId) ?? [];
    list.push(completion !== undefined ? { completion } : { solution });
    byTask.set(taskId, list);
  }
  if (unknown.length) {
    throw new SamplesError(
      `${file} has samples for ${unknown.length} task(s) the dataset does not have (e.g. ${unknown.slice(0, 3).join(', ')})`,
      `check that the samples were made for this ${benchmark} dataset`,
    );
  }
  return byTask;
}

function lastLine(text: string): string | undefined {
  const lines = text.trimEnd().split('\n');
  const last = lines[lines.length - 1]?.trim();
  return last ? last.slice(0, 300) : undefined;
}

class Slots {
  private free: number;
  private waiting: Array<() => void> = [];
  constructor(n: number) {
    this.free = n;
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/** Run (or resume) a pass@k evaluation and write results.jsonl, summary.json and passk.svg to `outDir`. */
export async function runPassK(opts: PassKOptions): Promise<PassKSummary> {
  const started = performance.now();
  const warnings: string[] = [];
  const { all, selected } = selectProblems(opts);
  const outDir = resolve(opts.outDir);
  const src = opts.source;

  let jobs: Job[];
  let samplesByTask: Map<string, SampleCode[]> | undefined;
  if (src.kind === 'samples') {
    samplesByTask = readSamples(opts.benchmark, src.file, new Set(all.map((p) => p.taskId)));
    const missing = selected.filter((p) => !samplesByTask!.has(p.taskId)).length;
    if (missing) warnings.push(`${missing} of ${selected.length} selected problems have no samples and are left out`);
    jobs = selected.flatMap((problem) => (samplesByTask!.get(problem.taskId) ?? []).map((code, sample) => ({ problem, sample, code })));
  } else {
    jobs = selected.flatMap((problem) => Array.from({ length: src.n }, (_, sample) => ({ problem, sample })));
  }
  const scored = src.kind === 'samples' ? selected.filter((p) => samplesByTask!.has(p.taskId)) : selected;

  const identity: Record<string, unknown> =
    src.kind === 'samples'
      ? { benchmark: opts.benchmark, dataset: sha256(opts.dataset), source: 'samples', samples: sha256(src.file) }
      : { benchmark: opts.benchmark, dataset: sha256(opts.dataset), source: 'model', model: src.model, temperature: src.temperature, maxTokens: src.maxTokens, shots: opts.benchmark === 'mbpp' ? src.shots : undefined };
  checkRunIdentity(join(outDir, 'run.json'), identity);
  const log = new ResultsLog<SampleRecord>(join(outDir, 'results.jsonl'));
  if (log.skippedLines) warnings.push(`${log.skippedLines} unreadable line(s) in results.jsonl were ignored (their samples run again)`);

  const key = (taskId: string, sample: number): string => `${taskId}\u0000${sample}`;
  const finished = new Map<string, SampleRecord>();
  for (const r of log.records) if (typeof r.task_id === 'string' && Number.isInteger(r.sample)) finished.set(key(r.task_id, r.sample), r);
  const todo = jobs.filter((j) => !finished.has(key(j.problem.taskId, j.sample)));
  const resumed = jobs.length - todo.length;

  const sandbox = await createSandbox({ python: opts.python, limits: opts.limits, allowNetwork: opts.allowNetwork });
  if (!sandbox.network.isolated && sandbox.network.note) warnings.push(sandbox.network.note);

  let done = resumed;
  let passed = jobs.filter((j) => finished.get(key(j.problem.taskId, j.sample))?.passed).length;
  const report = (): void => opts.onProgress?.({ done, total: jobs.length, passed });
  report();

  const execute = async (job: Job, code: SampleCode, extra: Partial<SampleRecord>): Promise<void> => {
    const res = await sandbox.run(buildProgram(job.problem, code));
    const record: SampleRecord = {
      task_id: job.problem.taskId,
      sample: job.sample,
      ...code,
      ...extra,
      result: res.status,
      passed: res.status === 'passed',
      duration_ms: res.durationMs,
    };
    if (res.status !== 'passed') record.error = lastLine(res.stderr) ?? (res.signal ? `killed by ${res.signal}` : `exit ${res.exitCode}`);
    log.append(record);
    finished.set(key(record.task_id, record.sample), record);
    done++;
    if (record.passed) passed++;
    report();
  };

  const aborted = (): boolean => opts.signal?.aborted ?? false;
  if (src.kind === 'samples') {
    await forEachLimited(todo, opts.workers, async (job) => {
      if (!aborted()) await execute(job, job.code!, {});
    });
  } else {
    await generateAndExecute(todo, all, src, opts.workers, execute, opts.signal);
  }

  const summary = summarise(opts, scored, jobs, finished, { sandbox, resumed, warnings, started, outDir });
  writeSummaryFiles(summary);
  return summary;
}

// The model answers one request at a time (a local server serialises them anyway) while finished completions
// run in up to `workers` sandboxes; generation waits when every sandbox is busy.
async function generateAndExecute(
  todo: Job[],
  all: Problem[],
  src: Extract<SampleSource, { kind: 'model' }>,
  workers: number,
  execute: (job: Job, code: SampleCode, extra: Partial<SampleRecord>) => Promise<void>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const slots = new Slots(workers);
  const running = new Set<Promise<void>>();
  let execError: { err: unknown } | undefined;
  try {
    for (const job of todo) {
      if (signal?.aborted || execError) break;
      const request = generationRequest(job.problem, all, src.shots);
      let out: Awaited<ReturnType<typeof src.client.complete>>;
      try {
        out = await src.client.complete(request.prompt, { stop: request.stop, temperature: src.temperature, maxTokens: src.maxTokens, signal });
      } catch (err) {
        // Interrupted mid-request: the sample is simply not done; a re-run asks again.
        if (signal?.aborted) break;
        throw err;
      }
      const completion = postprocess(job.problem, out.text);
      await slots.acquire();
      const p: Promise<void> = execute(job, { completion }, { raw_completion: out.text, output_tokens: out.usage.outputTokens })
        .catch((err: unknown) => {
          execError ??= { err };
        })
        .finally(() => {
          slots.release();
          running.delete(p);
        });
      running.add(p);
    }
  } finally {
    // A model error ends generation, but samples already generated are still executed and recorded.
    await Promise.all(running);
  }
  if (execError) throw execError.err;
}

function summarise(
  opts: PassKOptions,
  scored: Problem[],
  jobs: Job[],
  finished: Map<string, SampleRecord>,
  ctx: { sandbox: Sandbox; resumed: number; warnings: string[]; started: number; outDir: string },
): PassKSummary {
  const statuses: Record<ExecStatus, number> = { passed: 0, failed: 0, timeout: 0, output_limit: 0 };
  const counts = new Map<string, ProblemScore>(scored.map((p) => [p.taskId, { taskId: p.taskId, n: 0, c: 0 }]));
  for (const job of jobs) {
    const r = finished.get(`${job.problem.taskId}\u0000${job.sample}`);
    if (!r) continue;
    const score = counts.get(r.task_id);
    if (!score) continue;
    score.n++;
    if (r.passed) score.c++;
    if (r.result in statuses) statuses[r.result]++;
  }
  const perProblem = [...counts.values()];
  const incomplete = jobs.length - [...counts.values()].reduce((s, p) => s + p.n, 0);
  if (incomplete > 0) ctx.warnings.push(`${incomplete} sample(s) not finished; run the same command again to resume`);
  const minN = perProblem.length ? Math.min(...perProblem.map((p) => p.n)) : 0;
  const passAtK: PassKValue[] = opts.ks.map((k) => {
    const value = meanPassAtK(perProblem, k);
    return value === null ? { k, value, note: perProblem.length ? `not computable: k > n (fewest samples per problem: ${minN})` : 'no problems' } : { k, value };
  });
  const src = opts.source;
  return {
    benchmark: opts.benchmark,
    dataset: resolve(opts.dataset),
    source: src.kind,
    ...(src.kind === 'model' ? { model: src.model, temperature: src.temperature } : {}),
    problems: perProblem.length,
    samples: perProblem.reduce((s, p) => s + p.n, 0),
    passAtK,
    statuses,
    perProblem,
    network: ctx.sandbox.network,
    limits: ctx.sandbox.limits,
    executed: jobs.length - ctx.resumed - incomplete,
    resumed: ctx.resumed,
    wallMs: Math.round(performance.now() - ctx.started),
    warnings: ctx.warnings,
    files: { results: join(ctx.outDir, 'results.jsonl'), summary: join(ctx.outDir, 'summary.json'), chart: join(ctx.outDir, 'passk.svg') },
  };
}

