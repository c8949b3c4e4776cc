import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseShard } from '../../../evals/passk/select.js';
import { UsageError } from '../../errors.js';
import { commandContext, printJson } from '../context.js';
import { evalCommand, runEval } from './eval-group.js';
import { positiveInt } from '../options.js';

interface RepoFlags {
  dataset?: string;
  repos?: string;
  testCmd?: string;
  model?: string;
  maxIterations?: string;
  timeout: string;
  testTimeout?: string;
  limit?: string;
  shard?: string;
  out?: string;
  json?: boolean;
}

const slug = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '_');

async function runCommand(flags: RepoFlags, cmd: Command): Promise<void> {
  if (!flags.dataset) throw new UsageError('--dataset is required', 'ragent eval repo --dataset tasks.jsonl --repos DIR');
  if (!flags.repos) throw new UsageError('--repos is required', 'a folder holding one git repository per dataset repo, as owner__name or owner/name');
  if (flags.testCmd !== undefined && !flags.testCmd.trim()) throw new UsageError('--test-cmd is empty', 'e.g. --test-cmd "python -m pytest {tests}"');
  // Loaded on demand, so other commands start fast.
  const [{ loadRepoTasks }, { repoProgress }, { formatSummary }, { runRepoEval }, { agentPipelineDeps }] = await Promise.all([
    import('../../../evals/repo/dataset.js'),
    import('../../../evals/repo/progress.js'),
    import('../../../evals/repo/report.js'),
    import('../../../evals/repo/run.js'),
    import('../../run/agent.js'),
  ]);
  const overrides: Record<string, Record<string, unknown>> = {};
  if (flags.model) overrides.model = { name: flags.model };
  if (flags.maxIterations) overrides.agent = { maxIterations: positiveInt(flags.maxIterations, '--max-iterations') };
  const ctx = commandContext(cmd, Object.keys(overrides).length ? overrides : undefined);
  const datasetName = basename(flags.dataset).replace(/\.jsonl$/, '');
  const { tasks, skipped } = loadRepoTasks(resolve(flags.dataset));
  if (skipped.length) process.stderr.write(`note: ${skipped.length} row(s) without FAIL_TO_PASS tests cannot be graded and are left out (${skipped.slice(0, 3).join(', ')}${skipped.length > 3 ? ', …' : ''})\n`);
  const outDir = resolve(flags.out ?? join(ctx.repo, '.ragent', 'evals', `repo-${slug(datasetName)}-${slug(ctx.config.model.name)}`));

  const reposDir = resolve(flags.repos);
  await runEval({
    progress: repoProgress(),
    interruptedNote: 'run the same command again to resume',
    json: flags.json,
    run: (signal, onProgress) =>
      runRepoEval({
        tasks,
        datasetName,
        reposDir,
        outDir,
        config: ctx.config,
        deps: agentPipelineDeps(),
        testCmd: flags.testCmd?.trim(),
        limit: flags.limit ? positiveInt(flags.limit, '--limit') : undefined,
        shard: flags.shard ? parseShard(flags.shard) : undefined,
        taskTimeoutMs: positiveInt(flags.timeout, '--timeout') * 1000,
        testTimeoutMs: (flags.testTimeout ? positiveInt(flags.testTimeout, '--test-timeout') : ctx.config.agent.testTimeoutSec) * 1000,
        signal,
        onProgress,
      }),
    format: formatSummary,
  });
}

/** Register `ragent eval repo` under the shared `eval` command. */
export function registerEvalRepo(program: Command): void {
  evalCommand(program)
    .command('repo')
    .description('resolved rate on SWE-bench-format repository tasks: run the agent at base_commit, grade its patch with the tasks\' tests')
    .option('--dataset <file>', 'SWE-bench-format JSONL (instance_id, repo, base_commit, problem_statement, patch, test_patch, FAIL_TO_PASS, PASS_TO_PASS)')
    .option('--repos <dir>', 'folder of git repositories, one per dataset repo (owner__name or owner/name, bare or not)')
    .option('--test-cmd <cmd>', 'command that runs the named tests; {tests} is replaced by their ids, {files} by their files (default: the project\'s own runner)')
    .option('--model <name>', 'model the agent runs on (default: model.name)')
    .option('--max-iterations <n>', 'edit-and-test rounds per task at most (agent.maxIterations)')
    .option('--timeout <seconds>', 'wall-clock limit of one agent run', '1800')
    .option('--test-timeout <seconds>', 'wall-clock limit of one grading test run (default: agent.testTimeoutSec)')
    .option('--limit <n>', 'only the first n tasks')
    .option('--shard <i/n>', 'only the i-th of n interleaved slices of the tasks')
    .option('--out <dir>', 'results, patches and transcripts (default: .ragent/evals/repo-<dataset>-<model>); rerunning resumes it')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', '\nExit codes: 0 the eval ran (whatever the resolved rate), 1 a dataset or repository problem, 2 usage error, 3 model unavailable, 130 interrupted.')
    .action(async (flags: RepoFlags, cmd: Command) => runCommand(flags, cmd));
}
