import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { Benchmark, MbppSplit } from '../../../evals/passk/dataset.js';
import { MBPP_SPLITS } from '../../../evals/passk/dataset.js';
import type { SampleSource } from '../../../evals/passk/run.js';
import { parseKs, parseShard } from '../../../evals/passk/select.js';
import { commandContext, printJson } from '../context.js';
import { evalCommand, runEval } from './eval-group.js';

interface PassKFlags {
  dataset?: string;
  model?: string;
  numSamples?: string;
  ks: string;
  temperature?: string;
  maxTokens: string;
  workers?: string;
  timeout: string;
  memory: string;
  out?: string;
  limit?: string;
  shard?: string;
  samples?: string;
  python?: string;
  split?: string;
  shots?: string;
  json?: boolean;
}

function int(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be an integer ≥ ${min}, got "${value}"`, `e.g. ${flag} ${Math.max(min, 1)}`);
  return n;
}

function num(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`${flag} must be a number from ${min} to ${max}, got "${value}"`, `e.g. ${flag} ${min + (max - min) / 4}`);
  return n;
}

const PROMPT_BUDGET = 4096;

const slug = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '_');

async function runCommand(benchmark: Benchmark, flags: PassKFlags, cmd: Command): Promise<void> {
  const ctx = commandContext(cmd, flags.model ? { model: { name: flags.model } } : undefined);
  const configured = benchmark === 'humaneval' ? ctx.config.eval.humanevalDataset : ctx.config.eval.mbppDataset;
  const datasetFlag = flags.dataset ?? (configured ? resolve(ctx.repo, configured) : undefined);
  if (!datasetFlag) {
    throw new UsageError(
      `no ${benchmark} dataset given`,
      `pass --dataset FILE (the published JSONL or .jsonl.gz) or set eval.${benchmark}Dataset in .agentrc`,
    );
  }
  const dataset = resolve(datasetFlag);
  const ks = parseKs(flags.ks);
  const n = int(flags.numSamples, '-n', 1);
  if (flags.samples && (n !== undefined || flags.temperature !== undefined || flags.model)) {
    throw new UsageError('--samples evaluates existing completions; -n, --temperature and --model do not apply', 'drop them, or drop --samples to generate');
  }
  let split: MbppSplit | undefined;
  if (flags.split !== undefined) {
    if (benchmark !== 'mbpp') throw new UsageError('--split applies to mbpp only', 'drop --split');
    if (flags.split !== 'all' && !(flags.split in MBPP_SPLITS)) {
      throw new UsageError(`unknown MBPP split "${flags.split}"`, `use one of all, ${Object.keys(MBPP_SPLITS).join(', ')}`);
    }
    split = flags.split as MbppSplit;
  }

  let source: SampleSource;
  let label: string;
  if (flags.samples) {
    source = { kind: 'samples', file: resolve(flags.samples) };
    label = `samples-${slug(basename(flags.samples).replace(/\.jsonl(\.gz)?$/, ''))}`;
  } else {
    const samples = n ?? 1;
    const temperature = num(flags.temperature, '--temperature', 0, 2) ?? (samples === 1 ? 0 : 0.8);
    // Prompts here are short (HumanEval's longest is about a thousand tokens): a small window keeps the
    // server's KV cache, and so its memory and speed, at what function completion needs.
    const { createModelClient } = await import('../../model/create.js');
    const client = createModelClient(ctx.config, { budget: PROMPT_BUDGET });
    // Fail before any work when the server or the model is missing.
    await client.info();
    source = {
      kind: 'model',
      client,
      model: ctx.config.model.name,
      n: samples,
      temperature,
      maxTokens: int(flags.maxTokens, '--max-tokens', 1)!,
      shots: int(flags.shots, '--shots', 0) ?? 3,
    };
    label = slug(ctx.config.model.name);
    if (samples > 1 && temperature === 0) process.stderr.write('warning: -n > 1 at temperature 0 draws the same completion n times\n');
  }
  const outDir = resolve(flags.out ?? join(ctx.repo, '.ragent', 'evals', `${benchmark}-${label}`));
  // Loaded here so that other commands do not pay for the model client and the evaluation at start-up.
  const [{ progressBar }, { formatSummary }, { runPassK }] = await Promise.all([
    import('../../../evals/passk/progress.js'),
    import('../../../evals/passk/report.js'),
    import('../../../evals/passk/run.js'),
  ]);

  await runEval({
    progress: progressBar(benchmark),
    interruptedNote: 'finishing running samples; run the same command again to resume',
    json: flags.json,
    run: (signal, onProgress) =>
      runPassK({
        benchmark,
        dataset,
        source,
        outDir,
        ks,
        workers: int(flags.workers, '--workers', 1) ?? availableParallelism(),
        limits: { timeoutMs: num(flags.timeout, '--timeout', 0.1, 3600)! * 1000, memoryMb: int(flags.memory, '--memory', 64)! },
        limit: int(flags.limit, '--limit', 1),
        shard: flags.shard ? parseShard(flags.shard) : undefined,
        split,
        python: flags.python,
        signal,
        onProgress,
      }),
    format: formatSummary,
  });
}

/** Register `ragent eval humaneval` and `ragent eval mbpp` under the shared `eval` command. */
export function registerEvalPassK(program: Command): void {
  const group = evalCommand(program);
  for (const benchmark of ['humaneval', 'mbpp'] as const) {
    const sub = group
      .command(benchmark)
      .description(`pass@k on ${benchmark === 'humaneval' ? 'HumanEval' : 'MBPP'}: generate (or read) completions, execute their tests, score`)
      .option('--dataset <file>', 'dataset in a published format (.jsonl, .jsonl.gz, or a JSON array)')
      .option('--model <name>', 'model to generate with (default: model.name)')
      .option('-n, --num-samples <n>', 'completions per problem (default 1)')
      .option('-k, --ks <list>', 'k values of pass@k', '1,10,100')
      .option('--temperature <t>', 'sampling temperature (default 0 for -n 1, else 0.8)')
      .option('--max-tokens <n>', 'most tokens per completion', '512')
      .option('--workers <w>', 'samples executed at once (default: CPU count)')
      .option('--timeout <seconds>', 'wall-clock limit per sample', '10')
      .option('--memory <mb>', 'memory limit per sample in MB', '1024')
      .option('--out <dir>', 'results folder (default: .ragent/evals/<benchmark>-<model>)')
      .option('--limit <n>', 'only the first n problems')
      .option('--shard <i/n>', 'only the i-th of n interleaved slices of the problems')
      .option('--samples <file>', 'evaluate completions from a JSONL file ({task_id, completion} per line) instead of a model')
      .option('--python <path>', 'python3 interpreter that runs the samples')
      .option('--json', 'print the summary as JSON');
    if (benchmark === 'mbpp') {
      sub.option('--split <name>', 'MBPP split: all, test (11-510), validation, train, prompt').option('--shots <n>', 'few-shot examples in the prompt (default 3)');
    }
    sub.action(async (flags: PassKFlags, cmd: Command) => runCommand(benchmark, flags, cmd));
  }
}
