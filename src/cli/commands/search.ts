import type { Command } from 'commander';
import type { IndexReader } from '../../../indexers/types.js';
import { RagentError, UsageError } from '../../errors.js';
import { positiveInt } from '../options.js';
import { commandContext, printJson, type CommandContext } from '../context.js';

interface SearchFlags {
  k: string;
  files?: boolean;
  json?: boolean;
}

/**
 * Open the repository's index for a query command; warnings (say, vectors left out) go to stderr. The
 * store loads on a worker thread while this one reads the retrieval snapshot and does `meanwhile`.
 */
export async function openForQuery(ctx: CommandContext, meanwhile?: () => Promise<void>): Promise<IndexReader> {
  // The index and retrieval load on demand, so other commands start fast.
  const { openQueryReader } = await import('../../retrieval/query-reader.js');
  const opening = openQueryReader(ctx.repo, ctx.config);
  opening.catch(() => undefined);
  const { prefetchCorpus } = await import('../../retrieval/corpus.js');
  prefetchCorpus(ctx.repo);
  await meanwhile?.();
  try {
    return await opening;
  } catch (err) {
    if (err instanceof RagentError) throw err;
    // No worker thread to be had: open the store here.
    const { openIndex } = await import('../../../indexers/store/index.js');
    return openIndex(ctx.repo, ctx.config);
  }
}

/** Print warnings of a ranking on stderr. */
export const warn = (message: string): void => void process.stderr.write(`warning: ${message}\n`);

async function runSearch(query: string, flags: SearchFlags, cmd: Command): Promise<void> {
  const k = positiveInt(flags.k, '--k');
  if (!query.trim()) throw new UsageError('the query is empty', 'ragent search "what to look for"');
  const ctx = commandContext(cmd);
  const reader = await openForQuery(ctx);
  const { fileHitsOf, hitsOf, rank } = await import('../../retrieval/index.js');
  try {
    const ranking = await rank(reader, query, { weights: ctx.config.retrieval.weights, onWarning: warn });
    if (flags.files) {
      const hits = fileHitsOf(ranking, k);
      if (flags.json) return printJson(hits);
      for (const h of hits) process.stdout.write(`${h.score.toFixed(4)}  ${h.path}  [${h.signals.join(',')}]\n`);
    } else {
      const hits = hitsOf(ranking, k);
      if (flags.json) return printJson(hits);
      for (const h of hits) {
        process.stdout.write(`${h.score.toFixed(4)}  ${h.path}:${h.startLine}-${h.endLine}  ${h.kind} ${h.name}  [${h.signals.join(',')}]\n`);
      }
    }
  } finally {
    await reader.close();
  }
}

/** Register `ragent search`. */
export function registerSearch(program: Command): void {
  program
    .command('search')
    .description('ranked symbols (or files) of the index for a query, with the signals that matched')
    .argument('<query...>', 'what to look for: words, identifiers, a stack trace, an error message (quotes optional)')
    .option('--k <n>', 'how many results', '10')
    .option('--files', 'rank files instead of symbols')
    .option('--json', 'print JSON')
    .action(async (query: string[], flags: SearchFlags, cmd: Command) => runSearch(query.join(' '), flags, cmd));
}
