/**
 * Building the code graph from the corpus's columns, and keeping it current after a few files change.
 *
 * A reference links the referencing symbol (or the file's header) to the definitions of the name: those
 * in the file it resolved to, else all of them when few files define it. An import links the two files'
 * headers. Each pair of chunks is linked once, whatever order the edges come in.
 *
 * For updates, the links are also kept grouped by the file whose edges made them, with an index of what
 * each file's edges point at (a name, or a file). After a change only the files whose edges can now
 * resolve differently make their links again; the others' links are renumbered.
 */
import { patchTable, SortedTable } from './columns.js';
import type { CodeGraph } from './graph.js';
import { fileStarts, type ChunkTable, type EdgeTable } from './tables.js';

// A name defined in more files than this is too ambiguous to link a reference to.
const MAX_DEF_FILES = 3;

/** The graph's links grouped by the file whose edges made them, and what those edges point at. */
export interface GraphLinks {
  /** File f's links are pairs `[start[f], start[f+1])` of `lo`/`hi` (chunk indexes, lo < hi), ascending. */
  start: Uint32Array;
  lo: Uint32Array;
  hi: Uint32Array;
  /**
   * What edges point at → the files whose edges do: `name` (lower-case) for references left unresolved,
   * `\0path` for references and imports resolved to a file.
   */
  targets: SortedTable;
}

/** Key of what an edge points at, for `GraphLinks.targets`. */
const targetKey = (edges: EdgeTable, e: number): string => {
  const to = edges.paths[edges.to[e]!]!;
  return to ? `\0${to}` : edges.target.get(e).toLowerCase();
};

/** Edges grouped by the corpus file they come from: file f's are `order[start[f]..start[f+1])`. */
function edgesByFile(t: ChunkTable, edges: EdgeTable): { start: Uint32Array; order: Uint32Array } {
  const fileByPath = new Map(t.paths.map((p, i) => [p, i]));
  const fileOf = Int32Array.from(edges.paths, (p) => fileByPath.get(p) ?? -1);
  const files = t.paths.length;
  const start = new Uint32Array(files + 1);
  for (let e = 0; e < edges.from.length; e++) {
    const f = fileOf[edges.from[e]!]!;
    if (f >= 0) start[f + 1]!++;
  }
  for (let f = 0; f < files; f++) start[f + 1]! += start[f]!;
  const fill = start.slice(0, files);
  const order = new Uint32Array(start[files]!);
  for (let e = 0; e < edges.from.length; e++) {
    const f = fileOf[edges.from[e]!]!;
    if (f >= 0) order[fill[f]!++] = e;
  }
  return { start, order };
}

/** Resolves edges of the table's files to pairs of chunks. */
class Linker {
  private readonly starts: Uint32Array;
  private readonly headerOf: Int32Array;
  private readonly fileOfEdgePath: Int32Array;
  private readonly importCode: number;

  constructor(
    private readonly t: ChunkTable,
    private readonly edges: EdgeTable,
    private readonly defs: SortedTable,
  ) {
    this.starts = fileStarts(t);
    const headerCode = t.kinds.indexOf('header');
    this.headerOf = new Int32Array(t.paths.length).fill(-1);
    for (let f = 0; f < t.paths.length; f++) {
      for (let i = this.starts[f]!; i < this.starts[f + 1]! && this.headerOf[f] === -1; i++) if (t.kind[i] === headerCode) this.headerOf[f] = i;
      if (this.headerOf[f] === -1 && this.starts[f + 1]! > this.starts[f]!) this.headerOf[f] = this.starts[f]!;
    }
    const fileByPath = new Map(t.paths.map((p, i) => [p, i]));
    this.fileOfEdgePath = Int32Array.from(edges.paths, (p) => fileByPath.get(p) ?? -1);
    this.importCode = edges.kinds.indexOf('import');
  }

  /** Pairs made by the edges `ids` of file f, ascending and each once, as `lo * n + hi`. */
  pairs(f: number, ids: Uint32Array): Float64Array {
    const { t, edges, defs } = this;
    const n = t.file.length;
    // Chunks of the file by qualified name.
    const symbols = new Map<string, number[]>();
    for (let i = this.starts[f]!; i < this.starts[f + 1]!; i++) {
      if (!t.qualifiedName.byteLength(i)) continue;
      const q = t.qualifiedName.get(i);
      const a = symbols.get(q);
      if (a) a.push(i);
      else symbols.set(q, [i]);
    }
    const out: number[] = [];
    const link = (a: number, b: number): void => {
      if (a !== b) out.push(a < b ? a * n + b : b * n + a);
    };
    const header = [this.headerOf[f]!];
    for (const e of ids) {
      const from = edges.fromSymbol.byteLength(e) ? (symbols.get(edges.fromSymbol.get(e)) ?? []) : header;
      if (!from.length || from[0]! < 0) continue;
      const toFile = this.fileOfEdgePath[edges.to[e]!]!;
      if (edges.kind[e] === this.importCode) {
        if (toFile >= 0 && this.headerOf[toFile]! >= 0) for (const a of from) link(a, this.headerOf[toFile]!);
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
    return unique(Float64Array.from(out).sort());
  }
}

function unique(sorted: Float64Array): Float64Array {
  let w = 0;
  for (let i = 0; i < sorted.length; i++) if (!i || sorted[i] !== sorted[i - 1]) sorted[w++] = sorted[i]!;
  return sorted.subarray(0, w);
}

/** The links and the graph over a table's chunks and edges, from scratch. */
export function buildGraph(t: ChunkTable, edges: EdgeTable, defs: SortedTable): { graph: CodeGraph; links: GraphLinks } {
  const linker = new Linker(t, edges, defs);
  const byFile = edgesByFile(t, edges);
  const perFile: Float64Array[] = [];
  const targets = new Map<string, number[]>();
  for (let f = 0; f < t.paths.length; f++) {
    const ids = byFile.order.subarray(byFile.start[f]!, byFile.start[f + 1]!);
    perFile.push(ids.length ? linker.pairs(f, ids) : new Float64Array(0));
    for (const e of ids) {
      const key = targetKey(edges, e);
      const a = targets.get(key);
      if (!a) targets.set(key, [f]);
      else if (a[a.length - 1] !== f) a.push(f);
    }
  }
  const links = linksOf(t.file.length, perFile, SortedTable.of(targets, new Map([...targets].map(([k, v]) => [k, v.length]))));
  return { graph: graphOf(t.file.length, links), links };
}

/** What changed, as the snapshot update sees it. */
export interface GraphChange {
  /** Old chunk → new chunk, -1 when removed; old file → new file likewise. */
  chunkMap: Int32Array;
  fileMap: Int32Array;
  /** New indexes of the changed files that still exist. */
  freshFiles: number[];
  /** Paths of every changed file. */
  paths: ReadonlySet<string>;
  /** Lower-case names the changed files defined before or define now. */
  names: ReadonlySet<string>;
  /** How many files defined a name before and do now. */
  oldDefs: SortedTable;
}

/**
 * The links and graph after a change. Files whose edges can resolve differently make their links again:
 * the changed files, files with an edge resolved to a changed file, and files with an unresolved
 * reference to a name the change defines or undefines while few files define it. Every other file's
 * links only change numbering.
 */
export function updateGraph(old: GraphLinks, t: ChunkTable, edges: EdgeTable, defs: SortedTable, change: GraphChange): { graph: CodeGraph; links: GraphLinks } {
  const files = t.paths.length;
  const n = t.file.length;
  // Targets: the old index renumbered, the changed files' edges indexed again.
  const byFile = edgesByFile(t, edges);
  const fresh = new Set(change.freshFiles);
  const added = new Map<string, number[]>();
  for (const f of change.freshFiles) {
    const seen = new Set<string>();
    for (let k = byFile.start[f]!; k < byFile.start[f + 1]!; k++) {
      const key = targetKey(edges, byFile.order[k]!);
      if (seen.has(key)) continue;
      seen.add(key);
      const a = added.get(key);
      if (a) a.push(f);
      else added.set(key, [f]);
    }
  }
  const targets = patchTable(old.targets, change.fileMap, added, (v) => v.length);

  const redo = new Set(fresh);
  const reach = (key: string): void => {
    for (const f of targets.get(key) ?? []) redo.add(f);
  };
  for (const p of change.paths) reach(`\0${p}`);
  for (const name of change.names) {
    const before = change.oldDefs.count(name) ?? 0;
    const after = defs.count(name) ?? 0;
    if ((before > 0 && before <= MAX_DEF_FILES) || (after > 0 && after <= MAX_DEF_FILES)) reach(name);
  }

  const linker = new Linker(t, edges, defs);
  const perFile: Float64Array[] = new Array(files);
  change.fileMap.forEach((f, was) => {
    if (f < 0 || redo.has(f)) return;
    // Renumbering keeps each pair's order (lo < hi) and the list's order: the map is increasing.
    const out = new Float64Array(old.start[was + 1]! - old.start[was]!);
    let w = 0;
    for (let k = old.start[was]!; k < old.start[was + 1]!; k++) {
      const lo = change.chunkMap[old.lo[k]!]!;
      const hi = change.chunkMap[old.hi[k]!]!;
      if (lo >= 0 && hi >= 0) out[w++] = lo * n + hi;
    }
    perFile[f] = out.subarray(0, w);
  });
  for (const f of redo) perFile[f] = linker.pairs(f, byFile.order.subarray(byFile.start[f]!, byFile.start[f + 1]!));
  for (let f = 0; f < files; f++) perFile[f] ??= new Float64Array(0);
  const links = linksOf(n, perFile, targets);
  return { graph: graphOf(n, links), links };
}

function linksOf(n: number, perFile: Float64Array[], targets: SortedTable): GraphLinks {
  const start = new Uint32Array(perFile.length + 1);
  perFile.forEach((p, f) => (start[f + 1] = start[f]! + p.length));
  const lo = new Uint32Array(start[perFile.length]!);
  const hi = new Uint32Array(lo.length);
  perFile.forEach((p, f) => {
    for (let k = 0; k < p.length; k++) {
      const l = Math.floor(p[k]! / n);
      lo[start[f]! + k] = l;
      hi[start[f]! + k] = p[k]! - l * n;
    }
  });
  return { start, lo, hi, targets };
}

/** The undirected graph of the links, each pair once, neighbours ascending. */
function graphOf(n: number, links: GraphLinks): CodeGraph {
  const keys = new Float64Array(links.lo.length);
  for (let k = 0; k < keys.length; k++) keys[k] = links.lo[k]! * n + links.hi[k]!;
  const pairs = unique(keys.sort());
  const deg = new Uint32Array(n);
  for (let i = 0; i < pairs.length; i++) {
    const l = Math.floor(pairs[i]! / n);
    deg[l]!++;
    deg[pairs[i]! - l * n]!++;
  }
  const offsets = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + deg[i]!;
  const fill = offsets.slice(0, n);
  const targets = new Uint32Array(pairs.length * 2);
  // Pairs in ascending order fill each node's neighbours in ascending order: smaller ones first (pairs
  // where it is the larger end come earlier), then larger ones.
  for (let i = 0; i < pairs.length; i++) {
    const l = Math.floor(pairs[i]! / n);
    const h = pairs[i]! - l * n;
    targets[fill[l]!++] = h;
    targets[fill[h]!++] = l;
  }
  return { offsets, targets };
}
