/**
 * The code graph over chunks — def/ref edges (a symbol and the definitions of names it uses) and import
 * edges (file headers) — and personalized PageRank over it, so relevance flows from the symbols a task
 * matches to their callers, callees and imports.
 */
import type { SortedTable } from './columns.js';
import type { Corpus } from './corpus.js';
import type { RankedItem } from './signals.js';
import { fileStarts, type ChunkTable, type EdgeTable } from './tables.js';

export interface CodeGraph {
  /** CSR adjacency, undirected: neighbours of node i are `targets[offsets[i]..offsets[i+1])`, ascending. */
  offsets: Uint32Array;
  targets: Uint32Array;
}

// A name defined in more files than this is too ambiguous to link a reference to.
const MAX_DEF_FILES = 3;

/** The corpus's graph. */
export function codeGraph(c: Corpus): CodeGraph {
  return c.graph;
}

/**
 * The graph over a corpus's chunks: a reference links the referencing symbol (or the file's header) to
 * the definitions of the name (those in the file it resolved to, else all of them when few files define
 * it); an import links the two files' headers. Each pair of chunks is linked once, whatever order the
 * edges come in.
 */
export function buildCodeGraph(t: ChunkTable, edges: EdgeTable, defs: SortedTable): CodeGraph {
  const n = t.file.length;
  const starts = fileStarts(t);
  const headerCode = t.kinds.indexOf('header');
  const headerOf = new Int32Array(t.paths.length).fill(-1);
  for (let f = 0; f < t.paths.length; f++) {
    for (let i = starts[f]!; i < starts[f + 1]! && headerOf[f] === -1; i++) if (t.kind[i] === headerCode) headerOf[f] = i;
    if (headerOf[f] === -1 && starts[f + 1]! > starts[f]!) headerOf[f] = starts[f]!;
  }
  const fileByPath = new Map(t.paths.map((p, i) => [p, i]));
  const fileOfEdgePath = Int32Array.from(edges.paths, (p) => fileByPath.get(p) ?? -1);
  // Chunks by qualified name, per file, built for the files edges come from.
  const symbols = new Map<number, Map<string, number[]>>();
  const symbolsOf = (f: number): Map<string, number[]> => {
    let m = symbols.get(f);
    if (!m) {
      m = new Map();
      for (let i = starts[f]!; i < starts[f + 1]!; i++) {
        if (!t.qualifiedName.byteLength(i)) continue;
        const q = t.qualifiedName.get(i);
        const a = m.get(q);
        if (a) a.push(i);
        else m.set(q, [i]);
      }
      symbols.set(f, m);
    }
    return m;
  };
  const importCode = edges.kinds.indexOf('import');
  let pairs = new Float64Array(1 << 16);
  let count = 0;
  const link = (a: number, b: number): void => {
    if (a === b) return;
    if (count === pairs.length) {
      const grown = new Float64Array(pairs.length * 2);
      grown.set(pairs);
      pairs = grown;
    }
    pairs[count++] = a < b ? a * n + b : b * n + a;
  };
  const single = [0];
  for (let e = 0; e < edges.from.length; e++) {
    const fromFile = fileOfEdgePath[edges.from[e]!]!;
    if (fromFile < 0) continue;
    let from: number[];
    if (edges.fromSymbol.byteLength(e)) from = symbolsOf(fromFile).get(edges.fromSymbol.get(e)) ?? [];
    else {
      single[0] = headerOf[fromFile]!;
      from = single;
    }
    if (!from.length || from[0]! < 0) continue;
    const toFile = fileOfEdgePath[edges.to[e]!]!;
    if (edges.kind[e] === importCode) {
      if (toFile >= 0 && headerOf[toFile]! >= 0) for (const a of from) link(a, headerOf[toFile]!);
      continue;
    }
    const k = defs.indexOf(edges.target.get(e).toLowerCase());
    if (k < 0) continue;
    const resolved = edges.paths[edges.to[e]!] !== '';
    if (!resolved && defs.counts[k]! > MAX_DEF_FILES) continue;
    for (let d = defs.start[k]!; d < defs.start[k + 1]!; d++) {
      const b = defs.values[d]!;
      if (resolved && t.file[b] !== toFile) continue;
      for (const a of from) link(a, b);
    }
  }
  const keys = pairs.subarray(0, count).sort();
  const deg = new Uint32Array(n);
  let distinct = 0;
  for (let i = 0; i < count; i++) {
    if (i && keys[i] === keys[i - 1]) continue;
    const lo = Math.floor(keys[i]! / n);
    deg[lo]!++;
    deg[keys[i]! - lo * n]!++;
    distinct++;
  }
  const offsets = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + deg[i]!;
  const fill = offsets.slice(0, n);
  const targets = new Uint32Array(distinct * 2);
  // Pairs in ascending order fill each node's neighbours in ascending order: smaller ones first (pairs
  // where it is the larger end come earlier), then larger ones.
  for (let i = 0; i < count; i++) {
    if (i && keys[i] === keys[i - 1]) continue;
    const lo = Math.floor(keys[i]! / n);
    const hi = keys[i]! - lo * n;
    targets[fill[lo]!++] = hi;
    targets[fill[hi]!++] = lo;
  }
  return { offsets, targets };
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
