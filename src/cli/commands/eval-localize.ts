import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseShard } from '../../../evals/passk/select.js';
import { UsageError } from '../../errors.js';
import { commandContext, printJson } from '../context.js';
import { evalCommand, runEval } from './eval-group.js';
import { positiveInt } from '../options.js';

interface LocalizeFlags {
  dataset?: string;
  repos?: string;
  budgets: string;
  limit?: string;
  shard?: string;
  out?: string;
  cache?: string;
  json?: boolean;
}

/** Parse `--budgets 13000,27000`. */
export function parseBudgets(text: string): number[] {
  const bs = text.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (!bs.length || bs.some((b) => !Number.isInteger(b) || b < 1)) {
    throw new UsageError(`--budgets takes positive integers separated by commas, got "${text}"`, 'e.g. --budgets 13000,27000,50000,100000');
  }
  return [...new Set(bs)].sort((a, b) => a - b);
}

async function runCommand(flags: LocalizeFlags, cmd: Command): Promise<void> {
  if (!flags.dataset) throw new UsageError('--dataset is required', 'ragent eval localize --dataset issues.jsonl --repos DIR');
  if (!flags.repos) throw new UsageError('--repos is required', 'a folder holding one git repository per dataset repo, as owner__name or owner/name');
  const budgets = parseBudgets(flags.budgets);
  const ctx = commandContext(cmd);
  // The harness loads on demand, so other commands start fast.
  const [{ loadDataset }, { localizeProgress }, { formatSummary }, { runLocalize }, { fastBpeCounter }] = await Promise.all([
    import('../../../evals/localize/dataset.js'),
    import('../../../evals/localize/progress.js'),
    import('../../../evals/localize/report.js'),
    import('../../../evals/localize/run.js'),
    import('../../retrieval/count.js'),
  ]);
  const datasetName = basename(flags.dataset).replace(/\.jsonl$/, '');
  const instances = loadDataset(resolve(flags.dataset));
  const resultsFile = resolve(flags.out ?? join(ctx.repo, '.ragent', 'evals', `localize-${datasetName}`, 'results.jsonl'));
  const reposDir = resolve(flags.repos);
  await runEval({
    progress: localizeProgress(),
    interruptedNote: 'run the same command again to resume',
    json: flags.json,
    run: (signal, onProgress) =>
      runLocalize({
        instances,
        datasetName,
        reposDir,
        budgets,
        resultsFile,
        cacheDir: resolve(flags.cache ?? join(tmpdir(), 'ragent-localize')),
        // Context recall is measured under the reference tokenizer, whatever model is configured.
        counter: fastBpeCounter(),
        config: ctx.config,
        limit: flags.limit ? positiveInt(flags.limit, '--limit') : undefined,
        shard: flags.shard ? parseShard(flags.shard) : undefined,
        signal,
        onProgress,
      }),
    format: formatSummary,
  });
}

/** Register `ragent eval localize` under the shared `eval` command. */
export function registerEvalLocalize(program: Command): void {
  evalCommand(program)
    .command('localize')
    .description('file localization and context recall on SWE-bench-format issues, beside the BM25 whole-file baseline')
    .option('--dataset <file>', 'SWE-bench-format JSONL (instance_id, repo, base_commit, problem_statement, patch)')
    .option('--repos <dir>', 'folder of git repositories, one per dataset repo (owner__name or owner/name, bare or not)')
    .option('--budgets <list>', 'context budgets in tokens', '13000,27000,50000,100000')
    .option('--limit <n>', 'only the first n instances')
    .option('--shard <i/n>', 'only the i-th of n interleaved slices of the instances')
    .option('--out <file>', 'results JSONL (default: .ragent/evals/localize-<dataset>/results.jsonl); rerunning resumes it')
    .option('--cache <dir>', 'where exported trees and their indexes are kept (default: the system temp folder)')
    .option('--json', 'print the summary as JSON')
    .action(async (flags: LocalizeFlags, cmd: Command) => runCommand(flags, cmd));
}
