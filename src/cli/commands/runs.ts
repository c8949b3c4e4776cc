import type { Command } from 'commander';
import { listRuns, type RunSummary } from '../../run/transcript.js';
import { commandContext, printJson } from '../context.js';

function duration(ms: number | null): string {
  if (ms === null) return '-';
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** The runs as an aligned table, newest first. */
export function formatRuns(runs: RunSummary[]): string {
  if (!runs.length) return 'no runs yet: `ragent run --issue "..."` records one in .ragent/runs/\n';
  const rows = runs.map((r) => [
    r.id,
    r.startedAt.replace('T', ' ').slice(0, 19),
    r.outcome,
    duration(r.durationMs),
    r.tokens ? String(r.tokens.prompt + r.tokens.output) : '-',
    r.mode,
    r.title.length > 50 ? r.title.slice(0, 49) + '…' : r.title,
  ]);
  const head = ['id', 'started (UTC)', 'outcome', 'time', 'tokens', 'mode', 'task'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

/** `ragent runs`: the recorded runs with outcome, time and tokens. */
export function registerRuns(program: Command): void {
  program
    .command('runs')
    .description('list recorded runs (transcripts in .ragent/runs/) with outcome, time and tokens')
    .option('--json', 'print the list as JSON')
    .option('-n, --limit <n>', 'show at most this many runs', (v) => Number.parseInt(v, 10))
    .action((opts: { json?: boolean; limit?: number }, cmd: Command) => {
      const ctx = commandContext(cmd);
      let runs = listRuns(ctx.repo);
      if (opts.limit && opts.limit > 0) runs = runs.slice(0, opts.limit);
      if (opts.json) printJson(runs);
      else process.stdout.write(formatRuns(runs));
    });
}
