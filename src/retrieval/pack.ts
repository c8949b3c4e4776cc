/**
 * `packContext`: the code a model needs for a task, packed into a token budget. Order of filling: the code
 * the task names outright (with its doc comment); then the best-ranked symbols of each of the best files;
 * then the top-ranked symbols, each with what a reader needs (the file's imports, the enclosing class's
 * header, a few lines around, or a small file whole), interleaved with the rest of the best files; then a
 * repository map of the next-ranked files. Line ranges are merged per file, so no line appears twice, and
 * the final text is counted exactly: `tokens <= budget`, always.
 */
import type { ChunkKind, IndexReader } from '../../indexers/types.js';
import type { TokenCounter } from '../util/tokens.js';
import { countsAddUp, fastBpeCounter } from './count.js';
import { rank, type RankOptions, type Ranking } from './rank.js';
import { LineCache } from './line-cache.js';
import { MAP_HEADER, renderHeader, renderLine, renderMapEntry } from './render.js';
import { blocksOf, bridgeGaps, runsIn, type Block, type FileSel } from './selection.js';

export interface ContextItem {
  path: string;
  startLine: number;
  endLine: number;
  /** The symbol kind of the block's first contributor, or `map` for a repository-map entry. */
  kind: ChunkKind | 'map';
  reason: string;
  /** Tokens of this item's text (header included). */
  tokens: number;
}

export interface Context {
  budget: number;
  /** Exact token count of `text` under `tokenizer`; never above `budget`. */
  tokens: number;
  tokenizer: string;
  items: ContextItem[];
  text: string;
}

export interface PackOptions extends RankOptions {
  /** Token counter (default: cl100k BPE, memoised). */
  counter?: TokenCounter;
  /** Share of the budget kept for the repository map while code is packed (default 0.05, at most 2,000). */
  mapShare?: number;
  /** Lines shown around a symbol (default 3). */
  surround?: number;
  /**
   * Priority of the unmatched rest of the best files against ranked chunks elsewhere, as a share of
   * the file's score (default 0.25): higher packs more of the top files whole.
   */
  fileFill?: number;
  /** How many of the best files the rest-of-file filling considers (default 20). */
  fillFiles?: number;
  /**
   * A file whose whole text takes at most this share of the budget is packed whole as soon as any of
   * its code ranks (default 0.05; 0 turns it off).
   */
  wholeFileShare?: number;
  /**
   * How many of the best files get their best two ranked chunks before the rest is filled by score
   * (default: one per 2,700 tokens of budget, at most 10).
   */
  breadthFiles?: number;
}

/** Pack the context for a task into `budget` tokens. */
export async function packContext(reader: IndexReader, task: string, budget: number, opts: PackOptions = {}): Promise<Context> {
  const ranking = await rank(reader, task, opts);
  return packRanking(ranking, budget, opts);
}

interface Request {
  path: string;
  start: number;
  end: number;
  kind: ChunkKind;
  reason: string;
}


const FILE_FILL = 0.25;
const FILL_FILES = 20;
// The breadth pass reaches one file per this many tokens of budget, at most ten, and takes two chunks
// of each, best first across the files.
const BREADTH_FILES = 10;
const BREADTH_TOKENS = 2_700;
const BREADTH_ROUNDS = 2;
// A fix often touches a second place in the same small file; reading it whole costs little.
const WHOLE_FILE_SHARE = 0.05;

const COMMENT_LINE = /^\s*(\/\*\*?|\*|\/\/)/;

/** First line of the JS/TS comment block that ends right above line `start`, or `start` when there is none. */
export function commentStart(lines: string[] | null, start: number): number {
  if (!lines) return start;
  let n = start - 1;
  while (n >= 1 && COMMENT_LINE.test(lines[n - 1]!)) n--;
  return n + 1;
}

const IMPORT_LINE = /^\s*(import\b|from\s+\S+\s+import\b|export\s+(\*|\{[^}]*\})\s+from\b|(const|let|var)\s+[\w${}\s,:]+=\s*require\()/;

// The longest reasons a header can give, for bounding a header's tokens before its lines are known.
const LONG_REASONS = ['same file as ranked code', 'enclosing interface', 'enclosing namespace', 'named in task', 'rank 9999999'];

/** Pack an existing ranking at `budget`; several budgets can share one ranking and `cache`. */
export function packRanking(r: Ranking, budget: number, opts: PackOptions & { cache?: LineCache } = {}): Context {
  const counter = opts.counter ?? opts.cache?.counter ?? fastBpeCounter();
  const cache = opts.cache ?? new LineCache(r.corpus.reader.root, counter);
  const surround = opts.surround ?? 3;
  const c = r.corpus;
  budget = Math.max(0, Math.floor(budget));
  const mapReserve = budget >= 2_000 ? Math.min(2_000, Math.floor(budget * (opts.mapShare ?? 0.05))) : 0;

  const requests: Request[] = [];
  const sels = new Map<string, FileSel>();
  const fileOrder: string[] = [];
  // Running total: exact line tokens plus a bound per header, so it never falls below the real count.
  let total = 0;

  const headerOf = (sel: FileSel, b: Block): string => renderHeader(sel.path, b.start, b.end, requests[b.owner]!.reason);

  /** Add lines `start..end` of a request, or as many leading lines as fit when `partial`. */
  const tryAdd = (req: Request, limit: number, partial: boolean): boolean => {
    const lines = cache.lines(req.path);
    if (!lines || !lines.length) return false;
    const start = Math.max(1, req.start);
    const end = Math.min(lines.length, req.end);
    if (start > end) return false;
    let sel = sels.get(req.path);
    const fresh = !sel;
    if (!sel) {
      const headerBound = Math.max(...LONG_REASONS.map((why) => counter.count(renderHeader(req.path, lines.length, lines.length, why))));
      sel = { path: req.path, owner: new Int32Array(lines.length + 1).fill(-1), blocks: 0, lineTokens: 0, headerBound };
    }
    const add: number[] = [];
    let tokens = 0;
    for (let n = start; n <= end; n++) {
      if (sel.owner[n]! >= 0) continue;
      add.push(n);
      tokens += cache.lineTokens(req.path, n);
    }
    if (!add.length) return false;
    let newBlocks = 1 - runsIn(sel.owner, start - 1, end + 1);
    if (total + tokens + newBlocks * sel.headerBound > limit) {
      // Only the very first item may be cut, at a line boundary, and only when the selection is empty.
      if (!partial || !fresh) return false;
      let k = 0;
      tokens = 0;
      while (k < add.length && total + sel.headerBound + tokens + cache.lineTokens(req.path, add[k]!) <= limit) tokens += cache.lineTokens(req.path, add[k++]!);
      if (k === 0) return false;
      add.length = k;
      newBlocks = 1;
    }
    const id = requests.length;
    requests.push(req);
    for (const n of add) sel.owner[n] = id;
    sel.lineTokens += tokens;
    sel.blocks += newBlocks;
    total += tokens + newBlocks * sel.headerBound;
    if (fresh) {
      sels.set(req.path, sel);
      fileOrder.push(req.path);
    }
    return true;
  };

  /** A chunk's lines, `pad` more each side; with `doc`, from the start of the comment block above it. */
  const chunkReq = (i: number, reason: string, pad: number, doc = false): Request => {
    const ch = c.chunks[i]!;
    const documented = doc && ch.language !== 'python' && ch.kind !== 'header' && ch.kind !== 'text';
    const start = documented ? commentStart(cache.lines(ch.path), ch.startLine) : ch.startLine;
    return { path: ch.path, start: Math.min(start, ch.startLine - pad), end: ch.endLine + pad, kind: ch.kind, reason };
  };
  const importsReq = (path: string): Request | null => {
    const lines = cache.lines(path);
    if (!lines) return null;
    let last = 0;
    for (let n = 0; n < Math.min(lines.length, 80); n++) if (IMPORT_LINE.test(lines[n]!)) last = n + 1;
    return last ? { path, start: 1, end: last, kind: 'header', reason: 'imports' } : null;
  };
  const classHeaderReq = (i: number): Request | null => {
    const ch = c.chunks[i]!;
    if (!ch.parent) return null;
    const f = c.files[c.chunkFile[i]!]!;
    for (const j of f.chunks) {
      const p = c.chunks[j]!;
      if (p.qualifiedName === ch.parent && p.startLine <= ch.startLine && p.kind !== 'header') {
        const sigLines = Math.max(1, p.signature.split('\n').length);
        return { path: p.path, start: p.startLine, end: p.startLine + sigLines - 1, kind: p.kind, reason: `enclosing ${p.kind}` };
      }
    }
    return null;
  };

  const wholeTokens = budget * (opts.wholeFileShare ?? WHOLE_FILE_SHARE);
  const small = new Map<string, number>();
  /** The whole file, when it is small against the budget (its lines, or 0). */
  const smallFileLines = (path: string): number => {
    let n = small.get(path);
    if (n === undefined) {
      const lines = cache.lines(path);
      let t = 0;
      if (lines && wholeTokens > 0) for (let k = 1; k <= lines.length && t <= wholeTokens; k++) t += cache.lineTokens(path, k);
      small.set(path, (n = lines && wholeTokens > 0 && t <= wholeTokens ? lines.length : 0));
    }
    return n;
  };

  let limit = budget - mapReserve;
  let misses = 0;
  const attempt = (req: Request | null): boolean => {
    if (!req) return false;
    const ok = tryAdd(req, limit, total === 0);
    if (ok) misses = 0;
    else misses++;
    return ok;
  };

  // 1. What the task names outright, with its doc comment: a fix to what it promises lands there.
  for (const i of r.named) attempt(chunkReq(i, 'named in task', 0, true));

  /** A ranked chunk with its reading aids: the whole file when small, its imports, the enclosing class's header. */
  const takeRanked = (i: number, k: number): void => {
    const ch = c.chunks[i]!;
    if (!attempt(chunkReq(i, `rank ${k + 1}`, surround))) return;
    const n = smallFileLines(ch.path);
    // Not counted as a miss when it does not fit yet: the ranked code it belongs to did.
    if (n) tryAdd({ path: ch.path, start: 1, end: n, kind: ch.kind, reason: 'same file as ranked code' }, limit, false);
    attempt(importsReq(ch.path));
    attempt(classHeaderReq(i));
  };

  // 2. Breadth first: the best-ranked chunk of each of the best files, then their second best, since a
  // fix often spans files.
  const breadth = Math.min(opts.breadthFiles ?? Math.min(BREADTH_FILES, Math.round(budget / BREADTH_TOKENS)), r.fileOrder.length);
  /** Per file of the breadth pass: chunk-order positions of its best chunks, one per round. */
  const picks = new Map<number, number[]>();
  const wanted = new Set(r.fileOrder.slice(0, breadth));
  for (let k = 0; k < r.chunkOrder.length; k++) {
    const f = c.chunkFile[r.chunkOrder[k]!]!;
    if (!wanted.has(f)) continue;
    const a = picks.get(f) ?? [];
    if (a.length < BREADTH_ROUNDS) a.push(k);
    picks.set(f, a);
  }
  for (let round = 0; round < BREADTH_ROUNDS; round++) {
    for (const f of r.fileOrder.slice(0, breadth)) {
      const k = picks.get(f)?.[round];
      if (k !== undefined && total < limit) takeRanked(r.chunkOrder[k]!, k);
    }
  }

  // 3. Ranked symbols with their reading aids, interleaved with the rest of the best files.
  const order = candidateOrder(r, opts.fileFill ?? FILE_FILL, opts.fillFiles ?? FILL_FILES);
  for (const { chunk: i, rank: k } of order) {
    if (misses > 150 || total >= limit) break;
    const ch = c.chunks[i]!;
    if (k >= 0) {
      takeRanked(i, k);
    } else if (attempt(chunkReq(i, 'same file as ranked code', 0))) {
      attempt(importsReq(ch.path));
    }
  }

  // Short gaps between blocks of a file cost fewer tokens than the header that splits them: close them.
  for (const sel of sels.values()) total -= bridgeGaps(sel, (n) => cache.lineTokens(sel.path, n));

  // 4. The repository map in what is left.
  limit = budget;
  const mapEntries: Array<{ path: string; text: string; tokens: number; start: number; end: number }> = [];
  let mapTokens = 0;
  const mapHeaderTokens = counter.count(MAP_HEADER);
  for (const f of r.fileOrder.slice(0, 300)) {
    const file = c.files[f]!;
    if (sels.has(file.path)) continue;
    const sigs = signaturesOf(r, f);
    if (!sigs.length) continue;
    const text = renderMapEntry(file.path, sigs);
    const t = counter.count(text);
    const extra = (mapEntries.length ? 0 : mapHeaderTokens) + t;
    if (total + mapTokens + extra > limit) continue;
    mapTokens += extra;
    mapEntries.push({ path: file.path, text, tokens: t, start: sigs[0]!.line, end: sigs.at(-1)!.line });
  }

  // Render. Under a counter whose counts add up line by line the sum is exact; otherwise count the
  // whole text and trim from the end in the rare case the joins cost more.
  const additive = countsAddUp(counter);
  const pieces: Piece[] = [];
  for (const path of fileOrder) {
    const sel = sels.get(path)!;
    const lines = cache.lines(path)!;
    for (const b of blocksOf(sel)) {
      const header = headerOf(sel, b);
      let text = header;
      let tokens = counter.count(header);
      for (let n = b.start; n <= b.end; n++) {
        text += renderLine(n, lines[n - 1]!);
        tokens += cache.lineTokens(path, n);
      }
      const req = requests[b.owner]!;
      pieces.push({ text, item: { path, startLine: b.start, endLine: b.end, kind: req.kind, reason: req.reason, tokens: additive ? tokens : counter.count(text) } });
    }
  }
  mapEntries.forEach((e, k) => {
    const tokens = e.tokens + (k === 0 ? counter.count(MAP_HEADER) : 0);
    pieces.push({ text: e.text, item: { path: e.path, startLine: e.start, endLine: e.end, kind: 'map', reason: 'repository map', tokens } });
  });
  return finish(pieces, budget, counter, additive);
}

interface Piece {
  text: string;
  item: ContextItem;
}

/** The context text: blocks back to back, the map's header before its first entry. */
function joinPieces(pieces: Piece[]): string {
  let out = '';
  pieces.forEach((p, k) => {
    if (p.item.kind === 'map' && (k === 0 || pieces[k - 1]!.item.kind !== 'map')) out += MAP_HEADER;
    out += p.text;
  });
  return out;
}

function finish(pieces: Piece[], budget: number, counter: TokenCounter, additive: boolean): Context {
  let text = joinPieces(pieces);
  let tokens = additive ? pieces.reduce((a, p) => a + p.item.tokens, 0) : counter.count(text);
  while (tokens > budget && pieces.length) {
    const over = tokens - budget;
    let dropped = 0;
    while (pieces.length > 1 && dropped < over) dropped += pieces.pop()!.item.tokens;
    if (dropped < over && pieces.length === 1) {
      const last = pieces[0]!;
      const lines = last.text.split('\n').slice(0, -1);
      if (last.item.kind === 'map' || lines.length <= 2) pieces.pop();
      else {
        lines.pop();
        const end = last.item.endLine - 1;
        lines[0] = renderHeader(last.item.path, last.item.startLine, end, last.item.reason).slice(0, -1);
        last.text = lines.join('\n') + '\n';
        last.item.endLine = end;
        last.item.tokens = counter.count(last.text);
      }
    }
    text = joinPieces(pieces);
    tokens = counter.count(text);
  }
  const firstMap = pieces.find((p) => p.item.kind === 'map');
  if (firstMap && !additive) firstMap.item.tokens = counter.count(MAP_HEADER + firstMap.text);
  return { budget, tokens, tokenizer: counter.name, items: pieces.map((p) => p.item), text };
}

/** Packing candidates: ranked chunks (rank ≥ 0) and unranked chunks of the best files (rank -1), by score. */
function candidateOrder(r: Ranking, fileFill: number, fillFiles: number): Array<{ chunk: number; rank: number }> {
  const c = r.corpus;
  const out: Array<{ chunk: number; rank: number; score: number }> = r.chunkOrder.map((i, k) => ({ chunk: i, rank: k, score: r.chunkScore[i]! }));
  for (const f of r.fileOrder.slice(0, fillFiles)) {
    const file = c.files[f]!;
    const fill = file.prior * fileFill * r.fileScore[f]!;
    for (const i of file.chunks) if (r.chunkScore[i] === 0) out.push({ chunk: i, rank: -1, score: fill });
  }
  return out.sort((a, b) => b.score - a.score || a.chunk - b.chunk);
}

/** The signatures a repository-map entry lists for a file: its symbols, outermost first by line. */
function signaturesOf(r: Ranking, f: number): Array<{ line: number; text: string; depth: number }> {
  const c = r.corpus;
  const out: Array<{ line: number; text: string; depth: number }> = [];
  const seen = new Set<string>();
  for (const i of c.files[f]!.chunks) {
    const ch = c.chunks[i]!;
    if (ch.kind === 'header' || ch.kind === 'text' || seen.has(ch.qualifiedName)) continue;
    seen.add(ch.qualifiedName);
    const first = (ch.signature.split('\n')[0] ?? ch.name).trim().slice(0, 160);
    out.push({ line: ch.startLine, text: first || ch.name, depth: Math.max(0, ch.qualifiedName.split('.').length - 1) });
    if (out.length >= 40) break;
  }
  return out;
}
