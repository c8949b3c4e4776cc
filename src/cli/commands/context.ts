import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { RagentConfig } from '../../config/schema.js';
import { modelTokenCounter } from '../../util/tokens.js';
import { commandContext, printJson } from '../context.js';
import { positiveInt } from '../options.js';
import { openForQuery, warn } from './search.js';

interface ContextFlags {
  budget?: string;
  taskFile?: string;
  json?: boolean;
}

/** The default budget: the configured window minus the answer's reserve, else `retrieval.budget`. */
export function defaultBudget(config: RagentConfig): number {
  const window = config.model.contextLength;
  return window > config.model.outputReserve ? window - config.model.outputReserve : config.retrieval.budget;
}

function readTask(task: string | undefined, file: string | undefined): string {
  if (task && file) throw new UsageError('give the task either as an argument or with --task-file, not both', 'drop one of them');
  if (file) {
    try {
      return readFileSync(resolve(file), 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --task-file ${file}: ${(err as Error).message}`, 'pass a readable text file');
    }
  }
  if (!task?.trim()) throw new UsageError('no task given', 'ragent context "describe the task", or --task-file issue.md');
  return task;
}

async function runContext(task: string | undefined, flags: ContextFlags, cmd: Command): Promise<void> {
  const text = readTask(task, flags.taskFile);
  const ctx = commandContext(cmd);
  const budget = flags.budget ? positiveInt(flags.budget, '--budget') : defaultBudget(ctx.config);
  // Retrieval and the token counter load while the index opens on its worker thread.
  const loading = Promise.all([import('../../retrieval/index.js'), import('../../retrieval/count.js')]);
  const reader = await openForQuery(ctx, async () => void (await loading)[1].fastBpeCounter());
  const [{ packRanking, rank }, { fastBpeCounter }] = await loading;
  try {
    const ranking = await rank(reader, text, { weights: ctx.config.retrieval.weights, onWarning: warn });
    const context = packRanking(ranking, budget, { counter: modelTokenCounter(ctx.repo, ctx.config.model.name, fastBpeCounter()) });
    if (flags.json) printJson(context);
    else {
      process.stdout.write(context.text);
      process.stderr.write(`${context.items.length} items, ${context.tokens}/${context.budget} tokens (${context.tokenizer})\n`);
    }
  } finally {
    await reader.close();
  }
}

/** Register `ragent context`. */
export function registerContext(program: Command): void {
  program
    .command('context')
    .description('the packed context for a task: named code, top symbols with imports and class headers, a repository map')
    .argument('[task...]', 'the task or issue text (quotes optional)')
    .option('--budget <tokens>', 'token budget (default: the model window minus its reserve, else retrieval.budget)')
    .option('--task-file <file>', 'read the task from a file')
    .option('--json', 'print {budget, tokens, tokenizer, items, text} as JSON')
    .action(async (task: string[], flags: ContextFlags, cmd: Command) => runContext(task.length ? task.join(' ') : undefined, flags, cmd));
}
