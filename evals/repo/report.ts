/**
 * The results of repository tasks: one row per task, aggregated per repository and overall, and the summary
 * table printed at the end of a run.
 */
import type { RunOutcome } from '../../src/run/transcript.js';
import type { TestState } from './grade.js';

/** A task the harness could not finish the normal way; `null` when the agent ran and its patch was graded. */
export type TaskFailure = 'timeout' | 'crash' | 'model-unavailable' | 'error';

/** One line of the results JSONL. */
export interface RepoRow {
  instance_id: string;
  repo: string;
  base_commit: string;
  resolved: boolean;
  patchApplied: boolean;
  /** Why the task is not resolved; null when it is. */
  reason: string | null;
  failure: TaskFailure | null;
  /** How the one-shot run ended (`fixed` means the agent's own test run passed, not that the task is resolved). */
  outcome: RunOutcome | 'timeout' | 'crash';
  iterations: number;
  tokens: { prompt: number; output: number };
  failToPass: Record<string, TestState>;
  passToPass: Record<string, TestState>;
  testCommand: string | null;
  judgedBy: string | null;
  seconds: { agent: number; tests: number };
  /** Files kept for the task, relative to the output folder. */
  files: { patch: string; transcript: string | null; testOutput: string | null };
  model: string;
  finishedAt: string;
}

export interface RepoGroup {
  /** `overall` or a repository. */
  group: string;
  tasks: number;
  resolved: number;
  resolvedRate: number;
  applied: number;
  appliedRate: number;
  /** Tasks that timed out, crashed, or found no model. */
  failures: number;
  meanIterations: number;
  meanTokens: { prompt: number; output: number };
  /** Mean wall-clock seconds per task: the agent's run and the grading test run. */
  meanSeconds: { agent: number; tests: number };
}

export interface RepoSummary {
  dataset: string;
  model: string;
  outDir: string;
  resultsFile: string;
  /** Tasks whose run found no model: the next run of the same command retries them. */
  retry: number;
  groups: RepoGroup[];
  tasks: Array<{ instance_id: string; repo: string; resolved: boolean; patchApplied: boolean; reason: string | null; iterations: number; tokens: number }>;
}

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

function group(name: string, rows: RepoRow[]): RepoGroup {
  const resolved = rows.filter((r) => r.resolved).length;
  const applied = rows.filter((r) => r.patchApplied).length;
  return {
    group: name,
    tasks: rows.length,
    resolved,
    resolvedRate: rows.length ? resolved / rows.length : 0,
    applied,
    appliedRate: rows.length ? applied / rows.length : 0,
    failures: rows.filter((r) => r.failure).length,
    meanIterations: mean(rows.map((r) => r.iterations)),
    meanTokens: { prompt: mean(rows.map((r) => r.tokens.prompt)), output: mean(rows.map((r) => r.tokens.output)) },
    meanSeconds: { agent: mean(rows.map((r) => r.seconds.agent)), tests: mean(rows.map((r) => r.seconds.tests)) },
  };
}

/** Overall first, then each repository in name order. `rows` holds one row per task. */
export function summarize(rows: RepoRow[], meta: { dataset: string; model: string; outDir: string; resultsFile: string }): RepoSummary {
  const repos = [...new Set(rows.map((r) => r.repo))].sort();
  return {
    ...meta,
    retry: rows.filter((r) => r.failure === 'model-unavailable').length,
    groups: [group('overall', rows), ...repos.map((repo) => group(repo, rows.filter((r) => r.repo === repo)))],
    tasks: rows.map((r) => ({
      instance_id: r.instance_id,
      repo: r.repo,
      resolved: r.resolved,
      patchApplied: r.patchApplied,
      reason: r.reason,
      iterations: r.iterations,
      tokens: r.tokens.prompt + r.tokens.output,
    })),
  };
}

const duration = (sec: number): string => (sec >= 60 ? `${Math.floor(sec / 60)}m${String(Math.round(sec % 60)).padStart(2, '0')}s` : `${sec.toFixed(1)}s`);
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const tokens = (n: number): string => (n >= 10_000 ? `${(n / 1000).toFixed(0)}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0));

function table(head: string[], rows: string[][], leftColumns: number): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)];
}

/** The summary as plain text: a line per task, then the table per repository and overall. */
export function formatSummary(s: RepoSummary): string {
  const out: string[] = [];
  const ids = Math.max(0, ...s.tasks.map((t) => t.instance_id.length));
  for (const t of s.tasks) {
    const cost = `${String(t.iterations).padStart(3)} it ${tokens(t.tokens).padStart(5)} tok`;
    out.push(`${t.resolved ? 'resolved    ' : 'not resolved'}  ${t.instance_id.padEnd(ids)}  ${cost}${t.reason ? `  ${t.reason}` : ''}`);
  }
  if (s.tasks.length) out.push('');
  const head = ['repository', 'tasks', 'resolved', 'rate', 'applied', 'failed runs', 'iterations', 'prompt tok', 'output tok', 'time'];
  const rows = [...s.groups.slice(1), ...s.groups.slice(0, 1)].map((g) => [
    g.group,
    String(g.tasks),
    String(g.resolved),
    pct(g.resolvedRate),
    pct(g.appliedRate),
    String(g.failures),
    g.meanIterations.toFixed(1),
    tokens(g.meanTokens.prompt),
    tokens(g.meanTokens.output),
    duration(g.meanSeconds.agent + g.meanSeconds.tests),
  ]);
  out.push(...table(head, rows, 1));
  out.push('', `model ${s.model}; iterations, tokens and time (agent run plus grading) are means per task`);
  if (s.retry) out.push(`${s.retry} task(s) found no model: run the same command again to retry them`);
  out.push(`results: ${s.resultsFile}`);
  return out.join('\n');
}
