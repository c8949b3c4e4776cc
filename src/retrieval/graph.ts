/**
 * The code graph over chunks — def/ref edges (a symbol and the definitions of names it uses) and import
 * edges (file headers) — and personalized PageRank over it, so relevance flows from the symbols a task
 * matches to their callers, callees and imports.
 */
import type { Corpus } from './corpus.js';
import type { RankedItem } from './signals.js';

export interface CodeGraph {
  /** CSR adjacency, undirected: neighbours of node i are `targets[offsets[i]..offsets[i+1])`, ascending. */
  offsets: Uint32Array;
  targets: Uint32Array;
}

/** The corpus's graph. */
export function codeGraph(c: Corpus): CodeGraph {
  return c.graph;
}

/**
 * Personalized PageRank from `seeds` (chunk → weight), computed locally by pushing residual mass
 * (work grows with the neighbourhood reached, not with the graph). Returns chunks by the relevance
 * that reached them through the graph (their own teleport share removed), best first.
 */
export function personalizedPageRank(
  g: CodeGraph,
  seeds: RankedItem[],
  opts: { alpha?: number; epsilon?: number; depth?: number; floor?: number } = {},
): RankedItem[] {
  const alpha = opts.alpha ?? 0.25;
  // Residual per unit of degree below which a node is not pushed further.
  const epsilon = opts.epsilon ?? 1e-4;
  const total = seeds.reduce((a, s) => a + s.score, 0);
  if (!(total > 0) || g.offsets.length < 2) return [];
  const { offsets, targets } = g;
  const degree = (u: number): number => offsets[u + 1]! - offsets[u]!;
  const teleport = new Map<number, number>();
  const p = new Map<number, number>();
  const r = new Map<number, number>();
  const queue: number[] = [];
  const queued = new Set<number>();
  for (const s of seeds) {
    teleport.set(s.id, (teleport.get(s.id) ?? 0) + s.score / total);
    r.set(s.id, (r.get(s.id) ?? 0) + s.score / total);
    if (!queued.has(s.id)) {
      queued.add(s.id);
      queue.push(s.id);
    }
  }
  for (let head = 0; head < queue.length && head < 200_000; head++) {
    const u = queue[head]!;
    queued.delete(u);
    const ru = r.get(u) ?? 0;
    const deg = degree(u);
    if (ru <= 0) continue;
    r.set(u, 0);
    if (deg === 0) {
      // Nowhere to go: the node keeps its mass.
      p.set(u, (p.get(u) ?? 0) + ru);
      continue;
    }
    p.set(u, (p.get(u) ?? 0) + alpha * ru);
    const share = ((1 - alpha) * ru) / deg;
    for (let k = offsets[u]!; k < offsets[u + 1]!; k++) {
      const v = targets[k]!;
      const rv = (r.get(v) ?? 0) + share;
      r.set(v, rv);
      if (rv >= epsilon * Math.max(1, degree(v)) && !queued.has(v)) {
        queued.add(v);
        queue.push(v);
      }
    }
  }
  const out: RankedItem[] = [];
  let top = 0;
  for (const [i, pi] of p) {
    const s = pi - (teleport.get(i) ?? 0) * alpha;
    if (s > 1e-9) out.push({ id: i, score: s });
    if (s > top) top = s;
  }
  // The far end of the walk is noise: keep what got a real share of the relevance.
  const floor = top * (opts.floor ?? 0.05);
  return out
    .filter((x) => x.score >= floor)
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, opts.depth ?? 200);
}
