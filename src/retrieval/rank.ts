/**
 * Fusion: run every signal for a query, combine their ranked lists by weighted reciprocal rank, and
 * aggregate chunk evidence into file scores. The one ranking behind `search`, `packContext` and the
 * localization eval.
 */
import type { IndexReader } from '../../indexers/types.js';
import type { RagentConfig } from '../config/schema.js';
import { loadCorpus, type Corpus } from './corpus.js';
import { codeGraph, personalizedPageRank } from './graph.js';
import { analyzeQuery, type QueryAnalysis } from './query.js';
import {
  directoryLift,
  saysGenerated,
  fulltextChunks,
  fileNameFiles,
  fulltextFiles,
  mentionFiles,
  nameChunks,
  pathFiles,
  queryWeights,
  testFiles,
  traceChunks,
  vectorChunks,
  withTermFrequency,
  withWordForms,
  type RankedItem,
  type RankedList,
  type SignalName,
} from './signals.js';

export type SignalWeights = RagentConfig['retrieval']['weights'];

export interface RankOptions {
  /** Signal weights (`retrieval.weights`); missing ones take their defaults. */
  weights?: Partial<SignalWeights>;
  /** Skip the vector signal (no embedding call). */
  noVector?: boolean;
  signal?: AbortSignal;
  /** Reciprocal-rank constant of the fusion (default 20): smaller favours the top of each list more. */
  rrfK?: number;
  /** How much of its file's score a chunk inherits in the chunk ranking (default 0.25). */
  fileShare?: number;
  /** How much a file gains from lying under a directory the task's title names (default 0.3). */
  dirLift?: number;
  /** Told when a signal could not run (say, the embedding server is down) and was left out. */
  onWarning?: (message: string) => void;
}

export interface Ranking {
  corpus: Corpus;
  query: QueryAnalysis;
  /** Fused chunk scores, indexed like `corpus.chunks`. */
  chunkScore: Float64Array;
  fileScore: Float64Array;
  chunkSignals: Map<number, Set<SignalName>>;
  fileSignals: Map<number, Set<SignalName>>;
  /** Chunks with a positive score, best first. */
  chunkOrder: number[];
  fileOrder: number[];
  /** Chunks the task names outright: definitions of named identifiers, trace frames, quoted text. */
  named: number[];
}

export const DEFAULT_WEIGHTS: SignalWeights = { fulltext: 2, vector: 0.6, name: 1.2, path: 0.8, trace: 1.5, graph: 0.5, tests: 0.3 };

// Reciprocal-rank constant: small enough that the top of a list counts clearly more than its tail.
const RRF_K = 20;
// How much of a file's own evidence a chunk inherits in the chunk ranking.
const FILE_SHARE = 0.25;
// Weight of another form of a prose word (`counted` → `count`) relative to the word: enough to reach
// code spelled with the root, little enough that a stray form cannot outrank the words themselves.
const WORD_FORM_SHARE = 0.25;
// How much a file gains from lying under a directory the task's title names.
const DIR_LIFT = 0.3;
const GENERATED_PRIOR = 0.2;
const GENERATED_CHECK = 100;

/** Rank the chunks and files of an index for a query. Deterministic for the same index and query. */
export async function rank(reader: IndexReader, text: string, opts: RankOptions = {}): Promise<Ranking> {
  const c = await loadCorpus(reader);
  const w: SignalWeights = { ...DEFAULT_WEIGHTS, ...opts.weights };
  const asked = analyzeQuery(text);
  const qw = queryWeights(asked, c.templateTokens);
  const q = withWordForms(asked, qw, c.chunkText, WORD_FORM_SHARE);
  withTermFrequency(q, qw);

  const lists: RankedList[] = [
    fulltextChunks(c, q, qw),
    fulltextFiles(c, q, qw),
    nameChunks(c, q),
    mentionFiles(c, q),
    pathFiles(c, q),
    fileNameFiles(c, q, qw),
    traceChunks(c, q),
  ];
  if (!opts.noVector && w.vector > 0 && c.chunks.length) {
    try {
      lists.push(await vectorChunks(c, q, opts.signal));
    } catch (err) {
      opts.onWarning?.(`vector signal left out: ${(err as Error).message}`);
    }
  }

  // What a file is (source, test, docs, vendored…) weighs in within each signal, so a list's places go
  // to likely fixes before fusion counts them.
  for (const l of lists) weighByPrior(c, l);

  // Graph propagation starts from what the direct signals agree on.
  const k = opts.rrfK ?? RRF_K;
  const direct = fuseChunks(c, lists, w, k);
  const seeds = direct.order.slice(0, 20).map((id) => ({ id, score: direct.score[id]! }));
  if (w.graph > 0 && seeds.length) {
    lists.push({ signal: 'graph', level: 'chunk', items: personalizedPageRank(codeGraph(c), seeds) });
  }
  const lifted = directoryLift(c, q, opts.dirLift ?? DIR_LIFT);
  // Files that call themselves generated (built bundles) weigh like generated paths do; only the best
  // candidates are read to find out.
  const generated = new Map<number, number>();
  for (const f of fuseFiles(c, lists, w, k, lifted).order.slice(0, GENERATED_CHECK)) if (saysGenerated(c, f)) generated.set(f, GENERATED_PRIOR);
  for (const [f, x] of generated) lifted.set(f, (lifted.get(f) ?? 1) * x);
  const prelimFiles = fuseFiles(c, lists, w, k, lifted);
  if (w.tests > 0) {
    const ranked = prelimFiles.order.map((id) => ({ id, score: prelimFiles.score[id]! }));
    lists.push(weighByPrior(c, testFiles(c, q, ranked)));
  }

  const chunks = fuseChunks(c, lists, w, k);
  const files = fuseFiles(c, lists, w, k, lifted);
  const chunkScore = new Float64Array(c.chunks.length);
  for (let i = 0; i < c.chunks.length; i++) {
    const f = c.chunkFile[i]!;
    const own = chunks.score[i]!;
    chunkScore[i] = own > 0 ? c.files[f]!.prior * (generated.get(f) ?? 1) * (own + (opts.fileShare ?? FILE_SHARE) * files.score[f]!) : 0;
  }
  const chunkOrder = orderOf(chunkScore);
  const named = new Set<number>();
  for (const l of lists) {
    if (l.signal !== 'name' && l.signal !== 'trace') continue;
    if (l.level !== 'chunk') continue;
    const top = l.items[0]?.score ?? 0;
    // Only the strong end of these lists: a definition named in the task, a frame's function.
    for (const it of l.items) if (it.score >= top * 0.5) named.add(it.id);
  }
  return {
    corpus: c,
    query: q,
    chunkScore,
    fileScore: files.score,
    chunkSignals: chunks.signals,
    fileSignals: files.signals,
    chunkOrder,
    fileOrder: files.order,
    named: [...named].sort((a, b) => chunkScore[b]! - chunkScore[a]! || a - b).slice(0, 12),
  };
}

/** Scale a list's scores by each file's prior and re-sort it (in place). */
function weighByPrior(c: Corpus, l: RankedList): RankedList {
  const prior = (id: number): number => c.files[l.level === 'file' ? id : c.chunkFile[id]!]!.prior;
  l.items = l.items.map((it) => ({ id: it.id, score: it.score * prior(it.id) })).sort((a, b) => b.score - a.score || a.id - b.id);
  return l;
}

interface Fused {
  score: Float64Array;
  order: number[];
  signals: Map<number, Set<SignalName>>;
}

function mark(m: Map<number, Set<SignalName>>, id: number, s: SignalName): void {
  const set = m.get(id);
  if (set) set.add(s);
  else m.set(id, new Set([s]));
}

function fuseChunks(c: Corpus, lists: RankedList[], w: SignalWeights, k: number): Fused {
  const score = new Float64Array(c.chunks.length);
  const signals = new Map<number, Set<SignalName>>();
  for (const l of lists) {
    if (l.level !== 'chunk') continue;
    const weight = w[l.signal];
    l.items.forEach((it, r) => {
      score[it.id]! += weight / (k + r + 1);
      mark(signals, it.id, l.signal);
    });
  }
  return { score, order: orderOf(score), signals };
}

/** File scores: file lists count as they are; chunk lists count by each file's best-ranked chunk. */
function fuseFiles(c: Corpus, lists: RankedList[], w: SignalWeights, k: number, lifted: Map<number, number>): Fused {
  const score = new Float64Array(c.files.length);
  const signals = new Map<number, Set<SignalName>>();
  for (const l of lists) {
    const weight = w[l.signal];
    let items: RankedItem[] = l.items;
    if (l.level === 'chunk') {
      const seen = new Set<number>();
      items = [];
      for (const it of l.items) {
        const f = c.chunkFile[it.id]!;
        if (seen.has(f)) continue;
        seen.add(f);
        items.push({ id: f, score: it.score });
      }
    }
    items.forEach((it, r) => {
      score[it.id]! += weight / (k + r + 1);
      mark(signals, it.id, l.signal);
    });
  }
  for (let f = 0; f < score.length; f++) score[f]! *= c.files[f]!.prior * (lifted.get(f) ?? 1);
  return { score, order: orderOf(score), signals };
}

function orderOf(score: Float64Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < score.length; i++) if (score[i]! > 0) out.push(i);
  return out.sort((a, b) => score[b]! - score[a]! || a - b);
}
