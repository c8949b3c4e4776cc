/**
 * `ragent eval localize`: for each SWE-bench-format instance, export and index base_commit, rank files
 * and pack contexts for the problem statement, and score them against the gold patch beside the BM25
 * whole-file baseline. One JSONL row per instance; a rerun skips the instances already in the file.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { openIndex } from '../../indexers/store/index.js';
import type { IndexProgress } from '../../indexers/types.js';
import type { RagentConfig } from '../../src/config/schema.js';
import { CancelledError } from '../../src/errors.js';
import { LineCache, packRanking, rank } from '../../src/retrieval/index.js';
import type { TokenCounter } from '../../src/util/tokens.js';
import { selectItems, type Shard } from '../passk/select.js';
import { baselineCandidate, Bm25Baseline } from './baseline.js';
import { exportTree, findRepository, hasCommit, indexTree } from './checkout.js';
import { goldLocations, languageOf, LocalizeDatasetError, type LocalizeInstance } from './dataset.js';
import { summarize, type LocalizeRow, type LocalizeSummary, type MethodResult } from './report.js';
import { scoreContext, scoreRanking } from './score.js';

export interface LocalizeProgress {
  done: number;
  total: number;
  instance: string;
  phase: 'export' | 'index' | 'rank' | 'baseline' | 'done';
  index?: IndexProgress;
  /** Mean ragent file recall@5 over the instances finished in this run. */
  recallAt5: number;
}

export interface LocalizeRunOptions {
  instances: LocalizeInstance[];
  datasetName: string;
  reposDir: string;
  budgets: number[];
  resultsFile: string;
  cacheDir: string;
  config: RagentConfig;
  counter: TokenCounter;
  limit?: number;
  shard?: Shard;
  signal?: AbortSignal;
  onProgress?: (p: LocalizeProgress) => void;
}

function readRows(file: string): LocalizeRow[] {
  if (!existsSync(file)) return [];
  const rows: LocalizeRow[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      rows.push(JSON.parse(line) as LocalizeRow);
    } catch {
      // A line cut short by an interruption: that instance runs again.
    }
  }
  return rows;
}

const seconds = (t0: number): number => Math.round(performance.now() - t0) / 1000;

function emptyResult(budgets: number[]): MethodResult {
  const ctx: MethodResult['ctx'] = {};
  for (const b of budgets) ctx[b] = { file: 0, hunk: 0, tokens: 0 };
  return { top: [], r1: 0, r5: 0, r10: 0, mrr: 0, ctx };
}

/** Run (or resume) the localization eval and summarise every row in the results file for the selection. */
export async function runLocalize(opts: LocalizeRunOptions): Promise<LocalizeSummary> {
  const selected = selectItems(opts.instances, { limit: opts.limit, shard: opts.shard });
  // Check every repository and commit before any slow work.
  const gitDirs = new Map<string, string>();
  for (const inst of selected) {
    if (!gitDirs.has(inst.repo)) gitDirs.set(inst.repo, findRepository(opts.reposDir, inst.repo));
    if (!hasCommit(gitDirs.get(inst.repo)!, inst.base_commit)) {
      throw new LocalizeDatasetError(`${inst.instance_id}: ${inst.repo} has no commit ${inst.base_commit}`, 'fetch the repository with its full history');
    }
  }
  mkdirSync(dirname(opts.resultsFile), { recursive: true });
  // Rows that failed run again; a later row for the same instance wins.
  const done = new Map(readRows(opts.resultsFile).filter((r) => !r.error).map((r) => [r.instance_id, r]));
  const rows: LocalizeRow[] = [];
  const r5: number[] = [];
  let count = 0;
  for (const inst of selected) {
    const prior = done.get(inst.instance_id);
    if (prior) {
      rows.push(prior);
      count++;
      continue;
    }
    if (opts.signal?.aborted) throw new CancelledError('localization eval interrupted', 'run the same command again to resume');
    const progress = (phase: LocalizeProgress['phase'], index?: IndexProgress): void =>
      opts.onProgress?.({ done: count, total: selected.length, instance: inst.instance_id, phase, index, recallAt5: r5.length ? r5.reduce((a, b) => a + b, 0) / r5.length : 0 });
    const row = await runInstance(inst, gitDirs.get(inst.repo)!, opts, progress);
    appendFileSync(opts.resultsFile, JSON.stringify(row) + '\n');
    rows.push(row);
    r5.push(row.ragent.r5);
    count++;
    progress('done');
  }
  return summarize(rows, opts.budgets, opts.datasetName, opts.resultsFile);
}

async function runInstance(
  inst: LocalizeInstance,
  gitDir: string,
  opts: LocalizeRunOptions,
  progress: (phase: LocalizeProgress['phase'], index?: IndexProgress) => void,
): Promise<LocalizeRow> {
  const gold = goldLocations(inst.patch);
  const row: LocalizeRow = {
    instance_id: inst.instance_id,
    repo: inst.repo,
    language: languageOf(inst, gold),
    gold: gold.map((g) => g.path),
    ragent: emptyResult(opts.budgets),
    bm25: emptyResult(opts.budgets),
    seconds: { index: 0, ragent: 0, bm25: 0 },
  };
  try {
    progress('export');
    const tree = await exportTree(gitDir, inst.repo, inst.base_commit, opts.cacheDir);
    progress('index');
    let t0 = performance.now();
    await indexTree(tree, opts.config, (p) => progress('index', p));
    row.seconds.index = seconds(t0);
    const reader = await openIndex(tree, opts.config);
    try {
      progress('rank');
      t0 = performance.now();
      const ranking = await rank(reader, inst.problem_statement, { weights: opts.config.retrieval.weights, signal: opts.signal });
      const ranked = ranking.fileOrder.map((f) => ranking.corpus.files[f]!.path);
      row.ragent = { top: ranked.slice(0, 10), ...scoreRanking(ranked, gold), ctx: {} };
      const cache = new LineCache(tree, opts.counter);
      for (const b of opts.budgets) {
        const ctx = packRanking(ranking, b, { counter: opts.counter, cache });
        row.ragent.ctx[b] = { ...scoreContext(ctx.items.filter((i) => i.kind !== 'map'), gold), tokens: ctx.tokens };
      }
      row.seconds.ragent = seconds(t0);

      progress('baseline');
      t0 = performance.now();
      const files = (await reader.allFiles()).filter((f) => !f.skipReason && baselineCandidate(f.path, f.language)).map((f) => f.path).sort();
      const bm25 = new Bm25Baseline(tree, files);
      const order = bm25.rank(inst.problem_statement);
      const bm25Ranked = order.map((d) => bm25.path(d));
      row.bm25 = { top: bm25Ranked.slice(0, 10), ...scoreRanking(bm25Ranked, gold), ctx: {} };
      for (const b of opts.budgets) {
        const ctx = bm25.pack(order, b, opts.counter);
        row.bm25.ctx[b] = { ...scoreContext(ctx.items, gold), tokens: ctx.tokens };
      }
      row.seconds.bm25 = seconds(t0);
    } finally {
      await reader.close();
    }
  } catch (err) {
    if (err instanceof CancelledError || opts.signal?.aborted) throw err;
    row.error = (err as Error).message;
  }
  return row;
}
