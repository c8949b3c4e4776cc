import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { RunEvent } from '../../run/pipeline.js';
import { describeEvent } from '../../run/progress.js';
import { listRuns, readTranscript, type RunSummary, type TranscriptLine } from '../../run/transcript.js';
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

/** One run's transcript as readable lines: what it was asked, what it did, how it ended. */
export function formatTranscript(lines: TranscriptLine[]): string {
  const out: string[] = [];
  for (const l of lines) {
    const at = l.t.slice(11, 19);
    if (l.kind === 'start') out.push(`${l.id} (${l.mode}) on ${l.branch} with ${l.model}`, `task: ${l.title}`);
    else if (l.kind === 'note') out.push(`${at} ${l.text.split('\n')[0]}`);
    else if (l.kind === 'event') {
      const text = describeEvent(l.event as RunEvent);
      if (text) out.push(`${at} ${text}`);
    } else if (l.kind === 'end') {
      out.push(`${at} ${l.outcome} (exit ${l.exitCode}) after ${duration(l.durationMs)}; ${l.tokens.prompt + l.tokens.output} tokens`);
      if (l.summary) out.push(l.summary);
    }
  }
  return out.join('\n') + '\n';
}

/** `ragent runs [id]`: the recorded runs with outcome, time and tokens, or one run's transcript. */
export function registerRuns(program: Command): void {
  program
    .command('runs')
    .argument('[id]', 'show this run (an id or a unique prefix of one)')
    .description('list recorded runs (transcripts in .ragent/runs/) with outcome, time and tokens, or show one')
    .option('--json', 'print the list (or the transcript lines) as JSON')
    .option('-n, --limit <n>', 'show at most this many runs', (v) => Number.parseInt(v, 10))
    .action((id: string | undefined, opts: { json?: boolean; limit?: number }, cmd: Command) => {
      const ctx = commandContext(cmd);
      if (id) {
        const found = readTranscript(ctx.repo, id);
        if (!found) throw new UsageError(`no single run matches "${id}"`, 'list the runs with `ragent runs` and pass an id (or a unique prefix)');
        if (opts.json) printJson(found.lines);
        else process.stdout.write(formatTranscript(found.lines));
        return;
      }
      let runs = listRuns(ctx.repo);
      if (opts.limit && opts.limit > 0) runs = runs.slice(0, opts.limit);
      if (opts.json) printJson(runs);
      else process.stdout.write(formatRuns(runs));
    });
}
