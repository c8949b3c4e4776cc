/** A file's selected lines, as packing builds them: runs of lines become blocks, close blocks are joined. */

/** The lines packing has selected in one file. */
export interface FileSel {
  path: string;
  /** Per line (1-based): index of the request that selected it, -1 when not selected. */
  owner: Int32Array;
  /** Contiguous runs of selected lines: each becomes a block with a header. */
  blocks: number;
  lineTokens: number;
  /** Tokens a header of this file can take at most. */
  headerBound: number;
}

/** A run of selected lines, owned by the earliest request that selected one of them. */
export interface Block {
  start: number;
  end: number;
  owner: number;
}

/** Runs of selected lines that touch lines `a..b`. */
export function runsIn(owner: Int32Array, a: number, b: number): number {
  let runs = 0;
  for (let n = Math.max(1, a); n <= Math.min(owner.length - 1, b); n++) {
    if (owner[n]! >= 0 && (n === Math.max(1, a) || owner[n - 1]! < 0)) runs++;
  }
  return runs;
}

/** The blocks of a file's selection, in line order; a block's owner is its earliest request. */
export function blocksOf(sel: FileSel): Block[] {
  const out: Block[] = [];
  const o = sel.owner;
  for (let n = 1; n < o.length; n++) {
    if (o[n]! < 0) continue;
    const start = n;
    while (n + 1 < o.length && o[n + 1]! >= 0) n++;
    let first = o[start]!;
    for (let k = start; k <= n; k++) first = Math.min(first, o[k]!);
    out.push({ start, end: n, owner: first });
  }
  return out;
}

/**
 * Join blocks of a file separated by lines that cost no more than a block header, giving the gap to
 * the block before it. Returns the tokens this saves against the running total (never negative).
 */
export function bridgeGaps(sel: FileSel, lineTokens: (n: number) => number): number {
  const o = sel.owner;
  let saved = 0;
  for (let n = 2; n < o.length; n++) {
    if (o[n]! >= 0 || o[n - 1]! < 0) continue;
    let end = n;
    let cost = 0;
    while (end < o.length && o[end]! < 0 && cost <= sel.headerBound) cost += lineTokens(end++);
    if (end >= o.length || o[end]! < 0 || cost > sel.headerBound) {
      n = end;
      continue;
    }
    for (let k = n; k < end; k++) o[k] = o[n - 1]!;
    sel.lineTokens += cost;
    sel.blocks--;
    saved += sel.headerBound - cost;
    n = end;
  }
  return saved;
}
