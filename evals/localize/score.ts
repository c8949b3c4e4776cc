/**
 * Scoring a localization against the gold patch: file recall@k and reciprocal rank of the ranking,
 * and context recall of a packed context at file level and hunk level.
 */
import type { GoldFile } from './dataset.js';

export interface RankingScore {
  r1: number;
  r5: number;
  r10: number;
  /** Reciprocal rank of the first gold file; 0 when none is ranked. */
  mrr: number;
}

export interface ContextScore {
  /** Share of gold files with at least one line in the context. */
  file: number;
  /** Share of gold hunks whose every changed line is in the context. */
  hunk: number;
}

/** File recall@1/5/10 and reciprocal rank of a ranked list of paths. */
export function scoreRanking(ranked: string[], gold: GoldFile[]): RankingScore {
  const goldPaths = new Set(gold.map((g) => g.path));
  const at = (k: number): number => ranked.slice(0, k).filter((p) => goldPaths.has(p)).length / goldPaths.size;
  const first = ranked.findIndex((p) => goldPaths.has(p));
  return { r1: at(1), r5: at(5), r10: at(10), mrr: first < 0 ? 0 : 1 / (first + 1) };
}

/** Context recall of packed line ranges. */
export function scoreContext(items: Array<{ path: string; startLine: number; endLine: number }>, gold: GoldFile[]): ContextScore {
  const byPath = new Map<string, Array<[number, number]>>();
  for (const it of items) {
    if (!it.path || it.startLine < 1) continue;
    const a = byPath.get(it.path) ?? [];
    a.push([it.startLine, it.endLine]);
    byPath.set(it.path, a);
  }
  const covered = (path: string, line: number): boolean => (byPath.get(path) ?? []).some(([s, e]) => s <= line && line <= e);
  let files = 0;
  let hunks = 0;
  let hunkTotal = 0;
  for (const g of gold) {
    if (byPath.has(g.path)) files++;
    for (const h of g.hunks) {
      hunkTotal++;
      if (h.lines.every((l) => covered(g.path, l))) hunks++;
    }
  }
  return { file: gold.length ? files / gold.length : 0, hunk: hunkTotal ? hunks / hunkTotal : 0 };
}
