/**
 * Aggregating localization results per repository, per language and overall, and the summary table.
 */
import type { RankingScore } from './score.js';

export interface MethodResult extends RankingScore {
  /** The ten best files. */
  top: string[];
  /** Per budget (as a string key): context recall and the tokens the context used. */
  ctx: Record<string, { file: number; hunk: number; tokens: number }>;
}

/** One line of the results JSONL. */
export interface LocalizeRow {
  instance_id: string;
  repo: string;
  language: string;
  gold: string[];
  ragent: MethodResult;
  bm25: MethodResult;
  seconds: { index: number; ragent: number; bm25: number };
  /** Set when the instance could not be processed; its scores are then 0. */
  error?: string;
}

export interface MethodAggregate {
  r1: number;
  r5: number;
  r10: number;
  mrr: number;
  ctx: Record<string, { file: number; hunk: number }>;
}

export interface GroupSummary {
  /** `overall`, `python`, `javascript`, or a repository. */
  group: string;
  n: number;
  errors: number;
  ragent: MethodAggregate;
  bm25: MethodAggregate;
}

export interface LocalizeSummary {
  dataset: string;
  budgets: number[];
  resultsFile: string;
  groups: GroupSummary[];
}

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

function aggregate(rows: LocalizeRow[], method: 'ragent' | 'bm25', budgets: number[]): MethodAggregate {
  const m = rows.map((r) => r[method]);
  const ctx: MethodAggregate['ctx'] = {};
  for (const b of budgets) ctx[b] = { file: mean(m.map((x) => x.ctx[b]?.file ?? 0)), hunk: mean(m.map((x) => x.ctx[b]?.hunk ?? 0)) };
  return { r1: mean(m.map((x) => x.r1)), r5: mean(m.map((x) => x.r5)), r10: mean(m.map((x) => x.r10)), mrr: mean(m.map((x) => x.mrr)), ctx };
}

/** Summaries overall, per language and per repository (in that order). */
export function summarize(rows: LocalizeRow[], budgets: number[], dataset: string, resultsFile: string): LocalizeSummary {
  const groups: Array<[string, LocalizeRow[]]> = [['overall', rows]];
  for (const lang of [...new Set(rows.map((r) => r.language))].sort()) groups.push([lang, rows.filter((r) => r.language === lang)]);
  for (const repo of [...new Set(rows.map((r) => r.repo))].sort()) groups.push([repo, rows.filter((r) => r.repo === repo)]);
  return {
    dataset,
    budgets,
    resultsFile,
    groups: groups.map(([group, rs]) => ({
      group,
      n: rs.length,
      errors: rs.filter((r) => r.error).length,
      ragent: aggregate(rs, 'ragent', budgets),
      bm25: aggregate(rs, 'bm25', budgets),
    })),
  };
}

const f2 = (x: number): string => x.toFixed(2);
const kTokens = (b: number): string => (b >= 1000 ? `${Math.round(b / 1000)}k` : String(b));

/** The summary as a plain-text table: one row per group and method. */
export function formatSummary(s: LocalizeSummary): string {
  const head = ['group', 'n', 'method', 'R@1', 'R@5', 'R@10', 'MRR', ...s.budgets.flatMap((b) => [`file@${kTokens(b)}`, `hunk@${kTokens(b)}`])];
  const rows: string[][] = [];
  for (const g of s.groups) {
    for (const method of ['ragent', 'bm25'] as const) {
      const a = g[method];
      rows.push([
        method === 'ragent' ? g.group : '',
        method === 'ragent' ? String(g.n) + (g.errors ? ` (${g.errors} err)` : '') : '',
        method,
        f2(a.r1),
        f2(a.r5),
        f2(a.r10),
        f2(a.mrr),
        ...s.budgets.flatMap((b) => [f2(a.ctx[b]?.file ?? 0), f2(a.ctx[b]?.hunk ?? 0)]),
      ]);
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), ...rows.map(line), '', `results: ${s.resultsFile}`].join('\n');
}
