import type { Command } from 'commander';
import type { IndexStatus } from '../../../indexers/index-repository.js';
import type { IndexStats } from '../../../indexers/types.js';
import { commandContext, printJson } from '../context.js';
import { progressReporter } from '../progress.js';

interface IndexFlags {
  status?: boolean;
  json?: boolean;
  full?: boolean;
}

const n = (x: number): string => x.toLocaleString('en-US');

/** The one-paragraph summary of a finished run. */
export function summary(stats: IndexStats): string {
  const skipped = Object.entries(stats.skipped)
    .filter(([, c]) => c)
    .map(([reason, c]) => `${reason} ${n(c!)}`)
    .join(', ');
  return (
    `indexed ${n(stats.files)} files (${n(stats.changed)} parsed, ${n(stats.removed)} removed): ` +
    `${n(stats.symbols)} symbols, ${n(stats.chunks)} chunks, ${n(stats.edges)} edges in ${(stats.ms / 1000).toFixed(1)}s` +
    (skipped ? `\nskipped: ${skipped}` : '') +
    '\n'
  );
}

function statusText(s: IndexStatus): string {
  if (s.rebuild) {
    const why = { missing: 'there is no index yet', schema: 'the index was written by another version', embedder: 'the embedder changed' }[s.rebuild];
    return `${why}: the next \`ragent index\` builds it from scratch (${n(s.added.length)} files)\n`;
  }
  const lines = [
    ...s.added.map((p) => `added    ${p}`),
    ...s.changed.map((p) => `changed  ${p}`),
    ...s.removed.map((p) => `removed  ${p}`),
  ];
  if (!lines.length) return 'the index is up to date\n';
  return `${lines.join('\n')}\n${n(s.added.length)} added, ${n(s.changed.length)} changed, ${n(s.removed.length)} removed\n`;
}

async function runIndex(flags: IndexFlags, cmd: Command): Promise<void> {
  const ctx = commandContext(cmd);
  // Loaded here, not at start-up: parsers and the store are heavy and other commands do not need them.
  const { indexRepository, indexStatus } = await import('../../../indexers/index-repository.js');
  if (flags.status) {
    const status = await indexStatus(ctx.repo, ctx.config);
    if (flags.json) printJson(status);
    else process.stdout.write(statusText(status));
    return;
  }
  const progress = progressReporter(flags.json ? { write: () => true } : process.stderr);
  const controller = new AbortController();
  const onSignal = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  try {
    const stats = await indexRepository(ctx.repo, ctx.config, (p) => progress.update(p), { full: flags.full, signal: controller.signal });
    progress.done();
    if (flags.json) printJson(stats);
    else process.stdout.write(summary(stats));
  } catch (err) {
    progress.done();
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
  }
}

/** Register `ragent index`. */
export function registerIndex(program: Command): void {
  program
    .command('index')
    .description('build or update the repository index in .ragent/ (only changed files are parsed again)')
    .option('--status', 'list the files that changed since the last run, without writing anything')
    .option('--full', 'rebuild the index from scratch')
    .option('--json', 'print the final statistics (or the status) as JSON')
    .action(async (flags: IndexFlags, cmd: Command) => runIndex(flags, cmd));
}
